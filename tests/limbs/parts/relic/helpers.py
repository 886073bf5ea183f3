"""Asking the relic limb through ``POST /api/handle/relic``, and what the tests check after."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from django.test import Client

from limbs.models import Asset, Generation
from provenance.models import LedgerEntry
from relics.models import RelicCache, RelicShelf
from relics.storage import original_path


def zipped(files: dict[str, bytes], folder: str = "cache") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(f"{folder}/{name}", data)
    return buf.getvalue()


def folder(path: Path) -> dict[str, bytes]:
    return {child.name: child.read_bytes() for child in sorted(path.iterdir()) if child.is_file()}


def handle(client: Client, action: str, project: str | None = None, **params: Any) -> Any:
    # One seed: the same request is then the same cache key (the relic actions ignore it).
    body: dict[str, Any] = {"action": action, "params": params, "wait": True, "seed": 1}
    if project is not None:
        body["project"] = project
    return client.post("/api/handle/relic", body, content_type="application/json")


def as_file(name: str, data: bytes) -> dict[str, str]:
    return {"name": name, "data": base64.b64encode(data).decode()}


def excavate(client: Client, data: bytes, filename: str = "cache.zip", **params: Any) -> Any:
    return handle(client, "excavate", file=as_file(filename, data), **params)


def excavated(client: Client, files: dict[str, bytes], name: str = "", **params: Any) -> str:
    """Register ``files`` (zipped) through the limb; the cache's sha256."""
    response = excavate(client, zipped(files), name=name, **params)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "succeeded", body
    sha: str = document(client, body)["cache"]
    return sha


def succeeded(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    assert body["status"] == "succeeded", body
    return body


def main(body: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(a for a in body["assets"] if a["role"] == "main")
    return found


def content(client: Client, asset: dict[str, Any]) -> bytes:
    data: bytes = client.get(asset["url"]).content
    return data


def document(client: Client, body: dict[str, Any]) -> Any:
    """The JSON document a request made (its main output)."""
    return json.loads(content(client, main(body)))


def counts() -> tuple[int, ...]:
    return (
        Generation.objects.count(),
        Asset.objects.count(),
        LedgerEntry.objects.count(),
        RelicCache.objects.count(),
        RelicShelf.objects.count(),
    )


def originals(sha: str) -> dict[str, bytes]:
    """The stored original files of a cache, read from disk."""
    out = {}
    for record in RelicCache.objects.get(sha256=sha).files:
        path = original_path(record["blob"])
        assert path is not None
        out[record["name"]] = path.read_bytes()
    return out
