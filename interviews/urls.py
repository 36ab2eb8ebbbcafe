from django.urls import path

from interviews import views

app_name = "interviews"
urlpatterns = [
    path("", views.history, name="history"),
    path("new/", views.start, name="start"),
    path("<int:pk>/", views.detail, name="detail"),
]
