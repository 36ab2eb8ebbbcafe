"""Issue 8 §2: stored answers are reachable only through the access-checked view, under random names."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from tests.factories import TurnFactory, UserFactory

BASE_DIR = Path(__file__).resolve().parents[2]
RECORDING = b"\x1aE\xdf\xa3 a candidate's recorded answer"

# `make run` imports the URLconf with DEBUG=1: request a stored answer the way a stranger would.
FETCH_UNDER_DEBUG = """
import json, sys, django
django.setup()
from django.test import Client
response = Client().get(sys.argv[1], HTTP_HOST="localhost")
body = b"".join(response.streaming_content) if response.streaming else response.content
print(json.dumps({"status": response.status_code, "leaked": sys.argv[2].encode() in body}))
"""


def test_media_url_does_not_serve_a_stored_answer_while_debug_is_on(tmp_path):
    stored = tmp_path / "media" / "answers" / "2024" / "05" / "answer.webm"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(RECORDING)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}}
    env.update(
        DJANGO_SETTINGS_MODULE="interbot_site.settings", DEBUG="1", MEDIA_ROOT=str(tmp_path / "media"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )  # fmt: skip

    result = subprocess.run(
        [sys.executable, "-c", FETCH_UNDER_DEBUG, "/media/answers/2024/05/answer.webm", "recorded answer"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome == {"status": 404, "leaked": False}


@pytest.mark.django_db
def test_stored_answers_get_random_names_whatever_the_upload_was_called(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    names = []
    for upload_name in ["answer.webm", "answer.webm", "../../etc/passwd.webm", "x.webm;.html"]:
        turn = TurnFactory(session__consent_audio=True)
        turn.audio.save(upload_name, ContentFile(RECORDING))
        names.append(turn.audio.name)

    for name in names:
        assert re.fullmatch(r"answers/\d{4}/\d{2}/[0-9a-f]{32}(\.webm)?", name), name
        assert (tmp_path / name).read_bytes() == RECORDING
    assert len(set(names)) == len(names)


@pytest.mark.django_db
def test_a_randomly_named_answer_still_plays_for_its_candidate_only(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    turn = TurnFactory(session__consent_audio=True)
    turn.audio.save("answer.webm", ContentFile(RECORDING))
    url = reverse("interviews:turn_audio", args=[turn.pk])

    assert client.get(url).status_code == 302  # to the login page
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(turn.session.owner)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/webm"
    assert b"".join(response.streaming_content) == RECORDING
