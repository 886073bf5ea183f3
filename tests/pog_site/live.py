"""A real studio server for tests: ``python -m pog_site.server`` (daphne with the studio's
HTTP channel) in a subprocess on a free port, pointed at the test database."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import manage_py_elsewhere

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LiveStudio:
    def __init__(self, url: str, port: int, log: Path) -> None:
        self.url = url
        self.port = port
        self.log = log

    def log_tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@contextmanager
def live_studio(label: str, extra_env: Mapping[str, str] | None = None) -> Iterator[LiveStudio]:
    """Start the server (call with database access) and stop it on the way out."""
    _, env = manage_py_elsewhere()
    env.update(extra_env or {})
    port = free_port()
    LOGS.mkdir(exist_ok=True)
    log_path = LOGS / f"live-{label}.log"
    with log_path.open("wb") as log:
        command = [sys.executable, "-m", "pog_site.server", "-b", "127.0.0.1", "-p", str(port)]
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        studio = LiveStudio(f"http://127.0.0.1:{port}", port, log_path)
        try:
            until = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"the server exited with {proc.returncode}:\n{studio.log_tail()}")
                try:
                    if httpx.get(f"{studio.url}/api/provenance/key", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > until:
                    raise RuntimeError(f"the server did not answer within 60 s:\n{studio.log_tail()}")
                time.sleep(0.2)
            yield studio
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
