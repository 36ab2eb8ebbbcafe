"""Streamed webcam frames on real photos: samples per question, attempt and phase; each fault gives a gap, a
notice, and a line in the report, while the interview goes on."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from django.core.cache import cache

from interviews.models import ExpressionGap, ExpressionSample, InterviewSession
from interviews.services import expressions, sessions
from interviews.services.reporting import expressions_by_question, question_results
from tests.eval_data import DATA
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FACES = DATA / "faces"
NOTICES = expressions.NOTICES
Reason = ExpressionGap.Reason


@pytest.fixture(autouse=True)
def short_interview(settings):
    settings.INTERVIEW_GENERAL_QUESTIONS = 1
    settings.INTERVIEW_MAX_QUESTIONS = 3
    cache.clear()  # "answering" marks are keyed by interview id, which a rolled-back test may reuse
    yield
    expressions._watches.clear()


def new_session(*, consent_video: bool = True) -> InterviewSession:
    return sessions.start_interview(
        user=UserFactory(),
        candidate_name="Ada",
        topic="python",
        position="sde",
        difficulty="easy",
        consent_video=consent_video,
    )


def jpeg(image: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".jpg", image)
    assert ok
    return encoded.tobytes()


def photo(name: str) -> bytes:
    return (FACES / name).read_bytes()


def face_frames() -> list[bytes]:
    """A few real face photos, as a webcam would send them (JPEG), each picture different."""
    return [
        photo("neutral/grace_hopper.jpg"),
        photo("happy/0-f15-hao-ph.jpg"),
        photo("surprise/0-f1-su-ph.jpg"),
    ]


def empty_room(seed: int) -> bytes:
    """A wall with camera noise, no face: a different picture every frame, as from a live camera."""
    rng = np.random.default_rng(seed)
    wall = np.full((240, 320, 3), 170, dtype=np.uint8)
    noise = rng.integers(0, 12, wall.shape, dtype=np.uint8)
    return jpeg(cv2.add(wall, noise))


def two_people() -> bytes:
    left = cv2.imread(str(FACES / "angry" / "15-f13-anc-ph.jpg"))
    right = cv2.resize(cv2.imread(str(FACES / "happy" / "0-f15-hao-ph.jpg")), (left.shape[1], left.shape[0]))
    return jpeg(np.hstack([left, right]))


def frame(session, data: bytes, at: float) -> expressions.Glimpse:
    return expressions.record_frame(session=session, frame=data, at_seconds=at)


def gaps(session) -> list[ExpressionGap]:
    return list(ExpressionGap.objects.filter(session=session).order_by("from_seconds"))


def test_frames_are_tied_to_the_question_and_attempt_on_screen_and_to_listening_or_answering():
    session = new_session()
    for second, picture in enumerate(face_frames()):
        seen = frame(session, picture, second)
        assert seen.expression in {"angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"}
        assert seen.notice == ""
    expressions.mark_answering(session=session)
    frame(session, photo("angry/15-f13-anc-ph.jpg"), 4)

    samples = list(ExpressionSample.objects.filter(session=session).order_by("offset_seconds"))
    assert [(s.question_number, s.attempt) for s in samples] == [(1, 1)] * 4
    assert [s.phase for s in samples] == ["listening"] * 3 + ["answering"]

    sessions.submit_answer(session=session, text="I don't know.", submission_id="first")  # a hint: attempt 2
    frame(session, photo("neutral/grace_hopper.jpg"), 10)
    latest = ExpressionSample.objects.filter(session=session).latest("offset_seconds")
    assert (latest.question_number, latest.attempt, latest.phase) == (
        1,
        2,
        "listening",
    )  # answering was attempt 1's
    turn = session.turns.get()
    assert set(turn.expressions.values_list("attempt", flat=True)) == {1}  # the answered attempt's frames


def test_no_frame_is_analysed_or_stored_without_consent_or_after_the_interview():
    session = new_session(consent_video=False)
    assert frame(session, face_frames()[0], 1) == expressions.Glimpse()
    watched = new_session()
    sessions.finish_interview(session=watched)
    assert frame(watched, face_frames()[0], 1) == expressions.Glimpse()
    assert not ExpressionSample.objects.exists() and not ExpressionGap.objects.exists()


def test_the_switch_turned_off_on_the_live_page_stops_the_analysis():
    session = new_session()
    frame(session, face_frames()[0], 1)
    expressions.set_video_consent(session=session, consent=False)
    assert frame(session, face_frames()[1], 2) == expressions.Glimpse()
    assert ExpressionSample.objects.filter(session=session).count() == 1


def test_no_face_for_30_seconds_is_told_once_it_lasts_and_reported_as_one_gap():
    session = new_session()
    frame(session, face_frames()[0], 0)
    told = [frame(session, empty_room(second), second).notice for second in range(1, 33)]
    assert told[:29] == [""] * 29  # looking away for a moment is nobody's business
    assert told[30] == NOTICES[Reason.NO_FACE]  # 30 s after the face went
    assert [(g.reason, g.from_seconds, g.to_seconds) for g in gaps(session)] == [(Reason.NO_FACE, 1, 32)]
    back = frame(session, face_frames()[1], 33)
    assert back.notice == "" and back.expression


def test_several_faces_pause_expressions_at_once_and_are_reported():
    session = new_session()
    seen = frame(session, two_people(), 5)
    assert seen.notice == NOTICES[Reason.SEVERAL_FACES]
    assert not ExpressionSample.objects.filter(session=session).exists()  # whose expression would it be?
    assert [g.reason for g in gaps(session)] == [Reason.SEVERAL_FACES]


def test_a_frozen_stream_is_noticed_after_a_few_identical_pictures():
    session = new_session()
    still = face_frames()[0]
    told = [frame(session, still, second).notice for second in range(0, 8)]
    assert told[:5] == [""] * 5
    assert told[6] == NOTICES[Reason.FROZEN]
    assert [g.reason for g in gaps(session)] == [Reason.FROZEN]
    assert (
        ExpressionSample.objects.filter(session=session).count() == 5
    )  # nothing read from the frozen picture


def test_an_unreadable_frame_is_a_gap_not_a_crash():
    session = new_session()
    seen = frame(session, b"\xff\xd8\xff\xe0 not really a jpeg", 3)
    assert seen.notice == NOTICES[Reason.UNREADABLE]
    assert [g.reason for g in gaps(session)] == [Reason.UNREADABLE]


@pytest.mark.parametrize("reason", [Reason.CAMERA_DENIED, Reason.CAMERA_LOST])
def test_a_refused_or_stopped_camera_is_recorded_where_it_happened(reason):
    session = new_session()
    seen = expressions.record_camera_problem(session=session, reason=reason)
    assert seen.notice == NOTICES[reason]
    (gap,) = gaps(session)
    assert (gap.reason, gap.question_number, gap.attempt) == (reason, 1, 1)
    assert expressions.record_camera_problem(session=session, reason="anything else") == expressions.Glimpse()


def test_the_report_shows_per_question_expressions_and_where_they_are_missing():
    session = new_session()
    for second, picture in enumerate(face_frames()):
        frame(session, picture, second)
    expressions.mark_answering(session=session)
    for second in range(10, 15):
        frame(session, empty_room(second), second)
    sessions.submit_answer(session=session, text="I don't know.", submission_id="first")
    expressions.record_camera_problem(session=session, reason=Reason.CAMERA_LOST)
    sessions.submit_answer(session=session, text="Still no idea.", submission_id="second")

    results = question_results(session.turns.select_related("question"))
    (question,) = expressions_by_question(
        results,
        ExpressionSample.objects.filter(session=session),
        ExpressionGap.objects.filter(session=session),
    )
    first, after_hint = question.attempts
    assert first.listening and first.answering == ""  # the face went when the answer began
    assert first.missing == ("no face in view for 5 s",)
    assert not after_hint.seen and after_hint.missing == ("the camera stopped",)
