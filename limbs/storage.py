"""Content-addressed blob storage on Django's default storage (disk or S3)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage, storages


def blob_name(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256}"


def store_blob(data: bytes) -> tuple[str, str]:
    """Store ``data`` once per content; return ``(blob_name, sha256)``."""
    digest = hashlib.sha256(data).hexdigest()
    name = blob_name(digest)
    # The real backend behind the lazy default_storage (which is unset until first use).
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        _store_on_disk(storage.path(name), data)
        return name, digest
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(data))
        if saved != name:
            # Another writer stored the same content first; keep one copy.
            default_storage.delete(saved)
    return name, digest


def _store_on_disk(name: str, data: bytes) -> None:
    """Write to a temporary file, then rename: a reader never sees half a blob, and two
    writers of the same content both end with the one complete file."""
    path = Path(name)
    try:
        if path.stat().st_size == len(data):
            # Stored again: a release running now leaves a file touched after it began.
            os.utime(path)
            return
        # Same name, wrong size: the stored copy was damaged; the new bytes repair it.
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        tmp.chmod(0o644)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_blob(name: str) -> bytes:
    with default_storage.open(name, "rb") as fh:
        data: bytes = fh.read()
    return data


def delete_blob(name: str, unused_since: datetime) -> int | None:
    """Delete the blob ``name`` unless it was stored (again) after ``unused_since``; the bytes
    freed (0 when it was gone already), or None when it was kept.

    Blobs are shared by content: the caller has made sure nothing names this one any more.
    The time check closes the race with a writer that found the file present a moment ago
    and is about to record an asset naming it.
    """
    storage = storages["default"]
    try:
        if isinstance(storage, FileSystemStorage):
            path = Path(storage.path(name))
            stat = path.stat()
            if datetime.fromtimestamp(stat.st_mtime, tz=UTC) > unused_since:
                return None
            path.unlink()
            return stat.st_size
        if not default_storage.exists(name):
            return 0
        if default_storage.get_modified_time(name) > unused_since:
            return None
        size = default_storage.size(name)
        default_storage.delete(name)
        return size
    except FileNotFoundError:
        return 0
