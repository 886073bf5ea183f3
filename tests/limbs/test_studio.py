"""Actions that read the studio: an owner-scoped view, snapshots as canonical JSON whose
sha256 enters the cache key and the ledger entry."""

from __future__ import annotations

import hashlib
import json

import pytest

from accounts.models import Membership, Team, User
from limbs import runs
from limbs.models import Asset, Generation
from limbs.registry import get_action
from limbs.storage import store_blob
from limbs.studio import ReadError, StudioView, digests, reader, take_snapshots
from provenance.canonical import canonical_json
from provenance.models import LedgerEntry


def _table(owner: User, ids: list[int], team: Team | None = None) -> Asset:
    data = json.dumps({"type": "item", "ids": ids}).encode()
    blob, digest = store_blob(data)
    return Asset.objects.create(
        owner=owner,
        team=team,
        name="ids.json",
        mime="application/json",
        kind="json",
        size=len(data),
        blob=blob,
        sha256=digest,
    )


def _sources(owner: User) -> list[dict[str, object]]:
    action = get_action("id_auditor", "audit")
    assert action is not None
    snapshot = take_snapshots("id_auditor", action, owner, {})["ids"]
    doc = json.loads(snapshot)
    assert snapshot == canonical_json(doc)  # canonical JSON bytes, nothing else
    return [s for s in doc["sources"] if s["kind"] == "project"]


@pytest.mark.django_db
def test_a_reader_sees_only_what_its_owner_may_see(alice: User, bob: User) -> None:
    _table(alice, [1, 2, 3])
    _table(bob, [40, 41])
    assert [s["ids"] for s in _sources(alice)] == [{"item": [1, 2, 3]}]
    assert [s["ids"] for s in _sources(bob)] == [{"item": [40, 41]}]


@pytest.mark.django_db
def test_a_team_table_is_read_by_every_member(alice: User, bob: User) -> None:
    team = Team.objects.create(name="Red", slug="red")
    Membership.objects.create(team=team, user=alice, role="owner")
    Membership.objects.create(team=team, user=bob, role="viewer")
    _table(alice, [7], team=team)
    assert [s["ids"] for s in _sources(bob)] == [{"item": [7]}]


@pytest.mark.django_db
def test_the_view_filters_generations_and_assets_by_owner(alice: User, bob: User) -> None:
    mine = Generation.objects.create(owner=alice, limb="image", action="sprite", params={}, seed=1)
    Generation.objects.create(owner=bob, limb="image", action="sprite", params={}, seed=1)
    assert list(StudioView(alice).generations()) == [mine]
    assert not StudioView(bob).generations().filter(pk=mine.pk).exists()


def test_digests_are_the_sha256_of_each_snapshot() -> None:
    snaps = {"b": b'{"x":1}', "a": b"[]"}
    assert digests(snaps) == {name: hashlib.sha256(data).hexdigest() for name, data in sorted(snaps.items())}
    assert list(digests(snaps)) == ["a", "b"]


def test_a_missing_reader_is_named() -> None:
    with pytest.raises(ReadError, match="nope"):
        reader("id_auditor", "nope")


def _audit(owner: User) -> Generation:
    generation = Generation.objects.create(
        owner=owner, limb="id_auditor", action="audit", params={"type": "all"}, seed=1
    )
    runs.run_generation(str(generation.pk))
    generation.refresh_from_db()
    assert generation.status == "succeeded", generation.error
    return generation


@pytest.mark.django_db(transaction=True)
def test_the_snapshot_digest_enters_the_ledger_and_a_changed_studio_misses_the_cache(alice: User) -> None:
    _table(alice, [1, 2, 3])
    first = _audit(alice)
    entry = LedgerEntry.objects.get(subject=str(first.pk))
    action = get_action("id_auditor", "audit")
    assert action is not None and action.cacheable
    snapshot = take_snapshots("id_auditor", action, alice, {"type": "all"})
    assert entry.body["reads"] == digests(snapshot)
    # The same studio, the same request: remembered.
    assert _audit(alice).cache == "hit"
    # A new id table changes what the auditor reads, so the answer is worked out again.
    _table(alice, [3, 9])
    again = _audit(alice)
    assert again.cache == "miss"
    assert LedgerEntry.objects.get(subject=str(again.pk)).body["reads"] != entry.body["reads"]
