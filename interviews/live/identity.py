"""The Django user behind a Gradio request (its session cookie) and the interview it may take.

Both checks of the live app stand here side by side, on the one rule of interviews.selectors:
`page_status` for the dispatcher (an HTTP status) and `asession_for` for every callback (raises NotAllowed).
"""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import auth
from django.db import close_old_connections
from django.http.cookie import parse_cookie

from interviews.models import InterviewSession
from interviews.selectors import session_get_owned


class NotAllowed(Exception):
    """The request has no Django user, or the interview is not theirs."""


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


def cookies_of(scope) -> dict[str, str]:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            return parse_cookie(value.decode("latin-1"))
    return {}


@sync_to_async
def page_status(cookies: dict[str, str], session_id: str | None) -> int:
    """HTTP status for a Gradio request: 200 to pass, 401 anonymous, 403 someone else's interview."""
    user = user_for_cookies(cookies)
    if user is None:
        return 401
    if session_id is not None and session_get_owned(user, session_id) is None:
        return 403
    return 200


def session_for(cookies: dict[str, str], session_id: Any) -> InterviewSession:
    """The interview `session_id` if the cookies' user is its candidate; NotAllowed otherwise."""
    close_old_connections()  # a default-executor thread, outside Django's request cycle
    try:
        session = session_get_owned(user_for_cookies(cookies), session_id)
    finally:
        close_old_connections()
    if session is None:
        raise NotAllowed
    return session


# Not in the inference pool: a quick ownership check must not wait behind a transcription.
asession_for = sync_to_async(session_for, thread_sensitive=False)
