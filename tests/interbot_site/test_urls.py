"""Site-wide error pages (shown with DEBUG off, as in tests) and the favicon."""

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.views import defaults

pytestmark = pytest.mark.django_db


def test_an_unknown_address_gets_the_branded_not_found_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and "InterBot" in page
    assert 'href="/static/favicon.svg"' in page


def test_a_refused_page_gets_the_branded_forbidden_page(rf, django_user_model):
    request = rf.get("/somewhere/")
    request.user = django_user_model(username="visitor")
    response = defaults.permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert "You can't open this page" in response.content.decode()


def test_the_server_error_page_renders_without_context_or_database(rf, django_assert_num_queries):
    # Django renders 500.html with no request context: it must not need the user, messages or the database.
    with django_assert_num_queries(0):
        response = defaults.server_error(rf.get("/broken/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page and 'href="/"' in page


def test_favicon_ico_redirects_to_the_svg_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
    assert finders.find("favicon.svg")
