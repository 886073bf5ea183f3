"""Zip archives: safe names, bounded sizes and ratios, every entry extracts with a good CRC.

Entries are read in chunks and counted as they inflate, never trusting the sizes the
archive declares, so a zip bomb is refused at the limit instead of being inflated whole.
PNG and JSON entries are also checked as such; ``frames_only`` (a frame archive) allows
nothing else.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from typing import Any

from limbs.formats.base import Format, OutputInvalid, parse_json, signature
from limbs.formats.png import validate_png

MAX_ZIP_ENTRIES = 1024
MAX_ZIP_BYTES = 512 * 1024 * 1024
# Deflate cannot legitimately shrink real files this much; beyond it, suspect a zip bomb.
MAX_ZIP_RATIO = 200.0
_CHUNK = 1024 * 1024


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """The entry's bytes, refusing it as soon as it grows past ``budget`` or its ratio."""
    parts: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as entry:
            while chunk := entry.read(_CHUNK):
                size += len(chunk)
                if size > budget:
                    raise OutputInvalid(f"zip entry {info.filename!r} expands past the size limit")
                if size > max(info.compress_size, 1) * MAX_ZIP_RATIO and size > _CHUNK:
                    raise OutputInvalid(
                        f"zip entry {info.filename!r} is compressed suspiciously well (a bomb?)"
                    )
                parts.append(chunk)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise OutputInvalid(f"zip entry {info.filename!r} does not extract: {exc}") from None
    return b"".join(parts)


def validate_zip(
    data: bytes,
    *,
    min_pngs: int = 0,
    frames_only: bool = False,
    max_entries: int = MAX_ZIP_ENTRIES,
    max_total_bytes: int = MAX_ZIP_BYTES,
) -> dict[str, Any]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise OutputInvalid(f"not a zip archive: {exc}") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > max_entries:
            raise OutputInvalid(f"zip has {len(infos)} entries, more than {max_entries}")
        declared = sum(info.file_size for info in infos)
        if declared > max_total_bytes:
            raise OutputInvalid(f"zip expands to {declared} bytes, more than {max_total_bytes}")
        pngs = 0
        total = 0
        names: set[str] = set()
        sizes: set[tuple[int, int]] = set()
        for info in infos:
            name = info.filename
            if info.is_dir():
                continue
            norm = posixpath.normpath(name)
            if name.startswith(("/", "\\")) or norm.startswith("..") or "\\" in name or ":" in name:
                raise OutputInvalid(f"zip entry {name!r} has an unsafe path")
            if norm in names:
                raise OutputInvalid(f"zip entry {name!r} appears twice")
            names.add(norm)
            if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO:
                raise OutputInvalid(f"zip entry {name!r} is compressed suspiciously well (a bomb?)")
            body = _inflate(archive, info, max_total_bytes - total)
            total += len(body)
            lower = name.lower()
            if lower.endswith(".png"):
                report = validate_png(body)
                sizes.add((report["width"], report["height"]))
                pngs += 1
            elif lower.endswith(".json"):
                parse_json(body, f"zip entry {name!r} (JSON)")
            elif frames_only:
                raise OutputInvalid(f"zip entry {name!r} is neither a PNG nor JSON")
    if pngs < min_pngs:
        raise OutputInvalid(f"zip holds {pngs} PNG(s), expected at least {min_pngs}")
    return {"entries": len(names), "pngs": pngs, "bytes": total, "frame_sizes": sorted(sizes)}


def _validate(data: bytes) -> dict[str, Any]:
    return validate_zip(data)


FORMAT = Format(
    id="zip",
    name="Zip archive",
    mimes=("application/zip", "application/x-zip-compressed"),
    kind="archive",
    suffixes=(".zip",),
    validate=_validate,
    sniff=signature(b"PK\x03\x04", b"PK\x05\x06"),
)
