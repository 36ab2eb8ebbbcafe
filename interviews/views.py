"""Interview pages: the start form, the candidate's history, and one interview (routed by its status)."""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from interviews.ai.registry import ServiceError
from interviews.forms import JobInterviewForm, StartInterviewForm
from interviews.models import Turn
from interviews.selectors import can_review, session_get_owned, sessions_owned_by
from interviews.services.sessions import start_interview
from interviews.services.tailoring import (
    CVUpload,
    chosen_skills,
    read_job,
    start_job_interview,
    start_missed_practice,
)
from interviews.skills.documents import CVError
from interviews.skills.extraction import JobTextError

HISTORY_PAGE_SIZE = 10


@login_required
def history(request):
    sessions = sessions_owned_by(request.user).select_related("report")
    page = Paginator(sessions, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "interviews/history.html", {"page": page})


# Fields both start forms have: what was typed in one is kept in the other.
SHARED_FIELDS = ("candidate_name", "position", "difficulty", "consent_audio", "consent_video")


@login_required
def start(request):
    """Two ways to start: a topic (one step), or a job description and CV read for skills (two steps:
    "read" shows the skills found, "start" starts with the ones kept). A job that cannot be read leaves
    everything typed in place, and the topic form beside it starts a normal interview."""
    initial = StartInterviewForm.initial_for(request.user, request.GET)
    mode = request.POST.get("mode") if request.method == "POST" else request.GET.get("mode")
    if request.method != "POST":
        return _render_start(
            request, StartInterviewForm(initial=initial), JobInterviewForm(initial=initial), mode
        )
    carried = {**initial, **{k: request.POST[k] for k in SHARED_FIELDS if k in request.POST}}
    if mode != "job":
        form = StartInterviewForm(request.POST, initial=initial)
        if form.is_valid():
            try:
                return redirect(start_interview(user=request.user, **form.cleaned_data))
            except ServiceError as error:
                form.add_error(None, error.user_message)
        return _render_start(request, form, JobInterviewForm(initial=carried), "topic")

    topic_form = StartInterviewForm(initial=carried)
    job_form = JobInterviewForm(request.POST, request.FILES, initial=initial)
    if not job_form.is_valid():
        return _render_start(request, topic_form, job_form, "job", step=request.POST.get("step", "read"))
    data = job_form.cleaned_data
    if request.POST.get("step") == "start":
        skills, unknown = chosen_skills(slugs=data["skills"], added=data["added_skills"])
        if unknown:
            job_form.add_error(
                "added_skills",
                f"We have no questions on {', '.join(unknown)} yet: remove it or pick a skill we know.",
            )
        else:
            try:
                session = start_job_interview(
                    user=request.user,
                    candidate_name=data["candidate_name"],
                    position=data["position"],
                    difficulty=data["difficulty"] or "medium",
                    skills=skills,
                    seniority=request.POST.get("seniority", "")[:10],
                    job_description=data["job_description"],
                    cv_text=data["cv_text"],
                    keep_documents=data["keep_documents"],
                    consent_audio=data["consent_audio"],
                    consent_video=data["consent_video"],
                )
            except ServiceError as error:
                job_form.add_error(None, error.user_message)
            else:
                return redirect(session)
        return _render_start(request, topic_form, job_form, "job", step="start")

    upload = data.get("cv")
    try:
        reading = read_job(
            job_description=data["job_description"],
            cv=CVUpload(name=upload.name, size=upload.size, stream=upload) if upload else None,
            cv_text=data["cv_text"],
        )
    except JobTextError as error:
        job_form.add_error("job_description", error.user_message)
        return _render_start(request, topic_form, job_form, "job")
    except CVError as error:
        job_form.add_error("cv", error.user_message)
        return _render_start(request, topic_form, job_form, "job")
    found = reading.profile
    # The second step: the same form, with the skills found ticked and the CV's text carried.
    step_two = request.POST.copy()
    step_two.setlist("skills", found.slugs)
    step_two["cv_text"] = reading.cv_text
    step_two["difficulty"] = found.difficulty
    job_form = JobInterviewForm(step_two, initial={**initial, "skills": found.slugs})
    job_form.is_valid()
    context = {"seniority": found.seniority, "notices": reading.notices}
    return _render_start(request, topic_form, job_form, "job", step="start", **context)


def _render_start(request, topic_form, job_form, mode, *, step: str = "read", **extra):
    context = {
        "form": topic_form,
        "job_form": job_form,
        "mode": mode or "topic",
        "step": "start" if step == "start" else "read",
        "seniority": request.POST.get("seniority", "")[:10],
        **extra,
    }
    return render(request, "interviews/start.html", context)


@login_required
@require_POST
def practise_missed(request, pk: int):
    """Start an interview on the questions the candidate missed in interview `pk` (their own only)."""
    session = session_get_owned(request.user, pk)
    if session is None:
        raise Http404("No such interview.")
    try:
        practice = start_missed_practice(user=request.user, session=session)
    except ServiceError as error:
        messages.info(request, error.user_message)
        return redirect(session.get_report_url())
    return redirect(practice)


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
