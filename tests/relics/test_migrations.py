"""The shelves migration keeps every cache registered before it where its people see it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import User
from relics.models import RelicCache, RelicShelf

BEFORE = [("relics", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_old_caches_stay_with_their_registrant_and_the_operators_become_public(
    alice: User, bob: User
) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("relics", "RelicCache")

    def cache(digit: str, **fields: Any) -> Any:
        return old.objects.create(sha256=digit * 64, era="classic", files=[], counts={}, **fields)

    uploaded = cache("1", label="Alice's own", source="upload", registered_by_id=alice.pk)
    folder = cache("2", label="rsc", source="folder", registered_by_id=alice.pk)
    orphan = cache("3", label="left behind", source="upload", registered_by_id=None)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    def seen(user: User) -> set[int]:
        return set(RelicCache.objects.visible_to(user).values_list("pk", flat=True))

    assert seen(alice) == {uploaded.pk, folder.pk, orphan.pk}
    assert seen(bob) == {folder.pk, orphan.pk}
    own = RelicShelf.objects.get(cache_id=uploaded.pk, owner=alice)
    assert (own.label, own.public) == ("Alice's own", False)
    assert own.created_at == RelicCache.objects.get(pk=uploaded.pk).created_at
    assert RelicShelf.objects.filter(cache_id=folder.pk).count() == 2  # alice's and the public one
    assert RelicShelf.objects.get(cache_id=orphan.pk).owner is None
