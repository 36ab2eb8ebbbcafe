"""Channels consumer of the live interview: sends the session's LiveState on connect and every change after."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from interviews.live.events import group_name
from interviews.models import InterviewSession
from interviews.selectors import session_get_owned
from interviews.services import sessions

# Application close codes (4000-4999): the page stops reconnecting on these.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


_owned_session = database_sync_to_async(session_get_owned)


@database_sync_to_async
def _snapshot(session: InterviewSession) -> dict[str, Any]:
    return sessions.live_state(session=session).to_dict()


class LiveInterviewConsumer(AsyncJsonWebsocketConsumer):
    """Read-only status feed: the Gradio app changes the interview, this socket mirrors it."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        session = await _owned_session(user, self.scope["url_route"]["kwargs"]["pk"])
        if session is None:
            # Same answer for "not yours" and "does not exist": nothing is revealed.
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.session_id = session.pk
        self.group = group_name(session.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(
            {"type": "state", "state": await _snapshot(session), "started_at": session.started_at.isoformat()}
        )

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # The only client message is a resync request (after the tab wakes up, for instance).
        if content.get("type") == "refresh":
            session = await _owned_session(self.scope["user"], self.session_id)
            if session is not None:
                await self.send_json({"type": "state", "state": await _snapshot(session)})

    async def live_state(self, event):
        await self.send_json({"type": "state", "state": event["state"]})

    async def live_progress(self, event):
        await self.send_json({"type": "progress", "message": event["message"]})
