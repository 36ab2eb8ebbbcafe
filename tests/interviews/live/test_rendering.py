"""How the live page renders the interview's text: inline code from the bank, safely, and what is spoken."""

from interviews import live
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
    assert "<code>__eq__</code>" in live._question_html(shown)
    assert "<code>a == b</code>" in live._feedback_html(shown)
    history = live._history_html(shown)
    assert "<code>__eq__</code>" in history and "<code>a.__eq__(b)</code>" in history
    assert "`" not in history


def test_the_interviewer_does_not_read_backticks_aloud():
    from interviews.services.tts import speakable

    assert speakable("What does `__eq__` do?") == "What does __eq__ do?"
    assert speakable("Use `is` for `None`.") == "Use is for None."
