from __future__ import annotations

from django.apps import AppConfig


class RelicsConfig(AppConfig):
    """RuneScape cache excavation: the museum of original caches, browsing and forking."""

    name = "relics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from limbs import effects
        from relics import (
            museum,
            tasks,  # noqa: F401 (registers the Celery task the museum submits by name)
        )

        # The relic limb's excavate asks the one writer to register what it checked.
        effects.register("relic.register", museum.register_excavated)
