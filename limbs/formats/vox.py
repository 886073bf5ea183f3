"""MagicaVoxel ``.vox`` models: the studio's own reader and the checks of the format's rules.

Layout (all integers little-endian int32): ``"VOX "``, a version (150 or 200), then the
``MAIN`` chunk. Every chunk is an id (4 bytes), its content size, its children's size, the
content, then the children. ``MAIN`` has no content; its children are an optional ``PACK``
(number of models), then one ``SIZE`` (x, y, z) followed by one ``XYZI`` (a count, then
x, y, z, colour index bytes per voxel) per model, an optional ``RGBA`` palette (256 colours,
1024 bytes) and, from version 200, scene, material and layer chunks the reader skips.
Colour index 0 means "empty", so a voxel's index is 1..255 and names palette entry index-1.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from limbs.formats.base import Format, OutputInvalid, signature

MAGIC = b"VOX "
VERSIONS = (150, 200)
MAX_SIDE = 256
MAX_VOXELS = 16 * 1024 * 1024
# Chunks from the 0.99 scene format and beyond: known, read past, not interpreted.
_SKIPPED = frozenset(
    {b"nTRN", b"nGRP", b"nSHP", b"MATL", b"LAYR", b"rOBJ", b"rCAM", b"NOTE", b"IMAP", b"MATT"}
)


@dataclass(frozen=True)
class VoxModel:
    size: tuple[int, int, int]
    # (x, y, z, colour index 1..255) per voxel.
    voxels: tuple[tuple[int, int, int, int], ...]


@dataclass(frozen=True)
class VoxFile:
    version: int
    models: tuple[VoxModel, ...]
    # 256 RGBA colours, or None when the file uses MagicaVoxel's default palette.
    palette: tuple[tuple[int, int, int, int], ...] | None


def _chunk(data: bytes, offset: int, end: int) -> tuple[bytes, bytes, int, int]:
    """(id, content, children start, children end) of the chunk at ``offset``."""
    if offset + 12 > end:
        raise OutputInvalid(f"VOX chunk header at byte {offset} is cut short")
    cid, content, children = struct.unpack_from("<4sii", data, offset)
    if content < 0 or children < 0:
        raise OutputInvalid(f"VOX chunk {cid!r} at byte {offset} has a negative size")
    body = offset + 12
    if body + content + children > end:
        raise OutputInvalid(f"VOX chunk {cid!r} at byte {offset} runs past its parent")
    return cid, data[body : body + content], body + content, body + content + children


def read_vox(data: bytes) -> VoxFile:
    if len(data) < 8 or not data.startswith(MAGIC):
        raise OutputInvalid("not a MagicaVoxel file (no 'VOX ' header)")
    (version,) = struct.unpack_from("<i", data, 4)
    if version not in VERSIONS:
        raise OutputInvalid(f"VOX version {version} is not one the studio reads ({VERSIONS})")
    cid, content, start, end = _chunk(data, 8, len(data))
    if cid != b"MAIN":
        raise OutputInvalid("VOX must start with a MAIN chunk")
    if content:
        raise OutputInvalid("the VOX MAIN chunk must have no content of its own")
    if end != len(data):
        raise OutputInvalid(f"VOX MAIN chunk ends at byte {end} but the file has {len(data)} bytes")
    expected: int | None = None
    pending: tuple[int, int, int] | None = None
    models: list[VoxModel] = []
    palette: tuple[tuple[int, int, int, int], ...] | None = None
    total = 0
    offset = start
    while offset < end:
        cid, body, kids, after = _chunk(data, offset, end)
        if pending is not None and cid != b"XYZI":
            raise OutputInvalid(f"VOX SIZE must be followed at once by XYZI, not {cid!r}")
        if cid == b"PACK":
            if models or expected is not None or len(body) != 4:
                raise OutputInvalid("VOX PACK must come first and hold one number")
            (expected,) = struct.unpack("<i", body)
            if not 1 <= expected <= 1024:
                raise OutputInvalid(f"VOX PACK says {expected} models")
        elif cid == b"SIZE":
            if len(body) != 12:
                raise OutputInvalid("VOX SIZE must hold x, y, z")
            x, y, z = struct.unpack("<iii", body)
            if not all(1 <= n <= MAX_SIDE for n in (x, y, z)):
                raise OutputInvalid(f"VOX model size {x}x{y}x{z} is outside 1..{MAX_SIDE}")
            pending = (x, y, z)
        elif cid == b"XYZI":
            if pending is None:
                raise OutputInvalid("VOX XYZI comes without a SIZE before it")
            if len(body) < 4:
                raise OutputInvalid("VOX XYZI is cut short")
            (count,) = struct.unpack_from("<i", body)
            if count < 0 or len(body) != 4 + 4 * count:
                raise OutputInvalid(f"VOX XYZI says {count} voxels but holds {max(0, len(body) - 4)} bytes")
            total += count
            if total > MAX_VOXELS:
                raise OutputInvalid("VOX file holds too many voxels")
            voxels = tuple(struct.iter_unpack("<BBBB", body[4:]))
            for vx, vy, vz, colour in voxels:
                if vx >= pending[0] or vy >= pending[1] or vz >= pending[2]:
                    raise OutputInvalid(f"VOX voxel ({vx}, {vy}, {vz}) lies outside its {pending} model")
                if colour == 0:
                    raise OutputInvalid("VOX voxel uses colour index 0, which means empty")
            models.append(VoxModel(pending, voxels))
            pending = None
        elif cid == b"RGBA":
            if len(body) != 1024 or palette is not None:
                raise OutputInvalid("VOX RGBA must appear once and hold 256 colours (1024 bytes)")
            palette = tuple(struct.iter_unpack("<BBBB", body))
        elif cid not in _SKIPPED:
            raise OutputInvalid(f"VOX chunk {cid!r} at byte {offset} is not one the format defines")
        if kids != after and cid not in _SKIPPED:
            raise OutputInvalid(f"VOX chunk {cid!r} must have no children")
        offset = after
    if pending is not None:
        raise OutputInvalid("VOX SIZE has no XYZI after it")
    if not models:
        raise OutputInvalid("VOX file holds no model")
    if expected is not None and expected != len(models):
        raise OutputInvalid(f"VOX PACK says {expected} models but the file holds {len(models)}")
    return VoxFile(version, tuple(models), palette)


def validate_vox(data: bytes) -> dict[str, Any]:
    vox = read_vox(data)
    return {
        "version": vox.version,
        "models": len(vox.models),
        "voxels": sum(len(m.voxels) for m in vox.models),
        "sizes": [list(m.size) for m in vox.models],
        "palette": "own" if vox.palette is not None else "default",
    }


def write_vox(models: list[VoxModel], palette: list[tuple[int, int, int, int]] | None = None) -> bytes:
    """A version-150 ``.vox`` of ``models`` (and a palette of up to 256 RGBA colours)."""

    def chunk(cid: bytes, body: bytes, children: bytes = b"") -> bytes:
        return cid + struct.pack("<ii", len(body), len(children)) + body + children

    children = b""
    if len(models) > 1:
        children += chunk(b"PACK", struct.pack("<i", len(models)))
    for model in models:
        children += chunk(b"SIZE", struct.pack("<iii", *model.size))
        voxels = b"".join(struct.pack("<BBBB", *v) for v in model.voxels)
        children += chunk(b"XYZI", struct.pack("<i", len(model.voxels)) + voxels)
    if palette is not None:
        colours = list(palette[:256]) + [(0, 0, 0, 255)] * (256 - len(palette[:256]))
        children += chunk(b"RGBA", b"".join(struct.pack("<BBBB", *c) for c in colours))
    return MAGIC + struct.pack("<i", 150) + chunk(b"MAIN", b"", children)


FORMAT = Format(
    id="vox",
    name="MagicaVoxel model",
    mimes=("model/x-vox", "application/x-vox", "application/vnd.magicavoxel"),
    kind="model",
    suffixes=(".vox",),
    validate=validate_vox,
    sniff=signature(MAGIC),
    read=read_vox,
)
