"""The Django page around the Gradio app: login required, owner only, iframe and websocket wiring."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_live_page_requires_login(client, interview):
    response = client.get(reverse("interviews:live", args=[interview.pk]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_someone_elses_live_page_is_not_found(client, interview, stranger):
    client.force_login(stranger)
    assert client.get(reverse("interviews:live", args=[interview.pk])).status_code == 404


def test_the_owner_gets_the_page_with_the_gradio_frame_and_socket(client, interview, owner):
    client.force_login(owner)
    response = client.get(reverse("interviews:live", args=[interview.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'src="/live/gradio/?session={interview.pk}"' in html
    assert 'allow="microphone; camera; autoplay"' in html
    assert f'data-ws-path="/ws/interviews/{interview.pk}/"' in html
    assert 'id="live-statusbar"' in html
