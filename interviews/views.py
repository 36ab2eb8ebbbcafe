"""Interview pages: start form, history, and one interview."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render

from interviews.models import InterviewSession


@login_required
def history(request):
    sessions = InterviewSession.objects.filter(owner=request.user)
    return render(request, "interviews/history.html", {"sessions": sessions})


@login_required
def start(request):
    return redirect("interviews:history")


@login_required
def detail(request, pk: int):
    session = get_object_or_404(InterviewSession, pk=pk, owner=request.user)
    return render(request, "interviews/detail.html", {"session": session})
