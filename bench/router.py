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
import base64
import contextlib
import datetime as dt
import io
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
    percentile,
    remove_tree,
    write_section,
)
from bench.router_report import (
    CF_MODEL,
    FULL,
    MAX_OPEN_S,
    OPEN_S,
    QUICK,
    ActionD,
    ResultA,
    ResultC,
    ResultD,
    ScenarioB,
    Sizes,
    allowance,
    render,
)
from limbs.fakes.server import FAKE_CREDENTIALS, FakeProvider, env_for, start_fakes

DOC = REPO / "docs" / "benchmarks.md"
STYLE_SUFFIX = "colourful game concept art"  # what the image prompt gets with style "auto"
REMOTE = frozenset({"cloudflare", "gemini", "ollama"})
# Both trip rules off: min_requests also bounds consecutive failures; slow_trip the stalls.
NO_BREAKER = {"POG_BREAKER_MIN_REQUESTS": "1000000000", "POG_BREAKER_SLOW_TRIP": "1000000000"}


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


DEFAULT_HOP_S = 10.0  # POG_HOP_TIMEOUT_S in pog_site/settings.py


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
    made = {"png": png, "png2": other, "gif": gif, "wav": wav, "json": entity, "generation": generation}
    # A file sent with the request (file.upload), and a relic cache registered through the
    # relic limb itself, when the real one is on this machine (relic.*).
    made["upload"] = base64.b64encode(_bench_png()).decode()
    config = _rsc_cache_dir() / "config85.jag"
    if config.exists():
        excavate = {"action": "excavate", "params": {"file": _sent(config.name, config.read_bytes())}}
        call = bench.handle(studio, "relic", {"seed": 1, "wait": True, **excavate})
        auth = {"Authorization": f"Bearer {studio.token}"}
        doc = bench.client.get(f"{studio.url}{call.body['assets'][0]['url']}", headers=auth).json()
        made["relic"] = str(doc["cache"])
        made["relic_item"] = str(doc["examples"]["items"][0])
    return made


def _bench_png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 60, 40)).save(buf, format="PNG")
    return buf.getvalue()


def _sent(name: str, data: bytes) -> dict[str, str]:
    return {"name": name, "data": base64.b64encode(data).decode()}


def _rsc_cache_dir() -> Path:
    value = os.environ.get("POG_RSC_CACHE_DIR", "")
    return Path(value) if value else (REPO.parent / "shared" / "relics" / "rsc204").resolve()


def _d_params(limb: str, action: Any, inputs: dict[str, str]) -> dict[str, Any]:
    """Default parameters plus whatever a request cannot do without (its input files)."""
    params: dict[str, Any] = {}
    for spec in action.params:
        if spec.type == "assets":
            params[spec.name] = [inputs["png"], inputs["png2"]]
        elif spec.type == "file" and spec.required:
            params[spec.name] = (
                _relic_file() if limb == "relic" else {"name": "a.png", "data": inputs["upload"]}
            )
        elif spec.type == "relic" and spec.required and "relic" in inputs:
            params[spec.name] = inputs["relic"]
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
    if limb == "relic" and action.id in ("preview", "fork"):
        params["entry"] = "items/0"
    if (limb, action.id) == ("relic", "match"):
        params["name"] = inputs.get("relic_item", "Iron Mace")
    return params


def _relic_file() -> dict[str, str]:
    config = _rsc_cache_dir() / "config85.jag"
    return _sent(config.name, config.read_bytes())


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
