"""Content-addressed blob storage on Django's default storage (disk or S3)."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


def blob_name(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256}"


def store_blob(data: bytes) -> tuple[str, str]:
    """Store ``data`` once per content; return ``(blob_name, sha256)``."""
    digest = hashlib.sha256(data).hexdigest()
    name = blob_name(digest)
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(data))
        if saved != name:
            # Another writer stored the same content first; keep one copy.
            default_storage.delete(saved)
    return name, digest


def read_blob(name: str) -> bytes:
    with default_storage.open(name, "rb") as fh:
        data: bytes = fh.read()
    return data
