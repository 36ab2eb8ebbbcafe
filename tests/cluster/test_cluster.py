"""The multi-process topology (deploy/cluster.py: nginx, 2 daphne, 2 Celery workers, PostgreSQL, Redis), with a
scripted candidate answering by voice through nginx and the Gradio API while a worker is killed mid-answer and
the candidate's web process is restarted mid-answer. Run by .ci/run: `pytest -m cluster`."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter

import psycopg
import pytest

from deploy.cluster import POSTGRES, Cluster
from interviews.ai.inference import RETRIED_NOTICE
from tests.cluster.candidate import Candidate, signed_in_cookie

pytestmark = [pytest.mark.cluster, pytest.mark.asyncio(loop_scope="module")]

DATABASE = "interbot_cluster_test"
ATTEMPT = re.compile(r"job answer work=(\w+) attempt (\d+)")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    settings = {
        # A worker lost mid-job: its job goes to another after 45 s (longer than any answer takes here).
        "CELERY_VISIBILITY_TIMEOUT": "45",
        "CELERY_INTERACTIVE_TIME_LIMIT": "40",
        "INTERVIEW_MAX_QUESTIONS": "8",
    }
    # The database is kept between runs (migrations only add); every check reads this run's interview.
    with Cluster(
        database=DATABASE, folder=tmp_path_factory.mktemp("cluster"), env=settings, collect_static=False
    ) as running:
        yield running


def attempts(cluster: Cluster) -> list[tuple[str, int, str]]:
    """(work, attempt, worker) of every answer job started, from the workers' logs."""
    found = []
    for name in cluster.worker_names:
        log = cluster.folder / f"{name}.log"
        text = log.read_text(errors="replace") if log.exists() else ""
        found += [(work, int(n), name) for work, n in ATTEMPT.findall(text)]
    return found


def gradio_requests(cluster: Cluster) -> dict[str, int]:
    """How many Gradio requests each web process served (daphne's access log)."""
    return {
        f"web{n + 1}": (cluster.folder / f"web{n + 1}.log").read_text(errors="replace").count("/live/gradio/")
        for n in range(len(cluster.web_ports))
    }


async def new_attempt(cluster: Cluster, known: list, *, timeout: float = 120) -> tuple[str, int, str]:
    """The first answer job started after `known` (the logs are read per worker, so not in time order)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started = [entry for entry in attempts(cluster) if entry not in known]
        if started:
            return started[0]
        await asyncio.sleep(0.2)
    raise AssertionError("no worker started the answer")


def turns(interview: int) -> list[tuple[str, str, str]]:
    with psycopg.connect(f"{POSTGRES}/{DATABASE}") as connection:
        return connection.execute(
            "SELECT submission_id, input_mode, transcript FROM interviews_turn WHERE session_id = %s "
            "ORDER BY id",
            (interview,),
        ).fetchall()


def status_of(interview: int) -> str:
    with psycopg.connect(f"{POSTGRES}/{DATABASE}") as connection:
        return connection.execute(
            "SELECT status FROM interviews_interviewsession WHERE id = %s", (interview,)
        ).fetchone()[0]


async def test_a_voice_interview_survives_a_lost_worker_and_a_restarted_web_process(cluster):
    assert cluster.workers_answering() == {"worker1", "worker2"}  # their health check
    candidate = Candidate(cluster, signed_in_cookie(cluster))
    interview = await candidate.start_interview()
    feed = await candidate.status_feed()  # the page's websocket stays open, as in a browser
    shown = await candidate.open_page()
    submitted: list[str] = []

    # 1. An answer as usual.
    recording = await candidate.record()
    submitted.append(shown["live-submission-id"])
    shown = await candidate.answer_by_voice(recording, submitted[-1])
    assert shown["live-transcript"] and RETRIED_NOTICE not in shown["live-notices"]
    # Sticky: every Gradio request of this candidate went to one web process.
    served = {web: n for web, n in gradio_requests(cluster).items() if n}
    assert len(served) == 1, served
    sticky = int(next(iter(served)).removeprefix("web")) - 1

    # 2. The worker grading the answer dies (SIGKILL, nothing acknowledged): another one grades it.
    known = attempts(cluster)
    recording = await candidate.record()
    submitted.append(shown["live-submission-id"])
    answering = asyncio.ensure_future(candidate.answer_by_voice(recording, submitted[-1]))
    work, _, grading = await new_attempt(cluster, known)
    doomed = cluster.worker_names.index(grading)
    cluster.kill_worker(doomed)
    cluster.start_worker(doomed)  # as systemd's Restart=always would
    shown = await asyncio.wait_for(answering, timeout=240)
    assert shown["live-transcript"]
    assert RETRIED_NOTICE in shown["live-notices"]  # the candidate is told
    assert sorted(n for w, n, _ in attempts(cluster) if w == work) == [1, 2]

    # 3. The candidate's web process restarts while their answer is being graded: the page (here: the
    # script) sends the same answer again, and gets the one grading of it.
    known = attempts(cluster)
    recording = await candidate.record()
    submitted.append(shown["live-submission-id"])
    answering = asyncio.ensure_future(candidate.answer_by_voice(recording, submitted[-1]))
    work, _, _ = await new_attempt(cluster, known)
    cluster.restart_web(sticky)
    try:
        await answering  # the event stream of the stopped process broke (or, if grading won the race, ended)
    except Exception:  # noqa: BLE001 - however it broke: the page reconnects and sends again
        pass
    shown = await candidate.open_page()
    shown = await candidate.answer_by_voice(recording, submitted[-1])
    assert shown["live-transcript"]
    assert [n for w, n, _ in attempts(cluster) if w == work] == [1]  # graded once, not again

    # 4. The candidate ends the interview.
    finished = await candidate.type_answer("finish interview")
    assert "over" in finished["live-question"] and 'href="' in finished["live-report"]
    await feed.close()
    await candidate.close()

    # Nothing lost, nothing graded twice: one spoken turn for each answer sent, in order.
    recorded = turns(interview)
    assert [submission for submission, _, _ in recorded] == submitted
    assert all(mode == "spoken" and transcript for _, mode, transcript in recorded)
    # Each answer job ran once, but the one whose worker was killed, which ran twice (the first run never ended).
    per_answer = Counter(work for work, _, _ in attempts(cluster))
    assert sorted(per_answer.values()) == [1] * (len(per_answer) - 1) + [2]
    assert status_of(interview) == "finished"
