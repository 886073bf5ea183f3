"""Helpers shared by the benchmarks: statistics, the machine, a daphne subprocess, the doc."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import math
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import httpx

REPO = Path(__file__).resolve().parents[1]
# Inherited variables that would point the studio somewhere other than the throwaway setup.
_DROP_PREFIXES = ("POG_",)
_DROP_NAMES = frozenset({"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"})


# --- statistics ------------------------------------------------------------------


def percentile(values: Iterable[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between ranks (numpy's default)."""
    data = sorted(values)
    if not data:
        return math.nan
    pos = (len(data) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


@dataclass(frozen=True)
class Summary:
    n: int
    p50: float
    p95: float
    p99: float
    mean: float
    low: float
    high: float

    @classmethod
    def of(cls, values: list[float]) -> Summary:
        if not values:
            return cls(0, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan)
        return cls(
            n=len(values),
            p50=percentile(values, 50),
            p95=percentile(values, 95),
            p99=percentile(values, 99),
            mean=sum(values) / len(values),
            low=min(values),
            high=max(values),
        )


def ms(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"


def verdict(ok: bool) -> str:
    return "**PASS**" if ok else "**FAIL**"


# --- the machine -----------------------------------------------------------------


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    found = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return found.group(1).strip() if found else platform.processor() or "unknown"


def _ram_gib() -> str:
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return "unknown"
    found = re.search(r"^MemTotal:\s*(\d+) kB", text, re.MULTILINE)
    return f"{int(found.group(1)) / 1024 / 1024:.1f} GiB" if found else "unknown"


def _git_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (with uncommitted changes)" if dirty else "")


def machine() -> dict[str, str]:
    return {
        "CPU": _cpu_model(),
        "cores": str(os.cpu_count() or "unknown"),
        "RAM": _ram_gib(),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "httpx": httpx.__version__,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _git_commit(),
    }


# --- processes -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_env(extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without any studio setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROP_PREFIXES) and k not in _DROP_NAMES}
    env.update(extra)
    return env


BENCH_TIER = "bench"


def migrate(env: Mapping[str, str]) -> None:
    """Migrate the throwaway database and add the ``bench`` tier: metered like any tier (the
    limiter still runs on every request) but with limits no benchmark reaches. Benchmarks
    set ``POG_DEFAULT_TIER=bench`` so their guests get it."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=REPO,
        env=dict(env),
        check=True,
    )
    create = (
        "from accounts.models import Tier; Tier.objects.update_or_create(slug='bench', defaults="
        "{'name': 'Benchmark', 'requests_per_period': 10**6, 'period_s': 60, 'concurrency': 1000})"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", create], cwd=REPO, env=dict(env), check=True
    )


class Studio:
    """A real daphne serving the studio (or another ``app``) on a free loopback port; a context
    manager. The app must answer ``GET /api/limbs/image`` with 200 once it is ready."""

    def __init__(
        self, env: Mapping[str, str], log_dir: Path, label: str, app: str = "pog_site.asgi:application"
    ) -> None:
        self.env = dict(env)
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.label = label
        self.token = ""  # the guest token the benchmark uses against this studio
        self.log_path = log_dir / f"daphne-{label}.log"
        self._log: IO[bytes] | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60.0) -> Studio:
        # The studio's one server entry point (daphne with its 414/431 answers).
        command = [sys.executable, "-m", "pog_site.server", "-b", "127.0.0.1", "-p", str(self.port), self.app]
        self._log = self.log_path.open("wb")
        self._proc = subprocess.Popen(
            command, cwd=REPO, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )
        until = time.monotonic() + timeout_s
        while time.monotonic() < until:
            if self._proc.poll() is not None:
                raise RuntimeError(f"daphne ({self.label}) exited early; see {self.log_path}")
            try:
                if httpx.get(f"{self.url}/api/limbs/image", timeout=2.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"daphne ({self.label}) did not answer within {timeout_s:.0f} s")

    @property
    def pid(self) -> int | None:
        """The daphne process's id while it runs."""
        return self._proc.pid if self._proc is not None else None

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Studio:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process under it (read from ``/proc``; Linux only)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name, in parentheses, may hold spaces: the fields after it are plain.
        ppid = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _status_field(pid: int, name: str, file: str = "status") -> int:
    """A number ``/proc/<pid>/<file>`` gives after ``name:`` (0 when the process is gone)."""
    try:
        text = Path(f"/proc/{pid}/{file}").read_text()
    except OSError:
        return 0
    found = re.search(rf"^{name}:\s*(\d+)", text, re.MULTILINE)
    return int(found.group(1)) if found else 0


def tree_rss(pid: int) -> int:
    """Resident memory in bytes of ``pid`` and every process under it (a pool's children)."""
    return sum(_status_field(p, "VmRSS") for p in _descendants(pid)) * 1024


def tree_pss(pid: int) -> int:
    """Proportional memory in bytes of ``pid`` and every process under it: each resident page
    counted once over all processes (a page several of them share is split between them),
    which summed resident sizes are not (a library every child maps counts once per child)."""
    return sum(_status_field(p, "Pss", "smaps_rollup") for p in _descendants(pid)) * 1024


def tree_threads(pid: int) -> int:
    """Threads of ``pid`` and every process under it."""
    return sum(_status_field(p, "Threads") for p in _descendants(pid))


# --- the doc ---------------------------------------------------------------------


def write_section(path: Path, name: str, body: str, title: str = "# Benchmarks") -> None:
    """Replace (or append) the section between ``<!-- bench:NAME start/end -->`` markers."""
    start, end = f"<!-- bench:{name} start -->", f"<!-- bench:{name} end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text() if path.exists() else f"{title}\n\n"
    if start in text and end in text:
        head, _, rest = text.partition(start)
        _, _, tail = rest.partition(end)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


# --- a server under load: its processes and its rows (bench/hostile.py) ----------------------------


def _proc_status(pid: int) -> tuple[int, int]:
    """(RSS bytes, threads) of one process from /proc; (0, 0) once it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0, 0
    rss = re.search(r"^VmRSS:\s*(\d+) kB", text, re.MULTILINE)
    threads = re.search(r"^Threads:\s*(\d+)", text, re.MULTILINE)
    return (int(rss.group(1)) * 1024 if rss else 0), (int(threads.group(1)) if threads else 0)


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (children, their children...), read from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: the fields start after the last ")".
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1 and fields[1].isdigit():
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def tree_usage(pid: int) -> tuple[int, int, int]:
    """(RSS bytes, threads, processes) of ``pid`` and all its descendants."""
    rss = threads = processes = 0
    for member in descendants(pid):
        one_rss, one_threads = _proc_status(member)
        if one_threads:
            rss += one_rss
            threads += one_threads
            processes += 1
    return rss, threads, processes


_COUNT_ROWS = (
    "import json; from django.contrib.sessions.models import Session; "
    "from accounts.models import ApiToken, User; from limbs.models import Asset, Generation; "
    "from relics.models import RelicCache; "
    "print(json.dumps({'users': User.objects.count(), 'guests': User.objects.filter(is_guest=True).count(), "
    "'sessions': Session.objects.count(), 'tokens': ApiToken.objects.count(), "
    "'generations': Generation.objects.count(), 'assets': Asset.objects.count(), "
    "'relic caches': RelicCache.objects.count()}))"
)


def count_rows(env: Mapping[str, str]) -> dict[str, int]:
    """Users, guests, sessions, tokens, generations, assets and relic caches in the studio's database."""
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", _COUNT_ROWS],
        cwd=REPO,
        env=dict(env),
        capture_output=True,
        text=True,
        check=True,
    )
    counts: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return counts


# --- a lean HTTP/1.1 client ---------------------------------------------------------


class HttpFailedError(Exception):
    """The connection broke, or the answer was not HTTP/1.1 as expected."""


class LeanClient:
    """One keep-alive HTTP/1.1 connection over plain asyncio streams, for load clients that
    share the machine with the studio. A request is a few bytes written and the answer read
    by its length: on this 2-core machine httpx's async client spent about 7 ms of processor
    per request with 25 clients in one process, a quarter of the machine at the studio's
    pace, which then measured the client as much as the studio. Reconnects after a failure."""

    def __init__(self, url: str, local_address: str | None = None, timeout_s: float = 120.0) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.local_address = local_address
        self.timeout_s = timeout_s
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None or self._writer.is_closing():
            local = (self.local_address, 0) if self.local_address else None
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port, local_addr=local)
        return self._reader, self._writer

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError, ConnectionError):
                await writer.wait_closed()

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: Mapping[str, str] | None = None
    ) -> tuple[int, bytes]:
        """``(status, body)``; raises ``HttpFailedError`` (the connection is then dropped)."""
        try:
            return await asyncio.wait_for(self._exchange(method, path, body, headers or {}), self.timeout_s)
        except (
            OSError,
            ConnectionError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ValueError,
        ) as exc:
            await self.close()
            raise HttpFailedError(f"{type(exc).__name__}: {exc}") from exc
        except TimeoutError as exc:
            await self.close()
            raise HttpFailedError("no answer in time") from exc

    async def _exchange(
        self, method: str, path: str, body: bytes, headers: Mapping[str, str]
    ) -> tuple[int, bytes]:
        reader, writer = await self._connect()
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"Content-Length: {len(body)}",
        ]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        status_line, _, rest = head.partition("\r\n")
        if not status_line.startswith("HTTP/1."):
            raise ValueError(f"not an HTTP answer: {status_line[:40]!r}")
        status = int(status_line.split()[1])
        fields = {}
        for line in rest.split("\r\n"):
            name, sep, value = line.partition(":")
            if sep:
                fields[name.strip().lower()] = value.strip()
        if fields.get("transfer-encoding", "").lower() == "chunked":
            data = await self._chunked(reader)
        else:
            data = await reader.readexactly(int(fields.get("content-length", "0")))
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return status, data

    @staticmethod
    async def _chunked(reader: asyncio.StreamReader) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
