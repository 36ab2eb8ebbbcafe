"""Files handed to inference jobs and back: a local path in one process, a Django storage name across machines.

With Celery, a worker may be on another machine, so a recording travels through `STORAGES["default"]`
(a local directory by default, S3 or any Django storage backend in production) and only its name goes into
the broker message. Without Celery the job runs in the web process and the path is used as it is.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.utils import timezone

logger = logging.getLogger(__name__)

# A reference is "storage:<name>" (shared storage) or a local path (the job runs in this process).
_STORED = "storage:"
# Inside the storage: never served (MEDIA_ROOT is reachable only through access-checked views).
_FOLDER = "inference"


# A shared copy is deleted by its job (a recording) or by the web process that fetches it (a reply's voice).
# One whose job gave up, or whose page went away before fetching it, is removed by prune_stale once it is
# older than any job can still be waiting for it (every attempt's visibility timeout), and at least an hour.
PRUNE_EVERY_SECONDS = 600.0
_pruned_at = 0.0
_prune_lock = threading.Lock()


def across_processes() -> bool:
    return bool(settings.CELERY_BROKER_URL)


def stale_after() -> timedelta:
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    return timedelta(seconds=max(3600, 2 * visibility * max(settings.CELERY_JOB_ATTEMPTS, 1)))


def prune_stale(*, older_than: timedelta | None = None) -> int:
    """Delete shared copies older than `older_than` (stale_after()); the number deleted."""
    cutoff = timezone.now() - (older_than if older_than is not None else stale_after())
    try:
        _, names = default_storage.listdir(_FOLDER)
    except (FileNotFoundError, NotImplementedError):
        return 0
    deleted = 0
    for name in names:
        path = f"{_FOLDER}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                deleted += 1
        except (FileNotFoundError, NotImplementedError):
            continue  # deleted meanwhile by its job, or a storage that cannot tell a file's age
    if deleted:
        logger.info("removed %d shared inference files older than %s", deleted, cutoff.isoformat())
    return deleted


def _prune_now_and_then() -> None:
    """prune_stale at most every PRUNE_EVERY_SECONDS per process, when files are being shared anyway."""
    global _pruned_at
    with _prune_lock:
        if time.monotonic() - _pruned_at < PRUNE_EVERY_SECONDS:
            return
        _pruned_at = time.monotonic()
    try:
        prune_stale()
    except OSError:
        logger.exception("pruning shared inference files failed")


def share(path: str | None) -> str | None:
    """A reference to `path` that the process running the job can open."""
    if not path or not across_processes():
        return path
    _prune_now_and_then()
    suffix = os.path.splitext(path)[1][:10]
    with open(path, "rb") as handle:
        return _STORED + default_storage.save(f"{_FOLDER}/{uuid.uuid4().hex}{suffix}", File(handle))


def share_bytes(content: bytes, *, suffix: str, folder: str | None = None) -> str:
    """A reference to new file with `content`: in shared storage, or in `folder` of this machine."""
    if across_processes():
        _prune_now_and_then()
        return _STORED + default_storage.save(f"{_FOLDER}/{uuid.uuid4().hex}{suffix}", ContentFile(content))
    if folder:
        os.makedirs(folder, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, suffix=suffix, delete=False) as handle:
        handle.write(content)
    return handle.name


@contextlib.contextmanager
def local_copy(reference: str | None) -> Iterator[str | None]:
    """A path on this machine holding the referenced file, for as long as the block runs."""
    if not reference or not reference.startswith(_STORED):
        yield reference
        return
    name = reference[len(_STORED) :]
    try:
        on_disk = default_storage.path(name)  # a local directory: no copy
    except NotImplementedError:
        on_disk = None
    if on_disk:
        yield on_disk
        return
    suffix = os.path.splitext(name)[1]
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy, default_storage.open(name, "rb") as stored:
        shutil.copyfileobj(stored, copy)
        copy.flush()
        yield copy.name


def fetch(reference: str, *, folder: str) -> str:
    """A local path of the referenced file, moved into `folder` (the shared copy is deleted)."""
    if not reference.startswith(_STORED):
        return reference
    name = reference[len(_STORED) :]
    os.makedirs(folder, exist_ok=True)
    with (
        tempfile.NamedTemporaryFile(dir=folder, suffix=os.path.splitext(name)[1], delete=False) as copy,
        default_storage.open(name, "rb") as stored,
    ):
        shutil.copyfileobj(stored, copy)
    default_storage.delete(name)
    return copy.name


def discard(reference: str | None) -> None:
    """Delete a shared copy once its job is done (a local path is the caller's own file: left alone)."""
    if reference and reference.startswith(_STORED):
        default_storage.delete(reference[len(_STORED) :])
