"""Sign-up, log-in (email or username), log-out, password change and reset, through allauth's pages."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"  # the factories' password


def _is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_signup_with_email_username_and_password_creates_and_logs_in_a_candidate(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "ada@example.com",
            "username": "ada",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("interviews:history")
    user = get_user_model().objects.get(username="ada")
    assert user.email == "ada@example.com"
    assert not user.is_instructor and not user.is_staff
    assert _is_logged_in(client)
    # Email verification is optional but offered: a confirmation mail goes out.
    assert [message.to for message in mail.outbox] == [["ada@example.com"]]


def test_signup_rejects_a_taken_email_and_shows_the_page_again(client):
    UserFactory(username="first", email="taken@example.com")
    response = client.post(
        reverse("account_signup"),
        {
            "email": "taken@example.com",
            "username": "second",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 200
    assert "already registered" in response.content.decode()
    assert not get_user_model().objects.filter(username="second").exists()


@pytest.mark.parametrize("login", ["grace", "grace@example.com"])
def test_login_works_with_username_or_email(client, login):
    UserFactory(username="grace", email="grace@example.com")
    response = client.post(reverse("account_login"), {"login": login, "password": PASSWORD})
    assert response.status_code == 302
    assert _is_logged_in(client)


def test_login_with_a_wrong_password_stays_on_the_form_with_an_error(client):
    UserFactory(username="grace")
    response = client.post(reverse("account_login"), {"login": "grace", "password": "wrong-password"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert not _is_logged_in(client)


def test_logout_needs_a_post(client):
    client.force_login(UserFactory())
    confirmation = client.get(reverse("account_logout"))
    assert confirmation.status_code == 200 and _is_logged_in(client)
    client.post(reverse("account_logout"))
    assert not _is_logged_in(client)


def test_password_change_requires_the_old_password_and_keeps_the_user_logged_in(client):
    user = UserFactory()
    client.force_login(user)
    url = reverse("account_change_password")
    refused = client.post(
        url, {"oldpassword": "not-it", "password1": "new-pass-phrase-9", "password2": "new-pass-phrase-9"}
    )
    assert refused.status_code == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

    client.post(
        url, {"oldpassword": PASSWORD, "password1": "new-pass-phrase-9", "password2": "new-pass-phrase-9"}
    )
    user.refresh_from_db()
    assert user.check_password("new-pass-phrase-9")
    assert _is_logged_in(client)


def test_password_reset_mails_a_link_that_sets_a_new_password(client):
    user = UserFactory(username="linus", email="linus@example.com")
    response = client.post(reverse("account_reset_password"), {"email": "linus@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["linus@example.com"]
    link = re.search(r"https?://[^/]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    client.post(set_password_url, {"password1": "reset-pass-phrase-7", "password2": "reset-pass-phrase-7"})
    user.refresh_from_db()
    assert user.check_password("reset-pass-phrase-7")


def test_allauth_pages_use_the_site_layout(client):
    page = client.get(reverse("account_login")).content.decode()
    assert "vendor/pico/pico.min.css" in page
    assert 'aria-label="Main"' in page
    assert 'name="login"' in page and 'name="password"' in page


def test_a_whole_class_can_sign_in_from_one_school_address(client):
    from django.core.cache import cache
    from django.test import Client

    cache.clear()
    users = [UserFactory() for _ in range(25)]
    for user in users:
        classmate = Client(REMOTE_ADDR="203.0.113.7")
        response = classmate.post(reverse("account_login"), {"login": user.username, "password": PASSWORD})
        assert response.status_code == 302, user.username


def test_guessing_one_accounts_password_is_stopped(client):
    from django.core.cache import cache

    cache.clear()
    UserFactory(username="grace")
    pages = [
        client.post(reverse("account_login"), {"login": "grace", "password": f"guess-{n}"}).content.decode()
        for n in range(6)
    ]
    assert all("not correct" in page for page in pages[:5])
    assert "Too many failed login attempts" in pages[5]
