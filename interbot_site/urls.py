"""Top-level URLs: pages, accounts (allauth), interviews, analytics and admin."""

from django.contrib import admin
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView, TemplateView

from interbot_site.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("accounts.urls")),
    path("interviews/", include("interviews.urls")),
    path("analytics/", include("analytics.urls")),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico whatever the page says; lazy, so the static manifest is read on first use.
    path("favicon.ico", RedirectView.as_view(url=lazy(static_url, str)("favicon.svg"), permanent=True)),
]

# MEDIA_ROOT holds candidates' recorded answers: never served as plain files, in any mode. They are
# reachable only through interviews.views.turn_audio, which checks who is asking.
