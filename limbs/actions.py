"""State changes of the generation pipeline, shared by views, the API, consumers and tasks.

``do_generate`` validates a request and queues it; ``run_generation`` is the job
body that runs in the in-process pool or a Celery worker.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import secrets
import socket
import time
import uuid
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts import limits, threats
from accounts.killswitch import Identity, blocking
from accounts.limits import Lease, LimitsUnavailable, RateLimit
from accounts.metabolism import Preferences
from accounts.models import User
from limbs import breakers
from limbs.access import can_make_in, team_ids, visible
from limbs.formats import kind_for_mime
from limbs.models import Asset, CacheEntry, Generation, Project
from limbs.params import ParamError, validate_params
from limbs.registry import REGISTRY, get_limb
from limbs.router import Attempt, RouteError, RouteResult, cache_key, route
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, LimbSpec, Tension
from limbs.storage import read_blob, store_blob
from pog_site import jobs
from pog_site.errors import RequestError
from provenance.ledger import append as ledger_append

log = logging.getLogger(__name__)

TENSIONS = ("low", "medium", "high")
ATTACHMENTS = ("secure", "standard")
MAX_SEED = 2**53 - 1
# A running slot outlives the action's deadline by this much before it frees itself.
LEASE_MARGIN_S = 30.0
BUSY_RETRY_S = 2
# The Celery task that runs ``run_generation`` (limbs.tasks), submitted by name so this
# module need not import its own wrapper.
RUN_GENERATION = "limbs.run_generation"
_WORKER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class GenerateInput:
    limb: str
    action: str | None = None
    intent: str = ""
    params: dict[str, Any] | None = None
    tension: str = "medium"
    attachment: str = "standard"
    seed: int | None = None
    project: str | None = None


def group_for_generation(generation_id: uuid.UUID | str) -> str:
    return f"generation.{generation_id}"


def group_for_user(user_id: int) -> str:
    return f"studio.{user_id}"


def group_for_team(team_id: int) -> str:
    return f"team.{team_id}"


def normalise_intent(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def resolve_limb_action(limb_id: str, action_id: str | None) -> tuple[LimbSpec, ActionSpec]:
    limb = get_limb(limb_id)
    if limb is None:
        raise RequestError(404, "unknown_limb", f"There is no limb called '{limb_id}'.", "limb")
    if not action_id:
        return limb, limb.default_action
    action = limb.action(action_id)
    if action is None:
        choices = ", ".join(a.id for a in limb.actions)
        raise RequestError(
            404,
            "unknown_action",
            f"The {limb.name} limb has no action '{action_id}'. Try: {choices}.",
            "action",
        )
    return limb, action


def _resolve_assets(owner: User, action: ActionSpec, params: dict[str, Any]) -> dict[str, Asset]:
    """Look up asset parameters among the owner's assets only, and check their type."""
    found: dict[str, Asset] = {}
    for spec in action.params:
        if spec.type != "asset" or spec.name not in params:
            continue
        raw = params[spec.name]
        try:
            asset_id = uuid.UUID(str(raw))
        except ValueError:
            raise ParamError(spec.name, f"{spec.label}: '{raw}' is not an asset id.") from None
        asset = visible(Asset.objects.filter(pk=asset_id), owner).first()
        if asset is None:
            raise ParamError(spec.name, f"{spec.label}: no asset of yours has the id {asset_id}.")
        if spec.accepts and not any(asset.mime.startswith(prefix) for prefix in spec.accepts):
            wanted = ", ".join(spec.accepts)
            raise ParamError(
                spec.name, f"{spec.label} must be {wanted} but asset {asset_id} is {asset.mime}."
            )
        params[spec.name] = str(asset.id)
        found[spec.name] = asset
    return found


def _check_references(owner: User, limb: str, spec: ActionSpec, params: dict[str, Any]) -> None:
    """Checks that need more than the schema: targets and records a request names."""
    if spec.refine is not None:
        spec.refine(params, REGISTRY)
    if (limb, spec.id) == ("ghost", "introspect"):
        try:
            target = uuid.UUID(str(params["generation"]))
        except ValueError:
            raise ParamError("generation", f"'{params['generation']}' is not a request id.") from None
        if not visible(Generation.objects.filter(pk=target), owner).exists():
            raise ParamError("generation", f"No request of yours has the id {target}.")
        params["generation"] = str(target)


def _reference_inputs(generation: Generation) -> dict[str, bytes]:
    """Database records a pure generator needs, handed over as bytes."""
    if generation.limb == "id_auditor":
        return {"ids": _id_tables(generation.owner)}
    if (generation.limb, generation.action) != ("ghost", "introspect"):
        return {}
    target = visible(Generation.objects.filter(pk=generation.params["generation"]), generation.owner).get()
    record = target.as_json() | {"breakers": [asdict(state) for state in breakers.all_states()]}
    return {"generation": json.dumps(record, default=str).encode()}


# Relic sections by their catalogue kind, named as the id auditor names kinds of id.
_RELIC_ID_KINDS = {
    "items": "item",
    "npcs": "npc",
    "objects": "object",
    "wall_objects": "wall_object",
    "tiles": "tile",
    "textures": "texture",
    "animations": "animation",
    "spells": "spell",
    "prayers": "prayer",
    "models": "model",
}
_MAX_ID_TABLE_ASSETS = 500
_MAX_ID_TABLE_BYTES = 1_000_000


def _id_tables(owner: User) -> bytes:
    """Every id the auditor must know: each registered relic cache's records (id = their
    number, or their place in the cache), and the id tables in the owner's visible JSON
    assets (what ``reserve`` wrote, or a table of the form {"ids": {kind: [...]}}) per project."""
    from limbs.parts.id_auditor._ids import build_ids_input
    from relics.models import RelicCache, RelicEntry

    sources: list[tuple[str, str, dict[str, list[int]]]] = []
    for cache in RelicCache.objects.visible_to(owner).order_by("created_at"):
        tables: dict[str, list[int]] = {}
        rows = RelicEntry.objects.filter(cache=cache, kind__in=_RELIC_ID_KINDS).values_list(
            "kind", "key", "index"
        )
        for kind, key, index in rows.order_by("kind", "index"):
            tables.setdefault(_RELIC_ID_KINDS[kind], []).append(int(key) if key.isdigit() else index)
        sprites = RelicEntry.objects.filter(cache=cache, kind="items").values_list(
            "fields__sprite", flat=True
        )
        used = sorted({int(s) for s in sprites if isinstance(s, int)})
        if used:
            tables["sprite"] = used
        sources.append((cache.sha256, "relic", tables))
    projects: dict[str, dict[str, list[int]]] = {}
    candidates = visible(Asset.objects.filter(mime="application/json", size__lte=_MAX_ID_TABLE_BYTES), owner)
    for asset in candidates.select_related("project").order_by("-created_at")[:_MAX_ID_TABLE_ASSETS]:
        found = _ids_in(asset)
        if not found:
            continue
        tables = projects.setdefault(asset.project.name if asset.project else "my library", {})
        for kind, ids in found.items():
            tables.setdefault(kind, []).extend(ids)
    sources += [(name, "project", tables) for name, tables in sorted(projects.items())]
    return build_ids_input(sources)


def _ids_in(asset: Asset) -> dict[str, list[int]]:
    try:
        doc = json.loads(read_blob(asset.blob))
    except (OSError, ValueError):
        return {}
    if not isinstance(doc, dict):
        return {}
    if isinstance(doc.get("type"), str) and isinstance(doc.get("ids"), list):
        tables = {doc["type"]: doc["ids"]}
    elif isinstance(doc.get("ids"), dict):
        tables = doc["ids"]
    else:
        return {}
    return {
        str(kind): [v for v in ids if isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**31]
        for kind, ids in tables.items()
        if isinstance(ids, list)
    }


def do_generate(owner: User, data: GenerateInput, *, queue: bool = True, claim: bool = False) -> Generation:
    """Validate a request completely, then store and queue it. Raises RequestError, storing nothing.

    ``queue=False`` leaves queueing to the caller (``queue_generation``), which then
    holds the job's future. ``claim=True`` (with ``queue=False``) stores the row already
    claimed by this worker, for a caller that runs it at once with ``run_claimed``.
    """
    limb, action = resolve_limb_action(data.limb, data.action)
    if not action.built:
        raise RequestError(
            501,
            "not_built",
            f"{limb.name} · {action.name} is not built yet. Built so far: "
            + (", ".join(a.id for a in limb.actions if a.built) or "nothing in this limb"),
            "action",
        )
    intent = normalise_intent(data.intent or "")
    if len(intent) > settings.POG_MAX_INTENT_CHARS:
        raise RequestError(
            422,
            "intent_too_long",
            f"The idea is {len(intent)} characters long; the limit is {settings.POG_MAX_INTENT_CHARS}.",
            "intent",
        )
    if action.needs_intent and not intent:
        raise RequestError(422, "intent_required", "Say what you want to make.", "intent")
    if data.tension not in TENSIONS:
        raise RequestError(422, "bad_tension", f"tension must be one of {', '.join(TENSIONS)}.", "tension")
    if data.attachment not in ATTACHMENTS:
        raise RequestError(
            422, "bad_attachment", f"attachment must be one of {', '.join(ATTACHMENTS)}.", "attachment"
        )
    if data.seed is not None and not (0 <= data.seed <= MAX_SEED):
        raise RequestError(422, "bad_seed", f"seed must be between 0 and {MAX_SEED}.", "seed")
    project = _resolve_project(owner, data.project)
    switch = blocking(
        Identity(owner.pk, is_staff=owner.is_staff),
        team_ids=[project.team_id] if project is not None and project.team_id is not None else [],
        limb=limb.id,
    )
    if switch is not None:
        raise RequestError(503, "stopped", f"Stopped by the studio's staff: {switch.reason}", None)
    try:
        params = validate_params(action, data.params)
        inputs = _resolve_assets(owner, action, params)
        _check_references(owner, limb.id, action, params)
    except ParamError as exc:
        raise RequestError(422, "bad_param", exc.message, f"params.{exc.field}") from None
    seed = data.seed if data.seed is not None else secrets.randbelow(2**31)
    lease = _admit(owner, action)
    try:
        generation = _store(
            owner,
            limb,
            action,
            intent,
            params,
            inputs,
            data,
            seed,
            lease,
            queue and not claim,
            project,
            claim,
        )
    except BaseException:
        _release(lease)
        raise
    return generation


def _resolve_project(owner: User, project_id: str | None) -> Project | None:
    """The project a request files its work under: one of the owner's, or a team project
    where the owner is an editor or owner (viewers look but do not make)."""
    if not project_id:
        return None
    try:
        key = uuid.UUID(str(project_id))
    except ValueError:
        raise RequestError(422, "bad_project", f"'{project_id}' is not a project id.", "project") from None
    project = (
        Project.objects.filter(pk=key)
        .filter(Q(owner=owner, team__isnull=True) | Q(team__in=team_ids(owner)))
        .first()
    )
    if project is None:
        raise RequestError(404, "unknown_project", f"No project of yours has the id {key}.", "project")
    if project.team_id is not None and not can_make_in(owner, project.team_id):
        raise RequestError(
            403,
            "viewer",
            "You can look at this team's work, but only its editors and owners make things in it.",
            "project",
        )
    return project


def _admit(owner: User, action: ActionSpec) -> Lease | None:
    """The tier's meters: one running slot (concurrency), then one token (rate).

    Checked after validation, so a typo never costs a token. If the shared store is
    unreachable the request is let through and the problem logged: a meter outage
    must not take the studio down with it.
    """
    tier = owner.effective_tier()
    throttled = threats.is_throttled(owner.pk)
    try:
        rate = RateLimit(tier.requests_per_period, tier.period_s)
        if throttled:
            # Flagged for behaving unlike itself: a much smaller allowance until staff look.
            rate = threats.throttled_limit(rate)
    except ValueError:
        # A tier saved with limits the limiter cannot count (Tier.clean refuses them in the
        # admin): meter nothing rather than fail every request of that tier.
        log.error("tier %s has unusable limits; admitting the request", tier.slug, exc_info=True)
        return None
    lease: Lease | None = None
    try:
        lease = limits.acquire(
            f"busy:user:{owner.pk}", max(1, tier.concurrency), lease_s=action.deadline_s + LEASE_MARGIN_S
        )
        if lease is None:
            running = "one thing" if tier.concurrency == 1 else f"{tier.concurrency} things"
            raise RequestError(
                429,
                "busy",
                f"You already have {running} being made (the {tier.name} tier makes {running} at a "
                "time). It will be your turn as soon as that is done.",
                None,
                retry_after=BUSY_RETRY_S,
            )
        decision = limits.take(f"rate:user:{owner.pk}", rate)
    except LimitsUnavailable:
        log.warning("rate and concurrency limits unavailable; admitting the request", exc_info=True)
        _release(lease)
        return None
    if not decision.allowed:
        _release(lease)
        wait = max(1, math.ceil(decision.retry_after_s))
        allows = (
            "your account allows while the studio's staff take a look at some unusual activity"
            if throttled
            else f"the {tier.name} tier allows"
        )
        raise RequestError(
            429,
            "rate_limited",
            f"That is {rate.requests} requests in {_period_words(rate.period_s)}, the most {allows}. "
            f"The next one can start in {wait} s.",
            None,
            retry_after=wait,
        )
    return lease


def _period_words(period_s: float) -> str:
    seconds = round(period_s)
    if seconds == 60:
        return "a minute"
    if seconds == 3600:
        return "an hour"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} minutes"
    return f"{seconds} s"


def _release(lease: Lease | str | None, owner_id: int | None = None) -> None:
    if isinstance(lease, str):
        lease = Lease(f"busy:user:{owner_id}", lease, 0.0) if lease else None
    if lease is None:
        return
    try:
        limits.release(lease)
    except LimitsUnavailable:
        log.warning("could not release a concurrency lease; it expires by itself", exc_info=True)


def _store(
    owner: User,
    limb: LimbSpec,
    action: ActionSpec,
    intent: str,
    params: dict[str, Any],
    inputs: dict[str, Asset],
    data: GenerateInput,
    seed: int,
    lease: Lease | None,
    queue: bool,
    project: Project | None,
    claim: bool = False,
) -> Generation:
    claimed: dict[str, Any] = {}
    if claim:
        now = timezone.now()
        claimed = {
            "status": Generation.Status.RUNNING,
            "claimed_by": _WORKER_ID,
            "claimed_at": now,
            "started_at": now,
            "claims": 1,
        }
    with transaction.atomic():
        generation = Generation.objects.create(
            lease=lease.id if lease is not None else "",
            owner=owner,
            project=project,
            team_id=project.team_id if project is not None else None,
            limb=limb.id,
            action=action.id,
            intent=intent,
            params=params,
            tension=data.tension,
            attachment=data.attachment,
            seed=seed,
            message="Getting started" if claim else "Waiting in line",
            **claimed,
        )
        if inputs:
            generation.inputs.set(list(inputs.values()))
        if queue:
            transaction.on_commit(lambda: queue_generation(generation))
    return generation


def queue_generation(generation: Generation) -> Future[Any] | None:
    """Hand a stored generation to the job runner. In embedded mode the returned future
    resolves to the finished generation's JSON (see ``run_generation``)."""
    future = jobs.submit(RUN_GENERATION, str(generation.pk))
    publish_update(generation.pk, generation.owner_id, _row(generation))
    return future


def publish_update(
    generation_id: uuid.UUID | str, owner_id: int | None = None, row: dict[str, Any] | None = None
) -> None:
    """Tell the generation's and the owner's groups that the row changed (small, typed event).

    ``row`` (status, progress, message, owner_id) saves a query when the caller just wrote it.
    """
    if row is None:
        fetched = (
            Generation.objects.filter(pk=generation_id)
            .values("status", "progress", "message", "owner_id", "team_id")
            .first()
        )
        row = dict(fetched) if fetched is not None else None
    if row is None:
        return
    event = {
        "type": "generation.update",
        "generation": str(generation_id),
        "status": row["status"],
        "progress": round(row["progress"], 3),
        "message": row["message"],
    }
    jobs.publish(group_for_generation(generation_id), event)
    jobs.publish(group_for_user(owner_id or row["owner_id"]), event)
    if row.get("team_id"):
        jobs.publish(group_for_team(row["team_id"]), event)


def _claim(generation_id: str, takeover: bool) -> bool:
    now = timezone.now()
    stale = now - timedelta(seconds=settings.POG_JOB_STALE_S)
    claimable = Q(status=Generation.Status.QUEUED) | Q(status=Generation.Status.RUNNING, claimed_at__lt=stale)
    if takeover:
        claimable |= Q(status=Generation.Status.RUNNING)
    count = (
        Generation.objects.filter(pk=generation_id)
        .filter(claimable)
        .update(
            status=Generation.Status.RUNNING,
            claimed_by=_WORKER_ID,
            claimed_at=now,
            started_at=now,
            claims=F("claims") + 1,
            message="Getting started",
        )
    )
    return count == 1


class _Progress:
    """Writes progress to the row and publishes it, at most every 80 ms."""

    def __init__(self, generation: Generation) -> None:
        self.generation = generation
        self.last = 0.0

    def __call__(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - self.last < 0.08 and fraction < 1.0:
            return
        self.last = now
        fraction = max(0.0, min(0.95, float(fraction)))
        updated = Generation.objects.filter(pk=self.generation.pk, claimed_by=_WORKER_ID).update(
            progress=fraction, message=message[:200]
        )
        if updated:
            row = {
                "status": Generation.Status.RUNNING,
                "progress": fraction,
                "message": message[:200],
                "owner_id": self.generation.owner_id,
                "team_id": self.generation.team_id,
            }
            publish_update(self.generation.pk, self.generation.owner_id, row)


def _key_params(generation: Generation, inputs: dict[str, Asset]) -> dict[str, Any]:
    """Params for the cache key: asset inputs by content, not by id, so equal inputs match."""
    params = dict(generation.params)
    for name, asset in inputs.items():
        params[name] = {"sha256": asset.sha256}
    return params


def run_generation(generation_id: str, takeover: bool = False) -> dict[str, Any] | None:
    """The job body. Claims the row, routes, stores outputs and provenance, publishes.

    Safe to call twice: only one claim succeeds, and a finished row is left alone.
    Returns the finished generation as the API shows it (built from what was just
    written, so a waiting caller needs no query), or None when the claim was lost.
    """
    if not _claim(generation_id, takeover):
        return None
    generation = Generation.objects.select_related("owner", "owner__tier", "owner__metabolism").get(
        pk=generation_id
    )
    return run_claimed(generation)


def run_claimed(generation: Generation) -> dict[str, Any] | None:
    """The job body after the claim: ``generation`` is claimed by this worker, and its owner
    was read during this job or request (tier and metabolism current, or not yet read)."""
    publish_update(generation.pk, generation.owner_id, _row(generation))
    action = generation.action_spec
    try:
        request, inputs, prefs = prepare_claimed(generation)
        assert action is not None  # prepare_claimed refuses an action that no longer exists
        key = cache_key(
            limb=generation.limb,
            action=generation.action,
            intent=generation.intent,
            params=_key_params(generation, inputs),
            seed=generation.seed,
            tension=generation.tension,
            preference=prefs.prefer,
            owner=generation.owner_id if prefs.private_cache else None,
        )
        result = route(
            generation.limb,
            generation.action,
            request,
            key=key if action.cacheable and prefs.read_cache else None,
            deadline_s=action.deadline_s,
            prefer=prefs.prefer,
            threshold=prefs.threshold,
            recheck_cache=prefs.recheck_cache,
        )
        payload = _finish(generation, result, inputs, key if action.cacheable and prefs.write_cache else None)
    except (RouteError, GeneratorInputError, Asset.DoesNotExist) as exc:
        attempts = [a.as_json() for a in getattr(exc, "attempts", [])]
        payload = _fail(generation, friendly_error(exc), attempts)
    except Exception as exc:
        log.exception("generation %s crashed", generation.pk)
        payload = _fail(
            generation, f"The studio tripped over its own feet ({type(exc).__name__}). Please try again.", []
        )
    _settled(generation, payload)
    return payload


def prepare_claimed(generation: Generation) -> tuple[GenRequest, dict[str, Asset], Preferences]:
    """What a claimed generation's tiers are asked with: the request (its input assets'
    bytes read), those assets, and the owner's preferences. Raises ``RouteError`` when the
    action no longer exists, ``Asset.DoesNotExist`` when an input is gone."""
    action = generation.action_spec
    if action is None:
        raise RouteError(f"{generation.limb}.{generation.action} no longer exists.", [])
    inputs = {
        spec.name: visible(Asset.objects.filter(pk=generation.params[spec.name]), generation.owner).get()
        for spec in action.params
        if spec.type == "asset" and spec.name in generation.params
    }
    tension: Tension = generation.tension if generation.tension in TENSIONS else "medium"  # type: ignore[assignment]
    request = GenRequest(
        intent=generation.intent,
        params=dict(generation.params),
        seed=generation.seed,
        tension=tension,
        inputs={name: read_blob(asset.blob) for name, asset in inputs.items()}
        | _reference_inputs(generation),
        progress=_Progress(generation),
    )
    return request, inputs, Preferences.for_owner(generation.owner, generation.limb, preloaded=True)


def finish_claimed(
    generation: Generation, result: RouteResult, inputs: dict[str, Asset]
) -> dict[str, Any] | None:
    """Store a claimed generation's outputs reached outside ``run_claimed`` (a stream)."""
    payload = _finish(generation, result, inputs, None)
    _settled(generation, payload)
    return payload


def fail_claimed(generation: Generation, error: str, attempts: list[Attempt]) -> dict[str, Any] | None:
    """Fail a claimed generation outside ``run_claimed`` (a stream no tier could answer)."""
    payload = _fail(generation, error, [a.as_json() for a in attempts])
    _settled(generation, payload)
    return payload


def _settled(generation: Generation, payload: dict[str, Any] | None) -> None:
    if payload is not None:
        _release(generation.lease, generation.owner_id)
        publish_update(generation.pk, generation.owner_id, _row(generation))


def _row(generation: Generation) -> dict[str, Any]:
    return {
        "status": generation.status,
        "progress": generation.progress,
        "message": generation.message,
        "owner_id": generation.owner_id,
        "team_id": generation.team_id,
    }


def friendly_error(exc: Exception) -> str:
    if isinstance(exc, GeneratorInputError):
        return f"{exc.field}: {exc.message}"
    if isinstance(exc, Asset.DoesNotExist):
        return "An input asset is gone, so this cannot be made."
    return str(exc)


def _fail(generation: Generation, error: str, attempts: list[dict[str, Any]]) -> dict[str, Any] | None:
    changes: dict[str, Any] = {
        "status": Generation.Status.FAILED,
        "error": error,
        "message": "Something went wrong",
        "attempts": attempts,
        "finished_at": timezone.now(),
    }
    if not Generation.objects.filter(pk=generation.pk, claimed_by=_WORKER_ID).update(**changes):
        return None
    for name, value in changes.items():
        setattr(generation, name, value)
    return generation.as_json(outputs=[])


class _ClaimLostError(Exception):
    """Another worker took the row over while we ran: roll back and leave it to them."""


def _finish(
    generation: Generation, result: RouteResult, inputs: dict[str, Asset], key: str | None
) -> dict[str, Any] | None:
    """Store the outputs, the signed ledger entry and the cache entry in one transaction.

    The statements are few on purpose (this runs on every request): the claim check is
    the final UPDATE itself, new assets get their ids before the ledger entry names
    them, and rows are inserted in bulk.
    """
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
    attempts = [a.as_json() for a in result.attempts]
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
                pk=generation.pk, claimed_by=_WORKER_ID, status=Generation.Status.RUNNING
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
                if not generation.intent and parents:
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
                    "parents": [{"asset": str(p.pk), "sha256": p.sha256} for p in parents],
                    "outputs": [_ledger_output(a) for a in assets],
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
            if key is not None and result.cache == "miss":
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


def _ledger_output(asset: Asset) -> dict[str, Any]:
    return {
        "asset": str(asset.pk),
        "sha256": asset.sha256,
        "mime": asset.mime,
        "bytes": asset.size,
        "name": asset.name,
    }


def resubmit_unfinished() -> int:
    """Queue again every generation a crash or restart left behind (embedded mode)."""
    count = 0
    pending = Generation.objects.filter(
        status__in=[Generation.Status.QUEUED, Generation.Status.RUNNING]
    ).values_list("pk", "status", "claimed_by")
    for pk, status, claimed_by in pending:
        takeover = status == Generation.Status.RUNNING and not _holder_alive(claimed_by)
        if status == Generation.Status.RUNNING and not takeover:
            continue
        jobs.submit(RUN_GENERATION, str(pk), takeover)
        count += 1
    return count


def _holder_alive(claimed_by: str) -> bool:
    """Whether the worker that claimed a row still runs (only knowable on this host)."""
    host, _, rest = claimed_by.partition(":")
    pid_text = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return True
    if claimed_by == _WORKER_ID:
        return True
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # The pid exists, but it may be a new process reusing it; only our own id is certain.
    return int(pid_text) != os.getpid()
