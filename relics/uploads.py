"""Checks on cache files arriving from outside: names, magic bytes, sizes, zip limits, structure.

Pure Python. Uploads are copied to a staging folder on disk chunk by chunk against a running
byte budget, never held whole in memory. A zip is opened entry by entry and inflated chunk
by chunk against a byte budget and a ratio budget (inflated over compressed bytes), both
checked as the bytes come out (declared sizes can lie), so a bomb or a path like
``../../etc/passwd`` is refused at the first excess, before any byte past it is inflated.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from relics.formats.errors import RelicFormatError
from relics.formats.jag import read_jag
from relics.formats.jcache import SQLITE_MAGIC, JCacheIndex

ZIP_MAGIC = b"PK\x03\x04"
MAX_ZIP_ENTRIES = 64
# Deflate stores real cache files (already compressed inside) at a ratio near 1; a zip that
# inflates to more than this many times its compressed bytes is treated as a bomb.
MAX_ZIP_RATIO = 100.0
# The ratio is only judged past this many inflated bytes: tiny files compress freakishly well.
RATIO_GRACE_BYTES = 1024 * 1024
CHUNK = 64 * 1024
# Containers tried when a jcache is checked on the request thread (the job tries them all).
QUICK_CONTAINERS = 8
_CLASSIC_RE = re.compile(r"^[a-z]+\d*\.(jag|mem)$")
_MODERN_RE = re.compile(r"^js5-\d+\.jcache$")

Source = bytes | IO[bytes]


class UploadError(ValueError):
    """A refused upload: ``status`` (413 too large, 422 bad content) and the file at fault."""

    def __init__(
        self, status: int, code: str, message: str, filename: str | None = None, offset: int | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.filename = filename
        self.offset = offset

    def __reduce__(self) -> tuple[type[UploadError], tuple[int, str, str, str | None, int | None]]:
        # Crosses back from the decoding process as itself (the default pickles only the message).
        return (type(self), (self.status, self.code, self.message, self.filename, self.offset))


@dataclass(frozen=True)
class Limits:
    max_bytes: int  # total bytes of the cache's files, after unzipping
    max_entries: int = MAX_ZIP_ENTRIES
    max_ratio: float = MAX_ZIP_RATIO  # inflated bytes over compressed bytes, for a whole zip


def check_cache_head(name: str, head: bytes, size: int) -> None:
    """Refuse a file whose name, first bytes (``head``, at least 16) or size fit no cache file."""
    lowered = name.lower()
    if _MODERN_RE.match(lowered):
        if head[:16] != SQLITE_MAGIC:
            raise UploadError(
                422,
                "bad_magic",
                f"{name} is not a jcache: it does not start with 'SQLite format 3'.",
                name,
                0,
            )
        return
    if not _CLASSIC_RE.match(lowered):
        raise UploadError(
            422,
            "unknown_file",
            f"{name} is not a cache file: expected Classic <name><version>.jag/.mem "
            "or RS3 js5-<index>.jcache.",
            name,
        )
    if size < 6:
        raise UploadError(
            422, "bad_magic", f"{name} is {size} bytes, too short for a Classic archive.", name, 0
        )
    packed = int.from_bytes(head[3:6], "big")
    if size != 6 + packed:
        # The six-byte header is the only "magic" a Classic archive has: its sizes must add up.
        raise UploadError(
            422,
            "bad_magic",
            f"{name} at offset 3: header says {packed} bytes of body, the file has {size - 6}.",
            name,
            3,
        )


def check_cache_file(name: str, data: bytes) -> None:
    """Refuse a file whose name or first bytes are not a known cache file."""
    check_cache_head(name, data[:16], len(data))


def check_structure(name: str, source: Path | bytes, *, quick: bool = False) -> None:
    """Refuse a cache file whose structure does not decode (UploadError 422 naming file and offset).

    A ``.jcache`` must be a SQLite database holding the JS5 tables (``cache`` and
    ``cache_index``), a reference table that decodes, and at least one stored container
    that decodes and matches the CRC the table gives it; ``quick`` tries only the first
    few. A Classic ``.jag``/``.mem`` must decode its archive directory.
    """
    lowered = name.lower()
    try:
        if _MODERN_RE.match(lowered):
            _check_jcache(name, source, QUICK_CONTAINERS if quick else None)
        elif _CLASSIC_RE.match(lowered):
            read_jag(source if isinstance(source, bytes) else source.read_bytes(), name)
    except RelicFormatError as exc:
        raise UploadError(
            422, "malformed_cache", f"The cache cannot be read: {exc}. Nothing was stored.", name, exc.offset
        ) from None


def _check_jcache(name: str, source: Path | bytes, tries: int | None) -> None:
    with JCacheIndex(source, name=name) as index:
        table = index.table  # decodes the reference table, or raises naming it
        stored = [g for g in index.stored_group_ids() if g in table.groups]
        if not stored:
            raise RelicFormatError(name, 0, "at least one stored group the reference table lists", "none")
        first: RelicFormatError | None = None
        for group_id in stored if tries is None else stored[:tries]:
            try:
                index.group_data(group_id)
            except RelicFormatError as exc:
                first = first or exc
                continue
            except KeyError:
                continue
            return
        raise first or RelicFormatError(name, 0, "at least one valid container", "none")


def _safe_name(raw: str) -> str:
    normal = raw.replace("\\", "/")
    if normal.startswith("/") or re.match(r"^[a-zA-Z]:", normal):
        raise UploadError(422, "path_traversal", f"The zip entry {raw!r} has an absolute path.", raw)
    parts = [p for p in normal.split("/") if p not in ("", ".")]
    if ".." in parts or posixpath.normpath(normal).startswith(".."):
        raise UploadError(422, "path_traversal", f"The zip entry {raw!r} points outside the archive.", raw)
    return parts[-1] if parts else ""


@dataclass
class Staged:
    """Cache files staged on disk: lower-case name -> path, with each file's sha256 and size."""

    folder: Path
    paths: dict[str, Path] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.sizes.values())

    def digest(self) -> str:
        return cache_digest(self.digests.items())


class _Budget:
    """The running byte budget of one upload, and the zip ratio budget of the archive being read."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.left = limits.max_bytes
        self.inflated = 0
        self.compressed = 0
        self.archive_size = 0

    def start_zip(self, archive_size: int) -> None:
        self.inflated = 0
        self.compressed = 0
        self.archive_size = archive_size

    def open_entry(self, info: zipfile.ZipInfo) -> None:
        # Declared sizes can lie; the compressed bytes can never be more than the archive holds.
        self.compressed = min(self.compressed + info.compress_size, self.archive_size)

    def spend(self, n: int, name: str) -> None:
        self.left -= n
        if self.left < 0:
            raise UploadError(
                413, "too_large", f"The upload is larger than the {self.limits.max_bytes}-byte limit.", name
            )

    def inflate(self, n: int, name: str) -> None:
        self.spend(n, name)
        self.inflated += n
        ratio = self.limits.max_ratio
        if self.inflated > RATIO_GRACE_BYTES and self.inflated > ratio * max(self.compressed, 1):
            raise UploadError(
                413,
                "zip_bomb",
                f"The zip inflates to more than {ratio:g} times its compressed size "
                f"({self.inflated} bytes from {self.compressed}): refused as a zip bomb.",
                name,
            )


def _new_file(staged: Staged, name: str) -> Path:
    lowered = name.lower()
    if lowered in staged.paths:
        raise UploadError(422, "duplicate_file", f"{name} was sent twice.", name)
    path = staged.folder / lowered
    staged.paths[lowered] = path
    return path


def _copy(source: IO[bytes], staged: Staged, name: str, budget: _Budget, *, inflating: bool) -> None:
    """Copy ``source`` to the staging folder in chunks, hashing as it goes, within the budget."""
    path = _new_file(staged, name)
    digest = hashlib.sha256()
    size = 0
    with path.open("wb") as out:
        while chunk := source.read(CHUNK):
            if inflating:
                budget.inflate(len(chunk), name)
            else:
                budget.spend(len(chunk), name)
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    staged.digests[path.name] = digest.hexdigest()
    staged.sizes[path.name] = size


def _stage_zip(source: IO[bytes], staged: Staged, budget: _Budget) -> None:
    limits = budget.limits
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, ValueError) as exc:
        raise UploadError(422, "bad_zip", f"The zip cannot be read: {exc}.") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_entries:
            raise UploadError(
                413,
                "too_many_entries",
                f"The zip holds {len(infos)} entries; at most {limits.max_entries} are allowed.",
            )
        declared = sum(info.file_size for info in infos)
        if declared > limits.max_bytes:
            raise UploadError(
                413, "too_large", f"The zip unpacks to {declared} bytes; the limit is {limits.max_bytes}."
            )
        packed = sum(info.compress_size for info in infos)
        if declared > RATIO_GRACE_BYTES and declared > limits.max_ratio * max(packed, 1):
            raise UploadError(
                413,
                "zip_bomb",
                f"The zip says it inflates to {declared} bytes from {packed}, more than "
                f"{limits.max_ratio:g} times: refused as a zip bomb.",
            )
        for info in infos:
            name = _safe_name(info.filename)
            if info.is_dir() or not name or name.startswith(".") or name.startswith("__MACOSX"):
                continue
            budget.open_entry(info)
            try:
                with archive.open(info) as entry:
                    _copy(entry, staged, name, budget, inflating=True)
            except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError, EOFError) as exc:
                raise UploadError(422, "bad_zip", f"{name} cannot be unpacked: {exc}.", name) from None


def stage_files(uploads: Iterable[tuple[str, Source]], folder: Path, limits: Limits) -> Staged:
    """Copy uploaded parts (zips, or the cache files themselves) into ``folder``, checking each.

    Names, magic bytes, sizes and zip limits are checked as the bytes are copied; a refused
    upload raises UploadError and leaves ``folder`` for the caller to delete.
    """
    folder.mkdir(parents=True, exist_ok=True)
    staged = Staged(folder)
    budget = _Budget(limits)
    any_part = False
    for raw_name, source in uploads:
        any_part = True
        stream: IO[bytes] = io.BytesIO(source) if isinstance(source, bytes) else source
        stream.seek(0)
        head = stream.read(4)
        stream.seek(0)
        if head == ZIP_MAGIC:
            budget.start_zip(stream.seek(0, 2))
            stream.seek(0)
            _stage_zip(stream, staged, budget)
        else:
            name = _safe_name(raw_name) or "upload"
            _copy(stream, staged, name, budget, inflating=False)
    if not any_part:
        raise UploadError(422, "no_files", "Send a zip of the cache folder or its files.")
    for name, path in staged.paths.items():
        with path.open("rb") as fh:
            head = fh.read(16)
        check_cache_head(name, head, staged.sizes[name])
    if not staged.paths:
        raise UploadError(422, "no_files", "The upload holds no cache files.")
    return staged


def collect_files(uploads: Iterable[tuple[str, bytes]], limits: Limits) -> dict[str, bytes]:
    """Turn small uploaded parts (a zip, or the cache files themselves) into checked cache files.

    The files are staged in a temporary folder (so the same limits hold) and read back.
    """
    folder = Path(tempfile.mkdtemp(prefix="pog-relic-"))
    try:
        staged = stage_files(uploads, folder, limits)
        return {name: path.read_bytes() for name, path in staged.paths.items()}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def read_zip(data: bytes, limits: Limits) -> dict[str, bytes]:
    """The cache files inside a zip (folders flattened), every limit enforced."""
    return collect_files([("upload.zip", data)], limits) if data[:4] == ZIP_MAGIC else _not_zip()


def _not_zip() -> dict[str, bytes]:
    raise UploadError(422, "bad_zip", "The zip cannot be read: File is not a zip file.")


def cache_digest(pairs: Iterable[tuple[str, str]]) -> str:
    """The cache's identity: sha256 over its sorted ``(name, sha256)`` pairs, order-independent."""
    lines = "".join(f"{name}\t{digest}\n" for name, digest in sorted(pairs))
    return hashlib.sha256(lines.encode()).hexdigest()


def files_digest(files: Mapping[str, bytes]) -> str:
    """The identity of a cache given as its files (names as stored: lower case)."""
    return cache_digest((name.lower(), hashlib.sha256(data).hexdigest()) for name, data in files.items())
