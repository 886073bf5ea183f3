"""The Celery app for scale mode (``celery -A pog_site worker``).

In embedded mode nothing here runs: jobs go to the in-process pool instead.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pog_site.settings")

app = Celery("pog_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
