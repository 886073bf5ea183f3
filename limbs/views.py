"""Server-rendered pages: the bubble HUD, limb workspaces, generations, assets and projects."""

from __future__ import annotations

import uuid
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Membership, User
from limbs import projects
from limbs.access import visible
from limbs.formats import OutputInvalid
from limbs.formats.wav import MIMES as WAV_MIMES
from limbs.forms import ProjectForm
from limbs.health import limb_health
from limbs.intent import route_intent, surprise_intent
from limbs.models import Asset, Generation, Project
from limbs.previews import waveform_png
from limbs.registry import REGISTRY, get_limb
from limbs.request import GenerateInput, do_generate
from limbs.spec import ActionSpec, LimbSpec, Upload
from limbs.stream_api import start_stream
from limbs.streaming import streams
from pog_site.errors import RequestError
from provenance.ledger import entry_as_json, verify_entry
from relics.museum import relic_parent

PARAM_PREFIX = "p_"


def _me(request: HttpRequest) -> User:
    """The signed-in identity (every view that makes or changes something is behind login_required)."""
    return cast(User, request.user)


def _visible(qs: Any, request: HttpRequest) -> Any:
    """The rows of ``qs`` the visitor may see: none before their first action made them a guest."""
    if not request.user.is_authenticated:
        return qs.none()
    return visible(qs, _me(request))


def _categories() -> list[dict[str, Any]]:
    health = limb_health()
    return [
        {
            "id": cat,
            "title": title,
            "blurb": blurb,
            "limbs": [
                {"spec": limb, "health": health[limb.id], "built": limb.built, "url": _limb_url(limb)}
                for limb in limbs
            ],
        }
        for cat, title, blurb, limbs in REGISTRY.by_category()
    ]


def _limb_or_404(limb_id: str) -> LimbSpec:
    limb = get_limb(limb_id)
    if limb is None:
        raise Http404(f"There is no limb called '{limb_id}'.")
    return limb


def _limb_url(limb: LimbSpec, **query: str) -> str:
    url = reverse("limbs:workspace", args=[limb.id])
    clean = {k: v for k, v in query.items() if v}
    return f"{url}?{urlencode(clean)}" if clean else url


@require_GET
def hud(request: HttpRequest) -> HttpResponse:
    return render(request, "hud/index.html", {"categories": _categories(), "limb_count": len(REGISTRY.limbs)})


@require_GET
def make(request: HttpRequest) -> HttpResponse:
    """The 'What do you want to make?' box: route free text to a limb's workspace."""
    text = request.GET.get("q", "").strip()
    limb, action = route_intent(text)
    return redirect(_limb_url(limb, action=action.id, intent=text))


def _asset_choices(request: HttpRequest, spec_accepts: tuple[str, ...]) -> list[Asset]:
    qs = _visible(Asset.objects.all(), request)
    if spec_accepts:
        query = Q()
        for prefix in spec_accepts:
            query |= Q(mime__startswith=prefix)
        qs = qs.filter(query)
    return list(qs[:24])


def _form_fields(request: HttpRequest, action: ActionSpec, values: dict[str, Any]) -> list[dict[str, Any]]:
    fields = []
    for spec in action.params:
        value = values.get(spec.name, spec.default)
        field: dict[str, Any] = {
            "spec": spec,
            "name": PARAM_PREFIX + spec.name,
            "id": f"param-{spec.name}",
            "value": "" if value is None else value,
        }
        if spec.type in ("asset", "assets"):
            field["assets"] = _asset_choices(request, spec.accepts)
        if spec.type == "assets":
            field["value"] = [str(v) for v in value] if isinstance(value, list) else []
        if spec.type == "file":
            field["value"] = ""
        fields.append(field)
    return fields


def _recent(request: HttpRequest, limb: LimbSpec) -> Any:
    return (
        _visible(Generation.objects.filter(limb=limb.id), request)
        .prefetch_related("outputs")
        .order_by("-created_at")[:8]
    )


def _workspace_context(
    request: HttpRequest, limb: LimbSpec, action: ActionSpec, values: dict[str, Any], intent: str
) -> dict[str, Any]:
    # "Surprise me" picks from the action's own examples first, so the sprite tab
    # never suggests a landscape painting.
    pool = action.examples or limb.examples
    surprise = pool[uuid.uuid4().int % len(pool)] if pool else surprise_intent(limb.id, 0)
    return {
        "limb": limb,
        "action": action,
        "health": limb_health(limb.id)[limb.id],
        "intent": intent,
        "fields": _form_fields(request, action, values),
        "recent": _recent(request, limb),
        "examples": limb.examples,
        "surprise": surprise,
        "tensions": ("low", "medium", "high"),
        "projects": _projects_to_make_in(_me(request)) if request.user.is_authenticated else [],
        "current_project": request.POST.get("project") or request.GET.get("project", ""),
        # A text action a remote model writes token by token: the page shows it being written.
        "streams": streams(limb.id, action.id),
    }


def _projects_to_make_in(user: User) -> list[Project]:
    """The caller's own projects and the team projects where they may make things."""
    roles = [Membership.Role.OWNER, Membership.Role.EDITOR]
    makers = Membership.objects.filter(user=user, role__in=roles).values_list("team_id", flat=True)
    return list(
        Project.objects.filter(Q(owner=user, team__isnull=True) | Q(team__in=makers)).select_related("team")
    )


@require_GET
def workspace(request: HttpRequest, limb_id: str) -> HttpResponse:
    limb = _limb_or_404(limb_id)
    if limb.home:
        return redirect(limb.home)
    action = limb.action(request.GET.get("action", "")) or limb.default_action
    values = {spec.name: request.GET[spec.name] for spec in action.params if spec.name in request.GET}
    context = _workspace_context(request, limb, action, values, request.GET.get("intent", ""))
    return render(request, "workspaces/limb.html", context)


def _params_from_post(request: HttpRequest, action: ActionSpec) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for spec in action.params:
        key = PARAM_PREFIX + spec.name
        if spec.type == "file":
            sent = request.FILES.get(key)
            if sent is not None:
                # One byte past the limit is enough to refuse it, without reading the rest.
                limit = (spec.max_bytes or sent.size or 0) + 1
                params[spec.name] = Upload(sent.name or "upload", sent.read(limit))
        elif spec.type == "assets":
            if key in request.POST:
                params[spec.name] = request.POST.getlist(key)
        elif key in request.POST:
            # Checkboxes post a hidden "false" then "true" when ticked; the last one wins.
            params[spec.name] = request.POST.getlist(key)[-1]
    return params


def _seed_from_post(request: HttpRequest) -> int | None:
    raw = request.POST.get("seed", "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise RequestError(422, "bad_seed", "The seed must be a whole number.", "seed") from None


def _input_from_post(request: HttpRequest, limb: LimbSpec, action: ActionSpec) -> GenerateInput:
    return GenerateInput(
        limb=limb.id,
        action=action.id,
        intent=request.POST.get("intent", ""),
        params=_params_from_post(request, action),
        tension=request.POST.get("tension", "medium"),
        seed=_seed_from_post(request),
        project=request.POST.get("project") or None,
    )


def _refused(request: HttpRequest, limb: LimbSpec, action: ActionSpec, exc: RequestError) -> HttpResponse:
    error = {"code": exc.code, "message": exc.message, "field": exc.field, "retry_after": exc.retry_after}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "limbs/_error.html", {"error": error}, status=exc.status)
    values = _params_from_post(request, action)
    context = _workspace_context(request, limb, action, values, request.POST.get("intent", ""))
    context["error"] = error
    return render(request, "workspaces/limb.html", context, status=exc.status)


@login_required
@require_POST
def generate(request: HttpRequest, limb_id: str) -> HttpResponse:
    limb = _limb_or_404(limb_id)
    action = limb.action(request.POST.get("action", "")) or limb.default_action
    try:
        generation = do_generate(_me(request), _input_from_post(request, limb, action))
    except RequestError as exc:
        return _refused(request, limb, action, exc)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "limbs/_generation_live.html", {"generation": generation})
    return redirect(generation)


@login_required
@require_POST
def generate_stream(request: HttpRequest, limb_id: str) -> HttpResponseBase:
    """The workspace's form for a text action that streams: the answer as server-sent
    events while it is written (see ``limbs.stream_api``); a refused request gets the
    same error partial as ``generate``."""
    limb = _limb_or_404(limb_id)
    action = limb.action(request.POST.get("action", "")) or limb.default_action
    try:
        return start_stream(_me(request), _input_from_post(request, limb, action))
    except RequestError as exc:
        return _refused(request, limb, action, exc)


@require_GET
def recent(request: HttpRequest, limb_id: str) -> HttpResponse:
    """The recent-results list alone, refreshed by htmx when a generation finishes."""
    limb = _limb_or_404(limb_id)
    return render(request, "limbs/_recent.html", {"limb": limb, "recent": _recent(request, limb)})


@require_GET
def generation_page(request: HttpRequest, generation_id: uuid.UUID) -> HttpResponse:
    generation = get_object_or_404(_visible(Generation.objects.all(), request), pk=generation_id)
    return render(
        request, "generations/detail.html", {"generation": generation, "limb": generation.limb_spec}
    )


@require_GET
def generation_fragment(request: HttpRequest, generation_id: uuid.UUID) -> HttpResponse:
    """The same partial the websocket pushes, for clients that poll instead."""
    generation = get_object_or_404(_visible(Generation.objects.all(), request), pk=generation_id)
    return render(request, "limbs/_generation.html", {"generation": generation})


@require_GET
def asset_page(request: HttpRequest, asset_id: uuid.UUID) -> HttpResponse:
    asset = get_object_or_404(
        _visible(Asset.objects.select_related("generation", "ledger_entry"), request), pk=asset_id
    )
    provenance = None
    if asset.ledger_entry is not None:
        provenance = {
            "entry": entry_as_json(asset.ledger_entry),
            "verification": verify_entry(asset.ledger_entry),
        }
    context = {
        "asset": asset,
        "generation": asset.generation,
        "parents": visible(asset.parents.all(), _me(request)),
        "children": visible(asset.children.all(), _me(request)),
        # A fork of a relic names its cache and entry as its parent (``meta["relic"]``).
        "relic": relic_parent(_me(request), asset.meta.get("relic")),
        "provenance": provenance,
    }
    return render(request, "assets/detail.html", context)


@require_GET
def asset_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    assets = _visible(Asset.objects.all(), request)
    if kind:
        assets = assets.filter(kind=kind)
    return render(request, "assets/list.html", {"assets": assets[:120], "kind": kind})


@require_GET
def asset_waveform(request: HttpRequest, asset_id: uuid.UUID) -> HttpResponse:
    """A WAV's waveform as a PNG, drawn on demand; the bytes never change, so it caches forever."""
    asset = get_object_or_404(_visible(Asset.objects.filter(mime__in=WAV_MIMES), request), pk=asset_id)
    etag = f'"{asset.sha256}-waveform"'
    if request.headers.get("If-None-Match") == etag:
        return HttpResponse(status=304)
    try:
        png = waveform_png(asset.read_bytes())
    except OutputInvalid as exc:
        return HttpResponse(f"This sound cannot be drawn: {exc}", status=422, content_type="text/plain")
    response = HttpResponse(png, content_type="image/png")
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- projects (served under the "studio" namespace, next to the account pages) -------------


def _projects_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    if not request.user.is_authenticated:
        return {"projects": Project.objects.none(), "make_teams": [], "form": ProjectForm()} | extra
    me = _me(request)
    memberships = Membership.objects.filter(user=me).select_related("team").order_by("team__name")
    context: dict[str, Any] = {
        "projects": projects.projects_for(me).order_by("team__name", "name"),
        "make_teams": [m.team for m in memberships if m.can_make],
        "form": ProjectForm(),
    }
    return context | extra


@require_GET
def projects_page(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/projects.html", _projects_context(request))


@login_required
@require_POST
def create_project(request: HttpRequest) -> HttpResponse:
    form = ProjectForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/projects.html", _projects_context(request, form=form), status=422)
    team_id = form.cleaned_data["team"]
    try:
        project = projects.create_project(_me(request), form.cleaned_data["name"], team_id)
    except RequestError as exc:
        context = _projects_context(request, form=form, error={"code": exc.code, "message": exc.message})
        return render(request, "accounts/projects.html", context, status=exc.status)
    messages.success(request, f"The project “{project.name}” is ready.")
    if team_id is not None:
        return redirect("studio:team", team_id=team_id)
    return redirect("studio:projects")
