"""Write a whole cache out as files: JSON per section, and every picture, model and sound.

Pure Python (no Django), called by ``manage.py relic_dump``. Field names are the
snake_case names of RELIC-FORMATS.md; records keep cache order and carry their index.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from relics.catalog import ClassicCatalog, ModernCatalog, open_catalog
from relics.uploads import UploadError, check_cache_file

# Objects are drawn with their model, which the models folder already holds.
_SKIP_RENDER = {"objects"}


def read_cache_dir(path: Path) -> dict[str, bytes]:
    """The cache files of a folder (other files are ignored); bad magic raises UploadError."""
    files: dict[str, bytes] = {}
    for child in sorted(path.iterdir()):
        if child.is_file():
            data = child.read_bytes()
            try:
                check_cache_file(child.name, data)
            except UploadError as exc:
                if exc.code == "unknown_file":
                    continue
                raise
            files[child.name.lower()] = data
    return files


def _file_key(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", key.replace("#", "unnamed-"))


def _write_json(path: Path, body: Any) -> None:
    # Compact on purpose: an indented encoder is pure Python and ten times slower on sectors.
    path.write_text(json.dumps(body, separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8")


def dump_catalog(
    catalog: ClassicCatalog | ModernCatalog, out: Path, kinds: Iterable[str] | None = None
) -> dict[str, int]:
    """Write ``catalog`` under ``out``; returns how many files were written per folder."""
    wanted = set(kinds) if kinds is not None else None
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    for section, value in catalog.sections().items():
        if wanted is not None and section not in wanted:
            continue
        body: dict[str, Any] = {"section": section, "era": catalog.era}
        if isinstance(value, list):
            body |= {"count": len(value), "records": value}
        else:
            body["value"] = value
        _write_json(out / f"{section}.json", body)
        written["json"] = written.get("json", 0) + 1
    entries = [e for e in catalog.entries() if wanted is None or e.kind in wanted]
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_kind.setdefault(entry.kind, []).append(
            {"index": entry.index, "key": entry.key, "name": entry.name} | entry.fields
        )
    for kind in ("models", "sectors", "sounds"):
        if kind in by_kind:
            _write_json(
                out / f"{kind}.json",
                {"section": kind, "era": catalog.era, "count": len(by_kind[kind]), "records": by_kind[kind]},
            )
            written["json"] = written.get("json", 0) + 1
    for entry in entries:
        if not entry.preview or entry.kind in _SKIP_RENDER:
            continue
        rendered = catalog.render(entry.kind, entry.key)
        if rendered is None:
            continue
        folder = out / entry.kind
        folder.mkdir(exist_ok=True)
        (folder / f"{_file_key(entry.key)}.{rendered.ext}").write_bytes(rendered.data)
        written[entry.kind] = written.get(entry.kind, 0) + 1
        if entry.kind == "sectors" and isinstance(catalog, ClassicCatalog):
            _write_json(folder / f"{_file_key(entry.key)}.json", catalog.sector_json(entry.key))
    return written


def dump_cache_dir(cache_dir: Path, out: Path, kinds: Iterable[str] | None = None) -> dict[str, int]:
    return dump_catalog(open_catalog(read_cache_dir(cache_dir)), out, kinds)
