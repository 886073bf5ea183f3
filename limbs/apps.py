from __future__ import annotations

from django.apps import AppConfig


class LimbsConfig(AppConfig):
    name = "limbs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import hooks
        from limbs import (
            projects,
            tasks,  # noqa: F401 (registers the Celery task actions submit by name)
        )
        from limbs.catalog import LimbsCatalog
        from limbs.quotas import LimbsFiles

        # Accounts imports nothing of the limbs; it asks through these.
        hooks.set_limb_catalog(LimbsCatalog())
        hooks.set_team_work(projects.team_work)
        hooks.set_files(LimbsFiles())
