# The Celery app is loaded with Django, so `shared_task`s bind to it in web and worker processes alike.
from interbot_site.celery import app as celery_app

__all__ = ["celery_app"]
