"""ASGI glue: serves the Gradio live-interview app under GRADIO_PATH inside the Django/Channels application.

One daphne process serves everything. Requests under GRADIO_PATH go to a FastAPI app that mounts the
Blocks (Starlette's Mount sets root_path, so Gradio builds its asset and queue URLs under the prefix);
every other request goes to Django. Gradio requests carry the Django session cookie: anonymous ones
are refused (401), and the page of a session that is not the user's is refused (403). Django's Host
check (ALLOWED_HOSTS) and an Origin check (same origin or CSRF_TRUSTED_ORIGINS) run first, since Gradio
answers any Host and echoes a foreign Origin with credentials. Files go through interviews.uploads: the
dispatcher grants each session the paths Gradio stored for it and serves (`/file=`) nothing else.
"""

from __future__ import annotations

import asyncio
import importlib.util
import io
import json
import logging
import sys
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.utils.http import is_same_domain

from interviews import uploads
from interviews.live.identity import cookies_of, page_status

logger = logging.getLogger(__name__)

GRADIO_PATH = "/live/gradio"
LIVE_APP_STATIC = settings.BASE_DIR / "static" / "gradio"


def gradio_url(session_id: int) -> str:
    """Where the live page's iframe points for one interview."""
    return f"{GRADIO_PATH}/?session={session_id}"


REFUSALS = {
    400: b"Bad Request",
    401: b"Log in to take an interview.",
    403: b"This interview is not available.",
}
FILE_NOT_AVAILABLE = b"This file is not available."
FOREIGN_ORIGIN = b"Cross-origin requests are not allowed."
# The Gradio page is framed by the live page only (Django's X_FRAME_OPTIONS covers Django's own pages).
FRAME_HEADERS = [(b"x-frame-options", b"SAMEORIGIN"), (b"content-security-policy", b"frame-ancestors 'self'")]


async def _refuse(send, status: int, body: bytes | None = None) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"cache-control", b"no-store"),
                *FRAME_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body or REFUSALS[status]})


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _origin_allowed(origin: str, request: ASGIRequest) -> bool:
    """Same origin, or one of CSRF_TRUSTED_ORIGINS (wildcards too): the rule Django's CSRF check applies."""
    if origin == f"{request.scheme}://{request.get_host()}" or origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    parsed = urlsplit(origin)
    return any(
        "*" in trusted
        and urlsplit(trusted).scheme == parsed.scheme
        and is_same_domain(parsed.netloc, urlsplit(trusted).netloc.lstrip("*"))
        for trusted in settings.CSRF_TRUSTED_ORIGINS
    )


def _host_and_origin_status(scope) -> tuple[int, bytes | None]:
    """(200, None) when Django would accept the Host (ALLOWED_HOSTS) and the Origin, if any, is ours."""
    request = ASGIRequest(scope, io.BytesIO())
    try:
        request.get_host()
    except DisallowedHost:
        return 400, None
    origin = _header(scope, b"origin")
    if origin is not None and not _origin_allowed(origin, request):
        return 403, FOREIGN_ORIGIN
    return 200, None


def _with_frame_headers(send):
    async def framed(message):
        if message["type"] == "http.response.start":
            present = {name.lower() for name, _ in message.get("headers", [])}
            extra = [(name, value) for name, value in FRAME_HEADERS if name not in present]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return framed


MAX_API_BODY_BYTES = 1024 * 1024  # an API call carries typed text and file references, never file contents
TOO_LARGE = b"Request too large."


async def _read_body(receive) -> bytes | None:
    """The whole request body, or None when it is larger than MAX_API_BODY_BYTES."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_API_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _checked_api_call(scope, receive, owner: str | None):
    """(scope, receive) of an API call whose file values are this session's only.

    Returns (413, message) for a body over MAX_API_BODY_BYTES, (400, message) for one nested too deep to check.
    """
    body = await _read_body(receive)
    if body is None:
        return 413, TOO_LARGE
    try:
        payload = json.loads(body)
        payload, replaced = await uploads.awithout_foreign_files(payload, owner=owner)
    except RecursionError:
        return 400, REFUSALS[400]
    except ValueError:
        replaced = False  # not JSON: Gradio refuses it itself
    if replaced:
        body = json.dumps(payload).encode()
    headers = [(k, v) for k, v in scope.get("headers", []) if k != b"content-length"]
    scope = {**scope, "headers": [*headers, (b"content-length", str(len(body)).encode())]}
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return scope, replay


def _granting_uploads(send, owner: str | None):
    """Wrap `send` of an upload: the stored paths Gradio answers with become this session's files.

    The answer is held back until the grant is written, so the browser never names a path not yet granted.
    """
    held: list[dict] = []
    status = {"code": 0}

    async def granting(message):
        if message["type"] == "http.response.start":
            status["code"] = message["status"]
        held.append(message)
        if message["type"] != "http.response.body" or message.get("more_body", False):
            return
        if status["code"] == 200:
            body = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
            try:
                stored = json.loads(body)
            except ValueError:
                stored = []
            if isinstance(stored, list):
                await uploads.agrant_files(stored, owner=owner)
        for held_message in held:
            await send(held_message)
        held.clear()

    return granting


UPLOAD_PIECE_BYTES = 1024 * 1024


def _in_larger_pieces(receive, size: int = UPLOAD_PIECE_BYTES):
    """`receive` of an upload, its body joined into pieces of up to about `size` bytes.

    daphne hands a body over 8 KB at a time, and Gradio's upload parser writes each piece to its temporary
    file through a worker thread: 60 thread hops on the event loop for an 11 s WAV, one or two once joined.
    A message that is not body (the client went away) is passed on after the body received before it.
    """
    waiting: list[dict] = []

    async def joined():
        if waiting:
            return waiting.pop()
        pieces: list[bytes] = []
        gathered = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                if not pieces:
                    return message
                waiting.append(message)
                return {"type": "http.request", "body": b"".join(pieces), "more_body": True}
            pieces.append(message.get("body", b""))
            gathered += len(pieces[-1])
            more = message.get("more_body", False)
            if not more or gathered >= size:
                return {"type": "http.request", "body": b"".join(pieces), "more_body": more}

    return joined


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


def _answer_gradios_matplotlib_probe_at_once() -> bool:
    """Gradio tries `import matplotlib` twice around every event (it switches a plotting backend, which this
    app never uses). Without matplotlib each failed import searches sys.path again: 56 us here, on the web
    process's event loop. None in sys.modules is Python's own "known to be absent": the import then fails at
    once (2 us). Only when matplotlib is really not installed, so installing it later still works."""
    if "matplotlib" in sys.modules or importlib.util.find_spec("matplotlib") is not None:
        return False
    sys.modules["matplotlib"] = None  # type: ignore[assignment]
    return True


def build_fastapi_app():
    import gradio as gr
    from fastapi import FastAPI

    from interviews.live.app import build_blocks

    _shield_components_from_zope()
    _answer_gradios_matplotlib_probe_at_once()
    blocks = build_blocks()
    # Gradio checks that a file input lies in its upload folder only in a launch()ed app; a mounted one
    # never counts as launched. Our callbacks check ownership themselves (interviews.uploads); this keeps
    # Gradio's own check on as a second line for any event that lets Gradio preprocess files.
    blocks.has_launched = True
    parent = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    return gr.mount_gradio_app(
        parent,
        blocks,
        path=GRADIO_PATH,
        footer_links=[],
        run_history=False,
        max_file_size=settings.MAX_UPLOAD_BYTES,
        # An unexpected exception's text (paths, errno) never reaches the page; callbacks say what went wrong.
        show_error=False,
        ssr_mode=False,
        mcp_server=False,
        theme=gr.themes.Soft(primary_hue="indigo", neutral_hue="slate"),
        # Real .css/.js files (static/gradio/) so editors and linters treat them as what they are.
        css=(LIVE_APP_STATIC / "live_app.css").read_text(encoding="utf-8"),
        head=f"<script>{(LIVE_APP_STATIC / 'live_app.js').read_text(encoding='utf-8')}</script>",
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
        status, body = _host_and_origin_status(scope)
        if status != 200:
            await _refuse(send, status, body)
            return
        # Only the page itself names an interview (?session=<pk>); its API calls are checked per callback.
        session_id = None
        path = scope["path"]
        if path.rstrip("/") == GRADIO_PATH:
            values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("session")
            session_id = values[0] if values else ""
        cookies = cookies_of(scope)
        status = await page_status(cookies, session_id)
        if status != 200:
            await _refuse(send, status)
            return
        owner = uploads.session_owner(cookies)
        send = _with_frame_headers(send)
        rest = path[len(GRADIO_PATH) :]
        if "/file=" in rest:
            # Gradio serves any file of its upload folder (everyone's uploads) and more: only this session's.
            if not await uploads.amay_use(rest.split("/file=", 1)[1], owner=owner):
                await _refuse(send, 403, FILE_NOT_AVAILABLE)
                return
        elif scope["method"] == "POST" and rest.rstrip("/").endswith("/upload"):
            send = _granting_uploads(send, owner)
            receive = _in_larger_pieces(receive)
        elif scope["method"] == "POST":
            checked = await _checked_api_call(scope, receive, owner)
            if isinstance(checked[0], int):
                await _refuse(send, *checked)
                return
            scope, receive = checked
        await _refusing_crashes(self.gradio, scope, receive, send)


async def _refusing_crashes(app, scope, receive, send) -> None:
    """Run `app`; a request it crashes on (Gradio on some malformed calls, e.g. an unknown fn_index) is
    answered with a plain 400. Starlette sends its 500 page before re-raising, so a 5xx answer is held
    back until we know whether an exception follows it."""
    held: list[dict] = []
    forwarded = False

    async def holding(message):
        nonlocal forwarded
        if held or (message["type"] == "http.response.start" and message["status"] >= 500):
            held.append(message)
            return
        forwarded = True
        await send(message)

    try:
        await app(scope, receive, holding)
    except Exception:
        if forwarded:
            raise  # an answer is already on its way: nothing else can be sent
        logger.warning("Gradio could not handle a request to %s", scope.get("path"), exc_info=True)
        await _refuse(send, 400)
        return
    for message in held:
        await send(message)
