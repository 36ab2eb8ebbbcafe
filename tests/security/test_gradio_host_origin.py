"""Issue 8 §3: the Gradio side applies Django's Host check, trusts only our own origins, and is not framable."""

from __future__ import annotations

import pytest

from interviews.live.mount import GRADIO_PATH
from tests.security.gradio_live import (
    PYTESTMARK,
    http,
)

pytestmark = PYTESTMARK

SITE = "interbot.example.com"


@pytest.fixture
def public_site(settings):
    settings.ALLOWED_HOSTS = [SITE, "localhost"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example.org"]


async def test_a_host_outside_allowed_hosts_is_refused_as_django_does(interview, owner_cookie, public_site):
    async with http(owner_cookie) as client:
        config = await client.get(f"{GRADIO_PATH}/config", headers={"Host": "evil.example"})
        page = await client.get(f"{GRADIO_PATH}/?session={interview.pk}", headers={"Host": "evil.example"})
        django_page = await client.get("/", headers={"Host": "evil.example"})
        ours = await client.get(f"{GRADIO_PATH}/config", headers={"Host": SITE})
    assert django_page.status_code == 400
    assert config.status_code == page.status_code == 400
    assert "evil.example" not in config.text + page.text  # no root URL built from a foreign Host
    assert ours.status_code == 200 and ours.json()["root"] == f"http://{SITE}{GRADIO_PATH}"


async def test_a_foreign_origin_is_never_echoed_with_credentials(interview, owner_cookie, public_site):
    foreign = {"Host": SITE, "Origin": "https://evil.example"}
    async with http(owner_cookie) as client:
        read = await client.get(f"{GRADIO_PATH}/config", headers=foreign)
        preflight = await client.options(
            f"{GRADIO_PATH}/gradio_api/queue/join",
            headers={**foreign, "Access-Control-Request-Method": "POST"},
        )
        join = await client.post(
            f"{GRADIO_PATH}/gradio_api/queue/join?session={interview.pk}",
            headers=foreign,
            json={"data": [], "fn_index": 3, "session_hash": "attacker000"},
        )
    for response in (read, preflight, join):
        assert response.headers.get("access-control-allow-origin") != "https://evil.example"
        assert response.status_code == 403


async def test_same_origin_and_trusted_origins_are_served(interview, owner_cookie, public_site):
    async with http(owner_cookie) as client:
        same = await client.get(f"{GRADIO_PATH}/config", headers={"Host": SITE, "Origin": f"http://{SITE}"})
        trusted = await client.get(
            f"{GRADIO_PATH}/config", headers={"Host": SITE, "Origin": "https://app.example.org"}
        )
        no_origin = await client.get(f"{GRADIO_PATH}/config", headers={"Host": SITE})
    assert same.status_code == trusted.status_code == no_origin.status_code == 200


async def test_the_gradio_page_may_be_framed_by_our_own_pages_only(interview, owner_cookie):
    async with http(owner_cookie) as client:
        page = await client.get(f"{GRADIO_PATH}/?session={interview.pk}")
        config = await client.get(f"{GRADIO_PATH}/config")
        refused = await client.get(f"{GRADIO_PATH}/?session={interview.pk + 1000}")
    for response in (page, config, refused):
        assert response.headers["x-frame-options"] == "SAMEORIGIN"
        assert "frame-ancestors 'self'" in response.headers["content-security-policy"]
    assert page.status_code == 200
