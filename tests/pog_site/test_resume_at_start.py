"""Unfinished jobs resume when the server starts, not on the first request (issue #12: after
a crash they waited for someone to visit). A real daphne, its own SQLite database, and no
request at all."""

from __future__ import annotations

import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

SEED_ROWS = """
import socket
from django.utils import timezone
from accounts.models import User
from limbs.models import Generation
owner = User.objects.create_user("crashed", "crashed@example.com", "correct horse battery")
def row(seed, **extra):
    Generation.objects.create(owner=owner, limb="image", action="sprite", intent="a frog",
                              params={"size": 16, "kind": "auto", "outline": True}, seed=seed, **extra)
row(1)
row(2)
row(3, status="running", claimed_by=f"{socket.gethostname()}:999999:gone", claimed_at=timezone.now())
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _statuses(database: Path) -> list[str]:
    with sqlite3.connect(database) as connection:
        return [row[0] for row in connection.execute("SELECT status FROM limbs_generation ORDER BY seed")]


def test_the_server_finishes_left_over_jobs_before_anyone_asks(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("POG_") and k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env |= {
        "POG_VAR_DIR": str(tmp_path),
        "POG_SECRET_KEY": secrets.token_urlsafe(40),
        "POG_LOG_LEVEL": "WARNING",
        "POG_PROCS": "1",
    }
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "manage.py", "shell", "-v", "0", "-c", SEED_ROWS], cwd=ROOT, env=env, check=True)
    database = tmp_path / "pog.sqlite3"
    assert _statuses(database) == ["queued", "queued", "running"]
    daphne = BIN / "daphne"
    command = [str(daphne)] if daphne.exists() else [python, "-m", "daphne"]
    log = (tmp_path / "daphne.log").open("wb")
    server = subprocess.Popen(
        [*command, "-b", "127.0.0.1", "-p", str(_free_port()), "pog_site.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        until = time.monotonic() + 120
        while _statuses(database) != ["succeeded"] * 3 and time.monotonic() < until:
            assert server.poll() is None, (tmp_path / "daphne.log").read_text()
            time.sleep(0.2)
        assert _statuses(database) == ["succeeded"] * 3, (tmp_path / "daphne.log").read_text()
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
