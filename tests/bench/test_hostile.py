"""The pure parts of bench/hostile.py: flow accounting, leak detection, the 80% rule, how a
client honours 429s and keeps cookies, and how the server's processes are found."""

from __future__ import annotations

import argparse
import asyncio
import email.utils
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bench._common import descendants, tree_usage
from bench.hostile import (
    FlowLedger,
    Hostile,
    Known,
    Ordinary,
    Payloads,
    Phase,
    Stats,
    StepFailedError,
    flow_ratio,
    foreign_assets,
    foreign_caches,
    is_leak,
    meets_ratio,
    retry_after_s,
)


def _phase() -> Phase:
    args = argparse.Namespace(ramp_s=0.0, think_s=0.0, upload_mb=1.0, large_uploads=1)
    payloads = Payloads(rsc_zip=None, damaged_zip=None, bomb=b"", jcache=b"")
    return Phase("http://127.0.0.1:9", Stats(), Known(), payloads, args)


def _mocked(client: Ordinary | Hostile, handler: Callable[[httpx.Request], httpx.Response]) -> None:
    client.http = httpx.AsyncClient(base_url=client.phase.url, transport=httpx.MockTransport(handler))


# --- flows and the 80% rule -------------------------------------------------------------------


def test_every_started_flow_ends_in_exactly_one_bucket() -> None:
    ledger = FlowLedger()
    for _ in range(5):
        ledger.start()
    ledger.complete()
    ledger.complete()
    ledger.fail("GET /api/assets", "500")
    ledger.cut_short()
    assert (ledger.completed, ledger.failed, ledger.cut, ledger.running) == (2, 1, 1, 1)
    assert ledger.failures == {"GET /api/assets: 500": 1}
    # Cut flows are neither successes nor failures.
    assert ledger.success == pytest.approx(2 / 3)


def test_success_of_no_ended_flow_is_not_a_number() -> None:
    ledger = FlowLedger()
    ledger.start()
    ledger.cut_short()
    assert ledger.success != ledger.success  # NaN


@pytest.mark.parametrize(
    ("hostile", "baseline", "ok"),
    [(80, 100, True), (79, 100, False), (120, 100, True), (0, 100, False), (5, 0, False)],
)
def test_the_hostile_run_must_complete_80_percent_of_the_baseline_flows(
    hostile: int, baseline: int, ok: bool
) -> None:
    assert meets_ratio(flow_ratio(hostile, baseline)) is ok


# --- leak detection ------------------------------------------------------------------------------


def test_foreign_assets_are_those_neither_given_nor_made_by_ones_generations() -> None:
    listed: list[dict[str, Any]] = [
        {"id": "a1", "generation": "g1"},  # known asset
        {"id": "a2", "generation": "g2"},  # from a generation of theirs that finished after polling
        {"id": "a3", "generation": None},  # a fork they were told about
        {"id": "x1", "generation": "gx"},  # somebody else's
        {"id": "x2", "generation": None},  # somebody else's fork
    ]
    assert foreign_assets(listed, {"a1", "a3"}, {"g1", "g2"}) == ["x1", "x2"]
    assert foreign_assets([], set(), set()) == []


def test_foreign_caches_leave_out_ones_own_and_published_ones() -> None:
    listed: list[dict[str, Any]] = [
        {"sha256": "mine", "visibility": {"public": False}},
        {"sha256": "museum", "visibility": {"public": True}},
        {"sha256": "theirs", "visibility": {"public": False}},
        {"sha256": "no-visibility"},
    ]
    assert foreign_caches(listed, {"mine"}) == ["theirs", "no-visibility"]


@pytest.mark.parametrize(
    ("status", "leak"), [(200, True), (206, True), (304, False), (401, False), (404, False)]
)
def test_a_leak_is_a_read_answered_with_content(status: int, leak: bool) -> None:
    assert is_leak(status) is leak


def test_a_hostile_read_of_an_ordinary_asset_answered_200_is_recorded_as_a_leak() -> None:
    phase = _phase()
    phase.known.add_asset("11111111-1111-1111-1111-111111111111")
    phase.known.add_generation("22222222-2222-2222-2222-222222222222")
    hostile = Hostile(phase, 0, "idor")
    hostile.token = "stolen-nothing"
    hostile.rng.seed(7)
    leaky = {"/api/provenance/11111111-1111-1111-1111-111111111111"}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/assets":
            return httpx.Response(200, json={"assets": []})
        return httpx.Response(200 if request.url.path in leaky else 404, json={})

    _mocked(hostile, handler)
    asyncio.run(hostile.do_idor())
    assert phase.stats.leaks and all("/api/provenance/" in text for text in phase.stats.leaks)

    # The same reads all answered 404: no leak.
    phase.stats.leaks.clear()
    leaky.clear()
    asyncio.run(hostile.do_idor())
    assert phase.stats.leaks == []


def test_an_ordinary_user_seeing_an_asset_it_did_not_make_is_a_leak() -> None:
    phase = _phase()
    user = Ordinary(phase, 1)
    user.assets = {"mine"}
    user.check_asset_list({"assets": [{"id": "mine"}, {"id": "someone-else", "generation": "g"}]}, "list")
    assert len(phase.stats.leaks) == 1 and "someone-else" in phase.stats.leaks[0]


# --- how a client honours 429s -----------------------------------------------------------------------


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_s("3") == 3.0
    assert retry_after_s(" 0 ") == 0.0
    assert retry_after_s("-5") == 0.0
    assert retry_after_s(None) is None
    assert retry_after_s("") is None
    assert retry_after_s("soon") is None
    now = time.time()
    date = email.utils.formatdate(now + 10, usegmt=True)
    assert retry_after_s(date, now=now) == pytest.approx(10, abs=1)


def test_a_429_with_retry_after_is_honoured_and_then_the_step_succeeds() -> None:
    phase = _phase()
    user = Ordinary(phase, 1)
    answers = iter([httpx.Response(429, headers={"Retry-After": "0"}), httpx.Response(200, json={})])
    _mocked(user, lambda request: next(answers))
    resp = asyncio.run(user.step("GET", "/api/limbs", "GET /api/limbs"))
    assert resp.status_code == 200
    assert phase.stats.legit == {"deferred": 1, "ok": 1}


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (httpx.Response(429), "429 without Retry-After"),
        (httpx.Response(500, json={"error": {"code": "boom"}}), "500 boom"),
        (httpx.Response(404, json={}), "404"),
    ],
)
def test_a_step_fails_on_anything_but_its_expected_answer(response: httpx.Response, reason: str) -> None:
    phase = _phase()
    user = Ordinary(phase, 1)
    _mocked(user, lambda request: response)
    with pytest.raises(StepFailedError) as failed:
        asyncio.run(user.step("GET", "/api/limbs", "GET /api/limbs"))
    assert failed.value.reason == reason
    assert phase.stats.legit == {"bad": 1}
    assert sum(phase.stats.server_errors.values()) == (1 if response.status_code >= 500 else 0)


def test_no_answer_fails_the_step_and_is_counted() -> None:
    phase = _phase()
    user = Ordinary(phase, 1)

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")

    _mocked(user, handler)
    with pytest.raises(StepFailedError):
        asyncio.run(user.step("GET", "/api/limbs", "GET /api/limbs"))
    assert phase.stats.legit == {"no answer": 1}
    assert phase.stats.no_answer == {"ordinary GET /api/limbs: RemoteProtocolError": 1}


def test_session_cookies_are_kept_and_sent_with_the_csrf_token() -> None:
    phase = _phase()
    user = Ordinary(phase, 0)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        headers = [
            ("Set-Cookie", "csrftoken=abc; Path=/; SameSite=Lax; Secure"),
            ("Set-Cookie", "sessionid=s1; HttpOnly; Path=/; Secure"),
        ]
        return httpx.Response(200, headers=headers if request.url.path == "/" else [], json={})

    _mocked(user, handler)
    asyncio.run(user.step("GET", "/", "GET /"))
    asyncio.run(user.step("POST", "/api/handle/image", "POST", json={}))
    post = seen[-1]
    assert post.headers["Cookie"] == "csrftoken=abc; sessionid=s1"
    assert post.headers["X-CSRFToken"] == "abc"


# --- the server's processes --------------------------------------------------------------------------


def test_descendants_and_tree_usage_include_a_child_process() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert child.pid in descendants(os.getpid())
        rss, threads, processes = tree_usage(os.getpid())
        assert processes >= 2 and threads >= 2 and rss > 0
        own_rss, _, _ = tree_usage(child.pid)
        assert 0 < own_rss < rss
    finally:
        child.kill()
        child.wait()
