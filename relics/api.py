"""JSON API of the relic museum: register caches, browse entries, preview, fork, match, publish.

A person sees the caches they registered, their teams', and those staff published; any
other cache answers 404 exactly like one never registered.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Annotated, Any, cast

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Router
from ninja.files import UploadedFile
from ninja.responses import Status

from accounts.models import User
from limbs.api import AssetOut
from pog_site.errors import SIGNED_IN, WITH_BODY, RequestError, errors
from pog_site.inputs import Int64
from pog_site.schemas import In, Out, enum_schema
from relics import forks, museum
from relics.catalog import ERAS, KIND_LABELS
from relics.models import RelicCache, RelicUpload

router = Router(tags=["relics"], exclude_unset=True)
MAX_PER_PAGE = 200
Era = Annotated[str, Field(json_schema_extra=enum_schema(ERAS))]
Kind = Annotated[str, Field(json_schema_extra=enum_schema(KIND_LABELS))]


class FolderIn(In):
    path: str | None = None


class ForkIn(In):
    name: str | None = None


class PublishIn(In):
    public: bool


class CacheFileOut(Out):
    name: str
    sha256: str
    size: int


class VisibilityOut(Out):
    audience: str
    teams: list[str]
    public: bool


class CacheLinksOut(Out):
    entries: str
    page: str


class CacheOut(Out):
    sha256: str
    era: Era
    label: str
    source: str
    files: list[CacheFileOut]
    counts: dict[str, Any]
    created_at: str
    visibility: VisibilityOut
    links: CacheLinksOut
    created: bool | None = Field(None, description="Whether this request registered it (uploads).")


class CacheListOut(Out):
    caches: list[CacheOut]


class EntrySummaryOut(Out):
    kind: Kind
    key: str
    index: int
    name: str
    preview: str | None


class EntryPageOut(Out):
    kind: Kind
    q: str
    page: int
    pages: int
    count: int
    entries: list[EntrySummaryOut]


class MatchOut(Out):
    cache: str
    era: Era
    kind: Kind
    key: str
    name: str


class EntryOut(Out):
    cache: str
    era: Era
    kind: Kind
    key: str
    index: int
    name: str
    fields: dict[str, Any]
    preview: str | None
    preview_url: str | None
    also_in: list[MatchOut]


class MatchListOut(Out):
    name: str
    matches: list[MatchOut]


class ForkOut(AssetOut):
    ledger_entry: int | None


def _user(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    return user


def _cache_payload(user: User, cache: RelicCache, created: bool | None = None) -> dict[str, Any]:
    return _payload(museum.shelved(user, [cache])[0], created)


def _payload(seen: museum.Shelved, created: bool | None = None) -> dict[str, Any]:
    out = seen.as_json() | {
        "links": {
            "entries": f"/api/relics/caches/{seen.sha256}/entries",
            "page": f"/relics/?cache={seen.sha256}",
        }
    }
    if created is not None:
        out["created"] = created
    return out


@router.get(
    "/caches",
    response={200: CacheListOut, **errors(SIGNED_IN)},
    summary="The caches you may see: yours, your teams' and the published ones",
)
def list_caches(request: HttpRequest) -> dict[str, Any]:
    user = _user(request)
    return {"caches": [_payload(s) for s in museum.shelved(user, RelicCache.objects.visible_to(user))]}


# 201 when the cache is new to you, 200 when you registered it before (registering is idempotent).
REGISTERED = {200: CacheOut, 201: CacheOut, **errors(SIGNED_IN, WITH_BODY, 404, 429)}
# An upload of a cache the museum does not hold yet is decoded in the background: 202 with its
# status (poll ``links.self``); a cache it already holds is shelved at once (200 or 201).


class UploadFileOut(Out):
    name: str
    size: int
    sha256: str


class UploadErrorOut(Out):
    code: str
    message: str
    file: str | None = Field(None, description="The file at fault, when one is.")
    offset: int | None = Field(None, description="The byte offset in that file, when known.")


class UploadLinksOut(Out):
    self: str
    page: str
    cache: str | None


class UploadOut(Out):
    id: str
    status: str = Field(..., json_schema_extra=enum_schema(RelicUpload.Status.values))
    label: str
    files: list[UploadFileOut]
    error: UploadErrorOut | None
    created: bool | None
    cache: str | None = Field(None, description="The registered cache's sha256, once ready.")
    created_at: str
    updated_at: str
    links: UploadLinksOut


UPLOADED = {200: CacheOut, 201: CacheOut, 202: UploadOut, **errors(SIGNED_IN, WITH_BODY, 404, 429)}


@router.post(
    "/caches",
    response=UPLOADED,
    summary="Register a cache by upload (a zip of its folder, or its files): seen by you, "
    "and by your team when `project` is a team project. Decoded in the background: 202 "
    "with a status to poll",
)
def upload_cache(
    request: HttpRequest, files: File[list[UploadedFile]], label: Form[str] = "", project: Form[str] = ""
) -> Status[dict[str, Any]]:
    # Multipart files are on disk (TemporaryFileUploadHandler): staged from there in chunks.
    parts = [(f.name or "upload", cast(IO[bytes], f)) for f in files]
    upload, cache, created = museum.submit_upload(parts, _user(request), label, project)
    if upload is None:
        assert cache is not None
        return Status(201 if created else 200, _cache_payload(_user(request), cache, created))
    return Status(202, upload.as_json())


@router.get(
    "/uploads/{upload_id}",
    response={200: UploadOut, **errors(SIGNED_IN, 404)},
    summary="An upload of yours: pending, decoding, ready or failed",
)
def get_upload(request: HttpRequest, upload_id: str) -> dict[str, Any]:
    return museum.get_upload(_user(request), upload_id).as_json()


@router.post(
    "/caches/folder",
    response={200: CacheListOut, 201: CacheListOut, **errors(SIGNED_IN, WITH_BODY)},
    summary="Register a server folder listed in POG_RELIC_DIRS, public (staff only)",
)
def register_folder(request: HttpRequest, payload: FolderIn) -> Status[dict[str, Any]]:
    if not _user(request).is_staff:
        raise RequestError(403, "staff_only", "Only staff may register caches from server folders.", None)
    roots = museum.relic_dirs()
    if payload.path:
        paths = [Path(payload.path)]
    elif roots:
        paths = roots
    else:
        raise RequestError(
            422, "no_folders", "POG_RELIC_DIRS is empty: there is no folder to register.", "path"
        )
    results = [museum.register_folder(p, _user(request)) for p in paths]
    status = 201 if any(created for _, created in results) else 200
    return Status(status, {"caches": [_cache_payload(_user(request), c, created) for c, created in results]})


@router.get("/caches/{sha256}", response={200: CacheOut, **errors(SIGNED_IN, 404)}, summary="One cache")
def get_cache(request: HttpRequest, sha256: str) -> dict[str, Any]:
    return _cache_payload(_user(request), museum.get_cache(_user(request), sha256))


@router.post(
    "/caches/{sha256}/publish",
    response={200: CacheOut, **errors(SIGNED_IN, WITH_BODY, 404)},
    summary="Show a cache to every visitor, or stop (staff only)",
)
def publish_cache(request: HttpRequest, sha256: str, payload: PublishIn) -> dict[str, Any]:
    cache = museum.do_publish_cache(_user(request), sha256, payload.public)
    return _cache_payload(_user(request), cache)


@router.get(
    "/caches/{sha256}/entries",
    response={200: EntryPageOut, **errors(SIGNED_IN, 404)},
    summary="Entries of one kind, filtered by text, paginated",
)
def list_entries(
    request: HttpRequest,
    sha256: str,
    kind: Kind = "items",
    q: str = "",
    page: Int64 = 1,
    per_page: Int64 = 50,
) -> dict[str, Any]:
    cache = museum.get_cache(_user(request), sha256)
    if kind not in KIND_LABELS:
        raise RequestError(422, "bad_kind", f"kind must be one of {', '.join(KIND_LABELS)}.", "kind")
    per_page = max(1, min(MAX_PER_PAGE, per_page))
    pages = Paginator(museum.search_entries(cache, kind, q), per_page)
    current = pages.get_page(page)
    return {
        "kind": kind,
        "q": q,
        "page": current.number,
        "pages": pages.num_pages,
        "count": pages.count,
        "entries": [
            {"kind": e.kind, "key": e.key, "index": e.index, "name": e.name, "preview": e.preview or None}
            for e in current
        ],
    }


@router.get(
    "/caches/{sha256}/entries/{kind}/{key}",
    response={200: EntryOut, **errors(SIGNED_IN, 404)},
    summary="One entry with every decoded field",
)
def get_entry(request: HttpRequest, sha256: str, kind: Kind, key: str) -> dict[str, Any]:
    user = _user(request)
    cache = museum.get_cache(user, sha256)
    entry = museum.get_entry(cache, f"{kind}/{key}")
    other = [e for e in ERAS if e != cache.era]
    matches = list(museum.match(user, entry.name, era=other[0], kind=entry.kind)[:20]) if other else []
    return museum.entry_json(cache, entry) | {
        "preview_url": f"/api/relics/caches/{cache.sha256}/entries/{kind}/{key}/preview"
        if entry.preview
        else None,
        "also_in": [
            {"cache": m.cache.sha256, "era": m.cache.era, "kind": m.kind, "key": m.key, "name": m.name}
            for m in matches
        ],
    }


@router.get(
    "/caches/{sha256}/entries/{kind}/{key}/preview",
    response={200: None, 304: None, **errors(SIGNED_IN, 404)},
    summary="The entry as PNG, GLB or WAV",
)
def get_preview(request: HttpRequest, sha256: str, kind: Kind, key: str) -> HttpResponse:
    cache = museum.get_cache(_user(request), sha256)
    entry = museum.get_entry(cache, f"{kind}/{key}")
    shown = museum.preview(cache, entry)
    if shown is None:
        raise RequestError(
            404, "no_preview", f"{kind}/{key} has no picture, model or sound: it is data only.", None
        )
    return preview_response(request, shown)


def preview_response(request: HttpRequest, shown: museum.Preview) -> HttpResponse:
    etag = f'"{shown.sha256}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(shown.data, content_type=shown.mime)
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=86400"
    return response


@router.post(
    "/caches/{sha256}/entries/{kind}/{key}/fork",
    response={201: ForkOut, **errors(SIGNED_IN, WITH_BODY, 404, 429)},
    summary="Fork an entry into a studio asset of yours",
)
def fork_entry(
    request: HttpRequest, sha256: str, kind: Kind, key: str, payload: ForkIn
) -> Status[dict[str, Any]]:
    cache = museum.get_cache(_user(request), sha256)
    asset = forks.do_fork_relic(_user(request), cache, f"{kind}/{key}", payload.name)
    body = asset.as_json() | {"ledger_entry": asset.ledger_entry.seq if asset.ledger_entry else None}
    return Status(201, body)


@router.get(
    "/match",
    response={200: MatchListOut, **errors(SIGNED_IN)},
    summary="Entries of the same (normalised) name in the caches you may see",
)
def match(
    request: HttpRequest, name: str, era: Era | None = None, kind: Kind | None = None
) -> dict[str, Any]:
    if era is not None and era not in ERAS:
        raise RequestError(422, "bad_era", f"era must be one of {', '.join(ERAS)}.", "era")
    if kind is not None and kind not in KIND_LABELS:
        raise RequestError(422, "bad_kind", f"kind must be one of {', '.join(KIND_LABELS)}.", "kind")
    found = museum.match(_user(request), name, era=era, kind=kind)[:100]
    return {
        "name": name,
        "matches": [
            {"cache": m.cache.sha256, "era": m.cache.era, "kind": m.kind, "key": m.key, "name": m.name}
            for m in found
        ],
    }
