"""The Celery app of the inference workers (`celery -A interbot_site worker -Q interactive,bulk`).

Only used when CELERY_BROKER_URL is set; without it the web process runs the same jobs in its own threads.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interbot_site.settings")

app = Celery("interbot")
# Every Celery setting is a Django setting named CELERY_<NAME> (interbot_site.settings).
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
