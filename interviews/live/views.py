"""The live interview page: a Django page around the Gradio app, with a websocket status bar."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from interviews.catalog import POSITION_LABELS
from interviews.live.mount import gradio_url
from interviews.selectors import session_get_owned


@login_required
def live(request, pk: int):
    # Only the candidate takes their own interview: anyone else gets the same 404 as a missing one.
    session = session_get_owned(request.user, pk)
    if session is None:
        raise Http404("No such interview.")
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
