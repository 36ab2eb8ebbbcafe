"""Issue 8 §5: a second tab's ungraded answer is kept."""

from __future__ import annotations

import html

import pytest

from tests.doubles import grader_overtaken_by_another_tab
from tests.security.gradio_live import (
    PYTESTMARK,
    GradioPage,
    http,
    turn_count,
)

pytestmark = PYTESTMARK


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
