"""A request, from what a person sent to a stored, queued generation.

``do_generate`` validates a request completely (the action, its params, the references they
name through the one resolver, kill switches, the tier), then stores and queues it; bad input
raises ``RequestError`` and stores nothing.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import addresses
from accounts.killswitch import Identity, blocking
from accounts.limits import Lease
from accounts.models import User
from accounts.upload_quota import charge_upload
from limbs.access import can_make_in, team_ids, visible
from limbs.admission import admit, release
from limbs.events import publish_update, row_of
from limbs.models import Asset, Generation, Project
from limbs.params import ParamError, validate_params
from limbs.quotas import check_room
from limbs.record import WORKER_ID
from limbs.registry import REGISTRY, get_limb
from limbs.spec import ActionSpec, LimbSpec, ParamSpec, Upload
from limbs.storage import store_blob
from limbs.studio import StudioView
from pog_site import jobs
from pog_site.errors import RequestError
from pog_site.inputs import check_json, check_text

log = logging.getLogger(__name__)


TENSIONS = ("low", "medium", "high")

ATTACHMENTS = ("secure", "standard")

MAX_SEED = 2**53 - 1

# The Celery task that runs ``run_generation`` (limbs.tasks), submitted by name so this
# module need not import its own wrapper.
RUN_GENERATION = "limbs.run_generation"


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


def resolve_references(owner: User, action: ActionSpec, params: dict[str, Any]) -> dict[str, Asset]:
    """The one reference resolver: every param that names a record (an asset, a request, a
    relic cache) is looked up among what ``owner`` may see, through the one visibility rule,
    and checked; then the action's own ``refine`` checks what its schema cannot say. Returns the assets
    the request takes as inputs. Raises ``ParamError`` naming the param at fault."""
    found: dict[str, Asset] = {}
    for spec in action.params:
        if spec.type == "assets" and spec.name in params:
            for i, chosen in enumerate(_assets(owner, spec, params[spec.name])):
                found[f"{spec.name}[{i}]"] = chosen
            continue
        if spec.type == "relic" and spec.name in params:
            if not StudioView(owner).relic_caches().filter(sha256=params[spec.name]).exists():
                raise ParamError(
                    spec.name, f"{spec.label}: no relic cache you may see has the sha256 {params[spec.name]}."
                )
            continue
        if spec.type not in ("asset", "generation") or spec.name not in params:
            continue
        raw = params[spec.name]
        what = "an asset" if spec.type == "asset" else "a request"
        try:
            key = uuid.UUID(str(raw))
        except ValueError:
            raise ParamError(spec.name, f"{spec.label}: '{raw}' is not {what} id.") from None
        if spec.type == "generation":
            if not visible(Generation.objects.filter(pk=key), owner).exists():
                raise ParamError(spec.name, f"{spec.label}: no request of yours has the id {key}.")
            params[spec.name] = str(key)
            continue
        asset = visible(Asset.objects.filter(pk=key), owner).first()
        if asset is None:
            raise ParamError(spec.name, f"{spec.label}: no asset of yours has the id {key}.")
        if spec.accepts and not any(asset.mime.startswith(prefix) for prefix in spec.accepts):
            wanted = ", ".join(spec.accepts)
            raise ParamError(spec.name, f"{spec.label} must be {wanted} but asset {key} is {asset.mime}.")
        params[spec.name] = str(asset.id)
        found[spec.name] = asset
    if action.refine is not None:
        action.refine(params, REGISTRY)
    return found


def _assets(owner: User, spec: ParamSpec, ids: list[str]) -> list[Asset]:
    keys: list[uuid.UUID] = []
    for raw in ids:
        try:
            keys.append(uuid.UUID(raw))
        except ValueError:
            raise ParamError(spec.name, f"{spec.label}: '{raw}' is not an asset id.") from None
    seen = {a.pk: a for a in visible(Asset.objects.filter(pk__in=keys), owner)}
    for key in keys:
        asset = seen.get(key)
        if asset is None:
            raise ParamError(spec.name, f"{spec.label}: no asset of yours has the id {key}.")
        if spec.accepts and not any(asset.mime.startswith(prefix) for prefix in spec.accepts):
            wanted = ", ".join(spec.accepts)
            raise ParamError(spec.name, f"{spec.label} must be {wanted} but asset {key} is {asset.mime}.")
    return [seen[key] for key in keys]


def store_uploads(action: ActionSpec, params: dict[str, Any], owner: User | None = None) -> None:
    """Files sent with the request go to the content-addressed store once every check has
    passed; the row keeps what names them (their sha256), so the request can be replayed.
    Each file is charged to ``owner``'s tier upload meters first (429/413 when spent)."""
    sent = [
        (spec, upload)
        for spec in action.params
        if spec.type == "file" and isinstance(upload := params.get(spec.name), Upload)
    ]
    if owner is not None and sent:
        charge_upload(owner, sum(len(upload.data) for _, upload in sent), f"params.{sent[0][0].name}")
    for spec, upload in sent:
        blob, digest = store_blob(upload.data)
        params[spec.name] = {"name": upload.name, "sha256": digest, "size": len(upload.data), "blob": blob}


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
    # Text no database stores: the API's parser refuses it first, page forms arrive here.
    check_text(intent, "intent")
    check_json(data.params, "params")
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
    if action.staff_only and not owner.is_staff:
        raise RequestError(
            403, "staff_only", f"{limb.name} · {action.name} is for the studio's staff only.", "action"
        )
    try:
        params = validate_params(action, data.params)
        inputs = resolve_references(owner, action, params)
    except ParamError as exc:
        code = "too_large" if exc.status == 413 else "bad_param"
        raise RequestError(exc.status, code, exc.message, f"params.{exc.field}") from None
    # Room for the files sent with the request too, before any of them is stored.
    check_room(owner, sum(len(p.data) for p in params.values() if isinstance(p, Upload)))
    store_uploads(action, params, owner)
    seed = data.seed if data.seed is not None else secrets.randbelow(2**31)
    lease = admit(owner, action)
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
        release(lease)
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
            "claimed_by": WORKER_ID,
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


def client_groups() -> tuple[str, ...]:
    """What a job asked for in this request also counts against in the scheduler: the
    client's address and its network, widest last (none outside a request, e.g. work
    resubmitted at start)."""
    client = addresses.current()
    return (client.address_key, client.prefix_key) if client is not None else ()


def queue_generation(generation: Generation) -> Future[Any] | None:
    """Hand a stored generation to the job runner. In embedded mode the returned future
    resolves to the finished generation's JSON (see ``run_generation``)."""
    future = jobs.submit(
        RUN_GENERATION,
        str(generation.pk),
        owner=jobs.owner_key(generation.owner_id),
        job_id=str(generation.pk),
        groups=client_groups(),
    )
    publish_update(generation.pk, generation.owner_id, row_of(generation))
    return future
