"""The provenance ledger: an append-only sha256 hash chain of Ed25519-signed entries.

What is hashed and signed
-------------------------
Each entry's *record* is the JSON object::

    {"seq", "kind", "subject", "body", "prev_hash", "created_at", "key_id"}

where ``created_at`` is UTC in the form ``2025-01-31T12:34:56.123456Z``
(always microseconds, always ``Z``), ``prev_hash`` is the previous entry's
``entry_hash`` (64 zeros for seq 1) and ``key_id`` names the signing key.

- ``entry_hash = sha256(canonical_json(record)).hexdigest()``
- ``signature = Ed25519(canonical_json(record))``: the signature covers the
  very bytes that were hashed, not the hex hash. That keeps a signature over
  an entry from ever having the same form as a signature over a bare hash,
  which the same key will later make for Merkle tree heads.

``public_key`` (hex of the raw 32 bytes) is stored beside the record but is not
part of it; it is bound through ``key_id``, which must equal the first 16 hex
characters of its sha256.

Serialised appends
------------------
Appends take turns on the `LedgerHead` row. On PostgreSQL ``select_for_update``
blocks the other writers until the append commits. SQLite has no row locks;
there the settings open every transaction with ``BEGIN IMMEDIATE``, which
takes the database's single write lock at once. Whatever slips past either
(a head row created by two writers at once, a lock timeout, a serialization
failure) hits the unique constraints on ``seq`` and ``entry_hash`` and is
retried, so the chain never forks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import random
import time
from collections.abc import Iterator
from typing import Any, TypedDict

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import QuerySet

from provenance import keys
from provenance.canonical import canonical_json
from provenance.models import ZERO_HASH, LedgerEntry, LedgerHead

__all__ = [
    "ChainReport",
    "EntryReport",
    "append",
    "entry_as_json",
    "format_created_at",
    "record_for",
    "verify_chain",
    "verify_entry",
]

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
_BACKOFF_BASE_S = 0.005
_BACKOFF_MAX_S = 0.25
# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
_RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}
_MAX_PROBLEMS = 50


class EntryReport(TypedDict):
    hash_ok: bool
    signature_ok: bool
    chain_ok: bool
    verified: bool
    problems: list[str]


class ChainReport(TypedDict):
    verified: bool
    checked: int
    last_seq: int
    first_bad_seq: int | None
    problems: list[str]


def append(kind: str, subject: str, body: dict[str, Any]) -> LedgerEntry:
    """Append one signed entry to the chain and return it (already saved)."""
    _check_field("kind", kind, LedgerEntry._meta.get_field("kind").max_length)
    _check_field("subject", subject, LedgerEntry._meta.get_field("subject").max_length)
    if not isinstance(body, dict):
        raise TypeError(f"ledger body must be a dict, not {type(body).__name__}")
    # Store the body exactly as it will read back from the database, so the
    # returned entry and a reloaded one hash alike (and bad values fail here).
    body = json.loads(canonical_json(body))
    signing_key = keys.signing_key()

    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return _append_locked(kind, subject, body, signing_key)
        except (IntegrityError, OperationalError) as exc:
            if attempt == MAX_ATTEMPTS or not _is_retryable(exc):
                raise
            logger.info("ledger append collided (attempt %d): %s", attempt, exc)
            delay = min(_BACKOFF_MAX_S, _BACKOFF_BASE_S * 2**attempt)
            time.sleep(random.uniform(delay / 2, delay))
    raise AssertionError("unreachable")


def _append_locked(
    kind: str, subject: str, body: dict[str, Any], signing_key: Ed25519PrivateKey
) -> LedgerEntry:
    head = _locked_head()
    public_raw = signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    entry = LedgerEntry(
        seq=head.seq + 1,
        kind=kind,
        subject=subject,
        body=body,
        prev_hash=head.entry_hash,
        # Taken under the lock, so created_at never runs backwards along the chain
        # (as long as the clock does not).
        created_at=dt.datetime.now(dt.UTC),
        key_id=keys.key_id_for(public_raw),
        public_key=public_raw.hex(),
    )
    data = canonical_json(record_for(entry))
    entry.entry_hash = hashlib.sha256(data).hexdigest()
    entry.signature = signing_key.sign(data).hex()
    entry.save()
    LedgerHead.objects.filter(pk=1).update(seq=entry.seq, entry_hash=entry.entry_hash)
    return entry


def _locked_head() -> LedgerHead:
    head = LedgerHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    # First append ever (or the head row was lost): start from the last entry.
    # Two writers may both get here; the second create() raises IntegrityError
    # and append() retries, by then finding the row.
    last = LedgerEntry.objects.order_by("-seq").only("seq", "entry_hash").first()
    LedgerHead.objects.create(
        pk=1,
        seq=last.seq if last else 0,
        entry_hash=last.entry_hash if last else ZERO_HASH,
    )
    return LedgerHead.objects.select_for_update().get(pk=1)


def _is_retryable(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    if getattr(exc.__cause__, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    return "locked" in str(exc).lower()


def _check_field(name: str, value: str, max_length: int | None) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"ledger {name} must be a non-empty string")
    if max_length is not None and len(value) > max_length:
        raise ValueError(f"ledger {name} is {len(value)} characters; the limit is {max_length}")


def format_created_at(value: dt.datetime) -> str:
    """The exact text of created_at inside the hashed record."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record_for(entry: LedgerEntry) -> dict[str, Any]:
    """The exact object whose canonical bytes are hashed and signed."""
    return {
        "seq": entry.seq,
        "kind": entry.kind,
        "subject": entry.subject,
        "body": entry.body,
        "prev_hash": entry.prev_hash,
        "created_at": format_created_at(entry.created_at),
        "key_id": entry.key_id,
    }


def verify_entry(entry: LedgerEntry) -> EntryReport:
    """Check one entry's hash, signature and link to its predecessor."""
    if entry.seq == 1:
        expected_prev: str | None = ZERO_HASH
    else:
        expected_prev = (
            LedgerEntry.objects.filter(seq=entry.seq - 1).values_list("entry_hash", flat=True).first()
        )
    return _verify(entry, expected_prev)


def _verify(entry: LedgerEntry, expected_prev: str | None) -> EntryReport:
    problems: list[str] = []
    try:
        data = canonical_json(record_for(entry))
    except (TypeError, ValueError) as exc:
        data = None
        problems.append(f"#{entry.seq}: record cannot be canonicalised: {exc}")

    hash_ok = data is not None and hashlib.sha256(data).hexdigest() == entry.entry_hash
    if data is not None and not hash_ok:
        problems.append(f"#{entry.seq}: entry_hash does not match the stored content")

    signature_ok = False
    try:
        public_raw = bytes.fromhex(entry.public_key)
        signature = bytes.fromhex(entry.signature)
    except ValueError:
        problems.append(f"#{entry.seq}: public_key or signature is not hex")
    else:
        if keys.key_id_for(public_raw) != entry.key_id:
            problems.append(f"#{entry.seq}: key_id does not match public_key")
        elif data is not None:
            signature_ok = keys.verify_signature(public_raw, signature, data)
            if not signature_ok:
                problems.append(f"#{entry.seq}: signature is not valid for this record and key")

    if expected_prev is None:
        chain_ok = False
        problems.append(f"#{entry.seq}: previous entry #{entry.seq - 1} is missing")
    else:
        chain_ok = entry.prev_hash == expected_prev
        if not chain_ok:
            problems.append(f"#{entry.seq}: prev_hash does not match the previous entry's entry_hash")

    return {
        "hash_ok": hash_ok,
        "signature_ok": signature_ok,
        "chain_ok": chain_ok,
        "verified": hash_ok and signature_ok and chain_ok,
        "problems": problems,
    }


def verify_chain(limit: int | None = None) -> ChainReport:
    """Walk the chain from seq 1 (the first `limit` entries, or all of them)."""
    checked = 0
    last_seq = 0
    prev_hash = ZERO_HASH
    first_bad: int | None = None
    problems: list[str] = []

    def fail(seq: int, messages: list[str]) -> None:
        nonlocal first_bad
        if first_bad is None:
            first_bad = seq
        problems.extend(messages[: _MAX_PROBLEMS - len(problems)])

    for entry in _entries(limit):
        expected_seq = last_seq + 1
        if entry.seq != expected_seq:
            fail(expected_seq, [f"#{expected_seq}..#{entry.seq - 1}: missing"])
        report = _verify(entry, prev_hash)
        if not report["verified"]:
            fail(entry.seq, report["problems"])
        prev_hash = entry.entry_hash
        last_seq = entry.seq
        checked += 1

    if limit is None:
        head = LedgerHead.objects.filter(pk=1).first()
        # The head moves in the same transaction as each insert, so a mismatch means
        # entries were removed from the end, or added or replaced behind the ledger's back.
        if head is not None and (head.seq, head.entry_hash) != (last_seq, prev_hash):
            bad = min(head.seq, last_seq) + 1 if head.seq != last_seq else last_seq
            fail(bad, [f"the head is at #{head.seq} {head.entry_hash[:12]}, the chain ends at #{last_seq}"])

    return {
        "verified": first_bad is None,
        "checked": checked,
        "last_seq": last_seq,
        "first_bad_seq": first_bad,
        "problems": problems,
    }


def _entries(limit: int | None) -> Iterator[LedgerEntry]:
    entries: QuerySet[LedgerEntry] = LedgerEntry.objects.order_by("seq")
    if limit is not None:
        entries = entries[:limit]
    return entries.iterator(chunk_size=500)


def entry_as_json(entry: LedgerEntry) -> dict[str, Any]:
    """The public form of an entry, with created_at exactly as it was hashed."""
    return {
        "seq": entry.seq,
        "kind": entry.kind,
        "subject": entry.subject,
        "body": entry.body,
        "prev_hash": entry.prev_hash,
        "entry_hash": entry.entry_hash,
        "signature": entry.signature,
        "key_id": entry.key_id,
        "public_key": entry.public_key,
        "created_at": format_created_at(entry.created_at),
    }
