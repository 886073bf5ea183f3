"""The relic workspace at /relics/: era toggle, categories, a filterable list, a viewer.

It shows the caches the person may see (``RelicCache.objects.visible_to``), each with who
else sees it; staff also get a switch to publish a cache to everyone.
"""

from __future__ import annotations

import json
from typing import IO, Any, cast
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from pog_site.errors import RequestError
from relics import forks, museum
from relics.api import preview_response
from relics.catalog import CLASSIC_KINDS, ERAS, KIND_LABELS, MODERN_KINDS
from relics.models import RelicCache, RelicEntry

PER_PAGE = 40
FIELD_TEXT_LIMIT = 600


def _me(request: HttpRequest) -> User:
    return cast(User, request.user)


def _workspace_url(**query: Any) -> str:
    clean = {k: v for k, v in query.items() if v not in (None, "") and not (k == "page" and v == 1)}
    return reverse("relics:workspace") + (f"?{urlencode(clean)}" if clean else "")


def _fields(entry: RelicEntry) -> list[dict[str, Any]]:
    rows = []
    for name, value in entry.fields.items():
        text = value if isinstance(value, str) else json.dumps(value)
        if len(text) > FIELD_TEXT_LIMIT:
            text = text[:FIELD_TEXT_LIMIT] + " …"
        swatch = value if name.endswith("_rgb") and isinstance(value, str) else None
        if isinstance(value, dict) and isinstance(value.get("rgb"), str):
            swatch = value["rgb"]
        rows.append({"name": name, "text": text, "swatch": swatch})
    return rows


def _viewer_context(request: HttpRequest, cache: RelicCache, entry: RelicEntry) -> dict[str, Any]:
    other = next(e for e in ERAS if e != cache.era)
    also = [
        {"entry": m, "url": _workspace_url(era=m.cache.era, cache=m.cache.sha256, kind=m.kind, entry=m.key)}
        for m in museum.match(_me(request), entry.name, era=other, kind=entry.kind)[:12]
    ]
    return {
        "cache": cache,
        "entry": entry,
        "kind_label": KIND_LABELS.get(entry.kind, entry.kind),
        "fields": _fields(entry),
        "preview_url": reverse("relics:preview", args=[cache.sha256, entry.kind, entry.key])
        if entry.preview
        else "",
        "fork_url": reverse("relics:fork", args=[cache.sha256, entry.kind, entry.key]),
        "also": also,
        "other_era": other,
    }


@require_GET
def workspace(request: HttpRequest) -> HttpResponse:
    era = request.GET.get("era", "")
    caches = museum.shelved(_me(request), RelicCache.objects.visible_to(_me(request)))
    seen = next((c for c in caches if c.sha256 == request.GET.get("cache")), None)
    if seen is not None:
        era = seen.cache.era
    era = era if era in ERAS else "classic"
    era_caches = [c for c in caches if c.cache.era == era]
    if seen is None and era_caches:
        seen = era_caches[0]
    cache = seen.cache if seen is not None else None
    kinds = CLASSIC_KINDS if era == "classic" else MODERN_KINDS
    kind = request.GET.get("kind", "")
    kind = kind if kind in kinds else kinds[0]
    query = request.GET.get("q", "").strip()[:100]
    context: dict[str, Any] = {
        "era": era,
        "eras": [{"id": e, "label": e.title(), "url": _workspace_url(era=e)} for e in ERAS],
        "caches": era_caches,
        "cache": cache,
        "seen": seen,
        "kind": kind,
        "q": query,
        # A visitor with no identity yet has no projects (their first post makes their guest).
        "projects": museum.projects_to_file_in(_me(request)) if request.user.is_authenticated else [],
        "can_publish": _me(request).is_staff,
        "max_upload_mb": museum.upload_limits().max_bytes // (1024 * 1024),
        "relic_dirs": [str(p) for p in museum.relic_dirs()] if _me(request).is_staff else [],
    }
    if cache is not None:
        context |= _list_context(cache, kind, query, request.GET.get("page", "1"))
        context["categories"] = [
            {
                "id": k,
                "label": KIND_LABELS[k],
                "count": cache.counts.get(k, 0),
                "url": _workspace_url(cache=cache.sha256, kind=k),
            }
            for k in kinds
        ]
        key = request.GET.get("entry", "")
        entry = RelicEntry.objects.filter(cache=cache, kind=kind, key=key).first() if key else None
        if key and entry is None:
            raise Http404(f"This cache has no {kind} entry {key!r}.")
        if entry is not None:
            context |= _viewer_context(request, cache, entry)
    target = request.htmx.target if request.htmx else None  # type: ignore[attr-defined]
    if target == "relic-list" and cache is not None:
        return render(request, "relics/_list.html", context)
    if target == "relic-viewer" and "entry" in context:
        return render(request, "relics/_viewer.html", context)
    return render(request, "relics/workspace.html", context)


def _list_context(cache: RelicCache, kind: str, query: str, page: str) -> dict[str, Any]:
    pages = Paginator(museum.search_entries(cache, kind, query), PER_PAGE)
    current: Page[RelicEntry] = pages.get_page(page)
    link = {"cache": cache.sha256, "kind": kind, "q": query}
    return {
        "page": current,
        "entries": [
            {"entry": e, "url": _workspace_url(**link, page=current.number, entry=e.key)} for e in current
        ],
        "prev_url": _workspace_url(**link, page=current.number - 1) if current.has_previous() else "",
        "next_url": _workspace_url(**link, page=current.number + 1) if current.has_next() else "",
        "total": pages.count,
    }


@require_GET
def preview(request: HttpRequest, sha256: str, kind: str, key: str) -> HttpResponse:
    try:
        cache = museum.get_cache(_me(request), sha256)
        entry = museum.get_entry(cache, f"{kind}/{key}")
        shown = museum.preview(cache, entry)
    except RequestError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from None
        raise
    if shown is None:
        raise Http404(f"{kind}/{key} has no picture, model or sound.")
    return preview_response(request, shown)


@login_required
@require_POST
def fork(request: HttpRequest, sha256: str, kind: str, key: str) -> HttpResponse:
    try:
        cache = museum.get_cache(_me(request), sha256)
        asset = forks.do_fork_relic(_me(request), cache, f"{kind}/{key}", request.POST.get("name") or None)
    except RequestError as exc:
        error = {"code": exc.code, "message": exc.message, "field": exc.field}
        return render(request, "limbs/_error.html", {"error": error}, status=exc.status)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "relics/_forked.html", {"asset": asset})
    return redirect(asset)


@login_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    limit = museum.upload_limits().max_bytes
    # Multipart files are on disk (TemporaryFileUploadHandler): staged from there in chunks.
    parts = [(f.name or "upload", cast(IO[bytes], f)) for f in request.FILES.getlist("files")]
    try:
        label, project = request.POST.get("label", ""), request.POST.get("project", "")
        sent, cache, _ = museum.submit_upload(parts, _me(request), label, project)
    except RequestError as exc:
        context: dict[str, Any] = {
            "error": {"code": exc.code, "message": exc.message, "field": exc.field},
            "era": "classic",
            "eras": [{"id": e, "label": e.title(), "url": _workspace_url(era=e)} for e in ERAS],
            "caches": [],
            "cache": None,
            "projects": museum.projects_to_file_in(_me(request)),
            "current_project": request.POST.get("project", ""),
            "max_upload_mb": limit // 2**20,
        }
        return render(request, "relics/workspace.html", context, status=exc.status)
    if sent is None:
        assert cache is not None
        return redirect(_workspace_url(cache=cache.sha256))
    return redirect("relics:upload_status", upload_id=sent.pk)


@require_GET
def upload_status(request: HttpRequest, upload_id: str) -> HttpResponse:
    """Where an upload is: waiting, decoding, registered, or refused (and why). Someone else's
    upload, or any upload to a visitor with no identity yet, is as unknown as one never sent."""
    if not request.user.is_authenticated:
        raise Http404("No upload of yours has that id.")
    try:
        sent = museum.get_upload(_me(request), upload_id)
    except RequestError as exc:
        raise Http404(exc.message) from None
    return render(request, "relics/upload.html", {"upload": sent})


@login_required
@require_POST
def publish(request: HttpRequest, sha256: str) -> HttpResponse:
    """Staff show a cache to everyone or take it back; the same switch as the API's."""
    try:
        cache = museum.do_publish_cache(_me(request), sha256, request.POST.get("public") == "1")
    except RequestError as exc:
        error = {"code": exc.code, "message": exc.message, "field": exc.field}
        return render(request, "limbs/_error.html", {"error": error}, status=exc.status)
    return redirect(_workspace_url(cache=cache.sha256))
