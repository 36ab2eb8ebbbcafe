"""Interview pages: the start form, the candidate's history, and one interview (routed by its status)."""

from __future__ import annotations

import mimetypes

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render

from interviews.ai.registry import ServiceError
from interviews.forms import StartInterviewForm
from interviews.models import Turn
from interviews.selectors import can_review, session_get_owned, sessions_owned_by
from interviews.services.sessions import start_interview

HISTORY_PAGE_SIZE = 10


@login_required
def history(request):
    sessions = sessions_owned_by(request.user).select_related("report")
    page = Paginator(sessions, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "interviews/history.html", {"page": page})


@login_required
def start(request):
    form = StartInterviewForm(
        request.POST or None, initial=StartInterviewForm.initial_for(request.user, request.GET)
    )
    if request.method == "POST" and form.is_valid():
        try:
            session = start_interview(user=request.user, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, error.user_message)
        else:
            return redirect(session)
    return render(request, "interviews/start.html", {"form": form})


@login_required
def detail(request, pk: int):
    session = session_get_owned(request.user, pk)
    if session is None:
        raise Http404("No such interview.")
    if session.is_active:
        return redirect("interviews:live", pk=session.pk)
    return redirect(session.get_report_url())


@login_required
def turn_audio(request, pk: int):
    """A stored spoken answer, for its candidate and their reviewers only (media is never public)."""
    turn = get_object_or_404(Turn.objects.select_related("session"), pk=pk)
    if not turn.audio or not can_review(user=request.user, session=turn.session):
        raise Http404("No such recording.")
    # Browsers record answers as webm/ogg/mp4 containers, which mimetypes calls video.
    content_type = (mimetypes.guess_type(turn.audio.name)[0] or "application/octet-stream").replace(
        "video/", "audio/"
    )
    try:
        audio = turn.audio.open("rb")
    except FileNotFoundError as missing:
        raise Http404("The recording file is gone.") from missing
    return FileResponse(audio, content_type=content_type)
