"""Who may open an interview (interviews.selectors), checked for every role, directly and through every page.

The live endpoints (websocket, Gradio app) are in test_selectors_live.py: they need real transactions.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from interviews.selectors import can_review, session_get_owned, sessions_owned_by, sessions_reviewable_by
from tests.factories import ROLES, finished_interview, people_by_role

pytestmark = pytest.mark.django_db

REVIEWERS = {"owner", "cohort_instructor", "staff_with_view"}


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    everyone = people_by_role()
    session = finished_interview(owner=everyone["owner"], consent_audio=True)
    turn = session.turns.first()
    turn.audio.save("answer.webm", ContentFile(b"\x1aE\xdf\xa3 answer"))
    return everyone, session, turn


def _user(everyone: dict, role: str):
    return everyone[role] if role != "anonymous" else None


# --- the selectors themselves -----------------------------------------------------------------


class _Anonymous:
    is_authenticated = False


@pytest.mark.parametrize("role", ROLES)
def test_review_rule_is_the_same_for_one_interview_and_for_the_list(world, role):
    everyone, session, _ = world
    user = _user(everyone, role) or _Anonymous()

    listed = sessions_reviewable_by(user).filter(pk=session.pk).exists()

    assert listed == can_review(user=user, session=session) == (role in REVIEWERS)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_candidate_gets_their_own_interview(world, role):
    everyone, session, _ = world
    user = _user(everyone, role) or _Anonymous()

    assert (session_get_owned(user, session.pk) == session) == (role == "owner")
    assert (session in sessions_owned_by(user)) == (role == "owner")


@pytest.mark.parametrize("malformed", ["1x", None, -1, "", [], {"pk": 1}, "1; DROP TABLE"])
def test_a_malformed_interview_id_finds_nothing(world, malformed):
    everyone, _, _ = world

    assert session_get_owned(everyone["owner"], malformed) is None


def test_an_interview_taken_before_joining_is_not_shared_with_the_instructor(world):
    everyone, _, _ = world
    earlier = finished_interview(owner=everyone["owner"], days_ago=60)

    assert not can_review(user=everyone["cohort_instructor"], session=earlier)
    assert can_review(user=everyone["owner"], session=earlier)


# --- every page, every role -------------------------------------------------------------------

LOGIN = "login"  # 302 to the login page
ADMIN_LOGIN = "admin-login"  # 302 to the admin's login page
LISTED, NOT_LISTED = "listed", "not listed"  # 200, and the interview is (not) in the page or CSV


def _everyone(answer: str, **exceptions: str) -> dict[str, str]:
    return {role: exceptions.get(role, answer) for role in ROLES}


REVIEW = _everyone("404", owner="200", cohort_instructor="200", staff_with_view="200", anonymous=LOGIN)
OWNER_ONLY = _everyone("404", owner="200", anonymous=LOGIN)

# (endpoint, {role: expected}); the URL is built from the world in _url.
PAGES = [
    ("history", _everyone(NOT_LISTED, owner=LISTED, anonymous=LOGIN)),
    ("detail", {**OWNER_ONLY, "owner": "302"}),
    ("live", OWNER_ONLY),
    ("turn_audio", REVIEW),
    ("report", REVIEW),
    ("report_markdown", REVIEW),
    (
        "admin_change",
        _everyone(ADMIN_LOGIN, staff_with_view="200", staff_without_view="403"),
    ),
    (
        "cohort_detail",
        _everyone(
            "404", owner="200", cohort_instructor="200", staff_with_view="200", staff_without_view="200"
        )
        | {"anonymous": LOGIN},
    ),
    (
        "export_sessions",
        _everyone(
            "403",
            cohort_instructor=LISTED,
            other_instructor="404",
            staff_with_view=LISTED,
            staff_without_view=NOT_LISTED,
            anonymous=LOGIN,
        ),
    ),
    (
        "export_answers",
        _everyone(
            "403",
            cohort_instructor=LISTED,
            other_instructor="404",
            staff_with_view=LISTED,
            staff_without_view=NOT_LISTED,
            anonymous=LOGIN,
        ),
    ),
]


def _url(endpoint: str, everyone: dict, session, turn) -> str:
    cohort = everyone["_cohort"]
    return {
        "history": reverse("interviews:history"),
        "detail": reverse("interviews:detail", args=[session.pk]),
        "live": reverse("interviews:live", args=[session.pk]),
        "turn_audio": reverse("interviews:turn_audio", args=[turn.pk]),
        "report": reverse("analytics:report", args=[session.pk]),
        "report_markdown": reverse("analytics:report_markdown", args=[session.pk]),
        "admin_change": reverse("admin:interviews_interviewsession_change", args=[session.pk]),
        "cohort_detail": reverse("analytics:cohort_detail", args=[cohort.pk]),
        "export_sessions": reverse("analytics:export_sessions", args=[cohort.pk]),
        "export_answers": reverse("analytics:export_answers", args=[cohort.pk]),
    }[endpoint]


def _outcome(response, session) -> str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(reverse("admin:login")):
            return ADMIN_LOGIN
        if location.startswith(reverse("account_login")):
            return LOGIN
        return "302"
    if response.status_code != 200 or response.get("Content-Type", "").startswith(
        ("audio/", "text/markdown")
    ):
        return str(response.status_code)
    if response.get("Content-Type", "").startswith("text/csv"):
        body = b"".join(response.streaming_content).decode()
        ids = {row.get("session_id") for row in csv.DictReader(io.StringIO(body))}
        return LISTED if str(session.pk) in ids else NOT_LISTED
    if response.wsgi_request.resolver_match.url_name == "history":
        return LISTED if f"/interviews/{session.pk}/" in response.content.decode() else NOT_LISTED
    return "200"


@pytest.mark.parametrize(
    ("endpoint", "role", "expected"),
    [(endpoint, role, table[role]) for endpoint, table in PAGES for role in ROLES],
    ids=[f"{endpoint}-{role}" for endpoint, table in PAGES for role in ROLES],
)
def test_every_page_of_an_interview_answers_each_role_by_the_one_rule(world, endpoint, role, expected):
    everyone, session, turn = world
    client = Client()
    if role != "anonymous":
        client.force_login(everyone[role])

    response = client.get(_url(endpoint, everyone, session, turn))

    assert _outcome(response, session) == expected
