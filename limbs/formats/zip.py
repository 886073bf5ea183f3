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
# The ratio is judged once this much has inflated: a tiny file may compress freakishly well.
RATIO_GRACE_BYTES = 1024 * 1024
_CHUNK = 64 * 1024


class _Budget:
    """What the whole archive may still inflate to: a byte budget and a ratio budget.

    Both are checked after every chunk, over the archive so far (inflated bytes against the
    compressed bytes of the entries opened so far, never more than the archive's own size),
    so many small bombs add up like one and a lying header buys nothing.
    """

    def __init__(self, max_bytes: int, max_ratio: float, archive_size: int) -> None:
        self.max_bytes = max_bytes
        self.max_ratio = max_ratio
        self.archive_size = archive_size
        self.inflated = 0
        self.compressed = 0

    def open(self, info: zipfile.ZipInfo) -> None:
        # Declared sizes can lie; the compressed bytes can never be more than the archive holds.
        self.compressed = min(self.compressed + info.compress_size, self.archive_size)

    def take(self, n: int, name: str) -> None:
        self.inflated += n
        if self.inflated > self.max_bytes:
            raise OutputInvalid(f"zip entry {name!r} expands past the size limit of {self.max_bytes} bytes")
        if self.inflated > RATIO_GRACE_BYTES and self.inflated > self.max_ratio * max(self.compressed, 1):
            raise OutputInvalid(
                f"zip entry {name!r} is compressed suspiciously well (a bomb?): the archive inflates "
                f"past {self.max_ratio:g} times its compressed size"
            )


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget) -> bytes:
    """The entry's bytes, refusing it at the first chunk past the archive's budgets."""
    parts: list[bytes] = []
    budget.open(info)
    try:
        with archive.open(info) as entry:
            while chunk := entry.read(_CHUNK):
                budget.take(len(chunk), info.filename)
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
    max_ratio: float = MAX_ZIP_RATIO,
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
        budget = _Budget(max_total_bytes, max_ratio, len(data))
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
            if info.file_size > RATIO_GRACE_BYTES and info.file_size > max_ratio * max(info.compress_size, 1):
                raise OutputInvalid(f"zip entry {name!r} is compressed suspiciously well (a bomb?)")
            body = _inflate(archive, info, budget)
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
    return {"entries": len(names), "pngs": pngs, "bytes": budget.inflated, "frame_sizes": sorted(sizes)}


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
