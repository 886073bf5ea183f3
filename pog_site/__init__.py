"""POG Studio project package. Importing the Celery app here makes shared_task bind to it."""

from __future__ import annotations

from pog_site.celery import app as celery_app

__all__ = ("celery_app",)
