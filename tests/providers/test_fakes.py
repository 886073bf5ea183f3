"""The fake servers themselves: recording, faults that come and go, and the command."""

from __future__ import annotations

import threading

import httpx
import pytest
from django.core.management.base import CommandError

from limbs.fakes import FakeProvider, content, env_for
from limbs.management.commands.run_fakes import parse_fault
from limbs.providers.errors import ProviderError


def test_the_same_prompt_always_gives_the_same_picture_and_text():
    assert content.image("a frog", 32, 24) == content.image("a frog", 32, 24)
    assert content.image("a frog", 32, 24) != content.image("a toad", 32, 24)
    assert "".join(content.tokens("a frog")) == content.text("a frog")


def test_it_records_every_request_it_reads(cf_client, cf_fake):
    cf_client.run("@cf/meta/llama-3.1-8b-instruct", {"prompt": "one"}, 2.0)
    cf_client.run("@cf/meta/llama-3.1-8b-instruct", {"prompt": "two"}, 2.0)
    assert cf_fake.request_count == 2
    assert [r.json()["prompt"] for r in cf_fake.requests] == ["one", "two"]
    assert {r.method for r in cf_fake.requests} == {"POST"}


def test_a_fault_with_times_applies_to_that_many_requests_only(ollama_client, ollama_fake):
    ollama_fake.set_fault("500", times=2)
    for _ in range(2):
        with pytest.raises(ProviderError):
            ollama_client.generate("llama3.2", "hi", 2.0)
    assert ollama_client.generate("llama3.2", "hi", 2.0)
    assert ollama_fake.fault is None


def test_refused_closes_the_port_and_clear_listens_again_on_the_same_one(ollama_client, ollama_fake):
    port = ollama_fake.port
    ollama_client.tags(2.0)  # leaves a kept-alive connection in the pool
    ollama_fake.set_fault("refused")
    with pytest.raises(ProviderError) as caught:
        ollama_client.tags(2.0)
    assert caught.value.kind == "refused"
    ollama_fake.clear()
    assert ollama_fake.port == port
    assert ollama_client.tags(2.0)


def test_clearing_a_stall_lets_the_waiting_request_go():
    with FakeProvider("gemini") as fake:
        fake.set_fault("stall")
        outcome: list[str] = []

        def call() -> None:
            try:
                httpx.post(
                    f"{fake.url}/v1beta/models/m:generateContent", headers={"x-goog-api-key": "k"}, timeout=10
                )
            except httpx.HTTPError as exc:
                outcome.append(type(exc).__name__)

        caller = threading.Thread(target=call)
        caller.start()
        while fake.request_count == 0:
            threading.Event().wait(0.01)
        fake.clear()
        caller.join(5)
        assert not caller.is_alive()
        assert outcome == ["RemoteProtocolError"]


def test_a_stalled_request_does_not_hold_up_stopping_the_fake():
    fake = FakeProvider("cloudflare")
    fake.set_fault("stall")
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{fake.url}/client/v4/accounts/a/ai/run/@cf/x", json={"prompt": "p"}, timeout=0.2)
    fake.stop()
    assert not fake.listening


def test_a_fault_that_does_not_apply_to_the_provider_is_refused_loudly(ollama_fake):
    with pytest.raises(ValueError, match="no fault 'cf_4006'"):
        ollama_fake.set_fault("cf_4006")


def test_env_for_points_every_setting_at_the_fakes(cf_fake, gemini_fake, ollama_fake):
    env = env_for({"cloudflare": cf_fake, "gemini": gemini_fake, "ollama": ollama_fake})
    assert env["POG_CLOUDFLARE_BASE_URL"] == cf_fake.url
    assert env["POG_GEMINI_BASE_URL"] == gemini_fake.url
    assert env["POG_OLLAMA_URL"] == ollama_fake.url
    assert env["POG_CLOUDFLARE_ACCOUNT_ID"] and env["POG_CLOUDFLARE_API_TOKEN"] and env["POG_GEMINI_API_KEY"]


def test_the_command_reads_faults_with_options():
    assert parse_fault("cloudflare=500") == ("cloudflare", "500", {})
    assert parse_fault("gemini=resource_exhausted:retry_delay=5") == (
        "gemini",
        "resource_exhausted",
        {"retry_delay": 5},
    )
    assert parse_fault("ollama=cut:tokens=3,clean=true") == ("ollama", "cut", {"tokens": 3, "clean": True})
    with pytest.raises(CommandError):
        parse_fault("ollama=cf_4006")
    with pytest.raises(CommandError):
        parse_fault("openai=500")


def test_a_person_can_start_the_fakes_and_is_told_what_to_export():
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "run_fakes",
            "--cloudflare-port",
            "0",
            "--gemini-port",
            "0",
            "--ollama-port",
            "0",
            "--fault",
            "cloudflare=500",
        ],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line.strip())
            if line.startswith("Press Ctrl-C"):
                break
        exports = dict(
            line.removeprefix("export ").split("=", 1) for line in lines if line.startswith("export ")
        )
        assert set(exports) >= {"POG_CLOUDFLARE_BASE_URL", "POG_GEMINI_BASE_URL", "POG_OLLAMA_URL"}
        answer = httpx.post(
            f"{exports['POG_CLOUDFLARE_BASE_URL']}/client/v4/accounts/a/ai/run/@cf/x",
            headers={"Authorization": "Bearer t"},
            json={"prompt": "p"},
        )
        assert answer.status_code == 500
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(10)
