"""The live interview page: a Django page around the Gradio app, with a websocket status bar."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from interviews.catalog import POSITION_LABELS
from interviews.gradio_mount import gradio_url
from interviews.models import InterviewSession


@login_required
def live(request, pk: int):
    # Only the candidate takes their own interview: anyone else gets the same 404 as a missing one.
    session = get_object_or_404(InterviewSession, pk=pk, owner=request.user)
    return render(
        request,
        "interviews/live.html",
        {
            "session": session,
            "position_label": POSITION_LABELS.get(session.position, session.position),
            "gradio_src": gradio_url(session.pk),
            "websocket_path": f"/ws/interviews/{session.pk}/",
            "report_url": session.get_report_url(),
        },
    )
