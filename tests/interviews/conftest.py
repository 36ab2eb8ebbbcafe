"""Fixtures of the live-interview tests: users, an interview started through the real use-case, cookies."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from interviews.ai import embeddings
from interviews.services import sessions
from tests.factories import UserFactory


def session_cookie(user) -> str:
    """The value of a real Django session cookie for `user` (session saved in the database)."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def owner(transactional_db):
    return UserFactory(username="candidate-owner")


@pytest.fixture
def stranger(transactional_db):
    return UserFactory(username="someone-else")


@pytest.fixture
def interview(owner):
    # Real use-case (question bank, engine state): the page shows what the services say.
    return sessions.start_interview(
        user=owner, candidate_name="Ada", topic="python", position="sde", difficulty="easy"
    )


@pytest.fixture
def memory_channel_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    return settings.CHANNEL_LAYERS


@pytest.fixture
def owner_cookie(owner) -> str:
    return session_cookie(owner)


@pytest.fixture
def stranger_cookie(stranger) -> str:
    return session_cookie(stranger)


# The MiniLM encoder (interviews.ai.embeddings) loads once per test session: the AI and grading tests share it.
@pytest.fixture(scope="session")
def encoder():
    return embeddings.get_encoder()
