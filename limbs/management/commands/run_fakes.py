"""``python manage.py run_fakes``: the three fake providers on loopback, until Ctrl-C.

    python manage.py run_fakes --fault cloudflare=500 --fault gemini=429:retry_after=3

prints the ``export POG_...`` lines that point a studio at them.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from limbs.fakes.server import PROVIDER_FAULTS, env_for, start_fakes


def parse_fault(text: str) -> tuple[str, str, dict[str, Any]]:
    """``provider=kind[:key=value,...]`` -> (provider, kind, options)."""
    provider, sep, rest = text.partition("=")
    if not sep or provider not in PROVIDER_FAULTS:
        raise CommandError(
            f"--fault {text!r}: expected PROVIDER=KIND with PROVIDER one of {sorted(PROVIDER_FAULTS)}"
        )
    kind, _, raw_opts = rest.partition(":")
    if kind not in PROVIDER_FAULTS[provider]:
        raise CommandError(f"--fault {text!r}: {provider} faults are {sorted(PROVIDER_FAULTS[provider])}")
    opts: dict[str, Any] = {}
    for item in filter(None, raw_opts.split(",")):
        key, _, value = item.partition("=")
        if value.isdigit():
            opts[key] = int(value)
        elif value.replace(".", "", 1).isdigit():
            opts[key] = float(value)
        else:
            opts[key] = {"true": True, "false": False}.get(value.lower(), value)
    return provider, kind, opts


class Command(BaseCommand):
    help = "Run fake Cloudflare, Gemini and Ollama servers (real wire formats, switchable faults)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--cloudflare-port", type=int, default=8788)
        parser.add_argument("--gemini-port", type=int, default=8789)
        parser.add_argument("--ollama-port", type=int, default=8790)
        parser.add_argument(
            "--fault",
            action="append",
            default=[],
            metavar="PROVIDER=KIND[:opt=value,...]",
            help="Start a fake in a fault, e.g. cloudflare=500, gemini=resource_exhausted:retry_delay=5.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        faults = [parse_fault(text) for text in options["fault"]]
        try:
            fakes = start_fakes(
                host=options["host"],
                cloudflare_port=options["cloudflare_port"],
                gemini_port=options["gemini_port"],
                ollama_port=options["ollama_port"],
            )
        except OSError as exc:
            raise CommandError(f"could not listen: {exc}") from exc
        for provider, kind, opts in faults:
            fakes[provider].set_fault(kind, **opts)
        self.stdout.write("Fake providers are listening. Point the studio at them with:\n")
        for name, value in env_for(fakes).items():
            self.stdout.write(f"export {name}={value}")
        for fake in fakes.values():
            note = f" (fault: {fake.fault})" if fake.fault else ""
            self.stdout.write(f"# {fake.provider}: {fake.url}{note}")
        self.stdout.write("Press Ctrl-C to stop.")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            for fake in fakes.values():
                fake.stop()
