from __future__ import annotations

import base64
import hashlib
import itertools
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection
from django.db.models import QuerySet
from pytest_django.fixtures import Settings

from provenance import keys, ledger
from provenance.canonical import canonical_json
from provenance.models import ZERO_HASH, LedgerEntry, LedgerHead, LedgerImmutableError


@pytest.fixture(autouse=True)
def ledger_key(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    settings.POG_VAR_DIR = tmp_path
    monkeypatch.delenv(keys.ENV_VAR, raising=False)
    keys.reset_cache()
    yield
    keys.reset_cache()


def _tamper(seq: int, **fields: Any) -> None:
    # A plain QuerySet skips LedgerEntry's guards, like someone editing the database directly.
    QuerySet(model=LedgerEntry).filter(seq=seq).update(**fields)


def _append_some(count: int) -> list[LedgerEntry]:
    return [ledger.append("generation", f"gen-{n}", {"n": n, "tension": 0.6}) for n in range(1, count + 1)]


@pytest.mark.django_db
def test_append_builds_a_contiguous_chain_that_verifies() -> None:
    entries = _append_some(5)

    assert [entry.seq for entry in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == ZERO_HASH
    for previous, entry in itertools.pairwise(entries):
        assert entry.prev_hash == previous.entry_hash
    report = ledger.verify_chain()
    assert report == {"verified": True, "checked": 5, "last_seq": 5, "first_bad_seq": None, "problems": []}
    head = LedgerHead.objects.get()
    assert (head.seq, head.entry_hash) == (5, entries[-1].entry_hash)


@pytest.mark.django_db
def test_the_entry_hash_and_signature_cover_the_canonical_record() -> None:
    entry = ledger.append("kill_switch", "user:42", {"on": True})

    data = canonical_json(ledger.record_for(entry))
    assert entry.entry_hash == hashlib.sha256(data).hexdigest()
    assert keys.verify_signature(bytes.fromhex(entry.public_key), bytes.fromhex(entry.signature), data)
    assert entry.key_id == keys.key_id()
    assert set(ledger.record_for(entry)) == {
        "seq",
        "kind",
        "subject",
        "body",
        "prev_hash",
        "created_at",
        "key_id",
    }


@pytest.mark.django_db
def test_a_stored_entry_verifies_after_reloading() -> None:
    body = {
        "params": {"size": 512, "ratio": 1.0, "tiny": 1e-7, "huge": 1e21},
        "tags": ["a", "é"],
        "none": None,
    }
    entry = ledger.append("generation", "gen-1", body)
    reloaded = LedgerEntry.objects.get(pk=entry.pk)

    assert reloaded.created_at == entry.created_at
    assert ledger.verify_entry(reloaded)["verified"]
    assert ledger.entry_as_json(reloaded) == ledger.entry_as_json(entry)


@pytest.mark.django_db
def test_verify_entry_reports_every_check() -> None:
    _append_some(2)
    assert ledger.verify_entry(LedgerEntry.objects.get(seq=2)) == {
        "hash_ok": True,
        "signature_ok": True,
        "chain_ok": True,
        "verified": True,
        "problems": [],
    }


@pytest.mark.django_db
def test_a_tampered_body_fails_the_hash_and_the_chain_names_its_seq() -> None:
    _append_some(5)
    _tamper(3, body={"n": 3, "tension": 0.9})

    report = ledger.verify_entry(LedgerEntry.objects.get(seq=3))
    assert report["hash_ok"] is False
    assert report["verified"] is False
    assert report["problems"]
    chain = ledger.verify_chain()
    assert chain["verified"] is False
    assert chain["first_bad_seq"] == 3


@pytest.mark.django_db
def test_a_wrong_signature_is_detected() -> None:
    _append_some(3)
    forged = keys.sign(b"something else").hex()
    _tamper(2, signature=forged)

    report = ledger.verify_entry(LedgerEntry.objects.get(seq=2))
    assert report["hash_ok"] is True
    assert report["signature_ok"] is False
    assert report["verified"] is False
    assert ledger.verify_chain()["first_bad_seq"] == 2


@pytest.mark.django_db
def test_a_swapped_public_key_is_detected() -> None:
    _append_some(1)
    other = Ed25519PrivateKey.generate().public_key()
    _tamper(
        1, public_key=other.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    )

    report = ledger.verify_entry(LedgerEntry.objects.get(seq=1))
    assert report["signature_ok"] is False
    assert any("key_id" in problem for problem in report["problems"])


@pytest.mark.django_db
def test_a_rewritten_and_resigned_entry_breaks_the_link_to_its_successor() -> None:
    _append_some(4)
    entry = LedgerEntry.objects.get(seq=2)
    entry.body = {"n": 2, "tension": 0.1}
    data = canonical_json(ledger.record_for(entry))
    _tamper(2, body=entry.body, entry_hash=hashlib.sha256(data).hexdigest(), signature=keys.sign(data).hex())

    assert ledger.verify_entry(LedgerEntry.objects.get(seq=2))["verified"] is True
    successor = ledger.verify_entry(LedgerEntry.objects.get(seq=3))
    assert successor["hash_ok"] is True
    assert successor["chain_ok"] is False
    assert ledger.verify_chain()["first_bad_seq"] == 3


@pytest.mark.django_db
def test_a_missing_entry_is_reported_as_the_first_bad_seq() -> None:
    _append_some(4)
    QuerySet(model=LedgerEntry).filter(seq=2).delete()

    chain = ledger.verify_chain()
    assert chain["first_bad_seq"] == 2
    assert ledger.verify_entry(LedgerEntry.objects.get(seq=3))["chain_ok"] is False


@pytest.mark.django_db
def test_entries_cut_from_the_end_are_caught_by_the_head() -> None:
    _append_some(4)
    QuerySet(model=LedgerEntry).filter(seq=4).delete()

    chain = ledger.verify_chain()
    assert chain["verified"] is False
    assert chain["first_bad_seq"] == 4


@pytest.mark.django_db
def test_verify_chain_can_stop_after_a_limit() -> None:
    _append_some(5)
    _tamper(5, body={})

    assert ledger.verify_chain(limit=4)["verified"] is True
    assert ledger.verify_chain(limit=4)["checked"] == 4
    assert ledger.verify_chain()["first_bad_seq"] == 5


@pytest.mark.django_db
def test_old_entries_still_verify_after_a_key_rotation(monkeypatch: pytest.MonkeyPatch) -> None:
    first = ledger.append("generation", "gen-1", {})
    rotated = Ed25519PrivateKey.generate()
    raw = rotated.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    monkeypatch.setenv(keys.ENV_VAR, base64.b64encode(raw).decode())
    keys.reset_cache()
    second = ledger.append("generation", "gen-2", {})

    assert first.key_id != second.key_id
    assert ledger.verify_chain()["verified"] is True


@pytest.mark.django_db
def test_the_head_row_is_rebuilt_from_the_entries_if_lost() -> None:
    _append_some(3)
    LedgerHead.objects.all().delete()

    entry = ledger.append("generation", "gen-4", {})
    assert entry.seq == 4
    assert ledger.verify_chain()["verified"] is True


@pytest.mark.django_db
def test_saving_an_existing_entry_is_refused() -> None:
    entry = ledger.append("generation", "gen-1", {"n": 1})
    entry.body = {"n": 2}

    with pytest.raises(LedgerImmutableError):
        entry.save()
    assert LedgerEntry.objects.get(pk=entry.pk).body == {"n": 1}


@pytest.mark.django_db
def test_deleting_an_entry_is_refused() -> None:
    entry = ledger.append("generation", "gen-1", {})

    with pytest.raises(LedgerImmutableError):
        entry.delete()
    with pytest.raises(LedgerImmutableError):
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(LedgerImmutableError):
        LedgerEntry.objects.filter(pk=entry.pk).update(body={})
    assert LedgerEntry.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "subject", "body", "error"),
    [
        ("", "gen-1", {}, ValueError),
        ("generation", "x" * 101, {}, ValueError),
        ("generation", "gen-1", ["not", "a", "dict"], TypeError),
        ("generation", "gen-1", {"seed": float("nan")}, ValueError),
        ("generation", "gen-1", {"when": object()}, TypeError),
    ],
)
def test_append_rejects_bad_input_before_writing(
    kind: str, subject: str, body: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        ledger.append(kind, subject, body)
    assert not LedgerEntry.objects.exists()


@pytest.mark.django_db
def test_entry_as_json_has_the_public_fields() -> None:
    entry = ledger.append("generation", "gen-1", {"n": 1})
    data = ledger.entry_as_json(entry)

    assert set(data) == {
        "seq",
        "kind",
        "subject",
        "body",
        "prev_hash",
        "entry_hash",
        "signature",
        "key_id",
        "public_key",
        "created_at",
    }
    assert data["created_at"].endswith("Z")
    assert len(data["created_at"]) == len("2025-01-31T12:34:56.123456Z")
    assert len(data["signature"]) == 128
    assert len(data["public_key"]) == 64


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_from_many_threads_never_fork_the_chain() -> None:
    threads_count, per_thread = 4, 25
    keys.signing_key()  # load once, so the threads race on the database and not on key creation
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def worker(worker_id: int) -> None:
        try:
            barrier.wait()
            for n in range(per_thread):
                ledger.append("generation", f"worker-{worker_id}", {"n": n})
        except BaseException as exc:  # the main thread reports it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    entries = list(LedgerEntry.objects.order_by("seq"))
    assert len(entries) == threads_count * per_thread
    assert [entry.seq for entry in entries] == list(range(1, threads_count * per_thread + 1))
    assert entries[0].prev_hash == ZERO_HASH
    for previous, entry in itertools.pairwise(entries):
        assert entry.prev_hash == previous.entry_hash
    for worker_id in range(threads_count):
        ns = [e.body["n"] for e in entries if e.subject == f"worker-{worker_id}"]
        assert ns == list(range(per_thread))
    assert ledger.verify_chain()["verified"] is True
