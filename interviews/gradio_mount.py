"""ASGI glue: serves the Gradio live-interview app under GRADIO_PATH inside the Django/Channels application.

One daphne process serves everything. Requests under GRADIO_PATH go to a FastAPI app that mounts the
Blocks (Starlette's Mount sets root_path, so Gradio builds its asset and queue URLs under the prefix);
every other request goes to Django. Gradio requests carry the Django session cookie: anonymous ones
are refused (401), and the page of a session that is not the user's is refused (403).
"""
from __future__ import annotations

import asyncio
import logging
from importlib import import_module
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import auth
from django.http.cookie import parse_cookie

logger = logging.getLogger(__name__)

GRADIO_PATH = "/live/gradio"


def gradio_url(session_id: int) -> str:
    """Where the live page's iframe points for one interview."""
    return f"{GRADIO_PATH}/?session={session_id}"


# --- Django identity of a Gradio request -------------------------------------------------------


def user_for_session_key(session_key: str | None):
    """The logged-in Django user of a session cookie value, or None (sync; touches the DB)."""
    if not session_key:
        return None
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    # auth.get_user only needs `.session`; it also checks the session auth hash (password changes).
    user = auth.get_user(SimpleNamespace(session=store))
    return user if user.is_authenticated else None


def user_for_cookies(cookies: dict[str, str]):
    return user_for_session_key(cookies.get(settings.SESSION_COOKIE_NAME))


def owns_session(user, session_id: Any) -> bool:
    from interviews.models import InterviewSession

    try:
        pk = int(session_id)
    except (TypeError, ValueError):
        return False
    return user is not None and InterviewSession.objects.filter(pk=pk, owner=user).exists()


def _cookies_of(scope) -> dict[str, str]:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            return parse_cookie(value.decode("latin-1"))
    return {}


@sync_to_async
def _authorise(cookies: dict[str, str], session_id: str | None) -> int:
    """HTTP status for a Gradio request: 200 to pass, 401 anonymous, 403 someone else's interview."""
    user = user_for_cookies(cookies)
    if user is None:
        return 401
    if session_id is not None and not owns_session(user, session_id):
        return 403
    return 200


async def _refuse(send, status: int) -> None:
    body = {401: b"Log in to take an interview.", 403: b"This interview is not available."}[status]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store")],
        }
    )
    await send({"type": "http.response.body", "body": body})


# --- The Gradio side: built lazily, started without a lifespan -----------------------------------


class GradioApp:
    """The FastAPI app holding the Blocks, plus the startup that daphne never triggers.

    daphne sends no ASGI lifespan events, and Gradio starts its queue workers in its lifespan. So the
    first request runs the lifespan protocol itself in a background task that stays open for the life of
    the event loop (Gradio's queue tasks live on that loop). A new loop (tests) starts it again.
    """

    def __init__(self):
        self._app = None
        self._started_loop: asyncio.AbstractEventLoop | None = None
        self._lifespan_task: asyncio.Task | None = None

    @property
    def app(self):
        if self._app is None:
            self._app = build_fastapi_app()
        return self._app

    async def ensure_started(self) -> None:
        loop = asyncio.get_running_loop()
        if self._started_loop is loop:
            return
        app = self.app
        self._started_loop = loop  # set before awaiting: concurrent first requests start it once
        receive_queue: asyncio.Queue = asyncio.Queue()
        await receive_queue.put({"type": "lifespan.startup"})
        started = loop.create_future()

        async def send(message):
            if message["type"] == "lifespan.startup.complete" and not started.done():
                started.set_result(True)
            elif message["type"] == "lifespan.startup.failed" and not started.done():
                started.set_exception(RuntimeError(message.get("message", "Gradio startup failed")))

        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
        self._lifespan_task = loop.create_task(app(scope, receive_queue.get, send))
        try:
            await started
        except Exception:
            self._started_loop = None
            raise

    async def __call__(self, scope, receive, send):
        await self.ensure_started()
        await self.app(scope, receive, send)


def _shield_components_from_zope() -> None:
    """Let Gradio build components in a process where twisted (daphne) has loaded zope.interface.

    twisted's `@implementer(IConnector) class BaseConnector(ABC)` leaves a zope ClassProvides
    descriptor named `__provides__` on abc.ABC. Gradio's Component.__init__ reads every name of
    dir(its class) from the instance, and that descriptor raises there ("AttributeError: __provides__"),
    at startup and whenever a callback returns gr.update(). A plain attribute on Gradio's own base
    class shadows it for Gradio components only; abc.ABC and zope stay untouched.
    """
    from gradio.components.base import ComponentBase

    if "__provides__" not in ComponentBase.__dict__:
        ComponentBase.__provides__ = None


def build_fastapi_app():
    import gradio as gr
    from fastapi import FastAPI

    from interviews.live import GRADIO_CSS, GRADIO_HEAD, build_blocks

    _shield_components_from_zope()
    blocks = build_blocks()
    parent = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    return gr.mount_gradio_app(
        parent,
        blocks,
        path=GRADIO_PATH,
        footer_links=[],
        run_history=False,
        max_file_size=settings.MAX_UPLOAD_BYTES,
        show_error=True,
        ssr_mode=False,
        mcp_server=False,
        theme=gr.themes.Soft(primary_hue="indigo", neutral_hue="slate"),
        css=GRADIO_CSS,
        head=GRADIO_HEAD,
    )


gradio_app = GradioApp()


def is_gradio_path(path: str) -> bool:
    return path == GRADIO_PATH or path.startswith(GRADIO_PATH + "/")


class GradioDispatcher:
    """HTTP router: GRADIO_PATH/... to Gradio (Django-session authenticated), everything else to Django."""

    def __init__(self, django_app, gradio=None):
        self.django_app = django_app
        self.gradio = gradio or gradio_app
        # Build now, at server start: importing Gradio and building the Blocks takes seconds, which on
        # the first request would stall the event loop (and time out websocket handshakes meanwhile).
        self.gradio.app  # noqa: B018

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not is_gradio_path(scope.get("path", "")):
            await self.django_app(scope, receive, send)
            return
        # Only the page itself names an interview (?session=<pk>); its API calls are checked per callback.
        session_id = None
        if scope["path"].rstrip("/") == GRADIO_PATH:
            values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("session")
            session_id = values[0] if values else ""
        status = await _authorise(_cookies_of(scope), session_id)
        if status != 200:
            await _refuse(send, status)
            return
        await self.gradio(scope, receive, send)
