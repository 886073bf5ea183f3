"""Effects an action asks for are applied by the one writer, in the record's transaction."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from limbs import effects
from limbs.effects import EffectError
from limbs.models import Asset, CacheEntry, Generation
from limbs.record import WORKER_ID, record_success
from limbs.router import RouteResult
from limbs.spec import Effect, Output
from provenance.models import LedgerEntry


@pytest.fixture
def notes() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    seen: list[tuple[str, dict[str, Any]]] = []

    def note(generation: Generation, payload: Mapping[str, Any]) -> Mapping[str, Any]:
        if payload.get("refuse"):
            raise EffectError("this note is refused")
        seen.append((str(generation.pk), dict(payload)))
        # What the handler changed is visible inside the same transaction.
        assert Generation.objects.get(pk=generation.pk).status == Generation.Status.SUCCEEDED
        return {"noted": payload["text"]}

    effects.register("test.note", note)
    yield seen
    effects._HANDLERS.pop("test.note", None)


def _claimed(owner: User) -> Generation:
    return Generation.objects.create(
        owner=owner,
        limb="image",
        action="sprite",
        params={},
        seed=1,
        status=Generation.Status.RUNNING,
        claimed_by=WORKER_ID,
        claimed_at=timezone.now(),
    )


def _result(*asked: Effect) -> RouteResult:
    return RouteResult([Output(b"hello", "text/plain", "note.txt")], "procedural", "m", "miss", [], asked)


@pytest.mark.django_db(transaction=True)
def test_an_effect_is_applied_and_recorded_in_the_ledger_entry(alice: User, notes: list[Any]) -> None:
    generation = _claimed(alice)
    payload = record_success(generation, _result(Effect("test.note", {"text": "hi"})), {}, "k" * 64)
    assert payload is not None and payload["status"] == "succeeded"
    assert notes == [(str(generation.pk), {"text": "hi"})]
    entry = LedgerEntry.objects.get(subject=str(generation.pk))
    assert entry.body["effects"] == [{"kind": "test.note", "noted": "hi"}]
    # A result that changed the studio is never remembered: a cache hit would skip the change.
    assert not CacheEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("asked", [Effect("test.unknown", {}), Effect("test.note", {"refuse": True})])
def test_an_effect_that_cannot_be_applied_stores_nothing(
    alice: User, notes: list[Any], asked: Effect
) -> None:
    generation = _claimed(alice)
    with pytest.raises(EffectError):
        record_success(generation, _result(asked), {}, None)
    generation.refresh_from_db()
    assert generation.status == Generation.Status.RUNNING  # rolled back, left to fail
    assert not Asset.objects.exists()
    assert not LedgerEntry.objects.exists()
    assert notes == []
