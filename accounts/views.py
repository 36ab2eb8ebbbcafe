"""Account pages beyond allauth's: the candidate's profile and interview preferences."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.forms import DeleteMyDataForm, ProfileForm
from interviews.services.privacy import delete_my_data


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Profile saved. New interviews start with these choices.")
        return redirect("accounts:profile")
    return _render_profile(request, form, DeleteMyDataForm())


def _render_profile(request, form, delete_form):
    cohorts = request.user.cohorts.select_related("instructor")
    context = {"form": form, "cohorts": cohorts, "delete_form": delete_form}
    return render(request, "accounts/profile.html", context)


@login_required
@require_POST
def delete_data(request):
    """ "Delete my data": everything practised, and the account too when asked."""
    form = DeleteMyDataForm(request.POST)
    if not form.is_valid():
        return _render_profile(request, ProfileForm(instance=request.user), form)
    deleted = delete_my_data(user=request.user, delete_account=form.cleaned_data["delete_account"])
    if deleted.account:
        logout(request)
        messages.success(request, "Your account and all your data have been deleted.")
        return redirect("home")
    messages.success(
        request,
        f"Deleted {deleted.interviews} interview{'s' if deleted.interviews != 1 else ''} with their "
        f"recordings, transcripts, expression samples, job descriptions and CVs.",
    )
    return redirect("accounts:profile")
