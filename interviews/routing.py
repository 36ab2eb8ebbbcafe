"""Websocket routes of the live interview."""

from django.urls import path

from interviews import consumers

websocket_urlpatterns: list = [
    path("ws/interviews/<int:pk>/", consumers.LiveInterviewConsumer.as_asgi(), name="live-interview-ws"),
]
