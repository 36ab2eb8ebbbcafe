"""Which files a Gradio request may use or download: only those of its own Django session.

A Gradio file value (`FileData`) is just a path the browser sends back, so any caller of the API can name
any file on the server. Gradio's own check (upload folder only) runs only in apps that were `launch()`ed,
and even then any user's upload passes. So the ASGI dispatcher records which paths Gradio stored for
which Django session (uploads, and the interviewer's voice files the app produced for it) in Django's
cache; it swaps any other file value in an API request for a path nobody owns (`without_foreign_files`,
so Gradio never copies it into its cache), and every callback that takes a file goes through
`checked_upload` before touching it.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import threading
from collections import OrderedDict, deque
from collections.abc import Iterable, Mapping
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache

from interviews.ai.registry import InputError

UNUSABLE_RECORDING = "That recording could not be used, please record again."
# Same words as interviews.ai.vision gives a clip it cannot decode: a bad clip is a bad clip.
UNREADABLE_CLIP = "We couldn't read that video clip."
# Gradio deletes its cached files after 30 minutes (build_blocks: delete_cache); a page kept open
# somewhat longer may still replay its voice files.
FILE_GRANT_SECONDS = 2 * 60 * 60
_MAX_PATH_CHARS = 4096


class UnusableUpload(InputError):
    """A file value that is not one of this session's uploads (or is not the kind of file expected)."""

    user_message = UNUSABLE_RECORDING


def refuse_oversized(path: str) -> None:
    """UnusableUpload, with the limit for the candidate, when a recording is over MAX_UPLOAD_BYTES (or gone)."""
    try:
        size = os.path.getsize(path)
    except OSError as error:
        raise UnusableUpload(f"the recording went: {error}") from error
    if size > settings.MAX_UPLOAD_BYTES:
        limit = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
        raise UnusableUpload(
            "the recording is over MAX_UPLOAD_BYTES",
            user_message=f"That recording is too large (limit {limit} MB). Please keep answers shorter.",
        )


def upload_folder() -> str:
    """Gradio's upload cache (GRADIO_TEMP_DIR, or <tmp>/gradio), symlinks resolved."""
    from gradio.utils import get_upload_folder

    return os.path.realpath(get_upload_folder())


def session_owner(cookies: Mapping[str, str]) -> str | None:
    """Who a file belongs to: a digest of the Django session cookie (the cookie itself is never stored)."""
    session_key = cookies.get(settings.SESSION_COOKIE_NAME)
    if not session_key or not isinstance(session_key, str):
        return None
    return hashlib.sha256(session_key.encode("utf-8", "surrogatepass")).hexdigest()


def _resolved_in_upload_folder(path: Any) -> str | None:
    """`path` with symlinks and `..` resolved, if it is a plausible path inside the upload folder."""
    if not isinstance(path, str) or not path or len(path) > _MAX_PATH_CHARS or "\x00" in path:
        return None
    try:
        resolved = os.path.realpath(path)
        folder = upload_folder()
        if os.path.commonpath([resolved, folder]) != folder or resolved == folder:
            return None
    except (OSError, ValueError):
        return None
    return resolved


def _grant_key(owner: str, resolved: str) -> str:
    digest = hashlib.sha256(f"{owner}\x00{resolved}".encode("utf-8", "surrogatepass")).hexdigest()
    return f"interbot:gradio-file:{digest}"


# The last uploads of each session in this process, numbered in the order they were stored: Gradio hands a
# stream event only the newest chunk when the callback is still busy with the one before, so the streaming
# microphone's callback reads the chunks it was not handed from here (interviews.services.dictation). Numbered,
# because Gradio stores equal contents at one path: a second of digital silence is the same file each time.
RECENT_UPLOADS_PER_OWNER = 256
RECENT_UPLOAD_OWNERS = 1024
_recent: OrderedDict[str, deque[tuple[int, str]]] = OrderedDict()
_recent_lock = threading.Lock()
_upload_numbers = itertools.count(1)


def grant_files(paths: Iterable[Any], *, owner: str | None) -> None:
    """Let `owner`'s session use and download `paths` (files Gradio stored for it) for a while."""
    if not owner:
        return
    keys = {}
    for path in paths:
        resolved = _resolved_in_upload_folder(path)
        if resolved is not None:
            keys[_grant_key(owner, resolved)] = True
    if keys:
        cache.set_many(keys, timeout=FILE_GRANT_SECONDS)
        with _recent_lock:
            recent = _recent.pop(owner, None) or deque(maxlen=RECENT_UPLOADS_PER_OWNER)
            recent.extend(
                (next(_upload_numbers), resolved)
                for resolved in map(_resolved_in_upload_folder, paths)
                if resolved is not None
            )
            _recent[owner] = recent
            while len(_recent) > RECENT_UPLOAD_OWNERS:
                _recent.popitem(last=False)


def uploads_between(*, owner: str | None, after: int | None, upto: str) -> list[tuple[int | None, str]]:
    """`owner`'s uploads as (number, real path), oldest first: those stored after upload number `after` up to
    the last upload of `upto` since then (Gradio hands over the newest chunk; equal contents share a path). []
    when `upto` was stored only before `after` (handed over already); [(its last number, `upto`)] when `after`
    is None; [(None, `upto`)] when this process never saw it stored (another process took the upload)."""
    with _recent_lock:
        recent = list(_recent.get(owner or "", ()))
    if after is None:
        numbers = [number for number, path in recent if path == upto]
        return [(numbers[-1] if numbers else None, upto)]
    since = [(number, path) for number, path in recent if number > after]
    ends = [position for position, (_, path) in enumerate(since) if path == upto]
    if ends:
        return since[: ends[-1] + 1]
    return [] if any(path == upto for _, path in recent) else [(None, upto)]


def may_use(path: Any, *, owner: str | None) -> bool:
    """True when `path` lies in Gradio's upload folder and was stored for `owner`'s session."""
    resolved = _resolved_in_upload_folder(path)
    if not owner or resolved is None:
        return False
    return bool(cache.get(_grant_key(owner, resolved))) and os.path.isfile(resolved)


def _path_of(value: Any) -> Any:
    """The path a component value names: a FileData dict ({"path": ...}) or a bare path string."""
    if isinstance(value, Mapping):
        return value.get("path")
    return value


def checked_upload(value: Any, cookies: Mapping[str, str], *, video: bool = False) -> str | None:
    """The real path of an uploaded file value, or None when no file was given.

    Raises UnusableUpload, with one message whatever the reason (so it tells nothing about the server's
    files), unless the file is one of this session's uploads; nothing is opened before that check.
    `video` also refuses a file that is not a video container (a picture sent to the webcam input).
    """
    if value is None or value == "" or value == {}:
        return None
    path = _path_of(value)
    if not may_use(path, owner=session_owner(cookies)):
        raise UnusableUpload("not an upload of this session")
    resolved = os.path.realpath(path)
    if video and not _looks_like_video(resolved):
        raise UnusableUpload("not a video container", user_message=UNREADABLE_CLIP)
    return resolved


def _looks_like_video(path: str) -> bool:
    """What browsers record a webcam in (WebM/Matroska, MP4/QuickTime, Ogg) or AVI, by magic bytes."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(12)
    except OSError:
        return False
    return (
        head.startswith(b"\x1a\x45\xdf\xa3")  # EBML: WebM, Matroska
        or head[4:8] in {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"}  # ISO BMFF: MP4, MOV
        or head.startswith(b"OggS")
        or (head.startswith(b"RIFF") and head[8:12] == b"AVI ")
    )


def refused_placeholder() -> str:
    """A path inside the upload folder that is never stored nor granted: stands in for a refused file value."""
    return os.path.join(upload_folder(), "interbot-refused", "not-this-sessions-file")


def _is_file_value(value: Any) -> bool:
    # What Gradio copies into its cache before any callback runs (gradio_client.utils.is_file_obj_with_meta).
    return (
        isinstance(value, dict)
        and "path" in value
        and isinstance(value.get("meta"), dict)
        and value["meta"].get("_type") == "gradio.FileData"
    )


def without_foreign_files(payload: Any, *, owner: str | None) -> tuple[Any, bool]:
    """A Gradio API request body with every file value that is not `owner`'s replaced by the placeholder.

    Gradio copies each file value into its cache (reading the whole file) before preprocessing, for any
    input component. Swapping a foreign value for a path nobody owns means Gradio never opens it, and the
    callback's `checked_upload` refuses it with the same message as any other unusable file.
    Returns (payload, whether anything was replaced).
    """
    replaced = False

    def swap(value: Any) -> Any:
        nonlocal replaced
        if _is_file_value(value):
            if may_use(value.get("path"), owner=owner):
                return value
            replaced = True
            return {
                "path": refused_placeholder(),
                "orig_name": "refused",
                "meta": {"_type": "gradio.FileData"},
            }
        if isinstance(value, dict):
            return {key: swap(item) for key, item in value.items()}
        if isinstance(value, list):
            return [swap(item) for item in value]
        return value

    return swap(payload), replaced


# Off the event loop (the cache may be Redis or the database), and not behind model work.
acheck_upload = sync_to_async(checked_upload, thread_sensitive=False)
agrant_files = sync_to_async(grant_files, thread_sensitive=False)
amay_use = sync_to_async(may_use, thread_sensitive=False)
awithout_foreign_files = sync_to_async(without_foreign_files, thread_sensitive=False)
