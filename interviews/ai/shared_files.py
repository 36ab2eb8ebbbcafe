"""Files handed to inference jobs and back: a local path in one process, a Django storage name across machines.

With Celery, a worker may be on another machine, so a recording travels through `STORAGES["default"]`
(a local directory by default, S3 or any Django storage backend in production) and only its name goes into
the broker message. Without Celery the job runs in the web process and the path is used as it is.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage

# A reference is "storage:<name>" (shared storage) or a local path (the job runs in this process).
_STORED = "storage:"
# Inside the storage: never served (MEDIA_ROOT is reachable only through access-checked views).
_FOLDER = "inference"


def across_processes() -> bool:
    return bool(settings.CELERY_BROKER_URL)


def share(path: str | None) -> str | None:
    """A reference to `path` that the process running the job can open."""
    if not path or not across_processes():
        return path
    suffix = os.path.splitext(path)[1][:10]
    with open(path, "rb") as handle:
        return _STORED + default_storage.save(f"{_FOLDER}/{uuid.uuid4().hex}{suffix}", File(handle))


def share_bytes(content: bytes, *, suffix: str, folder: str | None = None) -> str:
    """A reference to new file with `content`: in shared storage, or in `folder` of this machine."""
    if across_processes():
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
