"""Shared by the Gradio security tests: the in-process page driver and small helpers.

The live-interview fixtures (owner, stranger, interview, cookies) come from tests/security/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings

from interviews.live.mount import GRADIO_PATH
from interviews.models import ExpressionSample, Turn
from tests.interviews.live.gradio_client import GradioPage, http  # noqa: F401  (re-exported)

# Gradio's queue workers live on the event loop that served its first request: one loop per module.
PYTESTMARK = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("memory_channel_layer"),
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:.*:pandas.errors.Pandas4Warning"),
]


def gradio_upload_folder() -> Path:
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder()).resolve()


def file_data(path: str) -> dict:
    """A component value naming `path`, the way any API caller can write it."""
    return {"path": path, "orig_name": Path(path).name or "x", "meta": {"_type": "gradio.FileData"}}


@sync_to_async
def turn_count() -> int:
    return Turn.objects.count()


@sync_to_async
def expression_count() -> int:
    return ExpressionSample.objects.count()


def stored_media() -> set[str]:
    """Every file under MEDIA_ROOT (where answers are stored)."""
    root = Path(settings.MEDIA_ROOT)
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


async def start_interview_for(user) -> int:
    from interviews.services import sessions

    started = await sync_to_async(sessions.start_interview)(
        user=user, candidate_name="Mallory", topic="python", position="sde", difficulty="easy"
    )
    return started.pk


def file_url(path: str) -> str:
    return f"{GRADIO_PATH}/gradio_api/file={path}"


def database_file() -> str:
    """The development database `make run` uses (whether or not this machine has one yet)."""
    return str(Path(settings.BASE_DIR) / "db.sqlite3")
