"""Hostile load (issue 12, point 8): ordinary people beside hostile ones, written to
``docs/benchmarks.md`` between ``<!-- bench:hostile start/end -->``.

Run from the repository root::

    .venv/bin/python bench/hostile.py                  # two phases of 90 s each (about 5 min)
    .venv/bin/python bench/hostile.py --duration 30    # shorter phases, a smoke test
    .venv/bin/python bench/hostile.py --no-write       # print the section, leave the doc alone
    .venv/bin/python bench/hostile.py --scale --database-url postgres://postgres@127.0.0.1:5432/postgres \\
        --redis-url redis://127.0.0.1:6379/0          # scale mode: PostgreSQL, Redis, a Celery worker

Two phases, each against a fresh studio (a real ``daphne`` on loopback, a temporary
``POG_VAR_DIR``, the embedded defaults unless ``--scale``):

* baseline: 100 ordinary users alone;
* hostile: the same 100 ordinary users with 40 hostile users beside them.

Every user is a client of its own with a source address of its own in 127.0.0.0/8 (each
in a /16 of its own), so per-address limits see 140 people, as they would on the internet.
The hostile users run in a client process of their own, so that their own work (thousands of
refused requests, upload bytes) does not slow the ordinary users' event loop; they still
share this machine's processor with the studio and the ordinary users.
An ordinary user gets an identity (a bearer token from ``POST /api/auth/guest``, or, for one
in five, a browser session: ``GET /`` and then the session cookie and CSRF token), then runs
flows until the phase ends: list the limbs, ask a limb for an asset with ``wait`` (a 202 is
followed by polling the generation), read the generation, download the asset and check its
sha256, list their assets, check the asset's provenance; one in ten also registers the real
client-204 relic cache once and browses, previews and forks its entries. A flow is completed
when every step got the answer it expects; a 429 with ``Retry-After`` is honoured and retried,
a 429 without one, any other error or no answer fails the flow. Flows still running when the
phase ends are counted as cut, neither completed nor failed.

Hostile users (five of each behaviour) never honour ``Retry-After``; see ``BEHAVIOURS``.
Leaks: a hostile user that gets a 2xx for an ordinary user's asset, generation or provenance
is a leak, and so is an asset or relic cache that a user did not make showing up in their list.
Server errors: any status of 500 or more answered to anyone. Memory and threads are the server
process and its children (``/proc``), sampled every 0.5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email.utils
import hashlib
import io
import math
import multiprocessing
import os
import queue
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench._common import (
    REPO,
    Studio,
    Summary,
    clean_env,
    count_rows,
    machine,
    migrate,
    ms,
    remove_tree,
    tree_usage,
    verdict,
    write_section,
)

DOC = REPO / "docs" / "benchmarks.md"
RATIO_TARGET = 0.8
ORDINARY = 100
HOSTILE = 40
MAX_HONOURED_WAIT_S = 30.0  # a Retry-After above this is still honoured, but only this long
POLL_S = 1.0  # between two looks at a generation that answered 202
SESSION_EVERY = 5  # one ordinary user in five uses a browser session instead of a token
RELIC_EVERY = 10  # one ordinary user in ten also works with the relic museum
TWO_63 = 2**63

# What ordinary users ask for, in turn: cheap and dear, pictures, sound and text.
ASKS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("image", "sprite", {}),
    ("image", "generate", {"width": 256, "height": 256}),
    ("audio", "sfx", {}),
    ("divine", "names", {}),
)
WORDS = ("knight", "frog", "castle", "dragon", "coin", "forest", "wizard", "boat", "robot", "cave")

BEHAVIOURS: dict[str, str] = {
    "rotate": "Rotates identities: a new guest from `POST /api/auth/guest` (every fourth one a "
    "browser session from a cookie-less `GET /` and a POST) and five `image.sprite` requests "
    "with it, again and again, from one address.",
    "burst": "One identity fires 25 `image.generate` (512x512, wait) at once, again as soon as they "
    "are answered, far above any tier, ignoring `Retry-After`.",
    "upload": "Sends, in turn: a 194 KB zip bomb (one entry of 190 MB of zeros) to `POST "
    "/api/relics/caches`; a large upload streamed (random bytes, `--upload-mb`, at most "
    "`--large-uploads` at once across all uploaders); the SQLite header and 1.3 MB of random "
    "bytes named `js5-3.jcache`; the real client-204 cache with damaged bytes in every file.",
    "garbage": "Lone surrogates (`\\ud800` in JSON, and as raw UTF-8 bytes) in intents, names and "
    "query strings; integers of 2^63 and beyond in seeds, offsets, limits, team, user and token "
    "ids and versions; a non-UUID id.",
    "oversize": "A 60 KB header, a 20 KB URL and a 60 KB cookie on `GET /api/limbs` and `GET /`.",
    "flood": "Cookie-less `GET /`, four at a time, as fast as the server answers.",
    "idor": "Reads ordinary users' assets, their content and provenance, generations and their "
    "pages by id, with an identity of its own, with none, and with a fresh browser session.",
    "scrape": "One identity reads as fast as it can, eight at a time: asset lists at random "
    "offsets, every limb, relic matches, pages.",
}
KINDS = tuple(BEHAVIOURS)
IDENTITIES = "identities for the others"


# --- pure parts (tests/bench/test_hostile.py) ------------------------------------------------


def retry_after_s(value: str | None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta seconds or an HTTP date); None if absent
    or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


@dataclass
class FlowLedger:
    """Flows as the ordinary users ran them: each started flow ends completed, failed or cut."""

    started: int = 0
    completed: int = 0
    failed: int = 0
    cut: int = 0
    failures: Counter[str] = field(default_factory=Counter)  # "step: reason" -> flows

    def start(self) -> None:
        self.started += 1

    def complete(self) -> None:
        self.completed += 1

    def fail(self, step: str, reason: str) -> None:
        self.failed += 1
        self.failures[f"{step}: {reason}"] += 1

    def cut_short(self) -> None:
        self.cut += 1

    @property
    def running(self) -> int:
        return self.started - self.completed - self.failed - self.cut

    @property
    def success(self) -> float:
        """Completed among the flows that ended (cut ones are left out)."""
        ended = self.completed + self.failed
        return self.completed / ended if ended else math.nan


def flow_ratio(hostile_completed: int, baseline_completed: int) -> float:
    """Completed flows with hostile users beside them over completed flows alone."""
    return hostile_completed / baseline_completed if baseline_completed else math.nan


def meets_ratio(ratio: float, target: float = RATIO_TARGET) -> bool:
    return not math.isnan(ratio) and ratio >= target


def foreign_assets(
    listed: Iterable[Mapping[str, Any]], own_assets: set[str], own_generations: set[str]
) -> list[str]:
    """Ids of listed assets that are not the user's: neither an asset they were given nor one
    made by a generation of theirs (a generation they polled away from may finish later)."""
    out = []
    for asset in listed:
        asset_id = str(asset.get("id", ""))
        generation = asset.get("generation")
        if asset_id in own_assets or (generation is not None and str(generation) in own_generations):
            continue
        out.append(asset_id)
    return out


def foreign_caches(listed: Iterable[Mapping[str, Any]], own: set[str]) -> list[str]:
    """Relic caches in a list that the user did not register and nobody published."""
    out = []
    for cache in listed:
        sha = str(cache.get("sha256", ""))
        public = bool((cache.get("visibility") or {}).get("public"))
        if sha not in own and not public:
            out.append(sha)
    return out


def is_leak(status: int) -> bool:
    """A hostile read of someone else's thing that was answered with content."""
    return 200 <= status < 300


def status_class(status: int | None) -> str:
    return "no answer" if status is None else str(status)


# --- what the run collects ---------------------------------------------------------------------


@dataclass
class Stats:
    """Everything one phase counts; the event loop is the only writer."""

    flows: FlowLedger = field(default_factory=FlowLedger)
    legit: Counter[str] = field(default_factory=Counter)  # ok, deferred (429 honoured), bad, no answer
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    server_errors: Counter[str] = field(default_factory=Counter)  # "who status route" -> n
    no_answer: Counter[str] = field(default_factory=Counter)  # "who route error" -> n
    hostile: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    facts: Counter[str] = field(default_factory=Counter)
    leaks: list[str] = field(default_factory=list)
    hostile_s: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # answer times
    generations_done: int = 0  # ordinary generations that reached "succeeded"
    polled: int = 0  # ordinary asks that came back 202 and were polled

    def leak(self, text: str) -> None:
        self.leaks.append(text)
        print(f"  LEAK: {text}", flush=True)


@dataclass
class Known:
    """What ordinary users own, for the leak checks."""

    assets: list[str] = field(default_factory=list)
    generations: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    # The hostile users' process, told of every id as it is learnt (None: none runs).
    outbox: Any = None

    def add_asset(self, asset_id: str) -> None:
        if asset_id not in self.ids:
            self.ids.add(asset_id)
            self.assets.append(asset_id)
            if self.outbox is not None:
                self.outbox.put(("asset", asset_id))

    def add_generation(self, generation_id: str) -> None:
        if generation_id not in self.ids:
            self.ids.add(generation_id)
            self.generations.append(generation_id)
            if self.outbox is not None:
                self.outbox.put(("generation", generation_id))

    def take_news(self, inbox: Any) -> None:
        """Learn the ids the ordinary users' process sent (in the hostile users' process)."""
        while True:
            try:
                kind, value = inbox.get_nowait()
            except queue.Empty:
                return
            (self.add_asset if kind == "asset" else self.add_generation)(value)


@dataclass(frozen=True)
class Payloads:
    """Bodies made once per run: the relic caches and the hostile uploads."""

    rsc_zip: bytes | None  # the real client-204 cache, zipped (None when it is not on this machine)
    damaged_zip: bytes | None
    bomb: bytes
    jcache: bytes


class StepFailedError(Exception):
    def __init__(self, step: str, reason: str) -> None:
        super().__init__(f"{step}: {reason}")
        self.step = step
        self.reason = reason


@dataclass
class Phase:
    url: str
    stats: Stats
    known: Known
    payloads: Payloads
    args: argparse.Namespace
    ends_at: float = 0.0
    large_uploads: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))
    over_cap: threading.Event = field(default_factory=threading.Event)

    def left_s(self) -> float:
        return self.ends_at - time.monotonic()


# --- one client ----------------------------------------------------------------------------------


def _error_code(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("code", "")) if isinstance(error, dict) else ""


_OVERSIZE: dict[str, list[tuple[str, bytes]]] = {}


def _oversize_requests(url: str) -> list[tuple[str, bytes]]:
    """The oversize behaviour's four requests as bytes, built once per server."""
    if url not in _OVERSIZE:
        host = urlsplit(url).netloc

        def request(path: str, header: str = "") -> bytes:
            extra = f"{header}\r\n" if header else ""
            return (
                f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: pog-hostile-bench\r\n{extra}"
                "Connection: close\r\n\r\n"
            ).encode("ascii")

        _OVERSIZE[url] = [
            ("60 KB header", request("/api/limbs", "X-Padding: " + "a" * 60 * 1024)),
            ("60 KB cookie", request("/", "Cookie: junk=" + "b" * 60 * 1024)),
            ("20 KB URL", request("/api/limbs?pad=" + "c" * 20 * 1024)),
            ("20 KB URL page", request("/?pad=" + "d" * 20 * 1024)),
        ]
    return _OVERSIZE[url]


class Client:
    """One person: their own source address, identity (token or session cookies) and counters."""

    def __init__(self, phase: Phase, who: str, address: str, timeout_s: float) -> None:
        self.phase = phase
        self.stats = phase.stats
        self.who = who
        self.address = address
        self.token: str | None = None
        self.cookies: dict[str, str] = {}
        transport = httpx.AsyncHTTPTransport(local_address=address, retries=0)
        self.http = httpx.AsyncClient(
            base_url=phase.url,
            transport=transport,
            timeout=httpx.Timeout(timeout_s, connect=10.0),
            headers={"User-Agent": f"pog-hostile-bench ({who})"},
            follow_redirects=False,
        )

    async def close(self) -> None:
        await self.http.aclose()

    def forget_identity(self) -> None:
        self.token = None
        self.cookies.clear()

    def _headers(self, method: str, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if method not in ("GET", "HEAD") and "csrftoken" in self.cookies:
                headers["X-CSRFToken"] = self.cookies["csrftoken"]
                headers["Referer"] = self.phase.url + "/"
        headers.update(extra or {})
        return headers

    def _keep_cookies(self, resp: httpx.Response) -> None:
        # Kept by hand: the studio marks its cookies Secure, which a browser still sends to
        # http://127.0.0.1 (a trustworthy origin) but httpx's cookie jar does not.
        for line in resp.headers.get_list("set-cookie"):
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(line)
            except CookieError:
                continue
            for name, morsel in jar.items():
                if morsel.value == "" or morsel["max-age"] in ("0", 0):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        self.http.cookies.clear()

    async def send(
        self, method: str, path: str, label: str, headers: Mapping[str, str] | None = None, **kw: Any
    ) -> httpx.Response | None:
        """One request; a status of 500 or more and no answer are counted here for everyone."""
        try:
            resp = await self.http.request(method, path, headers=self._headers(method, headers), **kw)
        except httpx.HTTPError as exc:
            self.stats.no_answer[f"{self.who.split('-')[0]} {label}: {type(exc).__name__}"] += 1
            return None
        self._keep_cookies(resp)
        if resp.status_code >= 500:
            self.stats.server_errors[f"{self.who.split('-')[0]} {resp.status_code} {label}"] += 1
        return resp


# --- ordinary users ------------------------------------------------------------------------------


class Ordinary(Client):
    def __init__(self, phase: Phase, index: int) -> None:
        super().__init__(phase, f"ordinary-{index}", f"127.{10 + index}.0.1", timeout_s=90.0)
        self.index = index
        self.session = index % SESSION_EVERY == 0
        self.relic = index % RELIC_EVERY == 3 and phase.payloads.rsc_zip is not None
        self.rng = random.Random(index)
        self.assets: set[str] = set()
        self.generations: set[str] = set()
        self.caches: set[str] = set()
        self.cache: str | None = None
        self.flows = 0

    async def step(
        self, method: str, path: str, label: str, expect: tuple[int, ...] = (200,), **kw: Any
    ) -> httpx.Response:
        """A request that must get one of ``expect``; a 429 with Retry-After is honoured."""
        started = time.perf_counter()
        while True:
            resp = await self.send(method, path, label, **kw)
            if resp is None:
                self.stats.legit["no answer"] += 1
                raise StepFailedError(label, "no answer")
            if resp.status_code == 429:
                wait = retry_after_s(resp.headers.get("Retry-After"))
                if wait is None:
                    self.stats.legit["bad"] += 1
                    raise StepFailedError(label, "429 without Retry-After")
                self.stats.legit["deferred"] += 1
                await asyncio.sleep(min(wait, MAX_HONOURED_WAIT_S) + self.rng.random() * 0.2)
                continue
            if resp.status_code in expect:
                self.stats.legit["ok"] += 1
                self.stats.latency[label].append((time.perf_counter() - started) * 1000)
                return resp
            self.stats.legit["bad"] += 1
            code = _error_code(resp)
            raise StepFailedError(label, f"{resp.status_code}{' ' + code if code else ''}")

    async def identity(self) -> None:
        if self.session:
            # A browser: the page first; an identity comes with it or with the first thing made.
            await self.step("GET", "/", "GET /")
        else:
            resp = await self.step("POST", "/api/auth/guest", "POST /api/auth/guest", expect=(200, 201))
            self.token = str(resp.json()["token"])

    async def run(self) -> None:
        await asyncio.sleep(self.rng.random() * self.phase.args.ramp_s)
        while True:
            self.phase.stats.flows.start()
            try:
                if self.token is None and not self.cookies:
                    await self.identity()
                if self.relic and self.flows % 2 == 1:
                    await self.relic_flow()
                else:
                    await self.flow()
            except StepFailedError as exc:
                self.phase.stats.flows.fail(exc.step, exc.reason)
            except asyncio.CancelledError:
                self.phase.stats.flows.cut_short()
                raise
            except (ValueError, KeyError, TypeError) as exc:  # an answer that is not what the API says
                self.phase.stats.flows.fail("answer", f"unreadable ({type(exc).__name__})")
            else:
                self.phase.stats.flows.complete()
            self.flows += 1
            await asyncio.sleep(self.rng.uniform(0, 2 * self.phase.args.think_s))

    def check_asset_list(self, body: Mapping[str, Any], where: str) -> None:
        foreign = foreign_assets(body.get("assets") or [], self.assets, self.generations)
        for asset_id in foreign:
            self.stats.leak(f"{self.who} saw asset {asset_id} it did not make in {where}")

    async def flow(self) -> None:
        limb, action, params = ASKS[(self.index + self.flows) % len(ASKS)]
        await self.step("GET", "/api/limbs", "GET /api/limbs")
        body = await self.make(limb, action, params)
        generation = str(body["generation"])
        got = (await self.step("GET", f"/api/generations/{generation}", "GET /api/generations/{id}")).json()
        if got.get("status") != "succeeded" or str(got.get("generation")) != generation:
            raise StepFailedError("GET /api/generations/{id}", "not the succeeded generation asked for")
        asset = body["assets"][0]
        content = await self.step("GET", asset["url"], "GET /api/assets/{id}/content")
        if hashlib.sha256(content.content).hexdigest() != asset["sha256"]:
            raise StepFailedError("GET /api/assets/{id}/content", "bytes do not match the sha256")
        listed = (await self.step("GET", "/api/assets?limit=50", "GET /api/assets")).json()
        self.check_asset_list(listed, "GET /api/assets")
        if str(asset["id"]) not in {str(a.get("id")) for a in listed.get("assets") or []}:
            raise StepFailedError("GET /api/assets", "the new asset is not in the list")
        await self.provenance(str(asset["id"]), str(asset["sha256"]))

    async def make(self, limb: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
        """Ask with wait; poll a 202 until the generation is done. Records the time to a result."""
        started = time.perf_counter()
        intent = f"a {self.rng.choice(WORDS)} for player {self.index}, try {self.flows}"
        payload = {
            "action": action,
            "intent": intent,
            "params": params,
            "seed": self.rng.randrange(1, 2**40),
            "wait": True,
        }
        label = f"POST /api/handle/{limb}"
        resp = await self.step("POST", f"/api/handle/{limb}", label, expect=(200, 202), json=payload)
        body: dict[str, Any] = resp.json()
        self.generations.add(str(body["generation"]))
        self.phase.known.add_generation(str(body["generation"]))
        if resp.status_code == 202:
            self.stats.polled += 1
            location = resp.headers.get("Location") or body["links"]["self"]
            while body.get("status") not in ("succeeded", "failed"):
                wait = retry_after_s(resp.headers.get("Retry-After"))
                await asyncio.sleep(POLL_S if wait is None else min(wait, MAX_HONOURED_WAIT_S))
                resp = await self.step("GET", location, "GET /api/generations/{id} (poll)")
                body = resp.json()
        if body.get("status") != "succeeded":
            error = body.get("error") or {}
            code = error.get("code", "") if isinstance(error, dict) else str(error)
            raise StepFailedError(f"make {limb}.{action}", f"generation {body.get('status')} {code}".strip())
        if not body.get("assets"):
            raise StepFailedError(f"make {limb}.{action}", "succeeded without an asset")
        for asset in body["assets"]:
            self.assets.add(str(asset["id"]))
            self.phase.known.add_asset(str(asset["id"]))
        self.stats.generations_done += 1
        self.stats.latency[f"make {limb}.{action} (to a result)"].append(
            (time.perf_counter() - started) * 1000
        )
        return body

    async def provenance(self, asset_id: str, sha256: str) -> None:
        prov = (await self.step("GET", f"/api/provenance/{asset_id}", "GET /api/provenance/{id}")).json()
        verification = prov.get("verification") or {}
        if prov.get("sha256") != sha256 or not verification.get("verified"):
            raise StepFailedError("GET /api/provenance/{id}", "the ledger entry does not verify")

    async def ensure_cache(self) -> str:
        """Register the real client-204 cache once (idempotent), then wait until it can be read."""
        if self.cache is not None:
            return self.cache
        zipped = self.phase.payloads.rsc_zip
        assert zipped is not None
        files = {"files": ("rsc204.zip", zipped, "application/zip")}
        label = "POST /api/relics/caches"
        resp = await self.step("POST", "/api/relics/caches", label, expect=(200, 201, 202), files=files)
        answer = resp.json()
        if resp.status_code == 202:
            # A cache new to the museum is decoded in the background: poll the upload until it is
            # registered (its ``cache`` is then the sha256) or refused.
            while answer.get("status") not in ("ready", "failed"):
                await asyncio.sleep(POLL_S)
                polled = await self.send("GET", str(answer["links"]["self"]), "relic upload wait")
                if polled is not None and polled.status_code == 200:
                    answer = polled.json()
                elif polled is None or polled.status_code != 429:
                    got = status_class(None if polled is None else polled.status_code)
                    raise StepFailedError(label, f"the upload could not be followed ({got})")
            if answer["status"] != "ready" or not answer.get("cache"):
                raise StepFailedError(
                    label, f"the upload was refused: {(answer.get('error') or {}).get('message')}"
                )
            sha = str(answer["cache"])
        else:
            sha = str(answer["sha256"])
        self.caches.add(sha)
        # Entries of a freshly registered cache may take a moment to be readable.
        while True:
            entries = await self.send(
                "GET", f"/api/relics/caches/{sha}/entries?kind=items&per_page=5", "relic wait"
            )
            if entries is not None and entries.status_code == 200 and entries.json().get("count"):
                break
            if entries is None or entries.status_code not in (200, 202, 404, 409, 425, 429):
                got = status_class(None if entries is None else entries.status_code)
                raise StepFailedError(label, f"the cache never became readable ({got})")
            await asyncio.sleep(POLL_S)
        self.cache = sha
        return sha

    async def relic_flow(self) -> None:
        sha = await self.ensure_cache()
        listed = (await self.step("GET", "/api/relics/caches", "GET /api/relics/caches")).json()
        for foreign in foreign_caches(listed.get("caches") or [], self.caches):
            self.stats.leak(f"{self.who} saw relic cache {foreign[:12]} it did not register")
        page = self.rng.randrange(1, 20)
        path = f"/api/relics/caches/{sha}/entries?kind=items&per_page=50&page={page}"
        entries = (await self.step("GET", path, "GET /api/relics/caches/{sha}/entries")).json()
        shown = [e for e in entries.get("entries") or [] if e.get("preview")]
        if not shown:
            raise StepFailedError("GET /api/relics/caches/{sha}/entries", "no entry with a preview")
        entry = self.rng.choice(shown)
        base = f"/api/relics/caches/{sha}/entries/{entry['kind']}/{entry['key']}"
        await self.step("GET", base, "GET relic entry")
        await self.step("GET", f"{base}/preview", "GET relic preview")
        fork = await self.step(
            "POST", f"{base}/fork", "POST relic fork", expect=(200, 201), json={"name": f"my {entry['name']}"}
        )
        asset = fork.json()
        self.assets.add(str(asset["id"]))
        self.phase.known.add_asset(str(asset["id"]))
        content = await self.step("GET", asset["url"], "GET /api/assets/{id}/content")
        if hashlib.sha256(content.content).hexdigest() != asset["sha256"]:
            raise StepFailedError("GET /api/assets/{id}/content", "bytes do not match the sha256")
        await self.provenance(str(asset["id"]), str(asset["sha256"]))


# --- hostile users -------------------------------------------------------------------------------


class Hostile(Client):
    def __init__(self, phase: Phase, index: int, kind: str) -> None:
        super().__init__(phase, f"hostile-{index}", f"127.{150 + index}.0.1", timeout_s=120.0)
        self.index = index
        self.kind = kind
        self.rng = random.Random(1000 + index)
        self.count = phase.stats.hostile[kind]
        self.cache_sha = ""

    async def hit(
        self,
        method: str,
        path: str,
        label: str,
        headers: Mapping[str, str] | None = None,
        identity: bool = False,
        **kw: Any,
    ) -> httpx.Response | None:
        """One hostile request, tallied under its behaviour; one that only makes an identity for
        another behaviour (a guest, a session) is tallied apart, so its 2xx is not mistaken
        for what the behaviour got."""
        resp = await self.send(method, path, label, headers=headers, **kw)
        apart = identity and self.kind != "rotate"
        counter = self.phase.stats.hostile[IDENTITIES] if apart else self.count
        counter[status_class(resp.status_code if resp is not None else None)] += 1
        return resp

    async def guest(self) -> bool:
        resp = await self.hit("POST", "/api/auth/guest", "POST /api/auth/guest", identity=True)
        if resp is not None and resp.status_code == 201:
            self.token = str(resp.json()["token"])
            self.phase.stats.facts["hostile guests made with a token"] += 1
            return True
        return False

    async def run(self) -> None:
        await asyncio.sleep(self.rng.random() * self.phase.args.ramp_s)
        behaviour: Callable[[], Awaitable[None]] = getattr(self, f"do_{self.kind}")
        while self.phase.left_s() > 0:  # ends by itself too, should a cancellation be lost
            try:
                await behaviour()
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                # An answer that is not what the API documents: counted, and the behaviour goes on.
                self.phase.stats.facts[f"{self.kind}: unreadable answer ({type(exc).__name__})"] += 1
                await asyncio.sleep(0.1)
            await asyncio.sleep(0)

    async def do_rotate(self) -> None:
        self.forget_identity()
        if self.rng.random() < 0.25:
            # A browser-born identity: a page view, then something made through the session.
            await self.hit("GET", "/", "GET /")
            if "sessionid" in self.cookies:
                self.phase.stats.facts["hostile guests made by a page view"] += 1
        elif not await self.guest():
            return
        payload = {"action": "sprite", "intent": "spam", "wait": False}
        await asyncio.gather(
            *(
                self.hit(
                    "POST",
                    "/api/handle/image",
                    "POST /api/handle/image",
                    json=payload | {"seed": self.rng.randrange(2**40)},
                )
                for _ in range(5)
            )
        )

    async def do_burst(self) -> None:
        if self.token is None and not await self.guest():
            await asyncio.sleep(1)
            return
        payload = {
            "action": "generate",
            "intent": "a storm",
            "params": {"width": 512, "height": 512},
            "wait": True,
        }
        await asyncio.gather(
            *(
                self.hit(
                    "POST",
                    "/api/handle/image",
                    "POST /api/handle/image",
                    json=payload | {"seed": self.rng.randrange(2**40)},
                )
                for _ in range(25)
            )
        )

    async def do_upload(self) -> None:
        if self.token is None and not await self.guest():
            await asyncio.sleep(1)
            return
        payloads = self.phase.payloads
        choice = self.rng.randrange(4)
        label = "POST /api/relics/caches"
        if choice == 0:
            resp = await self.hit(
                "POST",
                "/api/relics/caches",
                label,
                files={"files": ("bomb.zip", payloads.bomb, "application/zip")},
            )
            self._note("zip bomb", resp)
        elif choice == 1:
            async with self.phase.large_uploads:
                started = time.perf_counter()
                try:
                    resp = await self.large_upload()
                except asyncio.CancelledError:
                    self.phase.stats.facts[
                        "upload: large upload -> still unanswered when the phase ended"
                    ] += 1
                    raise
                took = time.perf_counter() - started
            self._note(f"large upload ({self.phase.args.upload_mb:g} MB)", resp)
            self.phase.stats.hostile_s["large upload"].append(took)
        elif choice == 2:
            files = {"files": ("js5-3.jcache", payloads.jcache, "application/octet-stream")}
            resp = await self.hit("POST", "/api/relics/caches", label, files=files)
            self._note("SQLite header + random bytes as js5-3.jcache", resp)
        elif payloads.damaged_zip is not None:
            files = {"files": ("damaged.zip", payloads.damaged_zip, "application/zip")}
            resp = await self.hit("POST", "/api/relics/caches", label, files=files)
            self._note("damaged client-204 cache", resp)

    def _note(self, what: str, resp: httpx.Response | None) -> None:
        self.phase.stats.facts[
            f"upload: {what} -> {status_class(resp.status_code if resp is not None else None)}"
        ] += 1

    async def large_upload(self) -> httpx.Response | None:
        size = int(self.phase.args.upload_mb * 1024 * 1024)
        boundary = secrets.token_hex(16)
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="huge.zip"\r\n'
            "Content-Type: application/zip\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        block = os.urandom(1024 * 1024)

        async def body() -> AsyncIterator[bytes]:
            yield head + b"PK\x03\x04"
            left = size - 4
            while left > 0:
                chunk = block[: min(left, len(block))]
                left -= len(chunk)
                yield chunk
            yield tail

        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(head) + size + len(tail)),
        }
        return await self.hit(
            "POST", "/api/relics/caches", "POST /api/relics/caches (large)", headers=headers, content=body()
        )

    async def do_garbage(self) -> None:
        if self.token is None and not await self.guest():
            await asyncio.sleep(1)
            return
        json_headers = {"Content-Type": "application/json"}
        big = str(TWO_63)
        bodies: list[tuple[str, str, str, bytes | None]] = [
            (
                "POST",
                "/api/handle/image",
                "intent \\ud800",
                b'{"action": "sprite", "intent": "a \\ud800 knight"}',
            ),
            (
                "POST",
                "/api/handle/image",
                "intent raw surrogate bytes",
                b'{"action": "sprite", "intent": "a \xed\xa0\x80 knight"}',
            ),
            (
                "POST",
                "/api/handle/image",
                "seed 2^63",
                ('{"action": "sprite", "seed": ' + big + "}").encode(),
            ),
            (
                "POST",
                "/api/handle/image",
                "params 2^63",
                ('{"action": "sprite", "params": {"size": ' + big + "}}").encode(),
            ),
            ("GET", f"/api/assets?offset={big}", "offset 2^63", None),
            ("GET", f"/api/assets?limit={big}", "limit 2^63", None),
            ("GET", f"/api/assets?offset=-{big}0", "offset -2^63*10", None),
            ("GET", "/api/assets?kind=%ED%A0%80", "kind raw surrogate", None),
            ("GET", f"/api/teams/{big}/members", "team id 2^63", None),
            ("PUT", f"/api/teams/{big}/members/{big}", "team and user ids 2^63", b'{"role": "editor"}'),
            ("POST", f"/api/teams/{big}/invites", "team id 2^63 invite", b"{}"),
            ("DELETE", f"/api/tokens/{big}", "token id 2^63", None),
            ("POST", "/api/projects", "project name \\ud800", b'{"name": "\\ud800"}'),
            ("POST", "/api/projects", "project team 2^63", ('{"name": "p", "team": ' + big + "}").encode()),
            ("POST", "/api/tokens", "token name \\ud800", b'{"name": "\\udfff"}'),
            ("POST", "/api/teams", "team name \\ud800", b'{"name": "\\ud800x"}'),
            ("PATCH", "/api/metabolism", "version 2^63", ('{"version": ' + big + "}").encode()),
            ("GET", "/api/relics/match?name=%ED%A0%80", "match name raw surrogate", None),
            ("GET", "/api/relics/match?name=%5Cud800", "match name \\ud800 text", None),
            ("GET", "/api/generations/not-a-uuid", "generation id not a uuid", None),
            ("GET", f"/api/relics/caches/{'0' * 64}/entries?page={big}", "entries page 2^63", None),
        ]
        if self.cache_sha:
            fork = f"/api/relics/caches/{self.cache_sha}/entries/items/0/fork"
            bodies.append(("POST", fork, "fork name \\ud800", b'{"name": "\\ud800"}'))
            bodies.append(
                (
                    "GET",
                    f"/api/relics/caches/{self.cache_sha}/entries?page={big}",
                    "entries page 2^63 (real)",
                    None,
                )
            )
        for method, path, what, content in bodies:
            if content is not None:
                resp = await self.hit(method, path, f"garbage: {what}", headers=json_headers, content=content)
            else:
                resp = await self.hit(method, path, f"garbage: {what}")
            if resp is not None and resp.status_code >= 500:
                self.phase.stats.facts[f"garbage answered {resp.status_code}: {what}"] += 1
        if self.phase.payloads.rsc_zip is not None and not self.cache_sha:
            # A cache of its own, for the fork and entry requests above on the next round.
            files = {"files": ("rsc204.zip", self.phase.payloads.rsc_zip, "application/zip")}
            resp = await self.hit("POST", "/api/relics/caches", "POST /api/relics/caches", files=files)
            if resp is not None and resp.status_code in (200, 201, 202):
                self.cache_sha = str(resp.json().get("sha256", ""))

    async def do_oversize(self) -> None:
        # Written as raw bytes on a socket of its own, built once: an attacker's tool costs
        # its sender next to nothing, and these must not slow the bench's own event loop
        # (through httpx, parsing a 20 KB URL took half of this process's time).
        for label, request in _oversize_requests(self.phase.url):
            status = await self.raw(request)
            self.count[status_class(status)] += 1
            self.phase.stats.facts[f"oversize: {label} -> {status_class(status)}"] += 1

    async def raw(self, request: bytes) -> int | None:
        """Send prebuilt request bytes from this user's address; the answer's status, or None."""
        parts = urlsplit(self.phase.url)
        writer = None
        try:
            # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a cancellation
            # that arrives as the connection completes, and this loop connects many times a second.
            async with asyncio.timeout(10):
                reader, writer = await asyncio.open_connection(
                    parts.hostname, parts.port, local_addr=(self.address, 0)
                )
            try:
                writer.write(request)
                await writer.drain()
            except OSError:
                pass  # the server may answer and close before it has read the whole request
            async with asyncio.timeout(30):
                line = await reader.readline()
            fields = line.split()
            status = int(fields[1]) if len(fields) >= 2 and fields[1].isdigit() else None
        except (TimeoutError, OSError, ValueError) as exc:
            self.stats.no_answer[f"hostile oversize: {type(exc).__name__}"] += 1
            status = None
        finally:
            if writer is not None:
                # Dropped at once: a polite close would wait to send what the server refused to read.
                writer.transport.abort()
        if status is not None and status >= 500:
            self.stats.server_errors[f"hostile {status} oversize"] += 1
        return status

    async def do_flood(self) -> None:
        async def one() -> None:
            client_headers = {"Cookie": ""}
            await self.hit("GET", "/", "GET / (cookie-less)", headers=client_headers)
            self.cookies.clear()

        await asyncio.gather(*(one() for _ in range(4)))

    async def do_idor(self) -> None:
        known = self.phase.known
        if not known.assets:
            await asyncio.sleep(0.5)
            return
        if self.token is None and not self.cookies:
            if self.rng.random() < 0.3:
                await self.hit("GET", "/", "GET /", identity=True)
            elif not await self.guest():
                await asyncio.sleep(1)
                return
        asset = self.rng.choice(known.assets)
        reads = [
            (f"/api/assets/{asset}", "GET /api/assets/{id}"),
            (f"/api/assets/{asset}/content", "GET /api/assets/{id}/content"),
            (f"/api/provenance/{asset}", "GET /api/provenance/{id}"),
            (f"/assets/{asset}/", "GET /assets/{id}/ (page)"),
        ]
        if known.generations:
            generation = self.rng.choice(known.generations)
            reads += [
                (f"/api/generations/{generation}", "GET /api/generations/{id}"),
                (f"/generations/{generation}/", "GET /generations/{id}/ (page)"),
            ]
        anonymous = self.rng.random() < 0.2
        for path, label in reads:
            if anonymous:
                saved, self.token, saved_cookies = self.token, None, dict(self.cookies)
                self.cookies.clear()
                resp = await self.hit("GET", path, label)
                self.token, self.cookies = saved, saved_cookies
            else:
                resp = await self.hit("GET", path, label)
            if resp is not None and is_leak(resp.status_code):
                who = "with no identity" if anonymous else "with its own identity"
                self.phase.stats.leak(f"{self.who} read {path} {who}: {resp.status_code}")
        # Its own list must not hold anything an ordinary user made.
        listed = await self.hit("GET", "/api/assets?limit=200", "GET /api/assets")
        if listed is not None and listed.status_code == 200:
            for item in listed.json().get("assets") or []:
                if str(item.get("id")) in known.ids:
                    self.phase.stats.leak(f"{self.who} listed an ordinary user's asset {item.get('id')}")
        if self.rng.random() < 0.05:
            self.forget_identity()

    async def do_scrape(self) -> None:
        if self.token is None and not await self.guest():
            await asyncio.sleep(1)
            return
        known = self.phase.known

        async def one() -> None:
            choice = self.rng.randrange(6)
            if choice == 0:
                path, label = f"/api/assets?limit=200&offset={self.rng.randrange(0, 500)}", "GET /api/assets"
            elif choice == 1:
                path, label = "/api/limbs", "GET /api/limbs"
            elif choice == 2:
                path, label = (
                    f"/api/limbs/{self.rng.choice(('image', 'audio', 'relic', 'divine'))}",
                    "GET /api/limbs/{id}",
                )
            elif choice == 3:
                path, label = (
                    f"/api/relics/match?name={self.rng.choice(('iron', 'rune', 'cow', 'hat'))}",
                    "GET /api/relics/match",
                )
            elif choice == 4:
                path, label = "/api/relics/caches", "GET /api/relics/caches"
            else:
                path, label = (
                    f"/limbs/{self.rng.choice(('image', 'audio', 'mesh'))}/",
                    "GET /limbs/{id}/ (page)",
                )
            resp = await self.hit("GET", path, label)
            if resp is not None and resp.status_code == 200 and label == "GET /api/assets":
                for item in resp.json().get("assets") or []:
                    if str(item.get("id")) in known.ids:
                        self.phase.stats.leak(f"{self.who} scraped an ordinary user's asset {item.get('id')}")

        await asyncio.gather(*(one() for _ in range(8)))


# --- payloads --------------------------------------------------------------------------------------


def rsc_cache_dir() -> Path:
    value = os.environ.get("POG_RSC_CACHE_DIR", "")
    return Path(value) if value else (REPO.parent / "shared" / "relics" / "rsc204").resolve()


def make_payloads(cache_dir: Path) -> Payloads:
    files = sorted(p for p in cache_dir.iterdir() if p.is_file()) if cache_dir.is_dir() else []
    rsc_zip = damaged = None
    if files:
        good, bad = io.BytesIO(), io.BytesIO()
        rng = random.Random(204)
        with (
            zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as gz,
            zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as bz,
        ):
            for path in files:
                data = path.read_bytes()
                gz.writestr(path.name, data)
                spoiled = bytearray(data)
                # Damage past the first bytes (the headers still look right) at a few places.
                for _ in range(8):
                    if len(spoiled) > 64:
                        at = rng.randrange(16, len(spoiled))
                        spoiled[at : at + 512] = os.urandom(len(spoiled[at : at + 512]))
                bz.writestr(path.name, bytes(spoiled))
        rsc_zip, damaged = good.getvalue(), bad.getvalue()
    bomb = io.BytesIO()
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open("config85.jag", "w") as out,
    ):
        zeros = bytes(1024 * 1024)
        for _ in range(190):
            out.write(zeros)
    jcache = b"SQLite format 3\x00" + random.Random(3).randbytes(1_300_000)
    return Payloads(rsc_zip, damaged, bomb.getvalue(), jcache)


# --- the server: memory, threads, rows -------------------------------------------------------------


class Sampler(threading.Thread):
    """RSS and threads of a process and all its descendants, every ``every_s`` seconds."""

    def __init__(self, pids: Callable[[], list[int]], cap_bytes: int, every_s: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.cap_bytes = cap_bytes
        self.over_cap = threading.Event()  # set once the server passes the cap: the phase ends early
        self.every_s = every_s
        self.peak_rss = 0
        self.peak_threads = 0
        self.peak_processes = 0
        self._stop_event = threading.Event()

    def sample(self) -> tuple[int, int, int]:
        usage = [tree_usage(pid) for pid in self.pids()]
        rss = sum(u[0] for u in usage)
        threads = sum(u[1] for u in usage)
        processes = sum(u[2] for u in usage)
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_threads = max(self.peak_threads, threads)
        self.peak_processes = max(self.peak_processes, processes)
        if rss > self.cap_bytes:
            self.over_cap.set()
        return rss, threads, processes

    def run(self) -> None:
        while not self._stop_event.wait(self.every_s):
            self.sample()

    def reset(self) -> None:
        self.peak_rss = self.peak_threads = self.peak_processes = 0

    def stop(self) -> None:
        self._stop_event.set()


def var_bytes(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += (Path(root) / name).stat().st_size
    return total


def log_errors(path: Path) -> int:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return 0
    return text.count("Traceback (most recent call last)")


# --- a phase -----------------------------------------------------------------------------------------


@dataclass
class PhaseResult:
    name: str
    seconds: float
    stats: Stats
    rss_start: int
    rss_peak: int
    rss_after: int
    threads_start: int
    threads_peak: int
    threads_after: int
    processes_peak: int
    rows_before: dict[str, int]
    rows_after: dict[str, int]
    var_before: int
    var_after: int
    tracebacks: int
    ordinary: int
    hostile: int
    notes: list[str] = field(default_factory=list)


@dataclass
class Setup:
    """How to start a studio for one phase (embedded or scale mode) and clean up after it."""

    args: argparse.Namespace
    root: Path
    log_dir: Path
    base_env: dict[str, str]
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def env_for(self, name: str) -> dict[str, str]:
        var = self.root / name
        var.mkdir()
        env = dict(self.base_env, POG_VAR_DIR=str(var))
        if self.args.scale:
            database = f"pog_hostile_{name}_{os.getpid()}"
            admin_url = self.args.database_url
            _create_database(admin_url, database)
            self.cleanups.append(lambda: _drop_database(admin_url, database))
            parts = urlsplit(admin_url)
            env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{database}"))
            env["REDIS_URL"] = self.args.redis_url
            prefix = f"pog-hostile-{name}-{os.getpid()}"
            env["POG_REDIS_PREFIX"] = prefix
            env["POG_CELERY_QUEUE"] = prefix
        return env


def _create_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with contextlib.suppress(psycopg.Error), psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_worker(env: Mapping[str, str], log_dir: Path, name: str) -> subprocess.Popen[bytes]:
    """A Celery worker for scale mode (two processes, as CI's tests use)."""
    log = (log_dir / f"celery-{name}.log").open("wb")
    command = [
        sys.executable, "-m", "celery", "-A", "pog_site", "worker", "--loglevel=WARNING",
        "--concurrency=2", "--pool=prefork", "-Q", env["POG_CELERY_QUEUE"],
        "-n", f"hostile-{name}-{os.getpid()}@%h",
        "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=REPO, env=dict(env), stdout=log, stderr=subprocess.STDOUT)


async def drive(phase: Phase, with_hostile: bool) -> tuple[int, int]:
    """The ordinary users in this process; the hostile ones, if any, in a process of their own.

    A hostile user's client work (building and reading thousands of refused requests, random
    upload bytes) must not slow the ordinary users' own event loop: on the internet they are
    other people's machines. Only the processor of this one machine is shared."""
    args = phase.args
    ordinary = [Ordinary(phase, i) for i in range(args.ordinary)]
    phase.ends_at = time.monotonic() + args.duration
    hostile_proc = None
    if with_hostile:
        context = multiprocessing.get_context("spawn")
        phase.known.outbox = context.Queue()
        results = context.Queue()
        hostile_proc = context.Process(
            target=_hostile_process,
            args=(phase.url, phase.payloads, args, time.time() + args.duration, phase.known.outbox, results),
            name="hostile-users",
        )
        hostile_proc.start()
    tasks = [asyncio.create_task(u.run()) for u in ordinary]
    progress = asyncio.create_task(report_progress(phase))
    while phase.left_s() > 0 and not phase.over_cap.is_set():
        await asyncio.sleep(min(0.5, max(0.0, phase.left_s())))
    if phase.over_cap.is_set():
        note = f"The server passed {args.rss_cap_mb:g} MiB (--rss-cap-mb): the phase was ended early."
        print(f"  {note}", flush=True)
        phase.stats.facts[note] += 1
    for task in (*tasks, progress):
        task.cancel()
    gathered = await asyncio.gather(*tasks, progress, return_exceptions=True)
    for result in gathered:
        if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
            print(f"  a user stopped with {type(result).__name__}: {result}", file=sys.stderr, flush=True)
            phase.stats.facts[f"client crashed: {type(result).__name__}"] += 1
    await asyncio.gather(*(u.close() for u in ordinary), return_exceptions=True)
    if hostile_proc is not None:
        if phase.over_cap.is_set():
            hostile_proc.terminate()
        try:
            _merge_hostile(phase.stats, await asyncio.to_thread(results.get, True, 120))
        except queue.Empty:
            phase.stats.facts["the hostile users' process sent no results"] += 1
        hostile_proc.join(30)
        if hostile_proc.is_alive():
            hostile_proc.kill()
    return len(ordinary), (args.hostile if with_hostile else 0)


def _hostile_process(
    url: str, payloads: Payloads, args: argparse.Namespace, ends_at_wall: float, inbox: Any, results: Any
) -> None:
    """The hostile users, in their own process and event loop, until ``ends_at_wall``; what they
    counted goes back on ``results``."""
    stats = Stats()
    phase = Phase(url, stats, Known(), payloads, args)
    phase.ends_at = time.monotonic() + max(0.0, ends_at_wall - time.time())

    async def run() -> None:
        phase.large_uploads = asyncio.Semaphore(max(1, args.large_uploads))
        kinds = tuple(args.kinds.split(",")) if args.kinds else KINDS
        hostile = [Hostile(phase, j, kinds[j % len(kinds)]) for j in range(args.hostile)]
        tasks = [asyncio.create_task(h.run()) for h in hostile]
        while phase.left_s() > 0:
            phase.known.take_news(inbox)
            await asyncio.sleep(min(0.2, max(0.0, phase.left_s())))
        for task in tasks:
            task.cancel()
        for result in await asyncio.gather(*tasks, return_exceptions=True):
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                stats.facts[f"client crashed: {type(result).__name__}"] += 1
        await asyncio.gather(*(h.close() for h in hostile), return_exceptions=True)

    asyncio.run(run())
    results.put(
        {
            "server_errors": dict(stats.server_errors),
            "no_answer": dict(stats.no_answer),
            "hostile": {kind: dict(counts) for kind, counts in stats.hostile.items()},
            "facts": dict(stats.facts),
            "leaks": list(stats.leaks),
            "hostile_s": {key: list(values) for key, values in stats.hostile_s.items()},
        }
    )


def _merge_hostile(stats: Stats, part: Mapping[str, Any]) -> None:
    stats.server_errors.update(part["server_errors"])
    stats.no_answer.update(part["no_answer"])
    for kind, counts in part["hostile"].items():
        stats.hostile[kind].update(counts)
    stats.facts.update(part["facts"])
    stats.leaks.extend(part["leaks"])
    for key, values in part["hostile_s"].items():
        stats.hostile_s[key].extend(values)


async def report_progress(phase: Phase) -> None:
    while True:
        await asyncio.sleep(15)
        f = phase.stats.flows
        print(
            f"  {max(0.0, phase.left_s()):.0f} s left: flows {f.completed} completed, "
            f"{f.failed} failed, {f.running} running; "
            f"5xx {sum(phase.stats.server_errors.values())}; leaks {len(phase.stats.leaks)}",
            flush=True,
        )


def run_phase(setup: Setup, name: str, with_hostile: bool, payloads: Payloads) -> PhaseResult:
    args = setup.args
    env = setup.env_for(name)
    print(f"[{name}] migrating a fresh database", flush=True)
    migrate(env)
    worker = start_worker(env, setup.log_dir, name) if args.scale else None
    try:
        with Studio(env, setup.log_dir, name) as studio:
            assert studio._proc is not None
            pids = [studio._proc.pid] + ([worker.pid] if worker is not None else [])
            sampler = Sampler(lambda: pids, int(args.rss_cap_mb * 2**20))
            # One request through the whole path first, so the start figure is a served studio.
            warm = httpx.post(f"{studio.url}/api/auth/guest", timeout=30).json()["token"]
            httpx.post(
                f"{studio.url}/api/handle/image",
                json={"action": "sprite", "intent": "warm", "wait": True},
                headers={"Authorization": f"Bearer {warm}"},
                timeout=60,
            )
            rows_before = count_rows(env)
            var_before = var_bytes(Path(env["POG_VAR_DIR"]))
            rss_start, threads_start, _ = sampler.sample()
            sampler.reset()
            sampler.sample()
            sampler.start()
            stats = Stats()
            phase = Phase(studio.url, stats, Known(), payloads, args, over_cap=sampler.over_cap)
            print(
                f"[{name}] {args.ordinary} ordinary"
                + (f" + {args.hostile} hostile" if with_hostile else "")
                + f" users for {args.duration:g} s",
                flush=True,
            )
            begun = time.monotonic()
            n_ordinary, n_hostile = asyncio.run(drive(phase, with_hostile))
            seconds = time.monotonic() - begun
            sampler.stop()
            sampler.join(timeout=5)
            rss_peak, threads_peak, processes_peak = (
                sampler.peak_rss,
                sampler.peak_threads,
                sampler.peak_processes,
            )
            print(f"[{name}] load over; letting the server settle for {args.settle_s:g} s", flush=True)
            time.sleep(args.settle_s)
            rss_after, threads_after, _ = sampler.sample()
            rows_after = count_rows(env)
            var_after = var_bytes(Path(env["POG_VAR_DIR"]))
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
    return PhaseResult(
        name=name,
        seconds=seconds,
        stats=stats,
        rss_start=rss_start,
        rss_peak=max(rss_peak, rss_start),
        rss_after=rss_after,
        threads_start=threads_start,
        threads_peak=max(threads_peak, threads_start),
        threads_after=threads_after,
        processes_peak=processes_peak,
        rows_before=rows_before,
        rows_after=rows_after,
        var_before=var_before,
        var_after=var_after,
        tracebacks=log_errors(studio.log_path),
        ordinary=n_ordinary,
        hostile=n_hostile,
    )


# --- the doc -----------------------------------------------------------------------------------------


def _mib(n: int) -> str:
    return f"{n / 2**20:.0f}"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "n/a"


def _statuses(counter: Counter[str]) -> str:
    if not counter:
        return "none"
    return ", ".join(f"{k} x{v}" for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


FLOW_TEXT = (
    "Every user has a source address of its own in 127.0.0.0/8; the hostile users run in a client "
    "process of their own. An ordinary flow: list the limbs; "
    "ask (`image.sprite`, `image.generate` 256x256, `audio.sfx` or `divine.names` in turn, with "
    "`wait`; a 202 is polled); read the generation; download the asset (sha256 checked); list "
    "one's assets (leak check); check the provenance. One user in ten registers the real "
    "client-204 cache once and, every other flow, lists its caches (leak check), lists entries, "
    "reads and previews one, forks it and checks the fork's content and provenance. One user in "
    "five is a browser (`GET /`, session cookie, CSRF token) instead of a bearer token. Between "
    "flows each waits 0 to {pause:g} s. A 429 with `Retry-After` is honoured and retried; anything "
    "else unexpected fails the flow. Flows still running when the phase ends are cut."
)
READING_TEXT = (
    "How to read it: memory and threads are the server process and all its children (and the "
    "Celery worker in scale mode), read from `/proc` every 0.5 s; the start figure is after one "
    "warm request, the after figure {settle:g} s after the last client stopped. Rows are counted "
    "in the database before and after the load. A leak is a hostile read of an ordinary user's "
    "asset, content, provenance, generation or their pages answered 2xx, or anything in a user's "
    "list (assets, relic caches) they did not make. The machine is shared with other work, so "
    "absolute rates move from run to run; the ratio compares two phases of the same run."
)


def render(
    args: argparse.Namespace, info: dict[str, str], base: PhaseResult, hot: PhaseResult, took_s: float
) -> str:
    ratio = flow_ratio(hot.stats.flows.completed, base.stats.flows.completed)
    errors = sum(sum(r.stats.server_errors.values()) for r in (base, hot))
    leaked = sum(len(r.stats.leaks) for r in (base, hot))
    mode = (
        "scale (PostgreSQL, Redis, a Celery worker)" if args.scale else "embedded (SQLite, in-process jobs)"
    )
    command = "`.venv/bin/python bench/hostile.py" + (
        f" --duration {args.duration:g}" if args.duration != 90 else ""
    )
    command += " --scale ...`" if args.scale else "`"
    lines = ["## Hostile load (issue 12, point 8)", ""]
    lines += [
        f"Command: {command} (took {took_s / 60:.1f} min); mode: {mode}; tier of every guest: `{args.tier}`.",
        "",
    ]
    lines += ["| machine | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in info.items()]
    lines += [
        "",
        f"Two phases of {args.duration:g} s, each on a fresh studio: **baseline**, {base.ordinary} "
        f"ordinary users alone; **hostile**, the same {hot.ordinary} ordinary users with {hot.hostile} "
        "hostile users beside them. " + FLOW_TEXT.format(pause=2 * args.think_s),
        "",
        "| | baseline | hostile |",
        "|---|---|---|",
    ]

    def row(label: str, get: Callable[[PhaseResult], str]) -> None:
        lines.append(f"| {label} | {get(base)} | {get(hot)} |")

    row("**completed flows**", lambda r: f"**{r.stats.flows.completed}**")
    row("completed flows a minute", lambda r: f"{r.stats.flows.completed * 60 / r.seconds:.1f}")
    row("failed flows", lambda r: str(r.stats.flows.failed))
    row("flows cut by the end of the phase", lambda r: str(r.stats.flows.cut))
    row(
        "flow success (completed / ended)",
        lambda r: (
            f"{100 * r.stats.flows.success:.1f} %"
            if r.stats.flows.completed + r.stats.flows.failed
            else "n/a"
        ),
    )
    row(
        "legit requests answered as expected",
        lambda r: (
            f"{_pct(r.stats.legit['ok'], sum(r.stats.legit.values()))} of {sum(r.stats.legit.values())}"
        ),
    )
    row("legit 429s honoured (then retried)", lambda r: str(r.stats.legit["deferred"]))
    row("legit requests with no answer", lambda r: str(r.stats.legit["no answer"]))
    row("legit asks answered 202 and polled", lambda r: str(r.stats.polled))
    row("ordinary generations finished a second", lambda r: f"{r.stats.generations_done / r.seconds:.2f}")
    row("**server errors (status ≥ 500, any user)**", lambda r: f"**{sum(r.stats.server_errors.values())}**")
    row("tracebacks in the server log", lambda r: str(r.tracebacks))
    row("**leaks**", lambda r: f"**{len(r.stats.leaks)}**")
    row("server RSS at the start, MiB", lambda r: _mib(r.rss_start))
    row("**server peak RSS, MiB**", lambda r: f"**{_mib(r.rss_peak)}**")
    row(f"server RSS {args.settle_s:g} s after the load, MiB", lambda r: _mib(r.rss_after))
    row(
        "threads at the start / peak / after",
        lambda r: f"{r.threads_start} / {r.threads_peak} / {r.threads_after}",
    )
    row("server processes (peak)", lambda r: str(r.processes_peak))

    def grown(key: str) -> Callable[[PhaseResult], str]:
        return lambda r: str(r.rows_after.get(key, 0) - r.rows_before.get(key, 0))

    for key in ("users", "guests", "sessions", "tokens", "generations", "assets", "relic caches"):
        row(f"{key} created", grown(key))
    row("files under POG_VAR_DIR grew by, MiB", lambda r: _mib(r.var_after - r.var_before))
    lines += [
        "",
        f"Hostile over baseline completed flows: **{ratio:.2f}** (target ≥ {RATIO_TARGET:g}): "
        f"{verdict(meets_ratio(ratio))}. Server errors: {errors} (target 0): {verdict(errors == 0)}. "
        f"Leaks: {leaked} (target 0): {verdict(leaked == 0)}.",
        "",
        "Time per ordinary step, from the first try to the expected answer (429 waits and polling "
        "included), ms:",
        "",
        "| step | baseline n | baseline p50 | baseline p95 | hostile n | hostile p50 | hostile p95 |",
        "|---|---|---|---|---|---|---|",
    ]
    labels = sorted(
        set(base.stats.latency) | set(hot.stats.latency), key=lambda s: (not s.startswith("make"), s)
    )
    for label in labels:
        b, h = Summary.of(base.stats.latency.get(label, [])), Summary.of(hot.stats.latency.get(label, []))
        lines.append(f"| {label} | {b.n} | {ms(b.p50)} | {ms(b.p95)} | {h.n} | {ms(h.p50)} | {ms(h.p95)} |")
    for r in (base, hot):
        if r.stats.flows.failures:
            lines += ["", f"Why flows failed ({r.name}; step: answer, flows):", ""]
            lines += [f"- {k}: {v}" for k, v in r.stats.flows.failures.most_common(12)]
    if hot.hostile:
        lines += [
            "",
            "Hostile users (five of each; none honours `Retry-After`), and what the server answered them:",
            "",
            "| behaviour | what it does | requests | answers |",
            "|---|---|---|---|",
        ]
        described = {
            **BEHAVIOURS,
            IDENTITIES: "Guests and sessions the other behaviours made for themselves.",
        }
        for kind, text in described.items():
            counter = hot.stats.hostile.get(kind, Counter())
            lines.append(f"| {kind} | {text} | {sum(counter.values())} | {_statuses(counter)} |")
        if hot.stats.facts:
            lines += ["", "What some of those were:", ""]
            lines += [f"- {k}: {v}" for k, v in sorted(hot.stats.facts.items())]
        for what, seconds in sorted(hot.stats.hostile_s.items()):
            took = Summary.of(seconds)
            lines.append(f"- {what}: answered after {took.p50:.1f} s (median), {took.high:.1f} s at most")
    for r in (base, hot):
        if r.stats.server_errors:
            lines += ["", f"Server errors ({r.name}; who, status, route):", ""]
            lines += [f"- {k}: {v}" for k, v in r.stats.server_errors.most_common(25)]
        if r.stats.no_answer:
            lines += ["", f"Requests with no answer ({r.name}; who, route: error):", ""]
            lines += [f"- {k}: {v}" for k, v in r.stats.no_answer.most_common(25)]
        if r.stats.leaks:
            lines += ["", f"Leaks ({r.name}, first 10 of {len(r.stats.leaks)}):", ""]
            lines += [f"- {text}" for text in r.stats.leaks[:10]]
    lines += [
        "",
        READING_TEXT.format(settle=args.settle_s),
    ]
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=90.0, help="seconds of load in each phase")
    parser.add_argument("--ordinary", type=int, default=ORDINARY, help="ordinary users")
    parser.add_argument("--hostile", type=int, default=HOSTILE, help="hostile users (in the second phase)")
    parser.add_argument(
        "--think-s", type=float, default=1.0, help="mean pause of an ordinary user between flows"
    )
    parser.add_argument(
        "--kinds",
        default="",
        help="hostile behaviours to run, comma-separated (default: all, in turn); to see what one costs",
    )
    parser.add_argument("--ramp-s", type=float, default=5.0, help="users start spread over this many seconds")
    parser.add_argument("--settle-s", type=float, default=15.0, help="idle seconds before the 'after' memory")
    parser.add_argument("--tier", default="premium", help="POG_DEFAULT_TIER: the tier every guest gets")
    parser.add_argument("--upload-mb", type=float, default=100.0, help="size of the hostile large upload")
    parser.add_argument("--large-uploads", type=int, default=2, help="large uploads at once, at most")
    parser.add_argument(
        "--rss-cap-mb", type=float, default=6000.0, help="end a phase early if the server grows past this"
    )
    parser.add_argument("--scale", action="store_true", help="scale mode: PostgreSQL, Redis, a Celery worker")
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="scale mode: a database to create the phases' databases from",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="scale mode: Redis")
    parser.add_argument("--doc", type=Path, default=DOC, help="where to write the results")
    parser.add_argument("--no-write", action="store_true", help="print the section, leave the doc alone")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, databases)")
    args = parser.parse_args()
    unknown = sorted(set(filter(None, args.kinds.split(","))) - set(KINDS))
    if unknown:
        parser.error(f"unknown behaviours {', '.join(unknown)}; known: {', '.join(KINDS)}")
    if args.duration <= 0 or args.ordinary < 1 or args.hostile < 0:
        parser.error("--duration and --ordinary must be positive, --hostile at least 0")

    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    started = time.monotonic()
    info = machine()
    info["load average before (1, 5, 15 min)"] = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    root = Path(tempfile.mkdtemp(prefix="pog-hostile-"))
    log_dir = root / "logs"
    log_dir.mkdir()
    cache_dir = rsc_cache_dir()
    base_env = clean_env(
        {
            "POG_SECRET_KEY": secrets.token_urlsafe(40),
            "POG_LOG_LEVEL": "WARNING",
            "POG_OLLAMA_URL": "",
            "POG_DEFAULT_TIER": args.tier,
            "PYTHONUNBUFFERED": "1",
        }
    )
    if cache_dir.is_dir():
        base_env["POG_RSC_CACHE_DIR"] = str(cache_dir)
    setup = Setup(args, root, log_dir, base_env)
    keep = args.keep
    try:
        payloads = make_payloads(cache_dir)
        print(
            f"temporary folder {root}; relic cache "
            f"{'found' if payloads.rsc_zip else 'not found'} at {cache_dir}",
            flush=True,
        )
        base = run_phase(setup, "baseline", False, payloads)
        hot = run_phase(setup, "hostile", True, payloads)
        info["load average after (1, 5, 15 min)"] = ", ".join(f"{v:.2f}" for v in os.getloadavg())
        body = render(args, info, base, hot, time.monotonic() - started)
        print(body)
        if not args.no_write:
            write_section(args.doc, "hostile", body)
            print(f"\nwritten to {args.doc}")
    except BaseException:
        keep = True
        print(f"failed; logs kept in {log_dir}", file=sys.stderr)
        raise
    finally:
        for cleanup in setup.cleanups:
            cleanup()
        if not keep:
            remove_tree(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
