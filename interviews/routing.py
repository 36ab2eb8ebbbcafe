"""Websocket routes of the live interview."""
websocket_urlpatterns: list = []
