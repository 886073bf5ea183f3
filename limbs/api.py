"""JSON API of the limbs: the registry, the request path, generations, assets and projects."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Annotated, Any

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import Field, Router
from ninja.responses import NinjaJSONEncoder, Status

from limbs import projects
from limbs.access import visible
from limbs.events import group_for_generation
from limbs.health import limb_health
from limbs.models import Asset, Generation
from limbs.registry import REGISTRY
from limbs.request import (
    ATTACHMENTS,
    MAX_SEED,
    TENSIONS,
    GenerateInput,
    client_groups,
    do_generate,
    queue_generation,
    resolve_limb_action,
)
from limbs.runs import run_claimed
from limbs.spec import CATEGORIES
from limbs.storage import read_blob
from pog_site import jobs, turns
from pog_site.errors import PUBLIC, SIGNED_IN, WITH_BODY, errors
from pog_site.inputs import Int64
from pog_site.schemas import In, Out, enum_schema

router = Router(tags=["limbs"], exclude_unset=True)

# Names the schema lists as enumerations, read from the registry once at import.
LIMB_IDS = [limb.id for limb in REGISTRY.limbs]
ACTION_IDS = sorted({action.id for limb in REGISTRY.limbs for action in limb.actions})
STATUSES = [str(value) for value in Generation.Status.values]
OUTPUT_KINDS = sorted({action.output for limb in REGISTRY.limbs for action in limb.actions})
LimbId = Annotated[str, Field(description="A limb id.", json_schema_extra=enum_schema(LIMB_IDS))]
ActionId = Annotated[str, Field(json_schema_extra=enum_schema(ACTION_IDS))]


class AskIn(In):
    action: ActionId | None = Field(None, description="Action id; the limb's first built action if omitted.")
    intent: str = Field("", description="What you want, in your own words.")
    params: dict[str, Any] = Field(default_factory=dict, description="Parameters from the action's schema.")
    tension: str = Field(
        "medium",
        description="low | medium | high: effort and quality.",
        json_schema_extra=enum_schema(TENSIONS),
    )
    attachment: str = Field(
        "standard",
        description="secure | standard provenance attachment.",
        json_schema_extra=enum_schema(ATTACHMENTS),
    )
    seed: int | None = Field(None, ge=0, le=MAX_SEED, description="Same seed, same request: same bytes.")
    project: str | None = Field(None, description="File the work under this project (yours or your team's).")

    def to_input(self, limb_id: str) -> GenerateInput:
        return GenerateInput(
            limb=limb_id,
            action=self.action,
            intent=self.intent,
            params=self.params,
            tension=self.tension,
            attachment=self.attachment,
            seed=self.seed,
            project=self.project,
        )


class HandleIn(AskIn):
    wait: bool = Field(False, description="Wait for the result (up to the action's deadline).")


# --- response schemas ----------------------------------------------------------------------


class ParamOut(Out):
    name: str
    type: str
    label: str
    help: str
    required: bool
    default: Any = None
    minimum: int | float | None = None
    maximum: int | float | None = None
    step: int | float | None = None
    max_length: int | None = None
    max_bytes: int | None = None
    max_items: int | None = None
    choices: list[Any] | None = None
    accepts: list[str] | None = None


class ActionOut(Out):
    id: str = Field(..., json_schema_extra=enum_schema(ACTION_IDS))
    name: str
    description: str
    output: str = Field(..., json_schema_extra=enum_schema(OUTPUT_KINDS))
    built: bool
    ai_tiers: list[str]
    needs_intent: bool
    deadline_s: int | float
    params: list[ParamOut]
    examples: list[str]
    reads: list[str]
    staff_only: bool
    uses_tension: bool


class TierOut(Out):
    provider: str
    configured: bool
    state: str
    model: str | None = None


class HealthOut(Out):
    status: str = Field(..., json_schema_extra=enum_schema(["ok", "degraded", "down", "not_built"]))
    label: str
    tiers: list[TierOut]


class LimbOut(Out):
    id: str = Field(..., json_schema_extra=enum_schema(LIMB_IDS))
    name: str
    category: str = Field(..., json_schema_extra=enum_schema(c for c, _, _ in CATEGORIES))
    icon: str
    explanation: str
    colour: str
    built: bool
    keywords: list[str]
    examples: list[str]
    actions: list[ActionOut]
    health: HealthOut


class CategoryOut(Out):
    id: str
    name: str
    description: str


class LimbListOut(Out):
    categories: list[CategoryOut]
    limbs: list[LimbOut]


class AssetOut(Out):
    id: uuid.UUID
    name: str
    url: str
    page: str
    mime: str
    kind: str
    role: str
    sha256: str
    bytes: int
    width: int | None
    height: int | None
    meta: dict[str, Any]
    generation: uuid.UUID | None
    parents: list[uuid.UUID]
    created_at: str


class AssetListOut(Out):
    total: int
    limit: int
    offset: int
    assets: list[AssetOut]


class AttemptOut(Out):
    provider: str
    model: str | None = None
    outcome: str
    ms: int | float
    detail: str | None = None


class LinksOut(Out):
    self: str
    page: str
    websocket: str


class QueueOut(Out):
    """Where a waiting request stands: its place in line and a guess at the wait."""

    position: int
    ahead: int
    estimate_s: int | float


class GenerationOut(Out):
    generation: uuid.UUID
    status: str = Field(..., json_schema_extra=enum_schema(STATUSES))
    limb: str = Field(..., json_schema_extra=enum_schema(LIMB_IDS))
    action: str = Field(..., json_schema_extra=enum_schema(ACTION_IDS))
    intent: str
    params: dict[str, Any]
    seed: int
    tension: str = Field(..., json_schema_extra=enum_schema(TENSIONS))
    attachment: str = Field(..., json_schema_extra=enum_schema(ATTACHMENTS))
    provider: str
    model: str
    cache: str | None
    attempts: list[AttemptOut]
    progress: int | float
    message: str
    error: str | None
    assets: list[AssetOut]
    created_at: str
    finished_at: str | None
    links: LinksOut
    queue: QueueOut | None = None


class ProjectOut(Out):
    id: uuid.UUID
    name: str
    team: int | None
    owner: int | None
    created_at: str


class ProjectListOut(Out):
    projects: list[ProjectOut]


@router.get(
    "/limbs",
    auth=None,
    response={200: LimbListOut, **errors(PUBLIC)},
    summary="The 27 limbs with their actions, schemas and health",
)
def list_limbs(request: HttpRequest) -> HttpResponse:
    health = limb_health()

    def build() -> dict[str, Any]:
        return {
            "categories": [{"id": c, "name": name, "description": blurb} for c, name, blurb in CATEGORIES],
            "limbs": [limb.as_json() | {"health": health[limb.id]} for limb in REGISTRY.limbs],
        }

    return _RENDERED.response(("all", health), LimbListOut, build)


@router.get("/limbs/{limb_id}", auth=None, response={200: LimbOut, **errors(PUBLIC, 404)}, summary="One limb")
def get_limb(request: HttpRequest, limb_id: LimbId) -> HttpResponse:
    limb = REGISTRY.get(limb_id)
    if limb is None:
        raise Http404(f"There is no limb called '{limb_id}'.")
    health = limb_health(limb.id)[limb.id]
    return _RENDERED.response((limb.id, health), LimbOut, lambda: limb.as_json() | {"health": health})


class _Rendered:
    """The registry's answers, rendered once per state of the limbs' health.

    The registry does not change while the server runs, and health moves between a few
    states (a breaker opens, a provider is configured), so each answer is validated against
    its schema and encoded once per state instead of on every request: the full list is
    about 90 KB of JSON, which took 4 ms alone and 15 to 20 ms under load to build, check
    against ``LimbListOut`` and encode, the dearest read a person's first page makes."""

    LIMIT = 256  # states kept; far more than a running server sees

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bodies: dict[str, bytes] = {}

    def response(self, state: Any, schema: type[Out], build: Callable[[], dict[str, Any]]) -> HttpResponse:
        key = json.dumps(state, sort_keys=True, default=str)
        body = self._bodies.get(key)
        if body is None:
            data = schema.model_validate(build()).model_dump(exclude_unset=True)
            body = json.dumps(data, cls=NinjaJSONEncoder).encode()
            with self._lock:
                if len(self._bodies) >= self.LIMIT:
                    self._bodies.clear()
                self._bodies[key] = body
        return HttpResponse(body, content_type="application/json; charset=utf-8")


_RENDERED = _Rendered()


def _wait_poll_state(generation_id: uuid.UUID) -> str:
    return Generation.objects.filter(pk=generation_id).values_list("status", flat=True).first() or ""


async def _wait_for(generation: Generation, deadline_s: float) -> None:
    """Wait until the generation is done or the deadline passes, in every mode.

    The job publishes to the generation's channel group when it finishes, so we
    listen there instead of polling; the row is still read once after subscribing
    (the job may have finished first) and every so often in case an event is lost.
    """
    done = (Generation.Status.SUCCEEDED, Generation.Status.FAILED)
    loop = asyncio.get_running_loop()
    jobs.register_loop(loop)
    until = loop.time() + deadline_s
    layer = get_channel_layer()
    if layer is None:
        channel = None
    else:
        channel = await layer.new_channel()
        await layer.group_add(group_for_generation(generation.pk), channel)
    try:
        while loop.time() < until:
            if await sync_to_async(_wait_poll_state)(generation.pk) in done:
                return
            safety_check = min(until, loop.time() + 0.25)
            while loop.time() < safety_check:
                if channel is None or layer is None:
                    await asyncio.sleep(safety_check - loop.time())
                    break
                try:
                    event = await asyncio.wait_for(layer.receive(channel), safety_check - loop.time())
                except TimeoutError:
                    break
                if event.get("status") in done:
                    return
    finally:
        if channel is not None and layer is not None:
            await layer.group_discard(group_for_generation(generation.pk), channel)


def _generation_payload(generation_id: uuid.UUID) -> tuple[dict[str, Any], float]:
    generation = Generation.objects.get(pk=generation_id)
    provider_ms = sum(float(a.get("ms", 0)) for a in generation.attempts if a.get("provider") != "cache")
    return generation.as_json(), provider_ms


@router.post(
    "/handle/{limb_id}",
    response={200: GenerationOut, 202: GenerationOut, **errors(SIGNED_IN, WITH_BODY, 404, 409, 429, 501)},
    summary="Ask a limb for an asset",
)
def handle(request: HttpRequest, limb_id: LimbId, payload: HandleIn) -> HttpResponse:
    # A plain (sync) view on purpose: the request's thread stores the request and, with wait,
    # runs the job itself or blocks on its future, with no hop back to the event loop between.
    started = time.perf_counter()
    owner = request.auth  # type: ignore[attr-defined]
    data = payload.to_input(limb_id)
    _, spec = resolve_limb_action(limb_id, payload.action)
    deadline = min(spec.deadline_s, float(settings.POG_MAX_WAIT_S))
    finished: dict[str, Any] | None = None
    # Waiting anyway, and long enough for the whole job: while a worker slot is free
    # (embedded mode), store the request already claimed and run it on this thread,
    # rather than hand it to a pool thread and wait for it.
    inline = payload.wait and spec.deadline_s <= settings.POG_MAX_WAIT_S
    with jobs.slot_if_free(inline, owner=jobs.owner_key(owner.pk), groups=client_groups()) as ran_here:
        generation = do_generate(owner, data, queue=False, claim=ran_here)
        if ran_here:
            finished = run_claimed(generation)
    future = None if ran_here else queue_generation(generation)
    if payload.wait and not ran_here:
        if future is not None:
            # Embedded mode: the job runs in this process and its future carries the answer.
            with contextlib.suppress(FutureTimeout), turns.waiting():
                finished = future.result(timeout=deadline)
        else:
            with turns.waiting():
                async_to_sync(_wait_for)(generation, deadline)
    if finished is not None:
        body = finished
        provider_ms = sum(float(a.get("ms", 0)) for a in body["attempts"] if a.get("provider") != "cache")
    else:
        body, provider_ms = _generation_payload(generation.pk)
    status = 200 if body["status"] in ("succeeded", "failed") else 202
    response = JsonResponse(body, status=status)
    waited_ms = (time.perf_counter() - started) * 1000
    response["X-POG-Overhead-Ms"] = f"{max(0.0, waited_ms - provider_ms):.2f}"
    response["Location"] = body["links"]["self"]
    return response


@router.get(
    "/generations/{generation_id}",
    response={200: GenerationOut, **errors(SIGNED_IN, 404)},
    summary="A generation: status, attempts, assets",
)
def get_generation(request: HttpRequest, generation_id: uuid.UUID) -> dict[str, Any]:
    generation = visible(Generation.objects.filter(pk=generation_id), request.auth).first()  # type: ignore[attr-defined]
    if generation is None:
        raise Http404("No generation of yours has that id.")
    return generation.as_json()


@router.get("/assets", response={200: AssetListOut, **errors(SIGNED_IN)}, summary="Your assets, newest first")
def list_assets(
    request: HttpRequest, kind: str | None = None, limit: Int64 = 50, offset: Int64 = 0
) -> dict[str, Any]:
    limit = max(1, min(limit, 200))
    offset = max(0, offset)
    qs = visible(Asset.objects.all(), request.auth)  # type: ignore[attr-defined]
    if kind:
        qs = qs.filter(kind=kind)
    total = qs.count()
    return {
        "total": total,
        "limit": limit,
        "offset": offset,
        "assets": [a.as_json() for a in qs.prefetch_related("parents")[offset : offset + limit]],
    }


def _own_asset(request: HttpRequest, asset_id: uuid.UUID) -> Asset:
    asset = visible(Asset.objects.filter(pk=asset_id), request.auth).first()  # type: ignore[attr-defined]
    if asset is None:
        raise Http404("No asset of yours has that id.")
    return asset


@router.get(
    "/assets/{asset_id}", response={200: AssetOut, **errors(SIGNED_IN, 404)}, summary="One asset's metadata"
)
def get_asset(request: HttpRequest, asset_id: uuid.UUID) -> dict[str, Any]:
    return _own_asset(request, asset_id).as_json()


@router.get(
    "/assets/{asset_id}/content",
    summary="The asset's bytes",
    response={200: None, 304: None, **errors(SIGNED_IN, 404)},
)
def get_asset_content(request: HttpRequest, asset_id: uuid.UUID, download: bool = False) -> HttpResponse:
    asset = _own_asset(request, asset_id)
    etag = f'"{asset.sha256}"'
    if request.headers.get("If-None-Match") == etag:
        return HttpResponse(status=304)
    response = HttpResponse(read_blob(asset.blob), content_type=asset.mime)
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    disposition = "attachment" if download else "inline"
    safe_name = "".join(ch for ch in asset.name if ch.isalnum() or ch in "-_.") or "asset"
    response["Content-Disposition"] = f'{disposition}; filename="{safe_name}"'
    return response


# --- projects (in the API docs with the settings, next to teams) ---------------------------


class ProjectIn(In):
    name: str = Field(..., min_length=1, max_length=80)
    team: Int64 | None = Field(None, description="A team id for a shared project; empty for your own.")


@router.get(
    "/projects",
    tags=["settings"],
    response={200: ProjectListOut, **errors(SIGNED_IN)},
    summary="Your projects and your teams' projects",
)
def list_projects(request: HttpRequest) -> dict[str, Any]:
    rows = projects.projects_for(request.auth)  # type: ignore[attr-defined]
    return {"projects": [projects.project_json(p) for p in rows]}


@router.post(
    "/projects",
    tags=["settings"],
    response={201: ProjectOut, **errors(SIGNED_IN, WITH_BODY, 404)},
    summary="Make a project",
)
def create_project(request: HttpRequest, payload: ProjectIn) -> Status[dict[str, Any]]:
    project = projects.create_project(request.auth, payload.name, payload.team)  # type: ignore[attr-defined]
    return Status(201, projects.project_json(project))
