"""Expire unclaimed guests idle for ``POG_GUEST_TTL_DAYS`` days, with their work and files."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accounts.guests import expire_guests


class Command(BaseCommand):
    help = (
        "Delete guests idle for POG_GUEST_TTL_DAYS days (never claimed), their work, and the files "
        "nothing else uses. The server also does this on a timer (POG_GUEST_SWEEP_S)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(str(expire_guests()))
