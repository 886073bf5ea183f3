from __future__ import annotations

from django.apps import AppConfig


class RelicsConfig(AppConfig):
    """RuneScape cache excavation (issue #6). Holds no features yet."""

    name = "relics"
    default_auto_field = "django.db.models.BigAutoField"
