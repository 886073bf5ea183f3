"""Storage quotas: how many bytes of files an identity keeps, against its tier's ``storage_mb``,
and the release of files nothing refers to any more (when guests expire).

An identity's use is the bytes of its own assets' files, a file counted once however many of
its assets hold it (assets are content-addressed, so the same bytes are one file on disk).
New work is refused before it is queued when the identity is already full
(``check_room``, from ``limbs.request.do_generate``), and a result that would take it past
its quota fails when it is recorded (``check_outputs``, from ``limbs.record``), with nothing
of it stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Q, Sum, TextField
from django.db.models.functions import Cast

from accounts.hooks import StorageUsage
from accounts.models import User
from limbs.models import Asset, CacheEntry, Generation
from limbs.storage import delete_blob
from pog_site.errors import RequestError
from relics.models import RelicCache, RelicRender

MB = 1024 * 1024


def used_bytes(owner_id: int) -> int:
    """The bytes of the files ``owner_id``'s assets hold, each distinct file once."""
    files = Asset.objects.filter(owner_id=owner_id).values("sha256", "size").distinct()
    return int(files.aggregate(total=Sum("size"))["total"] or 0)


def quota_bytes(owner: User) -> int:
    return int(owner.effective_tier().storage_mb) * MB


def usage(owner: User) -> StorageUsage:
    return StorageUsage(used_bytes(owner.pk), quota_bytes(owner))


def _full_message(used: int, quota: int, adding: int = 0) -> str:
    wanted = f" and this needs {_mb(adding)} more" if adding else ""
    return (
        f"Your storage is full: you keep {_mb(used)} of your {_mb(quota)}{wanted}. "
        "Delete something you no longer need, or upgrade your plan for more room."
    )


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB"


def check_room(owner: User, incoming: int = 0) -> None:
    """Refuse new work (413 ``storage_full``) when the owner keeps their whole quota already,
    or the files sent with the request would not fit."""
    quota = quota_bytes(owner)
    used = used_bytes(owner.pk)
    if used >= quota or used + incoming > quota:
        raise RequestError(413, "storage_full", _full_message(used, quota, incoming), None)


def check_outputs(owner: User, outputs: Iterable[tuple[str, int]]) -> str | None:
    """Why a result of (sha256, size) files cannot be kept by ``owner``, or None when it fits.

    Files the owner keeps already cost nothing more; the rest must fit in what is left.
    """
    files = dict(outputs)
    quota = quota_bytes(owner)
    used = used_bytes(owner.pk)
    if used + sum(files.values()) <= quota:
        return None  # fits even if every file is new (the usual case: one query)
    have = set(
        Asset.objects.filter(owner_id=owner.pk, sha256__in=list(files)).values_list("sha256", flat=True)
    )
    adding = sum(size for sha, size in files.items() if sha not in have)
    if adding and used + adding > quota:
        return _full_message(used, quota, adding)
    return None


def _mentioning(model: Any, field: str, shas: list[str]) -> set[str]:
    """Which of ``shas`` appear in the JSON ``field`` of some row of ``model``."""
    if not shas:
        return set()
    query = Q()
    for sha in shas:
        query |= Q(_text__contains=sha)
    rows = model.objects.annotate(_text=Cast(field, TextField())).filter(query)
    texts = rows.values_list("_text", flat=True)
    return {sha for text in texts for sha in shas if sha in text}


class LimbsFiles:
    """The limbs' answer to ``accounts.hooks.Files``: use, the files of some work, release."""

    def usage(self, user: User) -> StorageUsage:
        return usage(user)

    def files_of(self, user_ids: Iterable[int], team_ids: Iterable[int]) -> set[str]:
        users, teams = list(user_ids), list(team_ids)
        mine = Q(owner_id__in=users) | Q(team_id__in=teams)
        names = set(Asset.objects.filter(mine).values_list("blob", flat=True))
        # Files sent with a request are named in its params ({"blob": ...}).
        for params in Generation.objects.filter(mine).values_list("params", flat=True):
            for value in params.values() if isinstance(params, dict) else ():
                if isinstance(value, dict) and isinstance(value.get("blob"), str):
                    names.add(value["blob"])
        return names

    def release(self, names: Iterable[str], unused_since: datetime) -> int:
        """Delete the files of ``names`` no asset, request, relic cache or relic preview names.

        A muscle-memory entry does not keep a file: entries that name a released file are
        forgotten with it (they would only answer with a missing file). A file stored again
        since ``unused_since`` is kept, so a result being recorded right now never loses it.
        """
        candidates = sorted(set(names))
        freed = 0
        for start in range(0, len(candidates), 200):
            chunk = candidates[start : start + 200]
            used = set(Asset.objects.filter(blob__in=chunk).values_list("blob", flat=True))
            used |= set(RelicRender.objects.filter(blob__in=chunk).values_list("blob", flat=True))
            loose = [name for name in chunk if name not in used]
            by_sha = {name.rsplit("/", 1)[-1]: name for name in loose}
            shas = list(by_sha)
            named = _mentioning(Generation, "params", shas) | _mentioning(RelicCache, "files", shas)
            gone = []
            for name in (by_sha[sha] for sha in shas if sha not in named):
                deleted = delete_blob(name, unused_since)
                if deleted is not None:
                    freed += deleted
                    gone.append(name)
            stale = _mentioning(CacheEntry, "outputs", [name.rsplit("/", 1)[-1] for name in gone])
            if stale:
                query = Q()
                for sha in stale:
                    query |= Q(_text__contains=sha)
                CacheEntry.objects.annotate(_text=Cast("outputs", TextField())).filter(query).delete()
        return freed
