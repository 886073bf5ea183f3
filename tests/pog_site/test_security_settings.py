"""Production defaults: secure cookies and HSTS unless DEBUG (which only `make run` turns on)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def _settings_in_child(**env: str) -> dict[str, str]:
    code = (
        "import django, json; from django.conf import settings; django.setup(); "
        "print(json.dumps({k: str(getattr(settings, k)) for k in "
        "['DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS']}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POG_") or k == "POG_VAR_DIR"}
    clean.update(env, DJANGO_SETTINGS_MODULE="pog_site.settings")
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, check=True
    )
    import json

    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_production_defaults_mark_cookies_secure_and_send_hsts() -> None:
    values = _settings_in_child()
    assert values == {
        "DEBUG": "False",
        "SESSION_COOKIE_SECURE": "True",
        "CSRF_COOKIE_SECURE": "True",
        "SECURE_HSTS_SECONDS": "31536000",
    }


def test_make_run_debug_relaxes_them_for_plain_http() -> None:
    values = _settings_in_child(POG_DEBUG="1")
    assert values["SESSION_COOKIE_SECURE"] == "False" and values["SECURE_HSTS_SECONDS"] == "0"


@pytest.mark.django_db
def test_https_responses_carry_hsts_and_the_usual_guards(settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 31_536_000
    response = Client().get("/api/limbs/image", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
