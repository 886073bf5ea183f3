"""Staff kill switches from a shell: ``killswitch set user 42 --reason "..."``, ``release``, ``list``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.killswitch import SwitchInvalid, release_switch, set_switch
from accounts.models import KillSwitch


class Command(BaseCommand):
    help = "Set, release or list kill switches (each change is written to the provenance ledger)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        setter = sub.add_parser("set", help="stop something now")
        setter.add_argument("scope", choices=KillSwitch.Scope.values)
        setter.add_argument("target", nargs="?", default="")
        setter.add_argument("--reason", required=True)
        releaser = sub.add_parser("release", help="let it work again")
        releaser.add_argument("switch", type=int)
        releaser.add_argument("--reason", default="")
        sub.add_parser("list", help="active switches")

    def handle(self, *args: Any, **options: Any) -> None:
        verb = options["verb"]
        if verb == "set":
            try:
                switch = set_switch(options["scope"], options["target"], options["reason"], None)
            except SwitchInvalid as exc:
                raise CommandError(f"{exc.field}: {exc.message}") from None
            self.stdout.write(f"set #{switch.pk}: {switch}")
        elif verb == "release":
            found = KillSwitch.objects.filter(pk=options["switch"]).first()
            if found is None:
                raise CommandError(f"no kill switch #{options['switch']}")
            done = release_switch(found, None, options["reason"])
            self.stdout.write(f"released #{found.pk}" if done else f"#{found.pk} was already released")
        else:
            for switch in KillSwitch.objects.filter(released_at__isnull=True):
                self.stdout.write(f"#{switch.pk} {switch.scope} {switch.target or '-'}: {switch.reason}")
