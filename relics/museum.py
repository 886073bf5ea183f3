"""The museum: register caches, index their entries, render previews, show where forks came from.

Every state change of the museum lives here (``do_register_cache``, ``do_publish_cache``,
and ``register_excavated``, the ``relic.register`` effect the relic limb's ``excavate``
asks the one writer for) and is called by the API, the pages, the record transaction and
the management commands alike. Forks are made by the relic limb through the request path
(``relics.forks``). Originals are never modified: a cache's files are stored read-only
once, and everything else is derived from them. Every lookup goes through
``RelicCache.objects.visible_to``: a cache is seen by whoever registered it (and their
team, when filed in a team project), or by everyone once staff publish it.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse

from accounts.models import Membership, User
from limbs.access import can_make_in
from limbs.effects import EffectError
from limbs.models import Generation, Project
from limbs.projects import projects_for
from limbs.storage import read_blob, store_blob
from pog_site import procs
from pog_site.errors import RequestError
from relics.catalog import (
    ClassicCatalog,
    DiskFiles,
    EntryInfo,
    ModernCatalog,
    Rendered,
    normalise_name,
    open_catalog,
)
from relics.decoding import decode_files
from relics.formats.errors import RelicFormatError
from relics.models import RelicCache, RelicEntry, RelicRender, RelicShelf, RelicUpload
from relics.storage import original_path, read_original, store_original, store_original_file
from relics.uploads import (
    Limits,
    Source,
    Staged,
    UploadError,
    cache_digest,
    check_cache_file,
    check_structure,
    collect_files,
    stage_files,
)

log = logging.getLogger(__name__)
# The Celery name of the job that decodes a staged upload (relics/tasks.py registers it).
REGISTER_UPLOAD = "relics.register_upload"

# Bump when a renderer's output changes, so cached previews are made afresh.
RENDERER_VERSION = 1
_CATALOG_SLOTS = 4
_catalogs: OrderedDict[str, ClassicCatalog | ModernCatalog] = OrderedDict()
_catalog_lock = threading.Lock()


def upload_limits() -> Limits:
    return Limits(
        max_bytes=int(getattr(settings, "POG_RELIC_MAX_UPLOAD_MB", 200)) * 1024 * 1024,
        max_ratio=float(getattr(settings, "POG_ZIP_MAX_RATIO", 100)),
    )


def staging_root() -> Path:
    return Path(getattr(settings, "POG_RELIC_STAGING_DIR", Path(settings.POG_VAR_DIR) / "relic-staging"))


def relic_dirs() -> list[Path]:
    return [Path(p).resolve() for p in getattr(settings, "POG_RELIC_DIRS", [])]


def format_error(exc: RelicFormatError) -> RequestError:
    return RequestError(
        422, "malformed_cache", f"The cache cannot be read: {exc}. Nothing was stored.", "files"
    )


def upload_error(exc: UploadError) -> RequestError:
    return RequestError(exc.status, exc.code, exc.message, "files")


def _format_failure(exc: RelicFormatError) -> UploadError:
    return UploadError(
        422, "malformed_cache", f"The cache cannot be read: {exc}. Nothing was stored.", exc.what, exc.offset
    )


# --- registering --------------------------------------------------------------------------


def default_label(cache: RelicCache) -> str:
    return f"{cache.era.title()} cache {cache.sha256[:8]}"


def do_register_cache(
    files: Mapping[str, bytes],
    *,
    source: str,
    user: User | None = None,
    label: str = "",
    source_path: str = "",
    project: Project | None = None,
) -> tuple[RelicCache, bool]:
    """Register a cache and shelve it for its registrant: ``(cache, created)``. Raises RequestError.

    ``created`` says the cache is new on the registrant's shelves, not whether its files
    were new: a second person sending the same bytes learns nothing of the first, who
    keeps their shelf (and their name for it) to themselves. A person's registration is
    theirs alone (and their team's when ``project`` is a team project); a server folder,
    or a cache with no registrant, is the operator's and goes on the public shelf.
    """
    cache = _store_cache(files, source=source, user=user, label=label, source_path=source_path)
    public = source == RelicCache.Source.FOLDER or user is None
    return cache, _shelve(cache, user, label=label, project=project, public=public)


def _store_cache(
    files: Mapping[str, bytes],
    *,
    source: str,
    user: User | None,
    label: str,
    source_path: str,
    digests: Mapping[str, str] | None = None,
    sizes: Mapping[str, int] | None = None,
) -> RelicCache:
    """The one row of these files: decoded and stored once, or the existing row as it is.

    The whole cache is decoded before anything is stored, so a malformed one leaves no trace.
    Files on disk (``DiskFiles``, with their ``digests`` and ``sizes``) are decoded from
    their paths and copied in chunks, never read whole into memory.
    """
    if not isinstance(files, DiskFiles):
        files = {name.lower(): data for name, data in files.items()}
    if digests is None or sizes is None:
        digests = {name: hashlib.sha256(files[name]).hexdigest() for name in files}
        sizes = {name: len(files[name]) for name in files}
    sha = cache_digest(digests.items())
    existing = RelicCache.objects.filter(sha256=sha).first()
    if existing is not None:
        return existing
    catalog: ClassicCatalog | ModernCatalog | None = None
    try:
        if isinstance(files, DiskFiles):
            # Staged on disk (an upload, a folder): decoded in a generator process.
            paths = {name: str(files.path(name)) for name in files}
            era, entries = procs.call(decode_files, paths)
        else:
            for name in files:
                check_structure(name, files[name])
            catalog = open_catalog(files)
            era, entries = catalog.era, list(catalog.entries())
    except UploadError as exc:
        raise upload_error(exc) from exc  # the cause names the file and offset (run_upload)
    except RelicFormatError as exc:
        raise format_error(exc) from exc
    stored = []
    for name in sorted(files):
        if isinstance(files, DiskFiles):
            blob = store_original_file(files.path(name), digests[name])
        else:
            blob, _ = store_original(files[name])
        stored.append({"name": name, "sha256": digests[name], "size": sizes[name], "blob": blob})
    counts: dict[str, int] = {}
    for info in entries:
        counts[info.kind] = counts.get(info.kind, 0) + 1
    try:
        with transaction.atomic():
            cache = RelicCache.objects.create(
                sha256=sha,
                era=era,
                label=(label or f"{era.title()} cache {sha[:8]}")[:160],
                files=stored,
                source=source,
                source_path=source_path[:500],
                registered_by=user,
                counts=counts,
            )
            RelicEntry.objects.bulk_create((_entry_row(cache, info) for info in entries), batch_size=1000)
    except IntegrityError:
        # Registered by someone else in the meantime: theirs is the same cache.
        return RelicCache.objects.get(sha256=sha)
    if catalog is not None:
        # A catalogue over staged files would outlive them; catalog_for opens the originals.
        with _catalog_lock:
            _catalogs[sha] = catalog
    return cache


def _shelve(
    cache: RelicCache, user: User | None, *, label: str, project: Project | None, public: bool
) -> bool:
    """Put ``cache`` on the registrant's shelves; True when it was not on one of them yet."""
    label = (label.strip() or default_label(cache))[:160]
    created = False
    with transaction.atomic():
        if user is not None:
            own_project = project if project is not None and project.team_id is None else None
            _, new = RelicShelf.objects.get_or_create(
                cache=cache, owner=user, team=None, defaults={"label": label, "project": own_project}
            )
            created |= new
            if project is not None and project.team_id is not None:
                _, new = RelicShelf.objects.get_or_create(
                    cache=cache,
                    team_id=project.team_id,
                    defaults={"owner": user, "project": project, "label": label},
                )
                created |= new
        if public:
            created |= _set_public(cache, True, label)
    return created


def _set_public(cache: RelicCache, public: bool, label: str) -> bool:
    """Put the cache on the museum's public shelf or take it off; True when that changed."""
    museum = RelicShelf.objects.filter(cache=cache, owner=None, team=None)
    if not public:
        return museum.filter(public=True).update(public=False) > 0
    if museum.filter(public=False).update(public=True):
        return True
    _, new = RelicShelf.objects.get_or_create(
        cache=cache, owner=None, team=None, defaults={"label": label, "public": True}
    )
    return new


def do_publish_cache(user: User, sha256: str, public: bool) -> RelicCache:
    """Staff show a cache to every visitor (``public``) or take it back. Raises RequestError.

    Anyone else is refused before the cache is looked up, so the refusal says nothing of
    whether it exists. Staff find any registered cache by its sha256 (a person asks them to
    publish theirs), and keep it on their own shelf so it stays in their view when unpublished.
    """
    if not user.is_staff:
        raise RequestError(403, "staff_only", "Only staff publish a cache to everyone.", None)
    cache = RelicCache.objects.filter(sha256=sha256.lower()).first()
    if cache is None:
        raise _no_cache(sha256)
    with transaction.atomic():
        mine, _ = RelicShelf.objects.get_or_create(
            cache=cache, owner=user, team=None, defaults={"label": cache.label}
        )
        _set_public(cache, public, mine.label)
    return cache


def _entry_row(cache: RelicCache, info: EntryInfo) -> RelicEntry:
    words = " ".join([info.name, info.text, info.kind, info.key])
    return RelicEntry(
        cache=cache,
        kind=info.kind,
        key=info.key[:40],
        index=info.index,
        name=info.name[:200],
        norm_name=normalise_name(info.name)[:200],
        search=words.lower(),
        fields=info.fields,
        preview=info.preview,
    )


def _part_size(source: Source) -> int:
    if isinstance(source, bytes):
        return len(source)
    size = getattr(source, "size", None)
    if isinstance(size, int):
        return size
    position = source.tell()
    end = source.seek(0, 2)
    source.seek(position)
    return end


def submit_upload(
    parts: Iterable[tuple[str, Source]],
    user: User,
    label: str = "",
    project_id: str | None = None,
    *,
    queue: bool = True,
) -> tuple[RelicUpload | None, RelicCache | None, bool]:
    """Stage an upload and queue its decoding: ``(upload, None, False)``. Raises RequestError.

    On the request thread only the cheap checks run, as the parts are copied to a staging
    folder in chunks: the per-upload cap, the tier's upload meters, names, magic bytes, zip
    budgets, and a jcache's tables and first containers. Decoding the cache is a background
    job (``run_upload``). A cache already registered is only shelved, at once:
    ``(None, cache, created)``. Anything refused leaves nothing staged. ``queue=False``
    leaves running the job to the caller.
    """
    from accounts.upload_quota import charge_upload

    project = project_for(user, project_id)
    unfinished = RelicUpload.objects.filter(
        owner=user, status__in=[RelicUpload.Status.PENDING, RelicUpload.Status.DECODING]
    ).count()
    at_once = int(getattr(settings, "POG_RELIC_UPLOADS_AT_ONCE", 1))
    if queue and unfinished >= at_once:
        raise RequestError(
            429,
            "upload_busy",
            f"You have {unfinished} cache upload(s) still being decoded; at most {at_once} at a time. "
            "Send the next one when it is ready.",
            "files",
            retry_after=5,
        )
    parts = list(parts)
    limits = upload_limits()
    total = sum(_part_size(source) for _, source in parts)
    if total > limits.max_bytes:
        mb = limits.max_bytes // 2**20
        raise RequestError(413, "too_large", f"The upload is larger than the {mb} MB limit.", "files")
    charge_upload(user, total)
    folder = staging_root() / uuid.uuid4().hex
    try:
        staged = stage_files(parts, folder, limits)
        for name, path in staged.paths.items():
            if name.endswith(".jcache"):
                check_structure(name, path, quick=True)
    except UploadError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise upload_error(exc) from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    existing = RelicCache.objects.filter(sha256=staged.digest()).first()
    if existing is not None:
        shutil.rmtree(folder, ignore_errors=True)
        return None, existing, _shelve(existing, user, label=label, project=project, public=False)
    upload = _stage_row(staged, user, label, project)
    if queue:
        transaction.on_commit(lambda: _queue(upload.pk))
    return upload, None, False


def _stage_row(staged: Staged, user: User, label: str, project: Project | None) -> RelicUpload:
    try:
        return RelicUpload.objects.create(
            owner=user,
            project=project,
            label=label.strip()[:160],
            files=[
                {"name": name, "sha256": staged.digests[name], "size": staged.sizes[name]}
                for name in sorted(staged.paths)
            ],
            sha256=staged.digest(),
            staging=str(staged.folder),
        )
    except BaseException:
        shutil.rmtree(staged.folder, ignore_errors=True)
        raise


def _queue(upload_id: uuid.UUID) -> None:
    from pog_site import jobs

    jobs.submit(REGISTER_UPLOAD, str(upload_id))


def resubmit_unfinished_uploads() -> int:
    """Queue again the uploads a stopped server left undecoded (embedded mode, at start):
    those waiting, and those it was decoding when it stopped. Returns how many."""
    RelicUpload.objects.filter(status=RelicUpload.Status.DECODING).update(status=RelicUpload.Status.PENDING)
    ids = list(RelicUpload.objects.filter(status=RelicUpload.Status.PENDING).values_list("pk", flat=True))
    for upload_id in ids:
        _queue(upload_id)
    return len(ids)


def run_upload(upload_id: str) -> dict[str, Any] | None:
    """The job: decode a staged upload and register it, or record why not. Runs once per upload.

    The row is claimed with a conditional UPDATE (pending -> decoding), so a second delivery
    does nothing. Either way the staged files are deleted afterwards; a failure leaves
    nothing registered, and ``error`` names the file and the offset.
    """
    claimed = RelicUpload.objects.filter(pk=upload_id, status=RelicUpload.Status.PENDING).update(
        status=RelicUpload.Status.DECODING
    )
    if not claimed:
        return None
    upload = RelicUpload.objects.select_related("owner", "project").get(pk=upload_id)
    folder = Path(upload.staging)
    try:
        files = DiskFiles({f["name"]: folder / f["name"] for f in upload.files})
        try:
            for name in files:
                check_structure(name, files.path(name))
            cache = _store_cache(
                files,
                source=RelicCache.Source.UPLOAD,
                user=upload.owner,
                label=upload.label,
                source_path="",
                digests={f["name"]: f["sha256"] for f in upload.files},
                sizes={f["name"]: int(f["size"]) for f in upload.files},
            )
        except (UploadError, RelicFormatError, RequestError) as exc:
            return _fail_with(upload, exc)
        created = _shelve(cache, upload.owner, label=upload.label, project=upload.project, public=False)
        upload.status = RelicUpload.Status.READY
        upload.cache = cache
        upload.created = created
        upload.staging = ""
        upload.save(update_fields=["status", "cache", "created", "staging", "updated_at"])
        return upload.as_json()
    except Exception:
        log.exception("relic upload %s could not be registered", upload_id)
        return _fail(
            upload,
            "internal",
            "The cache could not be registered because of a fault in the studio. Nothing was stored; "
            "please send it again.",
            None,
            None,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _fail_with(upload: RelicUpload, exc: Exception) -> dict[str, Any]:
    """Record why an upload was refused, naming the file and the offset where known."""
    cause = exc.__cause__ if isinstance(exc, RequestError) and exc.__cause__ is not None else exc
    if isinstance(cause, RelicFormatError):
        failure = _format_failure(cause)
        # "js5-19.jcache item 1280", "models36.jag (decompressed)": the file is the first word.
        filename = cause.what.split(" ", 1)[0] or None
        return _fail(upload, failure.code, failure.message, filename, cause.offset)
    if isinstance(cause, UploadError):
        return _fail(upload, cause.code, cause.message, cause.filename, cause.offset)
    if isinstance(exc, RequestError):
        return _fail(upload, exc.code, exc.message, None, None)
    raise exc


def _fail(
    upload: RelicUpload, code: str, message: str, filename: str | None, offset: int | None
) -> dict[str, Any]:
    upload.status = RelicUpload.Status.FAILED
    upload.error = {"code": code, "message": message, "file": filename, "offset": offset}
    upload.staging = ""
    upload.save(update_fields=["status", "error", "staging", "updated_at"])
    return upload.as_json()


def get_upload(user: User, upload_id: str) -> RelicUpload:
    """One of ``user``'s uploads; anyone else's is as unknown as one never sent."""
    try:
        key = uuid.UUID(str(upload_id))
    except ValueError:
        raise _no_upload(upload_id) from None
    upload = RelicUpload.objects.filter(pk=key, owner=user).select_related("cache").first()
    if upload is None:
        raise _no_upload(upload_id)
    return upload


def _no_upload(upload_id: str) -> RequestError:
    return RequestError(404, "no_upload", f"No upload of yours has the id {upload_id}.", "upload")


def register_upload(
    uploads: Iterable[tuple[str, Source]], user: User, label: str = "", project_id: str | None = None
) -> tuple[RelicCache, bool]:
    """Stage, decode and register an upload on the calling thread (commands and tests).
    Raises RequestError with the reason when the cache is refused."""
    upload, cache, created = submit_upload(uploads, user, label, project_id, queue=False)
    if upload is None:
        assert cache is not None
        return cache, created
    run_upload(str(upload.pk))
    upload.refresh_from_db()
    if upload.status != RelicUpload.Status.READY or upload.cache is None:
        error = upload.error or {}
        status = 413 if error.get("code") in ("too_large", "zip_bomb", "too_many_entries") else 422
        code, message = str(error.get("code") or "failed"), str(error.get("message") or "")
        raise RequestError(status, code, message, "files")
    return upload.cache, upload.created


def project_for(user: User, project_id: str | None) -> Project | None:
    """The project a registration is filed in, checked as work filed in a project is: one of
    the person's own, or a team project where they make things (viewers only look)."""
    if not project_id:
        return None
    try:
        key = uuid.UUID(str(project_id))
    except ValueError:
        raise RequestError(422, "bad_project", f"'{project_id}' is not a project id.", "project") from None
    project = projects_for(user).filter(pk=key).first()
    if project is None:
        raise RequestError(404, "unknown_project", f"No project of yours has the id {key}.", "project")
    if project.team_id is not None and not can_make_in(user, project.team_id):
        raise RequestError(
            403,
            "viewer",
            "You can look at this team's work, but only its editors and owners add things to it.",
            "project",
        )
    return project


def projects_to_file_in(user: User) -> list[Project]:
    """The person's own projects and the team projects where they make things."""
    makers = {m.team_id for m in Membership.objects.filter(user=user) if m.can_make}
    rows = projects_for(user).order_by("team__name", "name")
    return [p for p in rows if p.team_id is None or p.team_id in makers]


def folder_allowed(path: Path) -> bool:
    resolved = path.resolve()
    return any(resolved == root or root in resolved.parents for root in relic_dirs())


def read_folder(path: Path) -> dict[str, bytes]:
    """The cache files of a folder; other files (readmes, checksums) are left alone."""
    if not path.is_dir():
        raise RequestError(404, "no_folder", f"{path} is not a folder.", "path")
    files: dict[str, bytes] = {}
    for child in sorted(path.iterdir()):
        if not child.is_file():
            continue
        data = child.read_bytes()
        try:
            check_cache_file(child.name, data)
        except UploadError as exc:
            if exc.code == "unknown_file":
                continue
            raise upload_error(exc) from None
        files[child.name.lower()] = data
    if not files:
        raise RequestError(422, "no_files", f"{path} holds no cache files.", "path")
    return files


def register_folder(
    path: Path, user: User | None = None, *, check_allowed: bool = True
) -> tuple[RelicCache, bool]:
    """Register a server folder; only folders inside ``POG_RELIC_DIRS`` unless told otherwise."""
    if check_allowed and not folder_allowed(path):
        raise RequestError(
            403, "folder_not_allowed", f"{path} is not inside a folder listed in POG_RELIC_DIRS.", "path"
        )
    files = read_folder(path)
    return do_register_cache(
        files, source=RelicCache.Source.FOLDER, user=user, label=path.name, source_path=str(path)
    )


# --- reading ------------------------------------------------------------------------------


def original_files(cache: RelicCache) -> Mapping[str, bytes]:
    """The cache's originals: read from disk when asked for, or fetched from remote storage."""
    paths = {f["name"]: original_path(f["blob"]) for f in cache.files}
    if all(p is not None for p in paths.values()):
        return DiskFiles({name: p for name, p in paths.items() if p is not None})
    return {f["name"]: read_original(f["blob"]) for f in cache.files}


def catalog_for(cache: RelicCache) -> ClassicCatalog | ModernCatalog:
    """The opened catalogue of a cache, kept for the few most recently used caches."""
    with _catalog_lock:
        found = _catalogs.get(cache.sha256)
        if found is not None:
            _catalogs.move_to_end(cache.sha256)
            return found
    catalog = open_catalog(original_files(cache))
    with _catalog_lock:
        _catalogs[cache.sha256] = catalog
        while len(_catalogs) > _CATALOG_SLOTS:
            _catalogs.popitem(last=False)
    return catalog


def _no_cache(sha256: str) -> RequestError:
    return RequestError(404, "no_cache", f"No registered cache has the sha256 {sha256}.", "cache")


def get_cache(user: User, sha256: str) -> RelicCache:
    """A cache ``user`` may see; one they may not is as unknown as one never registered."""
    cache = RelicCache.objects.visible_to(user).filter(sha256=sha256.lower()).first()
    if cache is None:
        raise _no_cache(sha256)
    return cache


@dataclass(frozen=True)
class Shelved:
    """A cache as one person sees it: under their shelf's name, and who else sees it."""

    cache: RelicCache
    label: str
    teams: tuple[str, ...]  # the person's teams it is shelved for
    public: bool
    since: datetime

    @property
    def sha256(self) -> str:
        return self.cache.sha256

    @property
    def short(self) -> str:
        return self.cache.short

    @property
    def audience(self) -> str:
        return "everyone" if self.public else "team" if self.teams else "you"

    @property
    def audience_text(self) -> str:
        if self.public:
            return "everyone"
        if self.teams:
            return f"your team{'s' if len(self.teams) > 1 else ''} {', '.join(self.teams)}"
        return "only you"

    def as_json(self) -> dict[str, Any]:
        return self.cache.as_json() | {
            "label": self.label,
            "created_at": self.since.isoformat(),
            "visibility": {"audience": self.audience, "teams": list(self.teams), "public": self.public},
        }


def shelved(user: User, caches: Iterable[RelicCache]) -> list[Shelved]:
    """How ``user`` sees each of ``caches`` (which they may see), from the shelves they look at."""
    caches = list(caches)
    rows: dict[int, list[RelicShelf]] = {}
    seen = RelicShelf.objects.seen_by(user).filter(cache__in=caches).select_related("team")
    for shelf in seen.order_by("created_at", "pk"):
        rows.setdefault(shelf.cache_id, []).append(shelf)
    return [_as_seen(cache, rows.get(cache.pk, [])) for cache in caches]


def _as_seen(cache: RelicCache, shelves: list[RelicShelf]) -> Shelved:
    teams = [s for s in shelves if s.team is not None]
    public = [s for s in shelves if s.public]
    own = [s for s in shelves if s.owner_id is not None and s.team_id is None]
    # Their own name for it first, then their team's, then the museum's.
    first = next(iter(own + teams + public), None)
    return Shelved(
        cache=cache,
        label=(first.label if first is not None else "") or default_label(cache),
        teams=tuple(sorted({s.team.name for s in teams if s.team is not None})),
        public=bool(public),
        since=first.created_at if first is not None else cache.created_at,
    )


def get_entry(cache: RelicCache, entry_key: str) -> RelicEntry:
    kind, _, key = entry_key.partition("/")
    entry = RelicEntry.objects.filter(cache=cache, kind=kind, key=key).first()
    if entry is None:
        raise RequestError(404, "no_entry", f"The cache has no entry {entry_key!r}.", "entry")
    return entry


def search_entries(cache: RelicCache, kind: str | None, query: str = "") -> QuerySet[RelicEntry]:
    """Entries of one kind (or of every kind) in cache order; every word of ``query`` must match."""
    qs = RelicEntry.objects.filter(cache=cache)
    if kind is not None:
        qs = qs.filter(kind=kind)
    for word in query.lower().split()[:8]:
        qs = qs.filter(search__contains=word)
    return qs.order_by("index") if kind is not None else qs.order_by("kind", "index")


@dataclass(frozen=True)
class Preview:
    data: bytes
    mime: str
    sha256: str
    ext: str


def preview(cache: RelicCache, entry: RelicEntry) -> Preview | None:
    """The entry's rendered file, made once per cache and renderer version, then read back."""
    if not entry.preview:
        return None
    found = RelicRender.objects.filter(
        cache=cache, entry_key=entry.entry_key, renderer=RENDERER_VERSION
    ).first()
    if found is not None:
        return Preview(read_blob(found.blob), found.mime, found.sha256, entry.preview)
    try:
        rendered: Rendered | None = catalog_for(cache).render(entry.kind, entry.key)
    except RelicFormatError as exc:
        raise format_error(exc) from None
    if rendered is None:
        return None
    blob, digest = store_blob(rendered.data)
    try:
        with transaction.atomic():
            RelicRender.objects.create(
                cache=cache,
                entry_key=entry.entry_key,
                renderer=RENDERER_VERSION,
                sha256=digest,
                blob=blob,
                mime=rendered.mime,
                size=len(rendered.data),
            )
    except IntegrityError:
        pass  # rendered concurrently; the bytes are the same
    return Preview(rendered.data, rendered.mime, digest, rendered.ext)


def entry_json(cache: RelicCache, entry: RelicEntry) -> dict[str, Any]:
    return {
        "cache": cache.sha256,
        "era": cache.era,
        "kind": entry.kind,
        "key": entry.key,
        "index": entry.index,
        "name": entry.name,
        "fields": entry.fields,
        "preview": entry.preview or None,
    }


def match(
    user: User,
    name: str,
    era: str | None = None,
    kind: str | None = None,
    exclude: RelicCache | None = None,
) -> QuerySet[RelicEntry]:
    """Entries whose normalised name equals ``name``'s, across the caches ``user`` may see."""
    return match_in(RelicCache.objects.visible_to(user), name, era=era, kind=kind, exclude=exclude)


def match_in(
    visible: QuerySet[RelicCache],
    name: str,
    era: str | None = None,
    kind: str | None = None,
    exclude: RelicCache | None = None,
) -> QuerySet[RelicEntry]:
    """Entries whose normalised name equals ``name``'s, across ``visible`` (caches someone may see)."""
    norm = normalise_name(name)
    qs = (
        RelicEntry.objects.filter(norm_name=norm, cache__in=visible).select_related("cache")
        if norm
        else RelicEntry.objects.none()
    )
    if era:
        qs = qs.filter(cache__era=era)
    if kind:
        qs = qs.filter(kind=kind)
    if exclude is not None:
        qs = qs.filter(~Q(cache=exclude))
    return qs.order_by("cache__era", "cache_id", "kind", "index")


# --- the relic limb ----------------------------------------------------------------------


def register_excavated(generation: Generation, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The ``relic.register`` effect (``excavate``): the file the person sent is registered
    for them, inside the record transaction, as an upload through the museum's own
    page is. The request's project (checked when it was made) decides who else sees it."""
    data = read_blob(str(payload["blob"]))
    if hashlib.sha256(data).hexdigest() != payload.get("sha256"):
        raise EffectError("The excavated file changed after it was checked.")
    try:
        files = collect_files([(str(payload.get("filename") or "upload"), data)], upload_limits())
        cache, created = do_register_cache(
            files,
            source=RelicCache.Source.UPLOAD,
            user=generation.owner,
            label=str(payload.get("name") or ""),
            project=generation.project,
        )
    except UploadError as exc:
        raise EffectError(exc.message) from None
    except RequestError as exc:
        raise EffectError(exc.message) from None
    if cache.sha256 != payload.get("cache"):
        raise EffectError("The excavated cache is not the one that was checked.")
    return {"cache": cache.sha256, "era": cache.era, "new_on_your_shelf": created}


def entry_url(sha256: str, kind: str, key: str) -> str:
    """The museum's page of one entry."""
    return reverse("relics:workspace") + "?" + urlencode({"cache": sha256, "kind": kind, "entry": key})


@dataclass(frozen=True)
class RelicParent:
    """The relic an asset was made from, as one person sees it (its page and thumbnail
    only when they may see the cache)."""

    cache: str
    kind: str
    key: str
    name: str
    era: str
    label: str
    url: str
    thumb_url: str


def relic_parent(user: User, relic: Any) -> RelicParent | None:
    """What an asset's ``meta["relic"]`` names, for its page; None when it names nothing."""
    if not isinstance(relic, Mapping):
        return None
    sha = str(relic.get("cache") or relic.get("cache_sha256") or "")  # forks before the relic limb
    entry = str(relic.get("entry") or f"{relic.get('kind', '')}/{relic.get('key', '')}")
    kind, _, key = entry.partition("/")
    if not sha or not kind or not key:
        return None
    cache = RelicCache.objects.visible_to(user).filter(sha256=sha).first()
    found = RelicEntry.objects.filter(cache=cache, kind=kind, key=key).first() if cache else None
    label = shelved(user, [cache])[0].label if cache is not None else f"a relic cache ({sha[:12]})"
    return RelicParent(
        cache=sha,
        kind=kind,
        key=key,
        name=str(relic.get("name") or entry),
        era=str(relic.get("era") or ""),
        label=label,
        url=entry_url(sha, kind, key) if found is not None else "",
        thumb_url=reverse("relics:preview", args=[sha, kind, key])
        if found is not None and found.preview == "png"
        else "",
    )
