"""Account pages beyond allauth's: the candidate's profile and interview preferences."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts.forms import ProfileForm


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Profile saved. New interviews start with these choices.")
        return redirect("accounts:profile")
    cohorts = request.user.cohorts.select_related("instructor")
    return render(request, "accounts/profile.html", {"form": form, "cohorts": cohorts})
