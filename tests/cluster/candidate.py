"""A scripted candidate for the multi-process tests: signs in, starts an interview and answers through nginx."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx

from deploy.cluster import Cluster
from tests.interviews.live.gradio_client import GradioPage

ROOT = Path(__file__).resolve().parents[2]
SPOKEN_ANSWER = ROOT / "tests" / "data" / "speech" / "sense_and_sensibility_01_austen_64kb-0870.wav"

_SESSION = """
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
user = get_user_model().objects.get(username="demo")
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print("SESSION=" + session.session_key)
"""


def signed_in_cookie(cluster: Cluster) -> str:
    """A session of the demo candidate, made as django.contrib.auth.login makes one (no login rate limit)."""
    printed = cluster.manage("shell", "-c", _SESSION, capture=True)
    return re.search(r"SESSION=(\w+)", printed).group(1)


class Candidate:
    def __init__(self, cluster: Cluster, cookie: str):
        self.client = httpx.AsyncClient(
            base_url=cluster.url, cookies={"sessionid": cookie}, follow_redirects=True, timeout=300
        )
        self.interview = 0
        self.page: GradioPage | None = None

    async def start_interview(self) -> int:
        form = await self.client.get("/interviews/new/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        live = await self.client.post(
            "/interviews/new/",
            data={
                "csrfmiddlewaretoken": token,
                "candidate_name": "Scripted candidate",
                "topic": "python",
                "position": "sde",
                "difficulty": "easy",
                "consent_audio": "on",
            },
        )
        self.interview = int(re.search(r"/interviews/(\d+)/live/", str(live.url)).group(1))
        return self.interview

    def status_feed(self):
        """The live page's websocket (ws/interviews/<pk>/), open as in a browser while the candidate answers."""
        import websockets

        cookie = "; ".join(f"{name}={value}" for name, value in self.client.cookies.items())
        url = (
            str(self.client.base_url).replace("http://", "ws://").rstrip("/")
            + f"/ws/interviews/{self.interview}/"
        )
        return websockets.connect(
            url, additional_headers={"Cookie": cookie}, origin=str(self.client.base_url).rstrip("/")
        )

    async def open_page(self) -> dict:
        """Open the Gradio app as the page's iframe does (a new tab or a reload: a new Gradio session)."""
        self.page = await GradioPage(self.client, self.interview).open()
        return await self.page.load()

    async def record(self) -> dict:
        return await self.page.upload(SPOKEN_ANSWER)

    async def answer_by_voice(self, recording: dict, submission_id: str) -> dict:
        return await self.page.trigger(
            "live-submit", "click", {"live-mic": recording, "live-submission-id": submission_id}
        )

    async def type_answer(self, text: str) -> dict:
        return await self.page.trigger(
            "live-submit", "click", {"live-answer-text": text, "live-submission-id": uuid.uuid4().hex}
        )

    async def close(self) -> None:
        await self.client.aclose()
