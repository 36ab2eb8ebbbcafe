"""Celery tasks of the inference workers: one task runs any job of interviews.jobs (see interviews.ai.inference).

Acknowledged late and rejected (so redelivered) when its worker process is lost; each delivery is one
attempt, counted in the shared cache, and the candidate is told on the page when their job runs again.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_process_init
from django.conf import settings

from interviews import jobs  # noqa: F401 - registers the jobs this task runs
from interviews.ai import embeddings, inference
from interviews.ai.registry import get_backend
from interviews.live import events

logger = logging.getLogger(__name__)

RETRYING = "A server stopped while handling your answer: trying again…"


@shared_task(
    name=inference.RUN_JOB_TASK, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None
)
def run_job(self, name: str, kwargs: dict, work: str) -> None:
    inference.perform_job(
        name, kwargs, work, retry=lambda: self.retry(countdown=1, throw=False), on_retry=_tell_candidate
    )


def _tell_candidate(kwargs: dict) -> None:
    session_id = kwargs.get("session_id")
    if isinstance(session_id, int):
        events.publish_progress(session_id, RETRYING)


@worker_process_init.connect
def load_models(**_) -> None:
    """Each worker process loads the interactive models once, when it starts: the first candidate it serves
    does not wait for them (CELERY_WARM_MODELS=0 loads them on first use instead)."""
    if not settings.CELERY_WARM_MODELS:
        return
    try:
        for service in ("stt", "tts"):
            loader = getattr(get_backend(service), "load", None)
            if loader:
                loader()
        embeddings.get_encoder()
    except Exception:  # noqa: BLE001 - a model that fails to load fails its jobs, where the candidate is told
        logger.exception("loading the models at worker start failed")
