"""Browser tests: a real daphne server on its own database, driven by Debian's Chromium via Playwright.

Chromium's fake media devices feed real files: a spoken answer (WAV) as the microphone and a face
clip (Y4M) as the webcam. Screenshots of every step land in artifacts/e2e/ (kept by CI).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.media import face_video_to_y4m, speak_to_wav

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts" / "e2e"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def face_video(media_dir) -> Path:
    return face_video_to_y4m(media_dir / "face.y4m")


@pytest.fixture(scope="session")
def spoken(media_dir):
    """Make a WAV of a sentence once per test run: spoken("finish interview") -> Path."""
    cache: dict[str, Path] = {}

    def make(text: str) -> Path:
        if text not in cache:
            cache[text] = speak_to_wav(text, media_dir / f"spoken-{len(cache)}.wav")
        return cache[text]

    return make


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """A daphne process serving the whole project (Django + Channels + Gradio) on a fresh database, with the
    default settings: the live page's microphone streams (STT_STREAMING)."""
    yield from _serve(tmp_path_factory, {})


@pytest.fixture(scope="session")
def streaming_server(server):
    """The server with the streaming microphone on: the default one."""
    assert server["env"].get("STT_STREAMING", "1") == "1"
    return server


@pytest.fixture(scope="session")
def recorder_server(tmp_path_factory):
    """The same project with STT_STREAMING=0: the microphone records, then uploads the answer at the stop."""
    yield from _serve(tmp_path_factory, {"STT_STREAMING": "0"})


def _serve(tmp_path_factory, extra_env: dict[str, str]):
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: run scripts/install-browser.sh (make test does)")
    workdir = tmp_path_factory.mktemp("server")
    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "interbot_site.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'e2e.sqlite3'}",
        "MEDIA_ROOT": str(workdir / "media"),
        "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "INTERVIEW_GENERAL_QUESTIONS": "1",
        "INTERVIEW_MAX_QUESTIONS": "3",
        **extra_env,
    }
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO, env=env, check=True)
    subprocess.run(
        [python, "manage.py", "load_question_bank"], cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL
    )
    log = open(workdir / "daphne.log", "wb")
    process = subprocess.Popen(
        [python, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "interbot_site.asgi:application"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    # Importing Gradio and the models' packages takes well over a minute when the shared machine is busy.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(base_url + "/", timeout=2).status_code < 500:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        process.terminate()
        pytest.fail("daphne did not start: " + (workdir / "daphne.log").read_text()[-3000:])
    yield {
        "url": base_url,
        "env": env,
        "process": process,
        "log": workdir / "daphne.log",
        "port": port,
        "db_path": workdir / "e2e.sqlite3",
    }
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(workdir / "daphne.log", ARTIFACTS / "daphne.log")


@pytest.fixture(scope="package")
def playwright_instance():
    # Package scope: sync Playwright keeps an event loop running in this thread until it stops, which
    # would break the asyncio tests that run after the browser tests.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.e2e_failed = report.failed
    return report


@pytest.fixture
def launch_browser(request, playwright_instance, face_video):
    """launch_browser(microphone_wav) -> Browser with fake camera and microphone fed from files."""
    browsers = []

    def launch(microphone_wav: Path | None = None, *, grant_media: bool = True):
        args = [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--autoplay-policy=no-user-gesture-required",
        ]
        if grant_media:
            args += [
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={face_video}",
            ]
            if microphone_wav:
                args.append(f"--use-file-for-fake-audio-capture={microphone_wav}")
        else:
            args += ["--use-fake-device-for-media-stream", "--deny-permission-prompts"]
        browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        browsers.append(browser)
        return browser

    yield launch
    if getattr(request.node, "e2e_failed", False):
        # What the browser showed when the test failed, next to the step screenshots.
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pages = [page for browser in browsers for context in browser.contexts for page in context.pages]
        for number, page in enumerate(pages):
            try:
                page.screenshot(
                    path=str(ARTIFACTS / f"FAILED-{request.node.name}-{number}.png"), full_page=True
                )
            except Exception:  # noqa: BLE001 - a closed page has nothing to show
                pass
    for browser in browsers:
        browser.close()
