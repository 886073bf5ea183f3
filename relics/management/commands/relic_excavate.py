from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pog_site.errors import RequestError
from relics import museum


class Command(BaseCommand):
    help = (
        "Register cache folders in the museum and publish them to every visitor (idempotent); "
        "with none named, every POG_RELIC_DIRS entry."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dirs", nargs="*", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        # Whoever runs manage.py already has the server: the POG_RELIC_DIRS fence is for web
        # requests, and what the operator registers is the museum's own, shown to everyone.
        dirs: list[Path] = options["dirs"] or museum.relic_dirs()
        if not dirs:
            raise CommandError("Name a cache folder, or list folders in POG_RELIC_DIRS.")
        for path in dirs:
            try:
                cache, created = museum.register_folder(path, check_allowed=False)
            except RequestError as exc:
                raise CommandError(f"{path}: {exc.message}") from None
            verb = "Registered and published" if created else "Already registered and published"
            counts = ", ".join(f"{n} {kind}" for kind, n in cache.counts.items())
            self.stdout.write(f"{verb} {cache.label} ({cache.era}) sha256 {cache.sha256}: {counts}")
