"""Embedded mode's SQLite backend (pog_site/sqlite): this process's writers queue on one lock
instead of sleeping in SQLite's busy handler, and a writer waiting for it holds no turn."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection, connections, transaction

from accounts.models import Tier
from pog_site import procs, turns
from pog_site.sqlite.base import WriteLock, is_write
from tests.helpers.procs_work import holds_write_lock

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="embedded mode's SQLite backend"),
]


@pytest.fixture(autouse=True)
def one_turn() -> Iterator[None]:
    turns.use(1)
    yield
    turns.use(None)


def _tier(slug: str) -> None:
    Tier.objects.create(slug=slug, name=slug, requests_per_period=10, period_s=60, concurrency=1)


def test_writes_are_told_from_reads() -> None:
    assert is_write("  insert into x values (1)")
    assert is_write("UPDATE x SET a = 1")
    assert is_write("DELETE FROM x")
    assert not is_write("SELECT 1")
    assert not is_write("PRAGMA foreign_keys")


def test_many_threads_write_at_once_and_every_write_lands() -> None:
    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            with turns.working():
                for round_ in range(5):
                    with transaction.atomic():
                        _tier(f"t-{index}-{round_}")
                    _tier(f"lone-{index}-{round_}")  # a lone write in autocommit
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert Tier.objects.filter(slug__startswith="t-").count() == 40
    assert Tier.objects.filter(slug__startswith="lone-").count() == 40


def test_a_writer_waiting_for_the_lock_gives_its_turn_to_the_one_writing() -> None:
    # A holds the write lock and waits (its turn given back); B takes the only turn and wants
    # to write. B must give its turn back while it waits, or A could never finish.
    a_writing = threading.Event()
    b_started = threading.Event()
    done: list[str] = []

    def a() -> None:
        try:
            with turns.working(), transaction.atomic():
                _tier("from-a")
                with turns.waiting():
                    a_writing.set()
                    b_started.wait(10)
                done.append("a")
        finally:
            connections.close_all()

    def b() -> None:
        try:
            a_writing.wait(10)
            with turns.working():
                b_started.set()
                _tier("from-b")
                done.append("b")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(done) == ["a", "b"]
    assert set(Tier.objects.filter(slug__startswith="from-").values_list("slug", flat=True)) == {
        "from-a",
        "from-b",
    }


def test_the_write_lock_is_shared_with_other_processes(tmp_path: Path, settings: object) -> None:
    """A generator process writing to the same file holds the lock for this process too."""
    settings.POG_PROCS = 1  # type: ignore[attr-defined]
    database = str(tmp_path / "shared.sqlite3")
    here = WriteLock(database)
    held: list[bool] = []
    done: list[bool] = []

    def child_holds() -> None:
        done.append(procs.call(holds_write_lock, database, 1.5, progress=lambda f, m: held.append(True)))

    thread = threading.Thread(target=child_holds)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not held and time.monotonic() < deadline:
            time.sleep(0.01)
        assert held, "the child never took the lock"
        assert not here.acquire(blocking=False)  # the child holds it
        assert here.acquire(timeout=30)  # and this process gets it once the child lets go
        here.release()
    finally:
        thread.join()
        procs.shutdown()
    assert done == [True]


def test_a_returning_write_lets_sqlite_go_before_the_next_writer_is_let_in() -> None:
    """An INSERT ... RETURNING (Django's inserts) holds SQLite's write lock until its row is
    read. The row is read before this process's lock is given back: a writer let in next must
    find SQLite free, not wait in its busy handler while the first thread queues for a turn
    before reading its row (with one busy thread the studio stalled for 30 s)."""
    import sqlite3

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS returning_probe (id INTEGER PRIMARY KEY, v TEXT)")
        cursor.execute("INSERT INTO returning_probe (v) VALUES (%s) RETURNING id", ["first"])
        # The row is not read yet, and another connection can write already.
        other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0.2, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        finally:
            other.close()
        first = cursor.fetchone()
        assert first is not None and cursor.fetchone() is None
        cursor.execute("INSERT INTO returning_probe (v) VALUES (%s), (%s) RETURNING id", ["a", "b"])
        assert len(cursor.fetchall()) == 2
        cursor.execute("DROP TABLE returning_probe")
