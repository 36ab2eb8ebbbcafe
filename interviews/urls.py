"""Interview URLs; the live page's routes are added beside these."""

from django.urls import path

from interviews import views
from interviews.live import views as live_views

app_name = "interviews"
urlpatterns = [
    path("", views.history, name="history"),
    path("new/", views.start, name="start"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/live/", live_views.live, name="live"),
    path("<int:pk>/practise-missed/", views.practise_missed, name="practise_missed"),
    path("turns/<int:pk>/audio/", views.turn_audio, name="turn_audio"),
]
