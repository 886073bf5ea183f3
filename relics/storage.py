"""The museum's originals: content-addressed, written once, read-only (mode 0444) on disk."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, default_storage

READ_ONLY = 0o444
_CHUNK = 1024 * 1024


def original_name(sha256: str) -> str:
    return f"relics/originals/{sha256[:2]}/{sha256}"


def _disk() -> FileSystemStorage | None:
    # isinstance sees through the lazy default_storage (its __class__ is the wrapped class).
    return default_storage if isinstance(default_storage, FileSystemStorage) else None


def store_original(data: bytes) -> tuple[str, str]:
    """Store ``data`` once per content; return ``(name, sha256)``. A good stored copy is never rewritten."""
    digest = hashlib.sha256(data).hexdigest()
    name = original_name(digest)
    disk = _disk()
    if disk is not None:
        _write_once(Path(disk.path(name)), data, digest)
    elif not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(data))
        if saved != name:
            default_storage.delete(saved)
    return name, digest


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def store_original_file(source: Path, digest: str) -> str:
    """Store the file at ``source`` (whose sha256 is ``digest``) once per content, copied in
    chunks, never read whole into memory; return its stored name."""
    name = original_name(digest)
    disk = _disk()
    if disk is None:
        if not default_storage.exists(name):
            with source.open("rb") as fh:
                saved = default_storage.save(name, File(fh))
            if saved != name:
                default_storage.delete(saved)
        return name
    path = Path(disk.path(name))
    if path.exists() and _file_digest(path) == digest:
        path.chmod(READ_ONLY)
        return name
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as fh:
            shutil.copyfileobj(fh, out, _CHUNK)
        _publish(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return name


def _publish(tmp: Path, path: Path) -> None:
    """Put a finished, read-only temporary file at ``path``: replace damaged bytes there, or
    link it in; link() fails if another writer got there first, and theirs holds the same bytes."""
    tmp.chmod(READ_ONLY)
    if path.exists():
        tmp.replace(path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass


def _write_once(path: Path, data: bytes, digest: str) -> None:
    # The name is the content's hash, so existing bytes that do not match are damage to replace.
    if path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == digest:
        path.chmod(READ_ONLY)  # tightening the mode of a good copy never touches its bytes
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        _publish(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_original(name: str) -> bytes:
    with default_storage.open(name, "rb") as fh:
        data: bytes = fh.read()
    return data


def original_path(name: str) -> Path | None:
    """The file on disk (for permission checks), or None on remote storage."""
    disk = _disk()
    return Path(disk.path(name)) if disk is not None else None
