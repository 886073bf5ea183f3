"""The one writer of assets, ledger entries and cache entries.

A job's outputs, its signed provenance entry, the cache entry and the effects its action
asked for are written in one transaction, whose first statement re-checks the claim.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from limbs import effects
from limbs.formats import kind_for_mime
from limbs.models import Asset, CacheEntry, Generation
from limbs.quotas import MB, check_outputs
from limbs.router import RouteResult
from limbs.storage import store_blob
from provenance.ledger import append as ledger_append

log = logging.getLogger(__name__)


WORKER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def record_failure(
    generation: Generation, error: str, attempts: list[dict[str, Any]]
) -> dict[str, Any] | None:
    changes: dict[str, Any] = {
        "status": Generation.Status.FAILED,
        "error": error,
        "message": "Something went wrong",
        "attempts": attempts,
        "finished_at": timezone.now(),
    }
    if not Generation.objects.filter(pk=generation.pk, claimed_by=WORKER_ID).update(**changes):
        return None
    for name, value in changes.items():
        setattr(generation, name, value)
    return generation.as_json(outputs=[])


class _ClaimLostError(Exception):
    """Another worker took the row over while we ran: roll back and leave it to them."""


def record_success(
    generation: Generation,
    result: RouteResult,
    inputs: dict[str, Asset],
    key: str | None,
    reads: Mapping[str, str] | None = None,
) -> dict[str, Any] | None:
    """Store the outputs, the signed ledger entry and the cache entry in one transaction.

    The statements are few on purpose (this runs on every request): the claim check is
    the final UPDATE itself, new assets get their ids before the ledger entry names
    them, and rows are inserted in bulk.
    """
    attempts = [a.as_json() for a in result.attempts]
    # Checked before a single byte is stored: a result refused here leaves nothing behind.
    refused = _over_budget(generation, result)
    if refused is not None:
        return record_failure(generation, refused, attempts)
    stored: list[dict[str, Any]] = []
    for output in result.outputs:
        blob, digest = store_blob(output.data)
        stored.append(
            {
                "sha256": digest,
                "blob": blob,
                "mime": output.mime,
                "name": output.name,
                "role": output.role,
                "size": len(output.data),
                "meta": dict(output.meta),
            }
        )
    parents = list(inputs.values())
    now = timezone.now()
    changes: dict[str, Any] = {
        "status": Generation.Status.SUCCEEDED,
        "progress": 1.0,
        "message": "Done!",
        "provider": result.provider,
        "model": result.model,
        "cache": result.cache,
        "attempts": attempts,
        "overhead_ms": None,
        "finished_at": now,
    }
    try:
        with transaction.atomic():
            # The claim check and the row lock in one statement: a takeover elsewhere wins.
            if not Generation.objects.filter(
                pk=generation.pk, claimed_by=WORKER_ID, status=Generation.Status.RUNNING
            ).update(**changes):
                raise _ClaimLostError
            # Same bytes in the same library (the owner's own, or the team's) is one asset.
            library = (
                Q(team_id=generation.team_id)
                if generation.team_id is not None
                else Q(owner_id=generation.owner_id, team__isnull=True)
            )
            existing = {
                a.sha256: a
                for a in Asset.objects.filter(library, sha256__in=[item["sha256"] for item in stored])
            }
            assets: list[Asset] = []
            created: list[Asset] = []
            for item in stored:
                if item["sha256"] in existing:
                    assets.append(existing[item["sha256"]])
                    continue
                if not generation.intent and parents and not _named(generation):
                    # Nothing was said, so name the result after what it was made from.
                    item["name"] = Path(parents[0].name).stem + Path(item["name"]).suffix
                meta = item["meta"]
                asset = Asset(
                    id=uuid.uuid4(),
                    owner_id=generation.owner_id,
                    team_id=generation.team_id,
                    project_id=generation.project_id,
                    name=item["name"][:160],
                    mime=item["mime"],
                    kind=kind_for_mime(item["mime"]),
                    role=item["role"],
                    sha256=item["sha256"],
                    size=item["size"],
                    blob=item["blob"],
                    width=meta.get("width"),
                    height=meta.get("height"),
                    meta=meta,
                    generation=generation,
                )
                existing[asset.sha256] = asset  # the same bytes twice in one result: one asset
                assets.append(asset)
                created.append(asset)
            # Effects change the studio in this same transaction (or the whole record rolls back).
            applied = effects.apply(generation, result.effects)
            entry = ledger_append(
                "generation",
                str(generation.pk),
                {
                    "generation": str(generation.pk),
                    "owner": generation.owner_id,
                    **({"team": generation.team_id} if generation.team_id is not None else {}),
                    "limb": generation.limb,
                    "action": generation.action,
                    "intent": generation.intent,
                    "params": generation.params,
                    "seed": generation.seed,
                    "tension": generation.tension,
                    "attachment": generation.attachment,
                    "provider": result.provider,
                    "model": result.model,
                    "cache": result.cache,
                    "attempts": attempts,
                    "parents": [{"asset": str(p.pk), "sha256": p.sha256} for p in parents]
                    + _relic_parents(stored),
                    "outputs": [_ledger_output(a) for a in assets],
                    **({"reads": dict(reads)} if reads else {}),
                    **({"effects": applied} if applied else {}),
                },
            )
            for asset in created:
                asset.ledger_entry = entry
            Asset.objects.bulk_create(created)
            if parents:
                through = Asset.parents.through
                through.objects.bulk_create(
                    [through(from_asset_id=a.pk, to_asset_id=p.pk) for a in created for p in parents],
                    ignore_conflicts=True,
                )
            outputs = Generation.outputs.through
            outputs.objects.bulk_create(
                [outputs(generation_id=generation.pk, asset_id=a.pk) for a in dict.fromkeys(assets)],
                ignore_conflicts=True,
            )
            if key is not None and result.cache == "miss" and not result.effects:
                # First writer wins; the same key always means the same bytes.
                CacheEntry.objects.bulk_create(
                    [
                        CacheEntry(
                            key=key,
                            limb=generation.limb,
                            action=generation.action,
                            provider=result.provider,
                            model=result.model,
                            outputs=stored,
                        )
                    ],
                    ignore_conflicts=True,
                )
    except _ClaimLostError:
        return None
    for name, value in changes.items():
        setattr(generation, name, value)
    parent_ids = [str(p.pk) for p in parents]
    shown = sorted(dict.fromkeys(assets), key=lambda a: (a.created_at, str(a.pk)))  # as output_list orders
    return generation.as_json(
        outputs=[a.as_json(parent_ids=parent_ids if a in created else None) for a in shown]
    )


def _over_budget(generation: Generation, result: RouteResult) -> str | None:
    """Why the result may not be kept, or None: one request stores at most POG_MAX_OUTPUT_MB
    (each distinct file once), and the owner's files must stay within their tier's quota."""
    files = {hashlib.sha256(output.data).hexdigest(): len(output.data) for output in result.outputs}
    total = sum(files.values())
    budget = settings.POG_MAX_OUTPUT_MB * MB
    if total > budget:
        return (
            f"This made {total / MB:.1f} MB of files, more than the {settings.POG_MAX_OUTPUT_MB} MB "
            "one request may keep. Ask for fewer or smaller things at once."
        )
    return check_outputs(generation.owner, files.items())


def _named(generation: Generation) -> bool:
    """Whether the request named its output itself (a ``name`` or ``label`` param)."""
    return any(str(generation.params.get(key) or "").strip() for key in ("name", "label"))


def _relic_parents(stored: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Relic entries an output was made from (its ``meta["relic"]``), named as parents."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for item in stored:
        relic = item["meta"].get("relic")
        if isinstance(relic, dict) and isinstance(relic.get("cache"), str):
            found[(relic["cache"], str(relic.get("entry")))] = {
                "relic": relic["cache"],
                "entry": str(relic.get("entry")),
            }
    return list(found.values())


def _ledger_output(asset: Asset) -> dict[str, Any]:
    return {
        "asset": str(asset.pk),
        "sha256": asset.sha256,
        "mime": asset.mime,
        "bytes": asset.size,
        "name": asset.name,
    }
