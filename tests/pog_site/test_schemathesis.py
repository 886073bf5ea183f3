"""Schemathesis over the whole API, against a real server: every check, 0 failures.

It reads ``/api/openapi.json`` from a live ``python -m pog_site.server`` on the test
database (with the Celery worker in scale mode), signs in as API clients do (a guest's
bearer token from ``POST /api/auth/guest``, on a tier roomy enough that the meters never
stop the run; 429s stay in the schema), and runs every phase schemathesis has (coverage
of the schema's edges, fuzzing, and stateful sequences through the links) with every
check: no server error, status codes, content types, headers and bodies as the schema
says, invalid data refused, valid data accepted, authentication not ignored. Examples per
operation and the whole run's time are capped so it fits CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from accounts.models import Tier, User
from relics import museum
from tests.pog_site.live import LOGS, ROOT, live_studio
from tests.relics import synth

pytestmark = pytest.mark.schemathesis

# Cases per operation and phase, and the ceiling on the run; a run stopped by the ceiling
# still fails on any failure it found.
MAX_EXAMPLES = int(os.environ.get("POG_SCHEMATHESIS_EXAMPLES", "12"))
MAX_TIME_S = int(os.environ.get("POG_SCHEMATHESIS_MAX_TIME_S", "120"))
SEED = os.environ.get("POG_SCHEMATHESIS_SEED", "20261207")


CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.fixture
def roomy_guests(settle_jobs: None, tmp_path: Path) -> Tier:
    """The tier the run's guests get (meters that never stop it), and a published relic
    cache for the museum's endpoints to find."""
    tier, _ = Tier.objects.get_or_create(
        slug="test-schemathesis",
        defaults={"name": "Schemathesis", "requests_per_period": 1_000_000, "concurrency": 8},
    )
    folder = tmp_path / "classic"
    folder.mkdir()
    for name, data in synth.classic_files().items():
        (folder / name).write_bytes(data)
    staff = User.objects.create_user("curator", "curator@example.com", "correct horse battery", is_staff=True)
    museum.register_folder(folder, staff, check_allowed=False)
    return tier


def test_schemathesis_finds_no_failure_in_the_whole_api(roomy_guests: Tier) -> None:
    report = LOGS / "schemathesis"
    report.mkdir(parents=True, exist_ok=True)
    junit = report / "junit.xml"
    env = {"POG_DEFAULT_TIER": roomy_guests.slug, "POG_GUESTS_PER_MINUTE": "1000000"}
    # The fuzzer is one address sending thousands of odd requests a minute: exactly what the
    # burst detector flags and the read meters throttle (their own tests cover that). Here
    # they are set out of its way, so that the logic behind every operation is what it tests.
    roomy = "1000000"
    env |= {
        f"POG_BURST_{name}": roomy
        for name in (
            "IDENTITY_REQUESTS",
            "IDENTITY_REFUSED",
            "IDENTITY_BAD_INPUT",
            "ADDRESS_REQUESTS",
            "ADDRESS_IDENTITIES",
            "PREFIX_IDENTITIES",
            "PREFIX_NEW_IDENTITIES",
        )
    }
    env |= {"POG_READS_PER_MINUTE": roomy, "POG_READS_PER_ADDRESS_MINUTE": roomy}
    with live_studio("schemathesis", env) as studio:
        command = [
            str(Path(sys.executable).parent / "schemathesis"),
            "--no-color",
            "--config-file",
            str(CONFIG),
            "run",
            f"{studio.url}/api/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--max-time",
            str(MAX_TIME_S),
            "--seed",
            SEED,
            "--workers",
            "1",
            "--request-timeout",
            "60",
            "--report",
            "junit",
            "--report-junit-path",
            str(junit),
            "--suppress-health-check",
            "all",
        ]
        run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=MAX_TIME_S + 120)
        (report / "output.txt").write_text(run.stdout + run.stderr)
        server_log = studio.log_tail(120)
    output = f"{run.stdout[-12000:]}\n{run.stderr[-3000:]}"
    assert run.returncode == 0, f"{output}\n--- server log ---\n{server_log}"
