"""Inference on Celery workers: real workers on a private Redis (broker, channel layer and cache), real jobs."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from celery.contrib.testing.worker import start_worker
from celery.worker import state as worker_state
from channels.layers import get_channel_layer
from django.conf import settings as django_settings
from django.core.files.storage import default_storage

from interbot_site.celery import app as celery_app
from interviews import jobs, tasks
from interviews.ai import inference, shared_files
from interviews.ai.registry import ServiceError
from interviews.live import events
from interviews.models import Turn
from tests.redis_server import private_redis

ROOT = Path(__file__).resolve().parents[2]
SPOKEN = ROOT / "tests" / "data" / "speech" / "sense_and_sensibility_01_austen_64kb-0870.wav"
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    with private_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


def _celery_settings(settings, url: str, *, result_wait: int = 60) -> None:
    settings.CELERY_BROKER_URL = url
    settings.CELERY_RESULT_WAIT = result_wait
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": url, "socket_timeout": 15}]},
        }
    }
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "interbot",
        }
    }


@pytest.fixture
def celery_mode(settings, redis_url):
    # Celery reads its CELERY_* settings from Django's, when it first connects.
    _celery_settings(settings, redis_url)
    return settings


@pytest.fixture
def worker(celery_mode):
    """A real Celery worker (in a thread of this process) taking both queues from the private Redis."""
    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, queues=["interactive", "bulk"], shutdown_timeout=30
    ) as controller:
        yield controller


def tasks_run() -> int:
    return worker_state.total_count.get(inference.RUN_JOB_TASK, 0)


@sync_to_async
def turns_of(interview) -> list[tuple[str, str]]:
    return list(Turn.objects.filter(session_id=interview.pk).values_list("submission_id", "input_mode"))


async def test_a_spoken_answer_is_graded_on_a_worker_from_shared_storage(worker, interview):
    before = tasks_run()
    audio = await sync_to_async(shared_files.share)(str(SPOKEN))
    assert audio.startswith("storage:inference/")  # the message names a stored file, it carries no audio

    state = await inference.run_inference(
        jobs.answer, session_id=interview.pk, submission_id="first-answer", audio=audio
    )

    assert state["last_transcript"] and state["answered_count"] == 1
    assert await turns_of(interview) == [("first-answer", Turn.InputMode.SPOKEN)]
    assert tasks_run() == before + 1
    assert not await sync_to_async(default_storage.exists)(audio.removeprefix("storage:"))  # handed over


async def test_the_interviewer_voice_comes_back_through_shared_storage(worker, tmp_path):
    spoken = await inference.run_deferred(jobs.reply_speech, text="Tell me about yourself.")

    assert spoken["mime"].startswith("audio/") and spoken["audio"].startswith("storage:")
    path = shared_files.fetch(spoken["audio"], folder=str(tmp_path))
    assert Path(path).parent == tmp_path and Path(path).stat().st_size > 10_000


async def test_a_result_whose_layer_message_is_lost_still_reaches_the_page(worker, interview, monkeypatch):
    # The worker's message to the waiting web process is dropped on the way (a Redis connection reset):
    # the result is still found, in the cache, long before CELERY_RESULT_WAIT.
    layer = inference._results_layer()
    sent = []

    async def lost(group, message):
        sent.append(group)

    monkeypatch.setattr(layer, "group_send", lost)
    monkeypatch.setattr(inference, "RESULT_POLL_SECONDS", 0.2)

    state = await inference.run_inference(
        jobs.answer, session_id=interview.pk, submission_id="lost-message", text="A tuple cannot be changed."
    )

    assert sent, "the worker tried to send the result"
    assert state["answered_count"] == 1
    assert await turns_of(interview) == [("lost-message", Turn.InputMode.TYPED)]


async def test_the_same_submission_asked_twice_at_once_runs_once(worker, interview):
    before = tasks_run()
    same = dict(
        session_id=interview.pk, submission_id="double-click", text="A list is mutable, a tuple is not."
    )

    first, second = await asyncio.gather(
        inference.run_inference(jobs.answer, **same), inference.run_inference(jobs.answer, **same)
    )
    again = await inference.run_inference(jobs.answer, **same)  # later, e.g. from a restarted web process

    assert first == second == again and first["answered_count"] == 1
    assert await turns_of(interview) == [("double-click", Turn.InputMode.TYPED)]
    assert tasks_run() == before + 1


calls = itertools.count()


@inference.job("test_fails_once")
def fails_once(*, session_id: int, marker: str) -> dict:
    if next(calls) % 2 == 0:
        raise RuntimeError("the worker tripped")
    return {"marker": marker, "notices": []}


@inference.job("test_always_fails")
def always_fails(*, session_id: int) -> dict:
    raise RuntimeError("broken for good")


async def test_a_retried_job_tells_the_candidate_and_still_answers(worker, interview):
    layer = get_channel_layer()
    page = await layer.new_channel()
    await layer.group_add(events.group_name(interview.pk), page)

    result = await inference.run_inference(fails_once, session_id=interview.pk, marker="kept")

    assert result["marker"] == "kept"
    assert result["notices"] == [inference.RETRIED_NOTICE]
    told = await asyncio.wait_for(layer.receive(page), timeout=5)
    assert told == {"type": "live.progress", "message": tasks.RETRYING}


async def test_a_job_that_keeps_failing_tells_the_candidate_after_its_attempts(worker, interview):
    before = tasks_run()
    with pytest.raises(ServiceError) as failed:
        await inference.run_inference(always_fails, session_id=interview.pk)
    assert failed.value.user_message == inference.FAILED
    assert tasks_run() - before == django_settings.CELERY_JOB_ATTEMPTS


async def test_without_a_worker_on_its_queue_the_candidate_is_told_it_takes_too_long(celery_mode, interview):
    # Only a bulk worker: an interactive job is never taken, so the web process stops waiting.
    celery_mode.CELERY_RESULT_WAIT = 3
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=["bulk"]):
        with pytest.raises(ServiceError) as waited:
            await inference.run_inference(jobs.reply_speech, text="Hello.")
        bulk = await inference.run_bulk(jobs.reply_speech, text="Hello.")
    celery_app.control.purge()  # the interactive job nobody took
    assert waited.value.user_message == inference.TOOK_TOO_LONG
    assert bulk["audio"].startswith("storage:")


# --- A worker process lost mid-job (prefork, as deployed) -----------------------------------------------------


@pytest.mark.slow
async def test_a_job_whose_worker_process_is_killed_runs_again_elsewhere(celery_mode, redis_url, tmp_path):
    celery_mode.CELERY_RESULT_WAIT = 180  # the worker boots while the job waits
    started = tmp_path / "started"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "interbot_site.test_settings",
        "CELERY_BROKER_URL": redis_url,
        "REDIS_URL": redis_url,
        "CELERY_WARM_MODELS": "0",  # this job needs no model: start (and restart the pool process) quickly
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "interbot_site",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "-Q",
            "interactive",
            "--include=tests.interviews.slow_job",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        from tests.interviews import slow_job

        waiting = asyncio.ensure_future(inference.run_inference(slow_job.slow_job, path=str(started)))
        for _ in range(1800):  # the first attempt has begun (the worker may take a while to boot)
            if started.exists():
                break
            await asyncio.sleep(0.1)
        child = int(started.read_text().split()[0])
        os.kill(child, signal.SIGKILL)  # the process running the job dies; the message was not acknowledged

        result = await asyncio.wait_for(waiting, timeout=120)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    attempts = started.read_text().split()
    assert len(attempts) == 2 and attempts[0] != attempts[1]  # run again, by a new worker process
    assert result == {"pid": int(attempts[1]), "notices": [inference.RETRIED_NOTICE]}
