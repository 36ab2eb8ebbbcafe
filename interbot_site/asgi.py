"""ASGI entry point: Django pages, Channels websockets and the Gradio app in one daphne process."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interbot_site.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from interbot_site.daphne_requests import leave_request_bodies_to_the_application  # noqa: E402
from interviews.live.mount import GradioDispatcher  # noqa: E402
from interviews.routing import websocket_urlpatterns  # noqa: E402

leave_request_bodies_to_the_application()  # daphne imports this module before it serves

application = ProtocolTypeRouter(
    {
        # /live/gradio/... goes to the Gradio app (Django-session authenticated); the rest to Django.
        "http": GradioDispatcher(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
