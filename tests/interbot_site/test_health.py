"""/healthz: what the proxy and the supervisors ask a web process."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_a_healthy_process_says_ok_to_anyone(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_process_without_its_database_is_taken_out_of_rotation(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise ConnectionError("database down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failed": ["database"]}


@pytest.mark.django_db
def test_a_process_without_its_cache_is_taken_out_of_rotation(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["failed"] == ["cache"]


def test_only_reads_are_answered(client):
    assert client.post("/healthz").status_code == 405
