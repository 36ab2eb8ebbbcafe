"""Issue 8 §5: a picture sent as a webcam clip is explained; a second tab's ungraded answer is kept."""

from __future__ import annotations

import html
from pathlib import Path

import cv2
import numpy as np
import pytest
from asgiref.sync import sync_to_async

from interviews.models import InterviewSession
from interviews.uploads import UNREADABLE_CLIP
from tests.doubles import grader_overtaken_by_another_tab
from tests.security.gradio_live import (
    PYTESTMARK,
    GradioPage,
    expression_count,
    http,
    turn_count,
)

pytestmark = PYTESTMARK


def _png() -> bytes:
    picture = np.full((120, 160, 3), 200, dtype=np.uint8)
    cv2.circle(picture, (80, 60), 30, (90, 120, 200), -1)
    ok, encoded = cv2.imencode(".png", picture)
    assert ok
    return encoded.tobytes()


@pytest.mark.parametrize("name", ["photo.png", "clip.webm"])  # a picture, also when it is named like a clip
async def test_a_picture_sent_to_the_webcam_input_is_explained_like_any_bad_clip(
    interview, owner_cookie, name
):
    await sync_to_async(InterviewSession.objects.filter(pk=interview.pk).update)(consent_video=True)
    async with http(owner_cookie) as client:
        page = await GradioPage(client, interview.pk).open()
        await page.load()
        picture = await page.upload(Path(name), name=name, content=_png())
        seen = await page.trigger(
            "live-webcam", "change", {"live-webcam": picture, "live-consent-video": True}
        )
    told = html.unescape(seen.get("live-error", "") + seen.get("live-notices", ""))
    assert UNREADABLE_CLIP in told
    assert await expression_count() == 0


@pytest.mark.slow
async def test_the_tab_whose_answer_was_not_graded_keeps_its_typed_text(interview, owner_cookie, monkeypatch):
    """Two tabs answer the same question; the other tab's answer is recorded while this one is graded."""
    from interviews.services import sessions

    monkeypatch.setattr(
        sessions,
        "get_grader",
        grader_overtaken_by_another_tab(session_pk=interview.pk, other_answer="I don't know."),
    )
    typed = "I like building reliable software with a small team."
    async with http(owner_cookie) as client:
        page = await GradioPage(client, interview.pk).open()
        shown = await page.load()
        draft = shown["live-submission-id"]
        await page.trigger("live-submit", "click", {"live-answer-text": typed, "live-submission-id": draft})
    assert await turn_count() == 1  # only the other tab's answer was recorded
    assert sessions.STALE_ANSWER_NOTICE in html.unescape(
        "".join(step.get("live-notices", "") for step in page.yields)
    )
    for step in page.yields:  # nothing this tab showed cleared the typed answer or started a new draft
        assert step.get("live-answer-text", {}).get("value", typed) == typed
        assert step.get("live-submission-id", draft) == draft
