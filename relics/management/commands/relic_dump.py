from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from relics.catalog import KIND_LABELS
from relics.dump import dump_cache_dir
from relics.formats.errors import RelicFormatError
from relics.uploads import UploadError


class Command(BaseCommand):
    help = "Decode a Classic cache folder or an RS3 js5-*.jcache folder into JSON, PNG, GLB and WAV files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("cache_dir", type=Path)
        parser.add_argument(
            "--out", type=Path, required=True, help="Folder to write into (created if missing)."
        )
        parser.add_argument(
            "--kinds",
            default="",
            help="Comma-separated sections to write (default: all), e.g. items,npcs,sounds. "
            f"Entry kinds: {', '.join(KIND_LABELS)}.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        cache_dir: Path = options["cache_dir"]
        if not cache_dir.is_dir():
            raise CommandError(f"{cache_dir} is not a folder.")
        kinds = [k.strip() for k in options["kinds"].split(",") if k.strip()] or None
        started = time.monotonic()
        try:
            written = dump_cache_dir(cache_dir, options["out"], kinds)
        except (RelicFormatError, UploadError) as exc:
            raise CommandError(f"The cache cannot be read: {exc}") from None
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(written.items()))
        self.stdout.write(f"Wrote {summary} to {options['out']} in {time.monotonic() - started:.1f} s.")
