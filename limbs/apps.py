from __future__ import annotations

from django.apps import AppConfig


class LimbsConfig(AppConfig):
    name = "limbs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the Celery task that actions submit by name (pog_site.jobs looks it up).
        from limbs import tasks  # noqa: F401
