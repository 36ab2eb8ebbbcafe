"""Settings read the environment at import time, so each case imports them in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "host": db.get("HOST", ""),
    "channel_layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "channel_hosts": settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("hosts", []),
    "debug": settings.DEBUG, "ssl_redirect": getattr(settings, "SECURE_SSL_REDIRECT", False),
    "stt_streaming": settings.STT_STREAMING,
}))
"""


def _clean_env(**overrides: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "CELERY_BROKER_URL", "STT_STREAMING"}
    }
    env["DJANGO_SETTINGS_MODULE"] = "interbot_site.settings"
    env.update(overrides)
    return env


def _settings_under(**env: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=BASE_DIR,
        env=_clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_urls_the_site_uses_sqlite_and_the_in_memory_channel_layer():
    values = _settings_under(DEBUG="1")
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"].endswith("db.sqlite3")
    assert values["channel_layer"] == "channels.layers.InMemoryChannelLayer"


def test_database_url_selects_postgresql_and_redis_url_selects_channels_redis():
    values = _settings_under(
        DEBUG="1",
        DATABASE_URL="postgres://interbot:secret@db.internal:5432/interbot",
        REDIS_URL="redis://cache.internal:6379/1",
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert (values["name"], values["host"]) == ("interbot", "db.internal")
    assert values["channel_layer"] == "channels_redis.core.RedisChannelLayer"
    # A socket timeout above channels_redis's 5 s blocking read (redis-py's default is 5 s too).
    assert values["channel_hosts"] == [{"address": "redis://cache.internal:6379/1", "socket_timeout": 15}]


def test_a_broker_without_redis_url_is_refused_at_start():
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=BASE_DIR,
        env=_clean_env(DEBUG="1", CELERY_BROKER_URL="redis://cache.internal:6379/2"),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "CELERY_BROKER_URL needs REDIS_URL" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=BASE_DIR, env=_clean_env(DEBUG="0"),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_check_deploy_passes_with_the_production_environment():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=_clean_env(
            DEBUG="0",
            SECRET_KEY="x7#kq2!vL9-production-like-secret-key-0123456789abcdefgh",
            ALLOWED_HOSTS="example.com",
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    production = _settings_under(DEBUG="0", SECRET_KEY="x" * 60, ALLOWED_HOSTS="example.com")
    assert production["debug"] is False and production["ssl_redirect"] is True


def test_static_files_collect_with_the_production_storage(tmp_path):
    """`make run` and deployments run collectstatic with WhiteNoise's manifest storage, which refuses
    any CSS/JS that references a file we do not ship (e.g. a vendored library's missing source map)."""
    result = subprocess.run(
        [
            sys.executable, "-c",
            "import django; from django.conf import settings; django.setup();"
            f"settings.STATIC_ROOT = {str(tmp_path)!r};"
            "from django.core.management import call_command; call_command('collectstatic', '--noinput', verbosity=0);"
            "from django.contrib.staticfiles.storage import staticfiles_storage as s;"
            "print(s.url('vendor/pico/pico.min.css')); print(s.url('css/interbot.css'))",
        ],
        cwd=BASE_DIR,
        # DEBUG off: only then does the manifest storage hand out hashed names.
        env=_clean_env(DEBUG="0", SECRET_KEY="x" * 60, STATICFILES_STORAGE="whitenoise.storage.CompressedManifestStaticFilesStorage"),
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    pico_url, css_url = result.stdout.split()[-2:]
    assert (
        pico_url.startswith("/static/vendor/pico/pico.min.")
        and pico_url != "/static/vendor/pico/pico.min.css"
    )
    assert (tmp_path / pico_url.removeprefix("/static/")).exists()
    assert (tmp_path / css_url.removeprefix("/static/")).exists()


def test_answers_stream_to_the_web_process_only_when_no_worker_runs_the_models():
    assert _settings_under(DEBUG="1")["stt_streaming"] is True
    with_workers = dict(DEBUG="1", REDIS_URL="redis://cache.internal:6379/1")
    assert (
        _settings_under(**with_workers, CELERY_BROKER_URL="redis://cache.internal:6379/2")["stt_streaming"]
        is False
    )
    # An operator may still choose it (segments are then decoded in the web process).
    assert (
        _settings_under(**with_workers, CELERY_BROKER_URL="redis://cache.internal:6379/2", STT_STREAMING="1")[
            "stt_streaming"
        ]
        is True
    )
