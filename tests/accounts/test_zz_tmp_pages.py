import pytest
from tests.factories import UserFactory
@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/email/", "/accounts/password/change/", "/accounts/password/reset/", "/accounts/logout/", "/accounts/profile/", "/interviews/new/", "/interviews/", "/"])
def test_pages(client, url):
    client.force_login(UserFactory(is_staff=True))
    r = client.get(url)
    assert r.status_code == 200, url
    assert "pico.min.css" in r.content.decode()
