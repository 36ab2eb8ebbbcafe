"""Pushes live-interview state to the page's websocket group (interview-<pk>) over the channel layer."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def group_name(session_id: int) -> str:
    return f"interview-{session_id}"


def _state_payload(state: Any) -> dict[str, Any]:
    return state.to_dict() if hasattr(state, "to_dict") else dict(state)


async def apublish_state(session_id: int, state: Any) -> None:
    """Send a LiveState (or its dict) to every socket watching the interview."""
    await _send(session_id, {"type": "live.state", "state": _state_payload(state)})


async def apublish_progress(session_id: int, message: str) -> None:
    """Tell the page what is running now ("Transcribing…"); an empty message means idle."""
    await _send(session_id, {"type": "live.progress", "message": message})


def publish_state(session_id: int, state: Any) -> None:
    """Sync twin of apublish_state, for services and threads."""
    async_to_sync(apublish_state)(session_id, state)


def publish_progress(session_id: int, message: str) -> None:
    async_to_sync(apublish_progress)(session_id, message)


async def _send(session_id: int, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        await layer.group_send(group_name(session_id), event)
    except Exception:  # noqa: BLE001 - a status bar that misses one update must not fail the answer
        logger.exception("Could not publish live event for interview %s", session_id)
