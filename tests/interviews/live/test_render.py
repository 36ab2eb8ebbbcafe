"""How the live page renders the interview's text: inline code from the bank, safely, and what is spoken."""

import os
import subprocess
import sys

from django.conf import settings

from interviews.live import render
from interviews.services.sessions import LiveState
from interviews.text import rich_text


def state(**fields) -> LiveState:
    base = dict(
        session_id=1,
        status="in_progress",
        stage="topic",
        question_number=2,
        total_questions=3,
        attempt=1,
        question_text="",
    )
    return LiveState(**(base | fields))


def test_backtick_spans_become_code_elements():
    assert rich_text("Compare `==` with `is` and `__eq__`.") == (
        "Compare <code>==</code> with <code>is</code> and <code>__eq__</code>."
    )


def test_markup_inside_and_outside_code_is_escaped_first():
    shown = rich_text("<b>bold</b> and `<script>alert(1)</script>`")
    assert "<b>" not in shown and "<script>" not in shown
    assert shown == "&lt;b&gt;bold&lt;/b&gt; and <code>&lt;script&gt;alert(1)&lt;/script&gt;</code>"


def test_a_lone_backtick_is_left_as_written():
    assert rich_text("a ` b") == "a ` b"


def test_question_revealed_answer_and_history_show_inline_code():
    shown = state(
        question_text="What does `__eq__` do?",
        last_verdict="incorrect",
        history=[
            {
                "question": "What does `__eq__` do?",
                "transcript": "no idea",
                "verdict": "incorrect",
                "feedback": "The answer: `a == b` calls `a.__eq__(b)`.",
            }
        ],
    )
    assert "<code>__eq__</code>" in render.question_html(shown)
    assert "<code>a == b</code>" in render.feedback_html(shown)
    history = render.history_html(shown)
    assert "<code>__eq__</code>" in history and "<code>a.__eq__(b)</code>" in history
    assert "`" not in history


def test_the_interviewer_does_not_read_backticks_aloud():
    from interviews.ai.tts import speakable

    assert speakable("What does `__eq__` do?") == "What does __eq__ do?"
    assert speakable("Use `is` for `None`.") == "Use is for None."


def test_rendering_needs_no_gradio():
    # The renderers are plain functions of a LiveState: importing them must not load the Gradio app.
    code = (
        "import sys, django; django.setup(); import interviews.live.render; "
        "sys.exit(1 if 'gradio' in sys.modules else 0)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "interbot_site.test_settings"}
    assert subprocess.run([sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR).returncode == 0


def test_a_follow_up_is_labelled_as_such_not_as_a_second_attempt():
    assert "Follow-up" in render.meta_html(state(attempt=2, follow_up=True))
    assert "Second attempt" in render.meta_html(state(attempt=2))
    assert "Follow-up" not in render.meta_html(state(attempt=2))
