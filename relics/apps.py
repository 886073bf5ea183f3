from __future__ import annotations

from django.apps import AppConfig


class RelicsConfig(AppConfig):
    """RuneScape cache excavation: the museum of original caches, browsing and forking."""

    name = "relics"
    default_auto_field = "django.db.models.BigAutoField"
