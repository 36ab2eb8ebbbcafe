"""A URLconf without the live page and the report, as the site was before those modules were routed."""
from django.urls import include, path
from django.views.generic import TemplateView

from interviews import views

interview_patterns = (
    [
        path("", views.history, name="history"),
        path("new/", views.start, name="start"),
        path("<int:pk>/", views.detail, name="detail"),
    ],
    "interviews",
)

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("accounts.urls")),
    path("interviews/", include(interview_patterns)),
]
