"""Backends named by dotted path in settings.AI_SERVICES: built once, and still found under their old path."""

from __future__ import annotations

import logging

import pytest

from interviews.ai.llm import OpenAICompatibleChat
from interviews.ai.registry import get_backend, reset_backends


@pytest.fixture
def llm_named(settings):
    def configure(dotted_path: str) -> None:
        settings.AI_SERVICES = {
            **settings.AI_SERVICES,
            "llm": {
                "BACKEND": dotted_path,
                "OPTIONS": {"model": "m", "base_url": "http://127.0.0.1:9/v1"},
                "FALLBACK": "",
            },
        }
        reset_backends()

    yield configure
    reset_backends()


def test_a_backend_named_by_its_old_services_path_still_loads_with_a_warning(llm_named, caplog):
    llm_named("interviews.services.llm.OpenAICompatibleChat")

    with caplog.at_level(logging.WARNING, logger="interviews.ai.registry"):
        backend = get_backend("llm")

    assert isinstance(backend, OpenAICompatibleChat)
    assert "interviews.ai.llm.OpenAICompatibleChat" in caplog.text


def test_a_backend_named_by_its_current_path_loads_once_without_a_warning(llm_named, caplog):
    llm_named("interviews.ai.llm.OpenAICompatibleChat")

    with caplog.at_level(logging.WARNING, logger="interviews.ai.registry"):
        first, second = get_backend("llm"), get_backend("llm")

    assert isinstance(first, OpenAICompatibleChat) and first is second
    assert "moved" not in caplog.text
