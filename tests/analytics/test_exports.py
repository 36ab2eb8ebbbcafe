import csv
import io
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from analytics.exports import ANSWER_COLUMNS, SESSION_COLUMNS, safe_cell
from tests.factories import CohortMembershipFactory, UserFactory, finished_interview, make_instructor

pytestmark = pytest.mark.django_db


def _rows(response) -> list[dict[str, str]]:
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def _sessions_url(cohort, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("analytics:export_sessions", args=[cohort.pk]) + (f"?{query}" if query else "")


def test_sessions_csv_has_the_documented_columns_and_one_row_per_member_session(
    client, cohort, instructor, candidate
):
    session = finished_interview(
        owner=candidate, topic="sql", accuracy=0.75, fallback_count=2, candidate_name="Alice"
    )
    finished_interview(owner=candidate, topic="python")
    finished_interview(topic="sql")  # not a member
    client.force_login(instructor)

    response = client.get(_sessions_url(cohort))

    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="cohort-{cohort.pk}-sessions.csv"'
    rows = _rows(response)
    assert list(rows[0].keys()) == SESSION_COLUMNS
    assert len(rows) == 2
    row = next(r for r in rows if r["session_id"] == str(session.pk))
    assert row["user"] == "alice" and row["email"] == "alice@example.com" and row["candidate_name"] == "Alice"
    assert (row["topic"], row["status"], row["accuracy"]) == ("sql", "finished", "0.75")
    assert (row["questions_asked"], row["correct"], row["incorrect"]) == ("3", "2", "1")
    assert (row["dominant_expression"], row["avg_wpm"], row["filler_rate"]) == ("neutral", "120.0", "3.5")
    assert row["fallback_count"] == "2"
    assert row["started_at"].startswith(str(timezone.now().year))


def test_answers_csv_has_one_row_per_attempt(client, cohort, instructor, candidate):
    session = finished_interview(owner=candidate)
    client.force_login(instructor)

    rows = _rows(client.get(reverse("analytics:export_answers", args=[cohort.pk])))

    assert list(rows[0].keys()) == ANSWER_COLUMNS
    assert [(r["question_number"], r["attempt"], r["verdict"]) for r in rows] == [
        ("1", "1", "correct"),
        ("2", "1", "incorrect"),
        ("2", "2", "correct"),
        ("3", "1", "incorrect"),
        ("3", "2", "incorrect"),
    ]
    first = rows[0]
    assert first["session_id"] == str(session.pk) and first["user"] == "alice"
    assert first["question"] == "What does a Python list comprehension produce?"
    assert (first["input_mode"], first["words_per_minute"], first["filler_count"]) == ("spoken", "120.0", "2")
    assert rows[4]["answer_revealed"] == "True"


def test_formula_cells_are_neutralised(client, cohort, instructor, candidate):
    finished_interview(owner=candidate, candidate_name="@SUM(A1)")
    client.force_login(instructor)

    sessions = _rows(client.get(_sessions_url(cohort)))
    answers = _rows(client.get(reverse("analytics:export_answers", args=[cohort.pk])))

    assert sessions[0]["candidate_name"] == "'@SUM(A1)"
    assert answers[3]["transcript"] == '\'=HYPERLINK("x")'


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@x", "\tcmd"])
def test_safe_cell_prefixes_every_formula_start(value):
    assert safe_cell(value) == "'" + value


def test_safe_cell_leaves_numbers_and_plain_text_alone():
    assert (safe_cell(-1.5), safe_cell("plain"), safe_cell(None)) == (-1.5, "plain", "")


def test_exports_filter_by_date_range_and_topic(client, cohort, instructor, candidate):
    old = finished_interview(owner=candidate, topic="sql", days_ago=10)
    recent_sql = finished_interview(owner=candidate, topic="sql", days_ago=1)
    recent_python = finished_interview(owner=candidate, topic="python", days_ago=1)
    client.force_login(instructor)
    today = timezone.localdate()
    since = (today - timedelta(days=5)).isoformat()

    def ids(**params):
        return {int(r["session_id"]) for r in _rows(client.get(_sessions_url(cohort, **params)))}

    assert ids(**{"from": since}) == {recent_sql.pk, recent_python.pk}
    assert ids(to=(today - timedelta(days=5)).isoformat()) == {old.pk}
    assert ids(topic="sql") == {old.pk, recent_sql.pk}
    assert ids(**{"from": since, "to": today.isoformat(), "topic": "sql"}) == {recent_sql.pk}
    answers = _rows(client.get(reverse("analytics:export_answers", args=[cohort.pk]) + "?topic=python"))
    assert {r["session_id"] for r in answers} == {str(recent_python.pk)}


def test_a_malformed_filter_is_a_bad_request(client, cohort, instructor):
    client.force_login(instructor)

    assert client.get(_sessions_url(cohort, **{"from": "yesterday"})).status_code == 400


@pytest.mark.parametrize("name", ["analytics:export_sessions", "analytics:export_answers"])
def test_a_candidate_cannot_export_even_their_own_cohort(client, cohort, candidate, name):
    client.force_login(candidate)

    assert client.get(reverse(name, args=[cohort.pk])).status_code == 403


def test_another_instructor_cannot_export_the_cohort(client, cohort):
    client.force_login(make_instructor())

    assert client.get(_sessions_url(cohort)).status_code == 404


def test_a_former_member_is_no_longer_exported(client, cohort, instructor):
    leaver = UserFactory()
    membership = CohortMembershipFactory(cohort=cohort, user=leaver)
    finished_interview(owner=leaver)
    membership.delete()
    client.force_login(instructor)

    assert _rows(client.get(_sessions_url(cohort))) == []


def test_under_asgi_the_export_streams_through_an_async_iterator(async_client, cohort, instructor, candidate):
    finished_interview(owner=candidate)
    async_client.force_login(instructor)

    response = async_to_sync(async_client.get)(reverse("analytics:export_answers", args=[cohort.pk]))

    assert isinstance(response, StreamingHttpResponse) and response.is_async

    async def body() -> bytes:
        return b"".join([chunk async for chunk in response.streaming_content])

    rows = list(csv.DictReader(io.StringIO(async_to_sync(body)().decode())))
    assert len(rows) == 5 and list(rows[0].keys()) == ANSWER_COLUMNS


def test_csv_is_produced_chunk_by_chunk_without_reading_every_row_first():
    from analytics.exports import csv_lines

    consumed = []

    def rows():
        for i in range(450):
            consumed.append(i)
            yield [i, "=bad"]

    chunks = csv_lines(["n", "text"], rows(), rows_per_chunk=200)
    first = next(chunks)

    assert len(consumed) == 199 and first.count("\r\n") == 200  # header + 199 rows
    rest = list(chunks)
    assert len(rest) == 2 and len(consumed) == 450
    assert "".join([first, *rest]).splitlines()[-1] == "449,'=bad"
