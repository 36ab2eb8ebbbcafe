"""Who is signed in behind a Gradio request (interviews.live.identity): every request of the live page asks, so the
answer comes from the cache, and signing out must still end access at once."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from interviews.live import identity
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _signed_in(user) -> tuple[Client, str]:
    client = Client()
    client.force_login(user)
    return client, client.cookies["sessionid"].value


def test_a_signed_in_request_reads_only_the_user_row_not_the_session(django_assert_num_queries):
    user = UserFactory()
    _, session_key = _signed_in(user)

    with django_assert_num_queries(1):  # the user; the session itself comes from the cache
        assert identity.user_for_session_key(session_key) == user


def test_a_session_the_cache_lost_is_read_back_from_the_database(django_assert_num_queries):
    from django.core.cache import cache

    user = UserFactory()
    _, session_key = _signed_in(user)
    cache.clear()  # a Redis restart, or an entry evicted

    with django_assert_num_queries(2):  # the session row, then the user
        assert identity.user_for_session_key(session_key) == user
    assert Session.objects.filter(session_key=session_key).exists()


def test_signing_out_ends_the_live_pages_access_at_once():
    user = UserFactory()
    client, session_key = _signed_in(user)
    assert identity.user_for_session_key(session_key) == user

    client.logout()

    assert identity.user_for_session_key(session_key) is None


def test_a_made_up_session_key_is_nobody():
    assert identity.user_for_session_key("x" * 32) is None
    assert identity.user_for_session_key("../../etc/passwd") is None
    assert identity.user_for_session_key("") is None
