"""Benchmarks of the request path (issue #3, point 8), written to ``docs/benchmarks.md``.

Run from the repository root::

    .venv/bin/python bench/router.py            # the real thing (several minutes)
    .venv/bin/python bench/router.py --quick    # fewer requests, a smoke test

Everything runs on loopback against a throwaway studio: a temporary ``POG_VAR_DIR``
with its own SQLite database, the fake providers of ``limbs.fakes`` in this process,
and a real ``daphne`` subprocess per scenario (restarted whenever the environment of
a scenario differs). Figures:

(a) gateway overhead: ``POST /api/handle/image`` routed to a healthy fake Cloudflare,
    against the same provider request sent straight to the fake;
(b) failover cost when the primary answers 500, refuses connections or stalls;
(c) upstream hits on a dead primary (500) over 200 requests, against the breaker's allowance;
(d) time to a valid answer for every built action with every remote provider stalled.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench._common import (
    BENCH_TIER,
    REPO,
    Studio,
    Summary,
    clean_env,
    machine,
    migrate,
    ms,
    percentile,
    remove_tree,
    verdict,
    write_section,
)
from limbs.fakes.server import FAKE_CREDENTIALS, FakeProvider, env_for, start_fakes

DOC = REPO / "docs" / "benchmarks.md"
CF_MODEL = "@cf/black-forest-labs/flux-1-schnell"
STYLE_SUFFIX = "colourful game concept art"  # what the image prompt gets with style "auto"
REMOTE = frozenset({"cloudflare", "gemini", "ollama"})
# The breaker defaults (limbs.breakers.BreakerPolicy / settings); (c) computes its allowance from them.
MIN_REQUESTS = 5
OPEN_S = 15.0
MAX_OPEN_S = 300.0
# Both trip rules off: min_requests also bounds consecutive failures; slow_trip the stalls.
NO_BREAKER = {"POG_BREAKER_MIN_REQUESTS": "1000000000", "POG_BREAKER_SLOW_TRIP": "1000000000"}

# Targets of issue #3, point 8.
TARGET_A_MS = 2.0
TARGET_B_MS = 5.0
TARGET_D_P99_MS = 500.0


@dataclass(frozen=True)
class Sizes:
    a: int
    warmup: int
    b: int
    c: int
    d: int


FULL = Sizes(a=2000, warmup=100, b=200, c=200, d=200)
QUICK = Sizes(a=300, warmup=30, b=50, c=200, d=50)


@dataclass
class Call:
    """One ``POST /api/handle/...`` as the client saw it."""

    ms: float
    status: int
    body: dict[str, Any]
    overhead_ms: float

    @property
    def attempts(self) -> list[dict[str, Any]]:
        attempts = self.body.get("attempts") or []
        return [a for a in attempts if isinstance(a, dict)]

    def valid(self, mime_prefix: str) -> bool:
        assets = self.body.get("assets") or []
        return (
            self.status == 200
            and self.body.get("status") == "succeeded"
            and bool(assets)
            and str(assets[0].get("mime", "")).startswith(mime_prefix)
            and int(assets[0].get("bytes") or 0) > 0
        )

    def attempt_ms(self, provider: str) -> float | None:
        for attempt in self.attempts:
            if attempt.get("provider") == provider and attempt.get("outcome") != "skipped":
                return float(attempt.get("ms", 0.0))
        return None

    @property
    def provider_ms(self) -> float:
        return sum(float(a.get("ms", 0.0)) for a in self.attempts if a.get("outcome") != "skipped")

    @property
    def remote_tried(self) -> bool:
        return any(a.get("provider") in REMOTE and a.get("outcome") != "skipped" for a in self.attempts)

    @property
    def server_ms(self) -> float:
        """Row created to row finished, on the server's clock: queueing plus the job."""
        created, finished = self.body.get("created_at"), self.body.get("finished_at")
        if not created or not finished:
            return math.nan
        delta = dt.datetime.fromisoformat(finished) - dt.datetime.fromisoformat(created)
        return delta.total_seconds() * 1000


@dataclass
class Bench:
    """What every figure needs: the fakes, the base environment, the token, one client."""

    var_dir: Path
    log_dir: Path
    fakes: dict[str, FakeProvider]
    base_env: dict[str, str]
    client: httpx.Client
    tokens: dict[str, str] = field(default_factory=dict)  # per database (POG_VAR_DIR)
    notes: list[str] = field(default_factory=list)

    def fresh_var(self, label: str) -> Path:
        """Another throwaway POG_VAR_DIR with a migrated database of its own."""
        path = self.var_dir / label
        path.mkdir()
        migrate({**self.base_env, "POG_VAR_DIR": str(path)})
        return path

    def env(self, *providers: str, **extra: str) -> dict[str, str]:
        env = dict(self.base_env)
        env.update(env_for({name: self.fakes[name] for name in providers}))
        env.update(extra)
        return env

    @contextlib.contextmanager
    def studio(self, label: str, env: dict[str, str]) -> Iterator[Studio]:
        with Studio(env, self.log_dir, label) as studio:
            database = env["POG_VAR_DIR"]
            if database not in self.tokens:
                resp = self.client.post(f"{studio.url}/api/auth/guest")
                resp.raise_for_status()
                self.tokens[database] = str(resp.json()["token"])
            studio.token = self.tokens[database]
            yield studio

    def handle(self, studio: Studio, limb: str, payload: dict[str, Any]) -> Call:
        headers = {"Authorization": f"Bearer {studio.token}"}
        started = time.perf_counter()
        resp = self.client.post(f"{studio.url}/api/handle/{limb}", json=payload, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        try:
            body = resp.json()
        except ValueError:
            body = {}
        overhead = float(resp.headers.get("x-pog-overhead-ms") or "nan")
        return Call(elapsed, resp.status_code, body if isinstance(body, dict) else {}, overhead)

    def image(self, studio: Studio, tag: str, i: int, seed: int) -> Call:
        payload = {
            "action": "generate",
            "intent": f"bench {tag} {i}",
            "params": {"width": 64, "height": 64},
            "seed": seed,
            "wait": True,
        }
        return self.handle(studio, "image", payload)

    def provider_request(self, tag: str, i: int, seed: int) -> tuple[str, dict[str, Any], dict[str, str]]:
        """URL, JSON body and headers of the request the Cloudflare tier sends for ``image`` above."""
        fake = self.fakes["cloudflare"]
        account = FAKE_CREDENTIALS["POG_CLOUDFLARE_ACCOUNT_ID"]
        url = f"{fake.url}/client/v4/accounts/{account}/ai/run/{CF_MODEL}"
        payload = {"prompt": f"bench {tag} {i}, {STYLE_SUFFIX}", "steps": 6, "seed": seed % 2**32}
        headers = {"Authorization": f"Bearer {FAKE_CREDENTIALS['POG_CLOUDFLARE_API_TOKEN']}"}
        return url, payload, headers

    def direct(self, tag: str, i: int, seed: int, via: str | None = None) -> float:
        """That provider request, straight to the fake (or through the gateway at ``via``)."""
        url, payload, headers = self.provider_request(tag, i, seed)
        started = time.perf_counter()
        resp = self.client.post(via or url, json=payload, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        if resp.status_code != 200 or not resp.json().get("success"):
            raise RuntimeError(f"the fake answered {resp.status_code} to a direct request")
        return elapsed

    def breaker_states(self, studio: Studio) -> dict[str, str]:
        resp = self.client.get(f"{studio.url}/api/limbs/image")
        tiers = resp.json().get("health", {}).get("tiers", []) if resp.status_code == 200 else []
        return {str(t.get("provider")): str(t.get("state")) for t in tiers if isinstance(t, dict)}


def progress(label: str, i: int, n: int) -> None:
    if n >= 10 and (i + 1) % max(1, n // 10) == 0:
        print(f"  {label}: {i + 1}/{n}", flush=True)


# --- (a) gateway overhead ----------------------------------------------------------------


@dataclass
class ResultA:
    routed: Summary
    direct: Summary
    added: Summary  # paired differences routed - direct
    header: Summary
    server: Summary  # created -> finished on the server
    hop: Summary  # the Cloudflare attempt's ms inside the studio
    bad: int
    floor: Summary | None = None  # a do-nothing pass-through on the same daphne, minus direct
    profile: dict[str, Any] | None = None


def figure_a(bench: Bench, sizes: Sizes) -> ResultA:
    print(f"(a) gateway overhead: {sizes.a} routed + {sizes.a} direct requests", flush=True)
    routed: list[float] = []
    direct: list[float] = []
    added: list[float] = []
    header: list[float] = []
    server: list[float] = []
    hop: list[float] = []
    bad = 0
    with bench.studio("a", bench.env("cloudflare")) as studio:
        for i in range(sizes.warmup):
            bench.image(studio, "a-warm", i, 900_000 + i)
            bench.direct("a-warm", i, 900_000 + i)
        for i in range(sizes.a):
            seed = 1_000_000 + i
            # Alternate which goes first so neither always meets a freshly idle server.
            if i % 2:
                d = bench.direct("a", i, seed)
                call = bench.image(studio, "a", i, seed)
            else:
                call = bench.image(studio, "a", i, seed)
                d = bench.direct("a", i, seed)
            ok = call.valid("image/") and call.body.get("provider") == "cloudflare"
            ok = ok and call.body.get("cache") == "miss"
            if not ok:
                bad += 1
            routed.append(call.ms)
            direct.append(d)
            added.append(call.ms - d)
            header.append(call.overhead_ms)
            server.append(call.server_ms)
            hop.append(call.attempt_ms("cloudflare") or math.nan)
            progress("a", i, sizes.a)

    def clean(values: list[float]) -> list[float]:
        return [v for v in values if not math.isnan(v)]

    return ResultA(
        routed=Summary.of(routed),
        direct=Summary.of(direct),
        added=Summary.of(added),
        header=Summary.of(clean(header)),
        server=Summary.of(clean(server)),
        hop=Summary.of(clean(hop)),
        bad=bad,
        floor=floor_a(bench, sizes),
    )


def floor_a(bench: Bench, sizes: Sizes) -> Summary:
    """What a gateway that does nothing adds on the same server: ``bench/passthrough.py`` on
    daphne forwards the provider request to the fake; paired with the same request sent direct."""
    n = sizes.a // 2
    print(f"(a) floor: {n} pass-through + {n} direct requests", flush=True)
    url, _, headers = bench.provider_request("floor", 0, 0)
    token = headers["Authorization"].removeprefix("Bearer ")
    env = dict(bench.base_env, POG_PASSTHROUGH_URL=url, POG_PASSTHROUGH_TOKEN=token)
    added: list[float] = []
    with Studio(env, bench.log_dir, "a-floor", app="bench.passthrough:application") as gateway:
        via = f"{gateway.url}/"
        for i in range(sizes.warmup):
            bench.direct("floor-warm", i, i, via=via)
            bench.direct("floor-warm", i, i)
        for i in range(n):
            if i % 2:
                d = bench.direct("floor", i, i)
                g = bench.direct("floor", i, i, via=via)
            else:
                g = bench.direct("floor", i, i, via=via)
                d = bench.direct("floor", i, i)
            added.append(g - d)
            progress("a floor", i, n)
    return Summary.of(added)


# --- (b) failover cost -------------------------------------------------------------------


@dataclass
class ScenarioB:
    name: str
    total: Summary
    server: Summary  # created -> finished on the server
    failed_hop: Summary  # the primary's failed attempt inside the studio
    base_total: Summary  # the baseline requests interleaved with this scenario's
    base_server: Summary
    paired: Summary  # this request minus the baseline request next to it
    bad: int

    @property
    def added(self) -> float:
        return self.total.p50 - self.base_total.p50


def _check_b(call: Call, expect_fail: bool) -> bool:
    cf = call.attempt_ms("cloudflare")
    failed_first = any(
        a.get("provider") == "cloudflare" and a.get("outcome") == "error" for a in call.attempts
    )
    ok = call.valid("image/") and call.body.get("provider") == "gemini"
    return ok and (failed_first if expect_fail else cf is None)


def _run_b(bench: Bench, base: Studio, studio: Studio, tag: str, n: int, warmup: int) -> ScenarioB:
    """``n`` requests to ``studio`` (whose primary fails) interleaved with ``n`` to ``base``
    (where Gemini answers directly), alternating which goes first."""
    totals: list[float] = []
    servers: list[float] = []
    failed: list[float] = []
    base_totals: list[float] = []
    base_servers: list[float] = []
    paired: list[float] = []
    bad = 0
    for i in range(warmup):
        bench.image(studio, f"b-{tag}-warm", i, 1_900_000 + i)
        bench.image(base, f"b-{tag}-base-warm", i, 1_950_000 + i)
    for i in range(n):
        seed = 2_000_000 + i
        if i % 2:
            b_call = bench.image(base, f"b-{tag}-base", i, seed)
            call = bench.image(studio, f"b-{tag}", i, seed)
        else:
            call = bench.image(studio, f"b-{tag}", i, seed)
            b_call = bench.image(base, f"b-{tag}-base", i, seed)
        bad += (not _check_b(call, True)) + (not _check_b(b_call, False))
        totals.append(call.ms)
        servers.append(call.server_ms)
        base_totals.append(b_call.ms)
        base_servers.append(b_call.server_ms)
        paired.append(call.ms - b_call.ms)
        cf = call.attempt_ms("cloudflare")
        if cf is not None:
            failed.append(cf)
        progress(f"b {tag}", i, n)
    return ScenarioB(
        tag,
        Summary.of(totals),
        Summary.of(servers),
        Summary.of(failed),
        Summary.of(base_totals),
        Summary.of(base_servers),
        Summary.of(paired),
        bad,
    )


def figure_b(bench: Bench, sizes: Sizes, stall_hop_s: float) -> list[ScenarioB]:
    print(
        f"(b) failover cost: {sizes.b} requests per scenario, each with {sizes.b} baseline ones", flush=True
    )
    warm = min(30, sizes.warmup)
    cf = bench.fakes["cloudflare"]
    results: list[ScenarioB] = []
    # The baseline studio has its own database, so the two never wait on each other's writes.
    base_env = bench.env("gemini", **NO_BREAKER, POG_VAR_DIR=str(bench.fresh_var("b-baseline")))
    with bench.studio("b-baseline", base_env) as base:
        with bench.studio("b-500-refused", bench.env("cloudflare", "gemini", **NO_BREAKER)) as studio:
            for fault in ("500", "refused"):
                cf.reset()
                cf.set_fault(fault)
                results.append(_run_b(bench, base, studio, fault, sizes.b, warm))
        cf.reset()
        stall_env = bench.env("cloudflare", "gemini", POG_HOP_TIMEOUT_S=str(stall_hop_s), **NO_BREAKER)
        with bench.studio("b-stall", stall_env) as studio:
            cf.set_fault("stall")
            results.append(_run_b(bench, base, studio, "stall", sizes.b, min(warm, 5)))
        cf.reset()
    return results


# --- (c) upstream hits on a dead primary ---------------------------------------------------


@dataclass
class ResultC:
    label: str
    open_s: float
    requests: int
    succeeded: int
    hits: int
    allowance: int
    periods: int
    seconds: float
    states: dict[str, str]


def allowance(hit_times: list[float], end: float, open_s: float, max_open_s: float) -> tuple[int, int]:
    """(min_requests + open periods that ended before ``end``, those periods).

    The breaker opens at the ``MIN_REQUESTS``-th failure; each open period ends in at most
    one probe, whose failure opens the next, twice as long (capped at ``max_open_s``).
    """
    if len(hit_times) < MIN_REQUESTS:
        return MIN_REQUESTS, 0
    start, trips, periods = hit_times[MIN_REQUESTS - 1], 1, 0
    probes = hit_times[MIN_REQUESTS:]
    while True:
        period_end = start + min(max_open_s, open_s * 2 ** (trips - 1))
        if period_end > end:
            break
        periods += 1
        # Client-side times lag the server's by a request's length; allow a little slack.
        later = [t for t in probes if t >= period_end - 0.05]
        if not later:
            break
        start, trips = later[0], trips + 1
    return MIN_REQUESTS + periods, periods


def _run_c(bench: Bench, label: str, n: int, open_s: float) -> ResultC:
    cf = bench.fakes["cloudflare"]
    extra = {} if open_s == OPEN_S else {"POG_BREAKER_OPEN_S": str(int(open_s))}
    with bench.studio(f"c-{label}", bench.env("cloudflare", **extra)) as studio:
        cf.reset()
        cf.set_fault("500")
        started = time.monotonic()
        hit_times: list[float] = []
        succeeded = 0
        for i in range(n):
            before = cf.request_count
            call = bench.image(studio, f"c-{label}", i, 3_000_000 + i)
            now = time.monotonic() - started
            hit_times.extend([now] * (cf.request_count - before))
            succeeded += call.valid("image/")
            progress(f"c {label}", i, n)
        seconds = time.monotonic() - started
        states = bench.breaker_states(studio)
        hits = cf.request_count
    cf.reset()
    allowed, periods = allowance(hit_times, seconds, open_s, MAX_OPEN_S)
    return ResultC(label, open_s, n, succeeded, hits, allowed, periods, seconds, states)


def figure_c(bench: Bench, sizes: Sizes) -> list[ResultC]:
    print(f"(c) dead primary: {sizes.c} requests", flush=True)
    return [_run_c(bench, "default", sizes.c, OPEN_S), _run_c(bench, "open_s=1", sizes.c, 1.0)]


# --- (d) every remote provider stalled -----------------------------------------------------


@dataclass
class ActionD:
    action: str
    total: Summary
    after_open: Summary  # the requests that made no remote attempt
    valid: int
    stalled: int


DEFAULT_HOP_S = 10.0  # POG_HOP_TIMEOUT_S in pog_site/settings.py


@dataclass
class ResultD:
    hop_s: float
    hop_is_default: bool
    actions: list[ActionD]
    states: dict[str, str]
    default_hop: list[tuple[float, bool]] | None = None  # (ms, remote tried) per request
    default_states: dict[str, str] | None = None


def _run_d(
    bench: Bench, studio: Studio, name: str, n: int, make: Callable[[int], Call], mime: str
) -> ActionD:
    totals: list[float] = []
    quiet: list[float] = []
    valid = stalled = 0
    for i in range(n):
        call = make(i)
        totals.append(call.ms)
        valid += call.valid(mime)
        if call.remote_tried:
            stalled += 1
        else:
            quiet.append(call.ms)
        progress(f"d {name}", i, n)
    return ActionD(name, Summary.of(totals), Summary.of(quiet), valid, stalled)


def _d_inputs(bench: Bench, studio: Studio) -> dict[str, str]:
    """One stored asset of each kind the built actions take, made through the API first."""

    def first(limb: str, payload: dict[str, Any], prefix: str) -> tuple[str, str]:
        call = bench.handle(studio, limb, {"seed": 1, "wait": True, **payload})
        for asset in call.body.get("assets") or []:
            if str(asset.get("mime", "")).startswith(prefix):
                return str(asset["id"]), str(call.body["generation"])
        raise RuntimeError(f"could not make a {prefix} input for (d): {call.body}")

    png, generation = first("image", {"action": "sprite", "intent": "a bench knight"}, "image/png")
    other, _ = first("image", {"action": "sprite", "intent": "a bench frog"}, "image/png")
    gif, _ = first("video", {"action": "animate", "params": {"image": png, "frames": 6}}, "image/gif")
    wav, _ = first("audio", {"action": "sfx", "intent": "a coin"}, "audio/")
    entity, _ = first("entity", {"action": "archetype", "intent": "a goblin"}, "application/json")
    return {"png": png, "png2": other, "gif": gif, "wav": wav, "json": entity, "generation": generation}


def _d_params(limb: str, action: Any, inputs: dict[str, str]) -> dict[str, Any]:
    """Default parameters plus whatever a request cannot do without (its input files)."""
    params: dict[str, Any] = {}
    for spec in action.params:
        if spec.type != "asset" or not spec.required:
            continue
        accepts = " ".join(spec.accepts)
        if spec.name == "second":
            params[spec.name] = inputs["png2"]
        elif "image/gif" in accepts or "application/zip" in accepts:
            params[spec.name] = inputs["gif"]
        elif accepts.startswith("audio/"):
            params[spec.name] = inputs["wav"]
        elif accepts == "application/json":
            params[spec.name] = inputs["json"]
        else:
            params[spec.name] = inputs["png"]
    if (limb, action.id) == ("ghost", "stabilize"):
        params["target"] = "image.sprite"
    if (limb, action.id) == ("ghost", "introspect"):
        params["generation"] = inputs["generation"]
    return params


def figure_d(bench: Bench, sizes: Sizes, hop_s: float | None, default_hop_check: bool) -> ResultD:
    from limbs.registry import REGISTRY

    cf, gemini = bench.fakes["cloudflare"], bench.fakes["gemini"]
    n = sizes.d
    n_local = max(10, n // 10)
    print(
        f"(d) every remote provider stalled: {n} requests per action with remote tiers, "
        f"{n_local} per purely procedural action",
        flush=True,
    )
    # hop_s None: POG_HOP_TIMEOUT_S is not set, so the studio runs with its default.
    extra = {} if hop_s is None else {"POG_HOP_TIMEOUT_S": str(hop_s)}
    env = bench.env("cloudflare", "gemini", **extra)
    with bench.studio("d", env) as studio:
        inputs = _d_inputs(bench, studio)
        cf.set_fault("stall")
        gemini.set_fault("stall")
        actions: list[ActionD] = []
        built = [(limb, a) for limb in REGISTRY.limbs for a in limb.actions if a.built]
        # Actions with remote tiers first: they are what the stalls can touch.
        built.sort(key=lambda pair: not pair[1].ai_tiers)
        for number, (limb, action) in enumerate(built):
            params = _d_params(limb.id, action, inputs)

            def call(
                i: int,
                limb_id: str = limb.id,
                action_id: str = action.id,
                base: int = number,
                params: dict[str, Any] = params,
            ) -> Call:
                payload = {
                    "action": action_id,
                    "intent": f"bench d {limb_id} {action_id} {i}",
                    "params": params,
                    "seed": 4_000_000 + base * 10_000 + i,
                    "wait": True,
                }
                return bench.handle(studio, limb_id, payload)

            count = n if action.ai_tiers else n_local
            actions.append(_run_d(bench, studio, f"{limb.id}.{action.id}", count, call, ""))
        states = bench.breaker_states(studio)
    cf.reset()
    gemini.reset()
    result = ResultD(DEFAULT_HOP_S if hop_s is None else hop_s, hop_s is None, actions, states)
    if default_hop_check:
        print("(d) the same with the default hop timeout: 6 requests", flush=True)
        with bench.studio("d-default-hop", bench.env("cloudflare", "gemini")) as studio:
            cf.set_fault("stall")
            gemini.set_fault("stall")
            calls = [bench.image(studio, "d-default", i, 4_300_000 + i) for i in range(6)]
            result.default_hop = [(c.ms, c.remote_tried) for c in calls]
            result.default_states = bench.breaker_states(studio)
        cf.reset()
        gemini.reset()
    return result


# --- where the time goes: the job in-process under cProfile --------------------------------


def profile_child(n: int) -> None:
    """Runs in a subprocess with the studio's environment: times the three phases of a
    request in one thread (accept, job, answer) and profiles them with cProfile."""
    import cProfile
    import io
    import pstats
    from unittest import mock

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pog_site.settings")
    import django

    django.setup()
    from accounts.models import User
    from limbs import request, runs
    from limbs.api import _generation_payload
    from pog_site import jobs

    user = User.create_guest()
    phases: dict[str, list[float]] = {"accept": [], "job": [], "hop": [], "answer": []}

    def one(i: int, record: bool) -> None:
        t0 = time.perf_counter()
        data = request.GenerateInput(
            limb="image", action="generate", intent=f"profile {i}", params={"width": 64, "height": 64}, seed=i
        )
        generation = request.do_generate(user, data, queue=False)
        t1 = time.perf_counter()
        finished = runs.run_generation(str(generation.pk))
        t2 = time.perf_counter()
        # The job hands back the answer it just wrote; reading it again is the fallback path.
        body, provider_ms = _generation_payload(generation.pk)
        t3 = time.perf_counter()
        if finished is None or body["status"] != "succeeded" or body["provider"] != "cloudflare":
            raise RuntimeError(f"profile request failed: {body.get('error')}")
        if record:
            phases["accept"].append((t1 - t0) * 1000)
            phases["job"].append((t2 - t1) * 1000)
            phases["hop"].append(provider_ms)
            phases["answer"].append((t3 - t2) * 1000)

    # The job runs here, in this thread, instead of on the pool; events go nowhere.
    with mock.patch.object(jobs, "publish", lambda group, event: None):
        for i in range(20):
            one(5_000_000 + i, record=False)
        for i in range(n):
            one(5_100_000 + i, record=True)
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(n):
            one(5_200_000 + i, record=False)
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(14)
    top: list[dict[str, Any]] = []
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, line, func), (_cc, ncalls, tottime, cumtime, _callers) in sorted(
        raw.items(), key=lambda item: item[1][2], reverse=True
    )[:14]:
        short = filename.replace(str(REPO) + "/", "").split("site-packages/")[-1]
        where = f"{short}:{line}({func})" if short != "~" else re.sub(r" at 0x[0-9a-f]+", "", func)
        top.append(
            {
                "where": where,
                "calls_per_request": ncalls / n,
                "ms_per_request": tottime * 1000 / n,
                "cum_ms_per_request": cumtime * 1000 / n,
            }
        )
    ours: list[dict[str, Any]] = []
    for (filename, line, func), (_cc, ncalls, _tottime, cumtime, _callers) in raw.items():
        if str(REPO) not in filename or ".venv" in filename or "/bench/" in filename:
            continue
        ours.append(
            {
                "where": f"{filename.replace(str(REPO) + '/', '')}:{line}({func})",
                "calls_per_request": ncalls / n,
                "cum_ms_per_request": cumtime * 1000 / n,
            }
        )
    ours.sort(key=lambda row: float(row["cum_ms_per_request"]), reverse=True)
    medians = {k: percentile(v, 50) for k, v in phases.items()}
    print(json.dumps({"medians": medians, "top": top, "ours": ours[:18]}))


def run_profile(bench: Bench, n: int) -> dict[str, Any] | None:
    print(f"profile: {n} requests in-process under cProfile", flush=True)
    env = bench.env("cloudflare")
    command = [sys.executable, str(Path(__file__).resolve()), "--profile-child", str(n)]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        bench.notes.append("The in-process profile failed: " + done.stderr.strip().splitlines()[-1:][0])
        return None
    try:
        parsed: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None
    return parsed


# --- the doc -------------------------------------------------------------------------------


def render(
    args: argparse.Namespace,
    info: dict[str, str],
    a: ResultA,
    b: list[ScenarioB],
    c: list[ResultC],
    d: ResultD,
    seconds: float,
    notes: list[str],
) -> str:
    lines: list[str] = ["## Router (issue #3, point 8)", ""]
    command = ".venv/bin/python bench/router.py" + (" --quick" if args.quick else "")
    lines += [f"Command: `{command}` (took {seconds / 60:.1f} min).", ""]
    lines += ["| machine | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in info.items()]
    lines.append("")

    # (a)
    a_ok = a.added.p50 <= TARGET_A_MS and a.bad == 0
    lines += [
        f"### (a) Gateway overhead ({a.routed.n} requests each way)",
        "",
        "| path | median ms | p99 ms | target | result |",
        "|---|---|---|---|---|",
        f"| `POST /api/handle/image` routed to the fake Cloudflare | {ms(a.routed.p50)} "
        f"| {ms(a.routed.p99)} | | |",
        f"| the same provider request straight to the fake | {ms(a.direct.p50)} | {ms(a.direct.p99)} | | |",
        f"| **added by the studio** (paired difference) | {ms(a.added.p50)} | {ms(a.added.p99)} "
        f"| median ≤ {TARGET_A_MS:g} ms | {verdict(a_ok)} |",
        f"| `X-POG-Overhead-Ms` header | {ms(a.header.p50)} | {ms(a.header.p99)} | | |",
        *(
            [
                f"| floor: added by a gateway that does nothing (`bench/passthrough.py` on the same "
                f"daphne; {a.floor.n} pairs) | {ms(a.floor.p50)} | {ms(a.floor.p99)} | | |"
            ]
            if a.floor is not None
            else []
        ),
        "",
        f"Median of routed minus median of direct: {ms(a.routed.p50 - a.direct.p50)} ms. "
        f"Requests that did not come back valid, from Cloudflare, with `cache: miss`: {a.bad}.",
        "",
    ]
    if a.floor is not None and a.floor.n:
        lines += [
            "The floor row is what a gateway that does nothing at all adds on this machine: "
            "`bench/passthrough.py`, served by the same daphne, reads the body, forwards it with "
            "the same httpx to the fake and returns the answer (no database, no validation, no "
            f"provenance). It alone adds {ms(a.floor.p50)} ms (median), so on the stack DESIGN.md "
            f"prescribes (daphne, Python, httpx) the {TARGET_A_MS:g} ms target leaves "
            f"{ms(max(0.0, TARGET_A_MS - a.floor.p50))} ms for everything the studio does per "
            "request: identity and token scope, kill switches, rate and concurrency limits, the "
            "generation row, routing and the breaker, turning the provider's JPEG into a validated "
            "PNG, the blob, the signed ledger entry, the cache entry and the answer. The studio's "
            f"own share is the added median minus the floor: {ms(a.added.p50 - a.floor.p50)} ms.",
            "",
        ]

    # (b)
    n_b = b[0].total.n if b else 0
    lines += [
        f"### (b) Failover cost ({n_b} requests per fault, each interleaved with a baseline request; "
        "breakers disabled)",
        "",
        "Baseline: Cloudflare not configured, the fake Gemini answers directly. Failover: Cloudflare "
        "configured and failing as the row says, then the same fake Gemini answers.",
        "",
        "| primary (Cloudflare) | failover median ms | failover p99 ms | baseline median ms "
        "| **added**: median minus median, ms | paired difference, median ms | added on the server "
        "(created→finished), median ms | failed hop inside the studio, median ms | target | result |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in b:
        if s.name == "stall":
            label = f"stalls (hop timeout {args.stall_hop_s:g} s)"
            target, result = "none set (≈ the hop timeout)", "n/a"
        else:
            label = "answers 500" if s.name == "500" else "refuses connections"
            ok = s.added <= TARGET_B_MS and s.bad == 0
            target, result = f"≤ {TARGET_B_MS:g} ms", verdict(ok)
        lines.append(
            f"| {label} | {ms(s.total.p50)} | {ms(s.total.p99)} | {ms(s.base_total.p50)} | {ms(s.added)} "
            f"| {ms(s.paired.p50)} | {ms(s.server.p50 - s.base_server.p50)} | {ms(s.failed_hop.p50)} "
            f"| {target} | {result} |"
        )
    bad_b = sum(s.bad for s in b)
    lines += [
        "",
        "Requests not answered validly by Gemini (after the expected failed hop, or directly for the "
        f"baseline): {bad_b}.",
        "",
    ]

    # (c)
    lines += [
        "### (c) Upstream hits on a dead primary (Cloudflare answers 500, nothing else configured)",
        "",
        "| breaker | requests | succeeded | upstream hits | allowance (min_requests + probes) "
        "| open periods ended | run s | breaker after | result |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in c:
        ok = r.hits <= r.allowance and r.succeeded == r.requests
        label = "defaults (min 5, open 15 s)" if r.open_s == OPEN_S else f"min 5, open {r.open_s:g} s"
        lines.append(
            f"| {label} | {r.requests} | {r.succeeded} | {r.hits} | {r.allowance} "
            f"| {r.periods} | {r.seconds:.1f} | {r.states.get('cloudflare', '?')} | {verdict(ok)} |"
        )
    lines.append("")

    # (d)
    hop_label = f"{d.hop_s:g} s" + (", the default" if d.hop_is_default else "")
    lines += [
        f"### (d) Time to a valid answer, Cloudflare and Gemini both stalled (hop timeout {hop_label}, "
        "default breakers)",
        "",
        "| action | requests | valid | paid a stall | p50 ms | p95 ms | p99 ms "
        "| p99 once the breakers were open | target | result |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for act in d.actions:
        ok = act.total.p99 <= TARGET_D_P99_MS and act.valid == act.total.n
        lines.append(
            f"| {act.action} | {act.total.n} | {act.valid} | {act.stalled} | {ms(act.total.p50)} "
            f"| {ms(act.total.p95)} | {ms(act.total.p99)} | {ms(act.after_open.p99)} "
            f"| p99 ≤ {TARGET_D_P99_MS:g} ms | {verdict(ok)} |"
        )
    states = ", ".join(f"{k} {v}" for k, v in d.states.items())
    lines += ["", f"Breakers after the run: {states}.", ""]
    gen = d.actions[0]
    if gen.stalled:
        share = 100.0 * gen.stalled / gen.total.n
        lines += [
            f"{gen.stalled} `image.generate` requests ({share:.1f} % of {gen.total.n}) made a remote "
            "attempt. A request that meets a stalled provider whose breaker is closed waits the full "
            "hop timeout on it, and that one stall opens the provider's breaker at once "
            "(`POG_BREAKER_SLOW_TRIP`, default 1), so only the first request pays it (about "
            f"{2 * d.hop_s:g} s for the two stalled tiers). When an open period (15 s, doubling) ends, "
            "the next request carries the half-open probe but waits only `POG_PROBE_PATIENCE_S` "
            "(0.25 s) for it before moving down the chain; the probe runs on in the background to its "
            "hop timeout and opens the breaker again. "
            + (
                "The p99 stays under the target only because they are fewer than 1 % of the requests."
                if share < 1
                else "They are more than 1 % of the requests, so the p99 is one of them."
            )
            + " Actions with no remote tier never touch a stalled provider; their times are their "
            "procedural generators' at default settings (fewer requests each; see also the limbs "
            "section).",
            "",
        ]
    if d.default_hop is not None:
        times = ", ".join(
            f"{t / 1000:.1f} s" + ("" if tried else " (no remote hop)") for t, tried in d.default_hop
        )
        default_states = ", ".join(f"{k} {v}" for k, v in (d.default_states or {}).items())
        lines += [
            "With the default hop timeout (10 s) the same scenario gives, for six consecutive "
            f"`image.generate` requests: {times}; breakers afterwards: {default_states}.",
            "",
        ]
        if (
            all(tried for _, tried in d.default_hop)
            and (d.default_states or {}).get("cloudflare") == "closed"
        ):
            lines += [
                "So with the default settings a stalled provider is never found dead under one-at-a-time "
                "traffic: each request spends a full hop timeout on each remote tier (10 s + 10 s), so "
                "the 30 s window (`POG_BREAKER_WINDOW_S`) never holds `min_requests` (5) failures of "
                "one provider and the breaker stays closed; every request pays about 20 s.",
                "",
            ]
        else:
            lines += [
                "So with the default settings the breakers find a stalled provider dead under "
                "one-at-a-time traffic: one stall (`POG_BREAKER_SLOW_TRIP`) opens a provider's "
                "breaker at once, and `min_requests` (5) consecutive failures of any kind open it "
                "even when they are spread wider than the 30 s window; a request that finds both "
                "breakers open makes no remote hop.",
                "",
            ]
    lines += method_text(args, a, d)
    lines += where_time_goes(a, b)
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


def method_text(args: argparse.Namespace, a: ResultA, d: ResultD) -> list[str]:
    return [
        "### Method",
        "",
        "Everything runs on loopback on the machine above: a throwaway `POG_VAR_DIR` and SQLite "
        "database (embedded mode: no `DATABASE_URL`, no `REDIS_URL`, two job threads), the fake "
        "providers of `limbs.fakes` in the benchmark process, and a real `daphne` subprocess serving "
        "`pog_site.asgi:application`, restarted with its own environment for each scenario. Only the "
        "providers a scenario needs are configured (`POG_OLLAMA_URL` is empty, so the Ollama tier is "
        "off). One keep-alive `httpx.Client` sends every request, one at a time, as a guest from "
        "`POST /api/auth/guest` (on the `bench` tier: limits no benchmark reaches, but the rate and "
        "concurrency limiter still runs on every request), with `wait: true`; the time is the "
        "client's, from sending the request to having read the whole answer. Every request has "
        "its own intent and seed, so the muscle-memory cache never hits. "
        "(a) After a warm-up, each `POST /api/handle/image` (64x64, routed to the healthy fake "
        "Cloudflare) is paired with the provider request the Cloudflare tier makes for it "
        "(same prompt, steps and seed, to `POST {fake}/client/v4/accounts/{account}/ai/run/"
        f"{CF_MODEL}`), alternating which of the two goes first; the added overhead is routed minus "
        "direct for each pair. "
        "(b) The failover cost of a fault is the median time of a request whose Cloudflare hop fails "
        "in that way before the fake Gemini (healthy) answers, minus the median time of a request "
        "Gemini answers directly because Cloudflare is not configured; the breakers are disabled "
        "(`POG_BREAKER_MIN_REQUESTS=1000000000`) so every request pays the failed hop, and the stall "
        f"row runs with `POG_HOP_TIMEOUT_S={args.stall_hop_s:g}`. "
        "(c) With default breaker settings and Cloudflare answering 500 to everything, the fake counts "
        "the requests it receives; the allowance is `min_requests` (5) plus one probe for every open "
        "period (15 s, doubling after each failed probe) that ended during the run; a second row "
        "uses `POG_BREAKER_OPEN_S=1` so that probes actually happen within the run. "
        "(d) Cloudflare and Gemini both stall (they read the request and never answer) with default "
        "breaker settings and "
        + (
            f"the default hop timeout (`POG_HOP_TIMEOUT_S` not set, {d.hop_s:g} s), because that is "
            "what a deployment that changed nothing gets"
            if d.hop_is_default
            else f"`POG_HOP_TIMEOUT_S={d.hop_s:g}`"
        )
        + "; every built action is asked "
        f"{d.actions[0].total.n} times (for `mesh.image_to_3d` from a sprite made first); a request "
        "'paid a stall' when it made a remote attempt at all, which only happens until the breakers "
        "open (only `image.generate` has remote tiers today). "
        "Percentiles interpolate linearly between ranks.",
        "",
    ]


def where_time_goes(a: ResultA, b: list[ScenarioB]) -> list[str]:
    lines = [
        "### Where the time goes",
        "",
        f"For (a), medians: the client waits {ms(a.routed.p50)} ms for a routed request; on the server, "
        f"the generation row goes from created to finished in {ms(a.server.p50)} ms, of which the "
        f"Cloudflare hop (the HTTP call plus decoding the JPEG and writing the 64x64 PNG) takes "
        f"{ms(a.hop.p50)} ms; a direct request takes {ms(a.direct.p50)} ms. So about "
        f"{ms(a.server.p50 - a.hop.p50)} ms go to the job around the hop (preferences, the cache "
        "lookup, storing the blob, the signed ledger entry, the cache entry, in one transaction) and "
        f"about {ms(a.routed.p50 - a.server.p50)} ms to the request around the job (the server and "
        "Django's middleware, identity, kill switches, limits and validation before the row is "
        "created, and the JSON answer after it is finished; with `wait: true` and a free worker "
        "slot the row is stored already claimed and the job runs on the request's own thread). "
        "The failover cost of (b) stays small because "
        "a failed hop to a primary that answers 500 or refuses costs about a millisecond inside "
        "the studio (the failed-hop column), "
        "and the fixed overhead of (a) appears on both sides of that subtraction.",
        "",
    ]
    if a.profile:
        med = a.profile.get("medians", {})
        lines += [
            "In-process, one thread, no HTTP, no pool and no channel-layer events (`do_generate`, "
            "then `run_generation`, then "
            f"the answer's query), medians: accepting {ms(med.get('accept', math.nan))} ms, the job "
            f"{ms(med.get('job', math.nan))} ms (of which the provider hop {ms(med.get('hop', math.nan))} "
            f"ms), building the answer {ms(med.get('answer', math.nan))} ms. The functions with the most "
            "own time under cProfile (per request):",
            "",
            "| function | calls | own ms | cumulative ms |",
            "|---|---|---|---|",
        ]
        for row in a.profile.get("top", [])[:10]:
            lines.append(
                f"| `{row['where']}` | {row['calls_per_request']:.1f} | {row['ms_per_request']:.2f} "
                f"| {row['cum_ms_per_request']:.2f} |"
            )
        lines += [
            "",
            "Cumulative time per request in the studio's own functions (cProfile's own overhead "
            "inflates these against the medians above):",
            "",
            "| function | calls | cumulative ms |",
            "|---|---|---|",
        ]
        for row in a.profile.get("ours", []):
            lines.append(
                f"| `{row['where']}` | {row['calls_per_request']:.1f} | {row['cum_ms_per_request']:.2f} |"
            )
        lines.append("")
    return lines


# --- main ----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer requests: a smoke test")
    parser.add_argument("--stall-hop-s", type=float, default=0.2, help="POG_HOP_TIMEOUT_S for (b)'s stall")
    parser.add_argument(
        "--d-hop-s", type=float, default=None, help="POG_HOP_TIMEOUT_S for (d); default: not set (10 s)"
    )
    parser.add_argument(
        "--no-default-hop-check", action="store_true", help="skip (d) with the default 10 s hop timeout"
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the in-process cProfile run")
    parser.add_argument("--doc", type=Path, default=DOC, help="where to write the results")
    parser.add_argument("--profile-child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.profile_child:
        profile_child(args.profile_child)
        return 0

    # A terminated benchmark still stops its daphne processes and fakes (the finally below).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    sizes = QUICK if args.quick else FULL
    started = time.monotonic()
    info = machine()
    var_dir = Path(tempfile.mkdtemp(prefix="pog-bench-"))
    log_dir = var_dir / "logs"
    log_dir.mkdir()
    fakes = start_fakes()
    base_env = clean_env(
        {
            "POG_VAR_DIR": str(var_dir),
            "POG_SECRET_KEY": secrets.token_urlsafe(40),
            "POG_LOG_LEVEL": "WARNING",
            "POG_OLLAMA_URL": "",
            "POG_GUESTS_PER_MINUTE": "1000",
            "POG_DEFAULT_TIER": BENCH_TIER,
            "PYTHONUNBUFFERED": "1",
        }
    )
    keep = False
    try:
        print(f"var dir {var_dir}; migrating", flush=True)
        migrate(base_env)
        with httpx.Client(timeout=httpx.Timeout(90.0)) as client:
            bench = Bench(var_dir, log_dir, fakes, base_env, client)
            a = figure_a(bench, sizes)
            if not args.no_profile:
                a.profile = run_profile(bench, 50 if args.quick else 200)
            b = figure_b(bench, sizes, args.stall_hop_s)
            c = figure_c(bench, sizes)
            d = figure_d(bench, sizes, args.d_hop_s, not (args.quick or args.no_default_hop_check))
        body = render(args, info, a, b, c, d, time.monotonic() - started, bench.notes)
        write_section(args.doc, "router", body)
        print(body)
        print(f"\nwritten to {args.doc}")
    except BaseException:
        keep = True
        print(f"failed; daphne logs kept in {log_dir}", file=sys.stderr)
        raise
    finally:
        for fake in fakes.values():
            fake.stop()
        if not keep:
            remove_tree(var_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
