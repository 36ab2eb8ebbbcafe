"""Shared copies of recordings and voice files (interviews.ai.shared_files) across processes: none outlives
the jobs that could still need it."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage

from interviews.ai import shared_files


@pytest.fixture
def across_machines(settings, tmp_path):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # never connected to: only says "across processes"
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def _age(reference: str, seconds: float) -> str:
    path = default_storage.path(reference.removeprefix("storage:"))
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_a_copy_no_job_can_still_need_is_removed_and_fresh_ones_stay(across_machines):
    abandoned = _age(shared_files.share_bytes(b"RIFF old", suffix=".wav"), 3 * 3600)
    waiting = _age(shared_files.share_bytes(b"RIFF new", suffix=".wav"), 60)

    assert shared_files.prune_stale(older_than=timedelta(hours=1)) == 1

    assert not os.path.exists(abandoned)
    assert os.path.exists(waiting)


def test_copies_are_kept_for_every_attempt_of_a_job(settings):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 1800}
    settings.CELERY_JOB_ATTEMPTS = 3
    assert shared_files.stale_after() == timedelta(seconds=2 * 1800 * 3)


def test_sharing_prunes_now_and_then_without_a_separate_scheduler(across_machines, monkeypatch):
    abandoned = _age(shared_files.share_bytes(b"RIFF old", suffix=".wav"), 30 * 24 * 3600)
    monkeypatch.setattr(shared_files, "_pruned_at", time.monotonic() - shared_files.PRUNE_EVERY_SECONDS - 1)

    fresh = shared_files.share_bytes(b"RIFF new", suffix=".wav")

    assert not os.path.exists(abandoned)
    assert default_storage.exists(fresh.removeprefix("storage:"))


def test_nothing_shared_yet_is_nothing_to_prune(across_machines):
    assert shared_files.prune_stale() == 0
