from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from accounts.models import KillSwitch, Tier

        # Any switch saved or deleted (the admin included) moves the stamp the per-request
        # check trusts (accounts.switch_epoch).
        post_save.connect(_switch_changed, sender=KillSwitch, dispatch_uid="killswitch-epoch-save")
        post_delete.connect(_switch_changed, sender=KillSwitch, dispatch_uid="killswitch-epoch-delete")
        # Tier.default() keeps the default tier a moment: a change to any tier forgets it.
        post_save.connect(_tier_changed, sender=Tier, dispatch_uid="tier-default-save")
        post_delete.connect(_tier_changed, sender=Tier, dispatch_uid="tier-default-delete")


def _switch_changed(sender: object, **kwargs: object) -> None:
    from accounts.switch_epoch import changed

    changed()


def _tier_changed(sender: object, **kwargs: object) -> None:
    from accounts.models import Tier

    Tier.forget_default()
