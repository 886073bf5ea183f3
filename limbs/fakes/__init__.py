"""Fake Cloudflare, Gemini and Ollama servers speaking the real wire formats, with faults.

Used by the tests and the benchmarks, and startable by a person with
``python manage.py run_fakes``. Pure stdlib + Pillow: no Django, no network beyond loopback.
"""

from __future__ import annotations

from limbs.fakes.exchange import RecordedRequest
from limbs.fakes.server import FAULTS, FakeProvider, env_for, start_fakes

__all__ = ["FAULTS", "FakeProvider", "RecordedRequest", "env_for", "start_fakes"]
