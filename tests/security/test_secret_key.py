"""Issue 8 §5: `make run` signs sessions with a random key of this checkout's own, kept in .env."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
KEY_LINE = re.compile(r"^SECRET_KEY=(\S+)$", re.MULTILINE)

pytestmark = pytest.mark.skipif(
    shutil.which("make") is None, reason="needs make (the Makefile is under test)"
)


def _make(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *args], cwd=BASE_DIR, capture_output=True, text=True, timeout=60
    )


def _keys(env_file: Path) -> list[str]:
    return KEY_LINE.findall(env_file.read_text())


def test_make_generates_a_random_key_into_a_private_env_file_on_first_run_and_keeps_it(tmp_path):
    env_file = tmp_path / ".env"

    first = _make("secret-key", f"ENV_FILE={env_file}")
    assert first.returncode == 0, first.stderr
    [key] = _keys(env_file)
    second = _make("secret-key", f"ENV_FILE={env_file}")

    assert second.returncode == 0, second.stderr
    assert _keys(env_file) == [key]
    assert len(key) >= 50 and key != "dev-insecure-key-only-for-debug"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    other_checkout = tmp_path / "other.env"
    _make("secret-key", f"ENV_FILE={other_checkout}")
    assert _keys(other_checkout) != [key]


def test_an_existing_env_file_keeps_its_settings_and_gains_a_key(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL=DEBUG\nDATABASE_URL=sqlite:////tmp/x.sqlite3")  # no final newline

    assert _make("secret-key", f"ENV_FILE={env_file}").returncode == 0

    lines = env_file.read_text().splitlines()
    assert lines[:2] == ["LOG_LEVEL=DEBUG", "DATABASE_URL=sqlite:////tmp/x.sqlite3"]
    assert len(_keys(env_file)) == 1


def test_a_key_the_user_set_in_env_is_never_replaced(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("export SECRET_KEY='chosen-by-the-user'\n")

    assert _make("secret-key", f"ENV_FILE={env_file}").returncode == 0

    assert env_file.read_text() == "export SECRET_KEY='chosen-by-the-user'\n"


def test_make_run_ensures_the_key_before_it_serves_the_site():
    plan = _make("-n", "run", "VENV=/nonexistent-venv").stdout.splitlines()

    key_step = next(i for i, line in enumerate(plan) if "ensure_secret_key" in line)
    serve_step = next(i for i, line in enumerate(plan) if "daphne" in line)
    assert key_step < serve_step


def test_settings_sign_with_the_generated_key(tmp_path):
    env_file = tmp_path / ".env"
    assert _make("secret-key", f"ENV_FILE={env_file}").returncode == 0
    [key] = _keys(env_file)
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="interbot_site.settings", DEBUG="1")
    # The settings module reads the checkout's .env; reading the generated file first stands in for it.
    script = (
        "import sys, environ; environ.Env.read_env(sys.argv[1]); import django; django.setup();"
        "from django.conf import settings; print(settings.SECRET_KEY)"
    )

    result = subprocess.run(
        [sys.executable, "-c", script, str(env_file)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == key


def test_the_env_file_is_ignored_by_git():
    if not (BASE_DIR / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout")
    assert subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=BASE_DIR).returncode == 0
