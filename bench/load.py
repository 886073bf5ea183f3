"""Capacity under load (issue #12, point 2), written to ``docs/benchmarks.md``.

Run from the repository root::

    .venv/bin/python bench/load.py            # the real thing (about three minutes)
    .venv/bin/python bench/load.py --quick    # shorter phases, a smoke test

One throwaway studio (a temporary ``POG_VAR_DIR``, embedded mode, a real ``daphne``
subprocess) serves every phase of one run. For each of ``image.sprite`` and
``image.generate``: one client alone, then 100 concurrent clients, each client a guest of
its own on the roomy ``bench`` tier, every request uncached (a fresh seed) and sent with
``wait: true``. Figures: completed generations a second in each phase and their ratio, the
wait (request to answer) at p50 and p95 with 100 clients, the studio's memory (the server
and every process under it, resident) before, at its peak and some seconds after the load,
and its threads.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import secrets
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench._common import (
    BENCH_TIER,
    REPO,
    HttpFailedError,
    LeanClient,
    Studio,
    Summary,
    clean_env,
    machine,
    migrate,
    ms,
    remove_tree,
    tree_pss,
    tree_rss,
    tree_threads,
    verdict,
    write_section,
)

DOC = REPO / "docs" / "benchmarks.md"
ACTIONS = ("sprite", "generate")
INTENTS = ("a tiny green robot", "a red dragon sleeping on gold", "a cosy cabin in the snow", "a blue slime")
# Targets of issue #12, point 2.
SPEEDUP_TARGET = 1.5
P95_TARGET_S = 5.0
PEAK_TARGET_MB = 400.0
# "Close to the start": the memory after the load is within this of the memory before it.
RETURN_TARGET_MB = 60.0


@dataclass
class Phase:
    action: str
    clients: int
    seconds: float
    done: int = 0
    failed: int = 0
    accepted: int = 0  # 202: still queued or running when the wait ended
    errors: int = 0  # 5xx, refusals and transport errors
    waits: list[float] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)  # queue positions seen in 202 answers

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0


class Memory:
    """Samples the studio's memory (server and children: proportional, and resident for
    comparison) and threads in a thread."""

    def __init__(self, pid: int, every_s: float = 0.2) -> None:
        self.pid = pid
        self.every_s = every_s
        self.peak = 0  # proportional (PSS)
        self.peak_rss = 0
        self.peak_threads = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def now(self) -> int:
        return tree_pss(self.pid)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_pss(self.pid))
            self.peak_rss = max(self.peak_rss, tree_rss(self.pid))
            self.peak_threads = max(self.peak_threads, tree_threads(self.pid))
            self._stop.wait(self.every_s)

    def __enter__(self) -> Memory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _address(index: int) -> str:
    """Client ``index``'s own source address on loopback, in a /24 of its own: the studio meters
    addresses and networks as well as identities, and 100 people are not one address."""
    return f"127.{20 + index // 200}.{index % 200}.1"


async def _client(url: str, index: int, token: str, phase: Phase, until: float, rng: random.Random) -> None:
    http = LeanClient(url, local_address=_address(index))
    try:
        await _ask_until(http, token, phase, until, rng)
    finally:
        await http.close()


async def _ask_until(http: LeanClient, token: str, phase: Phase, until: float, rng: random.Random) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    loop = asyncio.get_running_loop()
    while loop.time() < until:
        body = {
            "action": phase.action,
            "intent": rng.choice(INTENTS),
            "seed": rng.randrange(1, 2**31),  # a fresh seed: never a cache hit
            "wait": True,
        }
        started = loop.time()
        try:
            status, data = await http.request("POST", "/api/handle/image", json.dumps(body).encode(), headers)
        except HttpFailedError:
            phase.errors += 1
            continue
        ended = loop.time()
        if status == 200:
            answer = json.loads(data)
            if ended > until:
                continue  # finished after the phase: not counted in its rate
            phase.waits.append(ended - started)
            if answer["status"] == "succeeded":
                phase.done += 1
            else:
                phase.failed += 1
        elif status == 202:
            phase.accepted += 1
            queue = json.loads(data).get("queue") or {}
            if isinstance(queue.get("position"), int):
                phase.positions.append(queue["position"])
        else:
            phase.errors += 1
            await asyncio.sleep(0.05)


async def _run_phase(url: str, tokens: list[str], phase: Phase, first: int = 0) -> Phase:
    """Clients ``first`` .. ``first + phase.clients - 1`` ask until the phase ends."""
    until = asyncio.get_running_loop().time() + phase.seconds
    await asyncio.gather(
        *(
            _client(url, i, tokens[i], phase, until, random.Random(f"{phase.action}-{phase.clients}-{i}"))
            for i in range(first, first + phase.clients)
        )
    )
    return phase


def _run_part(url: str, tokens: list[str], part: Phase, first: int, start_at: float) -> Phase:
    """One client process's share of a crowded phase (in a process of its own)."""
    time.sleep(max(0.0, start_at - time.time()))
    return asyncio.run(_run_phase(url, tokens, part, first))


def run_crowd(url: str, tokens: list[str], phase: Phase, processes: int) -> Phase:
    """A phase's clients spread over ``processes`` client processes, started together.

    A hundred people do not share one event loop: in one process, 100 concurrent HTTP
    clients spent about 11 ms of processor each per request on this machine (1.5 ms for
    4), so the clients' own loop, not the studio, set the pace."""
    processes = max(1, min(processes, phase.clients))
    if processes == 1:
        return asyncio.run(_run_phase(url, tokens, phase))
    base, extra = divmod(phase.clients, processes)
    shares = [base + (1 if i < extra else 0) for i in range(processes)]
    starts = [sum(shares[:i]) for i in range(processes)]
    start_at = time.time() + 1.0  # every process ready before the first request
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        futures = [
            pool.submit(_run_part, url, tokens, Phase(phase.action, share, phase.seconds), first, start_at)
            for share, first in zip(shares, starts, strict=True)
        ]
        parts = [future.result() for future in futures]
    for part in parts:
        phase.done += part.done
        phase.failed += part.failed
        phase.accepted += part.accepted
        phase.errors += part.errors
        phase.waits += part.waits
        phase.positions += part.positions
    return phase


def _guests(url: str, count: int) -> list[str]:
    tokens = []
    for index in range(count):
        transport = httpx.HTTPTransport(local_address=_address(index))
        with httpx.Client(base_url=url, timeout=30.0, transport=transport) as http:
            response = http.post("/api/auth/guest")
            response.raise_for_status()
            tokens.append(response.json()["token"])
    return tokens


def _warm(url: str, token: str) -> None:
    """One request of each action, so imports and the job workers are warm before measuring."""
    with httpx.Client(base_url=url, timeout=60.0, headers={"Authorization": f"Bearer {token}"}) as http:
        for action in ACTIONS:
            for seed in (1, 2):
                http.post("/api/handle/image", json={"action": action, "seed": seed, "wait": True})


def _settle_mem(memory: Memory, seconds: float) -> int:
    """The studio's memory after it has been idle for ``seconds`` (the lowest of the last samples)."""
    time.sleep(max(0.0, seconds - 2.0))
    samples = []
    for _ in range(10):
        samples.append(memory.now())
        time.sleep(0.2)
    return min(samples)


def render(
    args: argparse.Namespace,
    info: dict[str, str],
    phases: list[Phase],
    start_mem: int,
    memory: Memory,
    after_mem: int,
    after_threads: int,
    workers: str,
    elapsed: float,
) -> str:
    mb = 1024 * 1024
    where = (
        "in the server process, `POG_PROCS_JOBS=0`"
        if args.jobs_in_server
        else "in the generator processes, the default"
    )
    lines = [
        "## Capacity under load (issue #12, point 2)",
        "",
        "`bench/load.py`: one throwaway studio in embedded mode (SQLite, a real `daphne`, "
        f"`POG_WORKERS={workers}`, job bodies {where}), guests on the roomy `bench` tier, "
        "every request uncached (a fresh seed) with `wait: true`. The clients run on the same "
        "machine as the studio and share its cores, so the figures are a floor; the crowded "
        f"phases' clients run in {args.client_processes} processes (one event loop for 100 clients "
        "was slower than the studio), "
        "each client on one keep-alive HTTP/1.1 connection of plain asyncio streams "
        "(`bench._common.LeanClient`: httpx spent about 7 ms of processor a request there). "
        "Memory is the proportional set size (PSS) summed over the server and its generator "
        "processes: each page counted once, a page several of them share (a library each one "
        "loads) split between them. The resident sizes (RSS) summed, which count such a page "
        "once per process, are shown beside it.",
        "",
        "| | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in info.items()),
        f"| run | {'quick' if args.quick else 'full'}, {elapsed:.0f} s |",
        "",
        "| action | clients | seconds | done | failed | 202 | errors | done/s "
        "| wait p50 (ms) | wait p95 (ms) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for phase in phases:
        waits = Summary.of([w * 1000 for w in phase.waits])
        lines.append(
            f"| image.{phase.action} | {phase.clients} | {phase.seconds:.0f} | {phase.done} | {phase.failed} "
            f"| {phase.accepted} | {phase.errors} | {phase.rate:.1f} | {ms(waits.p50)} | {ms(waits.p95)} |"
        )
    lines += ["", "| target | measured | verdict |", "|---|---|---|"]
    worst_p95 = 0.0
    for action in ACTIONS:
        alone = next(p for p in phases if p.action == action and p.clients == 1)
        crowd = next(p for p in phases if p.action == action and p.clients > 1)
        ratio = crowd.rate / alone.rate if alone.rate else 0.0
        lines.append(
            f"| image.{action}: {crowd.clients} clients ≥ {SPEEDUP_TARGET} times one client's done/s "
            f"| {ratio:.2f} times ({crowd.rate:.1f} against {alone.rate:.1f}) "
            f"| {verdict(ratio >= SPEEDUP_TARGET)} |"
        )
        p95 = Summary.of(crowd.waits).p95
        worst_p95 = max(worst_p95, p95 if p95 == p95 else float("inf"))
    lines += [
        f"| p95 wait with 100 clients < {P95_TARGET_S:g} s | {worst_p95:.2f} s (the worse action) "
        f"| {verdict(worst_p95 < P95_TARGET_S)} |",
        f"| peak memory (server + children, PSS) < {PEAK_TARGET_MB:g} MB | {memory.peak / mb:.0f} MB "
        f"(start {start_mem / mb:.0f} MB; RSS summed: peak {memory.peak_rss / mb:.0f} MB) "
        f"| {verdict(memory.peak / mb < PEAK_TARGET_MB)} |",
        f"| memory {args.settle_s:g} s after the load within {RETURN_TARGET_MB:g} MB of the start "
        f"| {after_mem / mb:.0f} MB ({(after_mem - start_mem) / mb:+.0f} MB) "
        f"| {verdict((after_mem - start_mem) / mb <= RETURN_TARGET_MB)} |",
        f"| threads (server + children) | peak {memory.peak_threads}, after the load {after_threads} | |",
    ]
    positions = [p for phase in phases for p in phase.positions]
    if positions:
        lines.append(f"| 202 answers carried a queue position | {len(positions)} (max {max(positions)}) | |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="shorter phases, a smoke test")
    parser.add_argument("--clients", type=int, default=100, help="concurrent clients in the crowded phase")
    parser.add_argument("--seconds", type=float, default=None, help="length of each crowded phase")
    parser.add_argument("--settle-s", type=float, default=15.0, help="idle time before 'after the load'")
    parser.add_argument("--workers", default="", help="POG_WORKERS for the studio (default: its own)")
    parser.add_argument(
        "--jobs-in-server", action="store_true", help="POG_PROCS_JOBS=0: job bodies in the server process"
    )
    parser.add_argument(
        "--client-processes", type=int, default=4, help="processes the crowded phase's clients run in"
    )
    parser.add_argument("--doc", type=Path, default=DOC, help="where to write the results")
    parser.add_argument("--no-doc", action="store_true", help="print only, do not write the doc")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    crowd_s = args.seconds or (8.0 if args.quick else 25.0)
    alone_s = 5.0 if args.quick else 12.0
    started = time.monotonic()
    info = machine()
    # Other work on the machine shares its cores with the studio and the clients: say how much.
    info["load average at start (1, 5 min)"] = "{:.1f}, {:.1f}".format(*os.getloadavg()[:2])
    var_dir = Path(tempfile.mkdtemp(prefix="pog-bench-load-"))
    log_dir = var_dir / "logs"
    log_dir.mkdir()
    extra = {
        "POG_VAR_DIR": str(var_dir),
        "POG_SECRET_KEY": secrets.token_urlsafe(40),
        "POG_LOG_LEVEL": "WARNING",
        "POG_OLLAMA_URL": "",
        "POG_GUESTS_PER_MINUTE": "100000",
        "POG_DEFAULT_TIER": BENCH_TIER,
        "PYTHONUNBUFFERED": "1",
    }
    if args.workers:
        extra["POG_WORKERS"] = args.workers
    if args.jobs_in_server:
        extra["POG_PROCS_JOBS"] = "0"
    env = clean_env(extra)
    keep = False
    try:
        print(f"var dir {var_dir}; migrating", flush=True)
        migrate(env)
        with Studio(env, log_dir, "load") as studio:
            assert studio.pid is not None
            print(f"daphne pid {studio.pid}", flush=True)
            tokens = _guests(studio.url, args.clients)
            _warm(studio.url, tokens[0])
            time.sleep(1.0)
            with Memory(studio.pid) as memory:
                start_mem = memory.now()
                phases = []
                for action in ACTIONS:
                    for clients, seconds in ((1, alone_s), (args.clients, crowd_s)):
                        phase = run_crowd(
                            studio.url, tokens, Phase(action, clients, seconds), args.client_processes
                        )
                        print(
                            f"image.{action} x{clients}: {phase.rate:.1f}/s, {phase.accepted} x 202, "
                            f"{phase.errors} errors, peak {memory.peak / 2**20:.0f} MB",
                            flush=True,
                        )
                        phases.append(phase)
                        time.sleep(1.0)  # let the last jobs drain before the next phase
                after_mem = _settle_mem(memory, args.settle_s)
                after_threads = tree_threads(studio.pid)
        workers = args.workers or f"default ({os.cpu_count()} cores)"
        body = render(
            args,
            info,
            phases,
            start_mem,
            memory,
            after_mem,
            after_threads,
            workers,
            time.monotonic() - started,
        )
        if not args.no_doc:
            write_section(args.doc, "load", body)
        print(body)
    except BaseException:
        keep = True
        print(f"failed; daphne logs kept in {log_dir}", file=sys.stderr)
        raise
    finally:
        if not keep:
            remove_tree(var_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
