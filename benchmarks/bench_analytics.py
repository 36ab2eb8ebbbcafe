"""Analytics at scale: dashboard latency (p50/p95) and CSV export time and peak memory on generated data.

    .venv/bin/python -m benchmarks.bench_analytics [--users 1000] [--database-url postgres://.../interbot_bench]

Data (users x 20 sessions x 8 answers, 5 expression samples and a report per session) is bulk-created
into a scratch database: a SQLite file in /tmp, then PostgreSQL too when a URL is given (flag,
BENCH_DATABASE_URL or DATABASE_URL) whose database name contains "bench", since it is flushed
(BENCH_SKIP_SQLITE=1 measures PostgreSQL only).
Dashboards are requested through Django's test client (middleware + template rendering included).
Export peak memory is measured with tracemalloc while the streamed response is consumed: flat
across row counts means constant memory; a buffered export of the largest cohort is shown for contrast.
Targets: dashboard p95 < 300 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import tracemalloc
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

SQLITE_PATH = Path("/tmp/interbot_bench_analytics.sqlite3")
SESSIONS_PER_USER = 20
ANSWERS_PER_SESSION = 8
SAMPLES_PER_SESSION = 5
BATCH = 2000
COHORT_SIZES = [25, 50, 100, 200]
DASHBOARD_REQUESTS = 40
TARGET_P95_MS = 300


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@contextmanager
def _scratch_database(url: str):
    """Point the default connection at the scratch database for the duration of the benchmark.

    The same move Django's test runner makes for the test database: the app code under test
    (selectors, views) keeps using the default alias.
    """
    import environ
    from django.db import connections

    original = dict(connections.settings["default"])
    connections["default"].close()
    scratch = environ.Env.db_url_config(url)
    # OPTIONS are backend-specific (SQLite's "timeout" is an error to psycopg): take only the scratch URL's.
    connections.settings["default"] = {
        **original,
        **scratch,
        "OPTIONS": scratch.get("OPTIONS", {}),
        "CONN_MAX_AGE": 600,
    }
    del connections["default"]
    try:
        yield
    finally:
        connections["default"].close()
        connections.settings["default"] = original
        del connections["default"]


def _generate(users: int) -> dict:
    """Bulk-create the data set; returns the ids the measurements need."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts.models import INSTRUCTOR_GROUP, Cohort, CohortMembership, User
    from interviews.catalog import DIFFICULTIES, TOPICS
    from interviews.models import ExpressionSample, InterviewSession, Question, Report, Turn

    rng = random.Random(42)
    topics = [slug for slug, _ in TOPICS]
    difficulties = [slug for slug, _ in DIFFICULTIES]
    now = timezone.now()
    password = make_password("bench-password")

    questions = Question.objects.bulk_create(
        Question(
            text=f"Benchmark question {i} about {topics[i % len(topics)]}?",
            topic=topics[i % len(topics)],
            difficulty=difficulties[i % 3],
            reference_answer="A reference answer of moderate length. " * 3,
            hint="A hint.",
            key_points=["one", "two"],
        )
        for i in range(240)
    )
    instructor = User.objects.create(
        username="bench-instructor", email="instructor@bench.test", password=password
    )
    instructor.groups.add(Group.objects.get_or_create(name=INSTRUCTOR_GROUP)[0])
    staff = User.objects.create(
        username="bench-staff", email="staff@bench.test", password=password, is_staff=True
    )
    candidates = User.objects.bulk_create(
        (User(username=f"bench{i}", email=f"bench{i}@bench.test", password=password) for i in range(users)),
        batch_size=BATCH,
    )

    # started_at is auto_now_add, which bulk_create would overwrite with "now": history needs real dates.
    started_field = InterviewSession._meta.get_field("started_at")
    started_field.auto_now_add = False
    try:
        for first in range(0, users, 50):  # 50 users = 1,000 sessions, 8,000 turns per round trip
            chunk = candidates[first : first + 50]
            starts = [now - timedelta(days=rng.uniform(0, 60)) for _ in range(len(chunk) * SESSIONS_PER_USER)]
            sessions = InterviewSession.objects.bulk_create(
                (
                    InterviewSession(
                        owner=user,
                        candidate_name=user.username,
                        topic=rng.choice(topics),
                        position="sde",
                        difficulty=rng.choice(difficulties),
                        status=InterviewSession.Status.FINISHED,
                        started_at=started,
                        ended_at=started + timedelta(minutes=15),
                        providers={
                            "stt": "FasterWhisperSTT",
                            "llm": rng.choice(["EmbeddedLLM", "HuggingFaceLLM"]),
                        },
                        fallback_count=rng.choice([0, 0, 0, 1]),
                    )
                    for user, started in zip(
                        (user for user in chunk for _ in range(SESSIONS_PER_USER)), starts, strict=True
                    )
                ),
                batch_size=BATCH,
            )
            turns, samples, reports = [], [], []
            for session in sessions:
                verdicts = [
                    rng.choice(["correct", "correct", "partial", "incorrect"])
                    for _ in range(ANSWERS_PER_SESSION)
                ]
                for number, verdict in enumerate(verdicts, start=1):
                    turns.append(
                        Turn(
                            session=session,
                            question=rng.choice(questions),
                            question_number=number,
                            transcript="An answer of about twenty words, spoken by the candidate during the "
                            "benchmark interview, with a few details.",
                            input_mode="spoken",
                            verdict=verdict,
                            score=rng.random(),
                            words_per_minute=rng.uniform(90, 170),
                            filler_count=rng.randint(0, 6),
                            pause_count=rng.randint(0, 4),
                            stt_ms=rng.randint(300, 900),
                            eval_ms=rng.randint(50, 400),
                            tts_ms=rng.randint(200, 400),
                        )
                    )
                samples += [
                    ExpressionSample(
                        session=session,
                        offset_seconds=i * 30.0,
                        label=rng.choice(["neutral", "happy", "sad", "surprise"]),
                        confidence=0.8,
                    )
                    for i in range(SAMPLES_PER_SESSION)
                ]
                correct = verdicts.count("correct")
                reports.append(
                    Report(
                        session=session,
                        accuracy=correct / ANSWERS_PER_SESSION,
                        questions_asked=ANSWERS_PER_SESSION,
                        correct_count=correct,
                        partial_count=verdicts.count("partial"),
                        incorrect_count=verdicts.count("incorrect"),
                        dominant_expression="neutral",
                        strengths=["Clear structure"],
                        weaknesses=["Depth"],
                        improvements=["Practise more"],
                        speaking={
                            "words_per_minute": rng.uniform(90, 170),
                            "filler_rate": rng.uniform(0, 8),
                            "pauses_per_answer": rng.uniform(0, 3),
                        },
                    )
                )
            Turn.objects.bulk_create(turns, batch_size=BATCH)
            ExpressionSample.objects.bulk_create(samples, batch_size=BATCH)
            Report.objects.bulk_create(reports, batch_size=BATCH)
    finally:
        started_field.auto_now_add = True

    cohorts = {}
    for size in sorted({min(size, users) for size in COHORT_SIZES}):
        cohort = Cohort.objects.create(name=f"Bench cohort of {size}", instructor=instructor)
        CohortMembership.objects.bulk_create(
            (CohortMembership(cohort=cohort, user=user) for user in candidates[:size]), batch_size=BATCH
        )
        cohorts[size] = cohort.pk
    return {
        "instructor": instructor.pk,
        "staff": staff.pk,
        "candidates": [user.pk for user in candidates],
        "cohorts": cohorts,
        "session": InterviewSession.objects.filter(owner=candidates[0]).values_list("pk", flat=True).first(),
    }


def _time_requests(client, urls: list[str]) -> tuple[float, float]:
    client.get(urls[0])  # warm-up: template loading and the first connection
    timings = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings), _percentile(timings, 0.95)


def _export(client, url: str) -> tuple[float, int, int]:
    """Seconds, tracemalloc peak bytes and size of a streamed export, read as a client would.

    Timed and traced in two separate requests: tracemalloc slows allocation-heavy code down.
    """
    started = time.perf_counter()
    size = sum(len(chunk) for chunk in client.get(url).streaming_content)
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    for _ in client.get(url).streaming_content:
        pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak, size


def _measure(backend: str, users: int) -> list[dict]:
    from django.core.management import call_command
    from django.test import Client

    from accounts.models import User
    from analytics import exports
    from analytics.selectors import member_sessions

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    ids = _generate(users)
    generated_s = time.perf_counter() - started
    rows: list[dict] = []
    sessions = users * SESSIONS_PER_USER
    rows.append(
        {
            "backend": backend,
            "scenario": f"generate {users} users",
            "rows": sessions * ANSWERS_PER_SESSION,
            "seconds": round(generated_s, 1),
        }
    )

    client = Client(SERVER_NAME="localhost")
    client.force_login(User.objects.get(pk=ids["candidates"][0]))
    p50, p95 = _time_requests(client, ["/analytics/"] * DASHBOARD_REQUESTS)
    rows.append(
        {
            "backend": backend,
            "scenario": f"candidate dashboard ({SESSIONS_PER_USER} sessions)",
            "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1),
            "ok": p95 < TARGET_P95_MS,
        }
    )
    p50, p95 = _time_requests(client, [f"/analytics/reports/{ids['session']}/"] * DASHBOARD_REQUESTS)
    rows.append(
        {
            "backend": backend,
            "scenario": "report page (8 answers)",
            "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1),
            "ok": p95 < TARGET_P95_MS,
        }
    )

    client.force_login(User.objects.get(pk=ids["instructor"]))
    largest = max(ids["cohorts"])
    p50, p95 = _time_requests(client, [f"/analytics/cohorts/{ids['cohorts'][largest]}/"] * DASHBOARD_REQUESTS)
    rows.append(
        {
            "backend": backend,
            "scenario": f"cohort dashboard ({largest} members)",
            "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1),
            "ok": p95 < TARGET_P95_MS,
        }
    )

    staff_client = Client(SERVER_NAME="localhost")
    staff_client.force_login(User.objects.get(pk=ids["staff"]))
    p50, p95 = _time_requests(staff_client, ["/analytics/admin/"] * 10)
    rows.append(
        {
            "backend": backend,
            "scenario": f"admin overview ({sessions} sessions)",
            "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1),
        }
    )

    for size, cohort_pk in sorted(ids["cohorts"].items()):
        for kind in ("sessions", "answers"):
            seconds, peak, body = _export(client, f"/analytics/cohorts/{cohort_pk}/export/{kind}.csv")
            n = size * SESSIONS_PER_USER * (ANSWERS_PER_SESSION if kind == "answers" else 1)
            rows.append(
                {
                    "backend": backend,
                    "scenario": f"export {kind}.csv ({size} members)",
                    "rows": n,
                    "seconds": round(seconds, 2),
                    "peak_kb": peak // 1024,
                    "csv_kb": body // 1024,
                }
            )

    # Contrast: the same answers export built in memory (a plain HttpResponse) grows with the rows.
    from accounts.models import Cohort

    cohort = Cohort.objects.get(pk=ids["cohorts"][largest])

    def buffered() -> str:
        rows = list(exports.answer_rows(member_sessions(cohort)))
        return "".join(exports.csv_lines(exports.ANSWER_COLUMNS, rows))

    started = time.perf_counter()
    body = buffered()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    buffered()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rows.append(
        {
            "backend": backend,
            "scenario": f"answers buffered, for contrast ({largest} members)",
            "rows": largest * SESSIONS_PER_USER * ANSWERS_PER_SESSION,
            "seconds": round(seconds, 2),
            "peak_kb": peak // 1024,
            "csv_kb": len(body) // 1024,
        }
    )
    return rows


def _postgres_url(explicit: str | None) -> str | None:
    url = explicit or os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    if "bench" not in url.rsplit("/", 1)[-1]:
        print(
            f"Skipping PostgreSQL: {url.rsplit('@', 1)[-1]} is not a scratch database (name must contain 'bench')."
        )
        return None
    return url


def run(users: int | None = None, database_url: str | None = None) -> list[dict]:
    from django.conf import settings
    from django.test.utils import override_settings

    users = users or int(os.environ.get("BENCH_ANALYTICS_USERS", "1000"))
    targets = [] if os.environ.get("BENCH_SKIP_SQLITE") else [("sqlite", f"sqlite:///{SQLITE_PATH}")]
    if postgres := _postgres_url(database_url):
        targets.append(("postgresql", postgres))
    rows: list[dict] = []
    # Production-like: no DEBUG query log, plain static storage (no manifest needed), fast hashing.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(
        DEBUG=False, STORAGES=storages, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    ):
        for backend, url in targets:
            if backend == "sqlite":
                SQLITE_PATH.unlink(missing_ok=True)
            with _scratch_database(url):
                rows += _measure(backend, users)
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=int(os.environ.get("BENCH_ANALYTICS_USERS", "1000")))
    parser.add_argument(
        "--database-url", help="a scratch PostgreSQL database (its name must contain 'bench')"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interbot_site.settings")
    os.environ.setdefault("DEBUG", "1")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from benchmarks.run import print_table

    print_table(
        f"bench_analytics ({args.users} users)", run(users=args.users, database_url=args.database_url)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
