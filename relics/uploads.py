"""Checks on cache files arriving from outside: names, magic bytes, sizes, zip limits.

Pure Python. A zip is opened entry by entry with every limit checked before and while
reading (declared sizes can lie), so a bomb or a path like ``../../etc/passwd`` is
refused before any byte is kept.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from relics.formats.jcache import SQLITE_MAGIC

ZIP_MAGIC = b"PK\x03\x04"
MAX_ZIP_ENTRIES = 64
_CLASSIC_RE = re.compile(r"^[a-z]+\d*\.(jag|mem)$")
_MODERN_RE = re.compile(r"^js5-\d+\.jcache$")


class UploadError(ValueError):
    """A refused upload: ``status`` (413 too large, 422 bad content) and the file at fault."""

    def __init__(self, status: int, code: str, message: str, filename: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.filename = filename


@dataclass(frozen=True)
class Limits:
    max_bytes: int  # total bytes of the cache's files, after unzipping
    max_entries: int = MAX_ZIP_ENTRIES


def check_cache_file(name: str, data: bytes) -> None:
    """Refuse a file whose name or first bytes are not a known cache file."""
    lowered = name.lower()
    if _MODERN_RE.match(lowered):
        if data[:16] != SQLITE_MAGIC:
            raise UploadError(
                422, "bad_magic", f"{name} is not a jcache: it does not start with 'SQLite format 3'.", name
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
    if len(data) < 6:
        raise UploadError(
            422, "bad_magic", f"{name} is {len(data)} bytes, too short for a Classic archive.", name
        )
    packed = int.from_bytes(data[3:6], "big")
    if len(data) != 6 + packed:
        # The six-byte header is the only "magic" a Classic archive has: its sizes must add up.
        raise UploadError(
            422,
            "bad_magic",
            f"{name} at offset 3: header says {packed} bytes of body, the file has {len(data) - 6}.",
            name,
        )


def _safe_name(raw: str) -> str:
    normal = raw.replace("\\", "/")
    if normal.startswith("/") or re.match(r"^[a-zA-Z]:", normal):
        raise UploadError(422, "path_traversal", f"The zip entry {raw!r} has an absolute path.", raw)
    parts = [p for p in normal.split("/") if p not in ("", ".")]
    if ".." in parts or posixpath.normpath(normal).startswith(".."):
        raise UploadError(422, "path_traversal", f"The zip entry {raw!r} points outside the archive.", raw)
    return parts[-1] if parts else ""


def read_zip(data: bytes, limits: Limits) -> dict[str, bytes]:
    """The cache files inside a zip (folders flattened), every limit enforced."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
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
        files: dict[str, bytes] = {}
        budget = limits.max_bytes
        for info in infos:
            name = _safe_name(info.filename)
            if info.is_dir() or not name or name.startswith(".") or name.startswith("__MACOSX"):
                continue
            if name.lower() in files:
                raise UploadError(422, "duplicate_file", f"The zip holds {name} twice.", name)
            try:
                with archive.open(info) as fh:
                    # Read at most one byte past the budget: a lying header cannot inflate us.
                    body = fh.read(budget + 1)
            except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as exc:
                raise UploadError(422, "bad_zip", f"{name} cannot be unpacked: {exc}.", name) from None
            if len(body) > budget:
                raise UploadError(
                    413, "too_large", f"The zip unpacks to more than {limits.max_bytes} bytes.", name
                )
            budget -= len(body)
            files[name.lower()] = body
    return files


def collect_files(uploads: Iterable[tuple[str, bytes]], limits: Limits) -> dict[str, bytes]:
    """Turn uploaded parts (a zip, or the cache files themselves) into checked cache files."""
    parts = list(uploads)
    if not parts:
        raise UploadError(422, "no_files", "Send a zip of the cache folder or its files.")
    files: dict[str, bytes] = {}
    total = 0
    for raw_name, data in parts:
        total += len(data)
        if total > limits.max_bytes:
            raise UploadError(
                413, "too_large", f"The upload is larger than the {limits.max_bytes}-byte limit.", raw_name
            )
        is_zip = data[:4] == ZIP_MAGIC
        unpacked = read_zip(data, limits) if is_zip else {_safe_name(raw_name).lower(): data}
        for name, body in unpacked.items():
            if name in files:
                raise UploadError(422, "duplicate_file", f"{name} was sent twice.", name)
            files[name] = body
    if sum(len(b) for b in files.values()) > limits.max_bytes:
        raise UploadError(413, "too_large", f"The cache is larger than the {limits.max_bytes}-byte limit.")
    for name, body in files.items():
        check_cache_file(name, body)
    if not files:
        raise UploadError(422, "no_files", "The upload holds no cache files.")
    return files


def cache_digest(pairs: Iterable[tuple[str, str]]) -> str:
    """The cache's identity: sha256 over its sorted ``(name, sha256)`` pairs, order-independent."""
    lines = "".join(f"{name}\t{digest}\n" for name, digest in sorted(pairs))
    return hashlib.sha256(lines.encode()).hexdigest()


def files_digest(files: Mapping[str, bytes]) -> str:
    """The identity of a cache given as its files (names as stored: lower case)."""
    return cache_digest((name.lower(), hashlib.sha256(data).hexdigest()) for name, data in files.items())
