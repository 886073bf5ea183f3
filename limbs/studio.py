"""What an action that reads the studio may see: an owner-scoped view, and the snapshots
taken through it.

An action declares ``reads`` (names); its limb's ``reads.py`` holds one reader per name,
``reader(view, params) -> JSON-able``. A reader gets only a ``StudioView``: every query it
can make is filtered by the one visibility rule (``limbs.access``), so a reader can never
see another person's work. Each snapshot reaches ``make`` as canonical JSON bytes; its
sha256 enters the cache key and the ledger entry, so a read is replayable and cacheable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import asdict
from importlib import import_module
from typing import Any

from django.db.models import QuerySet

from accounts.models import User
from limbs import breakers
from limbs.access import visible
from limbs.models import Asset, Generation, Project
from limbs.projects import projects_for
from limbs.registry import PARTS
from limbs.spec import ActionSpec
from provenance.canonical import canonical_json

Reader = Callable[["StudioView", Mapping[str, Any]], Any]


class StudioView:
    """The studio as one person sees it (their own work, their teams', public relics)."""

    def __init__(self, owner: User) -> None:
        self._owner = owner

    @property
    def owner_id(self) -> int:
        return int(self._owner.pk)

    def assets(self) -> QuerySet[Asset]:
        return visible(Asset.objects.all(), self._owner)

    def generations(self) -> QuerySet[Generation]:
        return visible(Generation.objects.all(), self._owner)

    def projects(self) -> QuerySet[Project]:
        return projects_for(self._owner)

    def relic_caches(self) -> QuerySet[Any]:
        from relics.models import RelicCache

        return RelicCache.objects.visible_to(self._owner)

    def breakers(self) -> list[dict[str, Any]]:
        """The providers' breakers as everyone sees them (they hold no one's work)."""
        return [asdict(state) for state in breakers.all_states()]


class ReadError(LookupError):
    """A reader named by an action does not exist (a developer's mistake)."""


def reader(limb_id: str, name: str) -> Reader:
    module = import_module(f"{PARTS}.{limb_id}.reads")
    found = getattr(module, name, None)
    if not callable(found):
        raise ReadError(f"{module.__name__} has no reader {name!r}")
    return found  # type: ignore[no-any-return]


def take_snapshots(
    limb_id: str, action: ActionSpec, owner: User, params: Mapping[str, Any]
) -> dict[str, bytes]:
    """Every snapshot ``action`` reads, as canonical JSON bytes, by name."""
    view = StudioView(owner)
    return {name: canonical_json(reader(limb_id, name)(view, params)) for name in action.reads}


def digests(snapshots: Mapping[str, bytes]) -> dict[str, str]:
    """name -> sha256 of each snapshot (what the cache key and the ledger entry hold)."""
    return {name: hashlib.sha256(data).hexdigest() for name, data in sorted(snapshots.items())}
