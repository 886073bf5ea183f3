from __future__ import annotations

from django.apps import AppConfig


class LimbsConfig(AppConfig):
    name = "limbs"
    default_auto_field = "django.db.models.BigAutoField"
