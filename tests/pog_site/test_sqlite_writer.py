"""Embedded mode's SQLite backend (pog_site/sqlite): this process's writers queue on one lock
instead of sleeping in SQLite's busy handler, and a writer waiting for it holds no turn."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from django.db import connection, connections, transaction

from accounts.models import Tier
from pog_site import turns
from pog_site.sqlite.base import is_write

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
