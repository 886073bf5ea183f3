"""Shared fixtures: named users (alice, bob), API clients, the breakers' clock, and, in
scale mode, a real Celery worker process started against the test database and stopped at
the end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.test import Client

from accounts import anomaly, limits, switch_epoch, threats
from accounts.models import Tier, User
from limbs import breakers
from pog_site import jobs
from tests.helpers.api import token_client
from tests.helpers.clock import FakeClock

ROOT = Path(__file__).resolve().parent.parent
SCALE = settings.POG_JOB_BACKEND == "celery"
# Worker threads (database_sync_to_async, the job pool) must not keep connections open,
# or the test database cannot be dropped at the end of the session.
settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
# Hashing a password the production way takes a quarter of a second, and most tests make a
# person or two; what a test checks of passwords holds for any hasher.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Test modules import pog_site.asgi: the server's start (resubmitting unfinished jobs) is
# for a real server, which tests/pog_site/test_resume_at_start.py starts.
settings.POG_RESUME_AT_START = False
# A test's rows live in its own transaction, and tests change settings as they go: job bodies
# run in this process. tests/limbs/test_jobs_in_procs.py sends them to the generator processes,
# as a real server does (and so do the tests that start one).
settings.POG_PROCS_JOBS = False


@pytest.fixture(autouse=True)
def _drain_in_process_jobs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Let background jobs of a test finish before its database is flushed.

    The server's boot-time resubmission is off here: tests queue rows on purpose
    and call ``resubmit_unfinished`` themselves when that is what they test.
    """
    monkeypatch.setattr(jobs, "_started", True)
    breakers.reset_all()
    _reset_limits()
    yield
    jobs.shutdown(wait=True)


def _reset_limits() -> None:
    """Each test starts with full rate buckets and no running slots (ids may repeat), and
    forgets what it knew of the kill switches."""
    switch_epoch.use_epoch(None, chosen=False)
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        for pattern in ("limits", "anomaly"):
            keys = list(client.scan_iter(match=f"{settings.POG_REDIS_PREFIX}:{pattern}:*", count=1000))
            if keys:
                client.delete(*keys)
        limits.use_limits(None)
        anomaly.use_anomalies(None)
    else:
        limits.use_limits(limits.MemoryLimits())
        anomaly.use_anomalies(anomaly.MemoryAnomalies())
    threats.clear_cache()
    Tier.forget_default()


def _test_database_url() -> str:
    from django.db import connection

    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path="/" + str(connection.settings_dict["NAME"])))


def manage_py_elsewhere(*args: str) -> tuple[list[str], dict[str, str]]:
    """A ``manage.py`` command line, and the environment that points another process at
    this test database (and at this POG_VAR_DIR), in either mode. Call with database access."""
    from django.db import connection

    sqlite_url = f"sqlite:///{connection.settings_dict['NAME']}"
    url = _test_database_url() if settings.DATABASE_URL else sqlite_url
    env = dict(os.environ, DATABASE_URL=url, POG_VAR_DIR=str(settings.POG_VAR_DIR))
    return [sys.executable, "manage.py", *args], env


@pytest.fixture(scope="session")
def celery_worker(django_db_setup: Any, django_db_blocker: Any) -> Iterator[subprocess.Popen[bytes] | None]:
    """In scale mode, a real worker process that runs the jobs the tests submit."""
    if not SCALE:
        yield None
        return
    from pog_site.celery import app

    with django_db_blocker.unblock():
        env = dict(os.environ, DATABASE_URL=_test_database_url())
    app.control.purge()
    log_dir = ROOT / "test-artifacts"
    log_dir.mkdir(exist_ok=True)
    log = open(log_dir / "celery-worker.log", "ab")  # noqa: SIM115 - closed at teardown
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "pog_site",
            "worker",
            "--loglevel=INFO",
            "--concurrency=2",
            "--pool=prefork",
            "-Q",
            settings.CELERY_TASK_DEFAULT_QUEUE,
            "-n",
            f"pogtest-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    name = f"pogtest-{os.getpid()}@"
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the Celery worker exited with {worker.returncode}; see {log.name}")
        # A connection of its own, closed at once: a pooled one left waiting on the reply
        # queue (BRPOP) is inherited by every forked live server, whose after-fork cleanup
        # then blocks on it forever.
        with app.connection_for_write() as connection:
            replies = app.control.ping(timeout=0.5, connection=connection) or []
        if any(name in key for reply in replies for key in reply):
            break
    else:
        worker.kill()
        raise RuntimeError("the Celery worker did not answer a ping within 60 s")
    yield worker
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
    log.close()


@pytest.fixture
def breaker_clock() -> Iterator[FakeClock]:
    """The breakers' time, moved by hand: an open period ends at ``advance``, never by
    waiting. It starts at the real time, as breaker state made elsewhere assumes."""
    clock = FakeClock(time.time())
    breakers.use_clock(clock)
    breakers.reset_all()
    yield clock
    breakers.reset_all()
    breakers.use_clock(None)


@pytest.fixture
def jobs_running(celery_worker: Any, transactional_db: Any) -> None:
    """Tests that need submitted jobs to really run (a committed database, a worker)."""
    return None


@pytest.fixture
def settle_jobs(jobs_running: None) -> Iterator[None]:
    """For tests that submit jobs without waiting for them: wait for every generation to
    finish before the database is flushed, or a Celery worker still writing deadlocks
    the flush (scale mode; the in-process pool is drained by the autouse fixture)."""
    yield
    if not SCALE:
        return
    from limbs.models import Generation

    until = time.monotonic() + 60
    unfinished = [Generation.Status.QUEUED, Generation.Status.RUNNING]
    while Generation.objects.filter(status__in=unfinished).exists() and time.monotonic() < until:
        time.sleep(0.1)


@pytest.fixture(scope="session")
def rsc_cache_dir() -> Path:
    """The real RuneScape Classic client-204 cache, from ``POG_RSC_CACHE_DIR``.

    ``.ci/run`` points it at ``../shared/relics/rsc204``; without it the tests that need
    the real cache skip and say why, while the synthetic round trips still run.
    """
    value = os.environ.get("POG_RSC_CACHE_DIR", "")
    if not value:
        pytest.skip("POG_RSC_CACHE_DIR is not set: no real RuneScape Classic cache to test against")
    path = Path(value)
    if not (path / "config85.jag").is_file():
        pytest.skip(f"POG_RSC_CACHE_DIR={value} does not hold a client-204 cache (no config85.jag)")
    return path


@pytest.fixture
def roomy_tier(db: Any) -> Tier:
    """A tier for tests that make more requests, or more at once, than the free tier allows."""
    tier, _ = Tier.objects.get_or_create(
        slug="test-roomy", defaults={"name": "Roomy", "requests_per_period": 1000, "concurrency": 4}
    )
    return tier


@pytest.fixture
def alice(db: Any) -> User:
    return User.objects.create_user("alice", "alice@example.com", "correct horse battery")


@pytest.fixture
def bob(db: Any) -> User:
    return User.objects.create_user("bob", "bob@example.com", "correct horse battery")


@pytest.fixture
def alice_api(alice: User) -> Client:
    return token_client(alice)


@pytest.fixture
def bob_api(bob: User) -> Client:
    return token_client(bob)
