"""Account URLs of our own; sign-up, log-in and passwords are allauth's (mounted beside these)."""

from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/delete-my-data/", views.delete_data, name="delete_data"),
]
