"""RuneScape Classic landscape sectors: ``.hei`` terrain, ``.dat`` walls/tiles, ``.loc`` objects.

A sector is 48 x 48 tiles named ``m{plane}{x:02}{y:02}``; every per-tile array here is a flat
numpy array of 2304 values indexed ``x * 48 + y`` (the cache's own order). Within a sector,
like the world, x grows westward and y grows southward, so a north-up picture puts tile
(x, y) at column ``47 - x``, row ``y``.

Run-length blocks come in two flavours: "zeros" (a byte b >= 128 gives b - 128 zeros) and
"repeat" (b >= 128 repeats the last literal b - 128 times). Every decoder consumes its entry
exactly; a run that overshoots tile 2304, missing bytes or leftover bytes raise
:class:`RelicFormatError` naming the offset.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from relics.formats.errors import RelicFormatError

SIZE = 48
TILES = SIZE * SIZE
HEIGHT_START = 64
COLOUR_START = 35
BACKSLASH_LANE = 12000
OBJECT_LANE = 48000
EXTENSIONS = ("hei", "dat", "loc")

U8 = NDArray[np.uint8]


def sector_name(plane: int, x: int, y: int, ext: str) -> str:
    """The cache entry name, e.g. ``sector_name(0, 50, 50, "hei") == "m05050.hei"``."""
    if ext not in EXTENSIONS:
        raise ValueError(f"sector extension must be one of {EXTENSIONS}, not {ext!r}")
    if not (0 <= plane <= 9 and 0 <= x <= 99 and 0 <= y <= 99):
        raise ValueError(f"sector coordinates out of range: plane {plane}, x {x}, y {y}")
    return f"m{plane}{x:02}{y:02}.{ext}"


def all_sector_names(planes: range = range(4)) -> Iterator[tuple[int, int, int, str]]:
    """Every possible ``(plane, x, y, name)`` (extension-less), to resolve archive name hashes."""
    for plane in planes:
        for x in range(100):
            for y in range(100):
                yield plane, x, y, f"m{plane}{x:02}{y:02}"


def resolve_sector_entries(
    hashes: Iterable[int], planes: range = range(4)
) -> dict[int, tuple[int, int, int, str]]:
    """Archive entry hash -> ``(plane, x, y, extension)`` for the hashes that are sector names.

    The same answer as hashing every ``sector_name`` of ``planes`` (as ``all_sector_names``
    does), but the 120 000 candidate names are hashed as digit arrays in numpy instead of
    one string at a time, which is most of the time to open a whole landscape otherwise.
    A hash two candidates share resolves to the first in (plane, x, y, extension) order.
    """
    if planes.start < 0 or planes.stop > 10 or planes.step != 1:
        raise ValueError(f"planes must be a contiguous range within 0..9, not {planes}")
    plane, x, y, ext = (
        a.ravel().astype(np.uint64)
        for a in np.meshgrid(
            np.arange(planes.start, planes.stop), np.arange(100), np.arange(100), np.arange(3), indexing="ij"
        )
    )
    zero = np.uint64(ord("0"))
    columns = [np.full_like(plane, ord("M")), zero + plane, zero + x // 10, zero + x % 10]
    columns += [zero + y // 10, zero + y % 10, np.full_like(plane, ord("."))]
    upper = np.array([[ord(c) for c in e.upper()] for e in EXTENSIONS], dtype=np.uint64)
    columns += [upper[ext.astype(np.intp), i] for i in range(3)]
    h = np.zeros_like(plane)
    for codes in columns:
        # jag.name_hash, one character of every candidate at a time.
        h = (h * np.uint64(61) + codes - np.uint64(32)) & np.uint64(0xFFFFFFFF)
    order = np.argsort(h, kind="stable")
    table = h[order]
    wanted = np.fromiter(hashes, dtype=np.uint64)
    at = np.minimum(np.searchsorted(table, wanted), max(len(table) - 1, 0))
    out: dict[int, tuple[int, int, int, str]] = {}
    for want, i in zip(wanted.tolist(), at.tolist(), strict=True):
        if len(table) and int(table[i]) == want:
            k = int(order[i])
            out[want] = (int(plane[k]), int(x[k]), int(y[k]), EXTENSIONS[int(ext[k])])
    return out


def _equal(a: object, b: object) -> bool:
    if type(a) is not type(b):
        return False
    for f in fields(a):  # type: ignore[arg-type]
        va, vb = getattr(a, f.name), getattr(b, f.name)
        if isinstance(va, np.ndarray) or isinstance(vb, np.ndarray):
            if not (isinstance(va, np.ndarray) and isinstance(vb, np.ndarray) and np.array_equal(va, vb)):
                return False
        elif va != vb:
            return False
    return True


def _tiles(values: Any, name: str) -> U8:
    arr = np.asarray(values)
    if arr.shape != (TILES,):
        raise ValueError(f"{name} must hold {TILES} values, got shape {arr.shape}")
    if arr.size and (arr.min() < 0 or arr.max() > 255):
        raise ValueError(f"{name} values must fit in a byte")
    return arr.astype(np.uint8)


@dataclass(eq=False)
class Terrain:
    """``.hei``: corner heights and ground colour values per tile (both even, 0..254)."""

    height: U8
    colour: U8

    def __eq__(self, other: object) -> bool:
        return _equal(self, other)

    def to_dict(self) -> dict[str, list[int]]:
        return {"height": self.height.tolist(), "colour": self.colour.tolist()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Terrain:
        return cls(_tiles(d["height"], "height"), _tiles(d["colour"], "colour"))


@dataclass(eq=False)
class Walls:
    """``.dat``: wall ids stored +1 (0 = none), roofs, floor overlays and tile directions."""

    vertical: U8
    horizontal: U8
    diagonal_slash: U8
    diagonal_backslash: U8
    roofs: U8
    overlays: U8
    directions: U8

    def __eq__(self, other: object) -> bool:
        return _equal(self, other)

    def to_dict(self) -> dict[str, list[int]]:
        return {f.name: getattr(self, f.name).tolist() for f in fields(self)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Walls:
        return cls(*(_tiles(d[f.name], f.name) for f in fields(cls)))


@dataclass(eq=False)
class Sector:
    """One sector's parts; a part is None when the cache has no entry for it."""

    plane: int
    x: int
    y: int
    terrain: Terrain | None = None
    walls: Walls | None = None
    objects: U8 | None = None  # ``.loc``: 0 = none, else object id + 1

    def __eq__(self, other: object) -> bool:
        return _equal(self, other)

    @property
    def name(self) -> str:
        return f"m{self.plane}{self.x:02}{self.y:02}"

    def diagonal_lane(self) -> NDArray[np.int32]:
        """The client's combined diagonal array: "/" raw, "\\" as v + 12000, objects as v + 48000."""
        lane = np.zeros(TILES, dtype=np.int32)
        if self.walls is not None:
            lane[:] = self.walls.diagonal_slash
            back = self.walls.diagonal_backslash
            lane[back > 0] = back[back > 0].astype(np.int32) + BACKSLASH_LANE
        if self.objects is not None:
            placed = self.objects > 0
            lane[placed] = self.objects[placed].astype(np.int32) + OBJECT_LANE
        return lane

    def object_ids(self) -> NDArray[np.int16]:
        """Object (loc) id per tile, -1 where there is none."""
        if self.objects is None:
            return np.full(TILES, -1, dtype=np.int16)
        return self.objects.astype(np.int16) - 1

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form: flat lists of 2304 values indexed ``x * 48 + y``."""
        return {
            "name": self.name,
            "plane": int(self.plane),
            "x": int(self.x),
            "y": int(self.y),
            "size": SIZE,
            "index": "x*48+y",
            "terrain": None if self.terrain is None else self.terrain.to_dict(),
            "walls": None if self.walls is None else self.walls.to_dict(),
            "objects": None if self.objects is None else self.objects.tolist(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Sector:
        return cls(
            int(d["plane"]),
            int(d["x"]),
            int(d["y"]),
            None if d.get("terrain") is None else Terrain.from_dict(d["terrain"]),
            None if d.get("walls") is None else Walls.from_dict(d["walls"]),
            None if d.get("objects") is None else _tiles(d["objects"], "objects"),
        )


# --- run-length blocks ----------------------------------------------------------------------


def _rle_block(buf: U8, pos: int, what: str, block: str, repeat: bool) -> tuple[U8, int]:
    """Decode one run-length block of 2304 tiles starting at ``pos``; returns (tiles, end)."""
    b = buf[pos:]
    counts = np.where(b < 128, 1, b.astype(np.int64) - 128)
    filled = np.cumsum(counts)
    k = int(np.searchsorted(filled, TILES))
    if k == len(b):
        have = int(filled[-1]) if len(b) else 0
        raise RelicFormatError(
            what,
            len(buf),
            f"more {block} run-length bytes",
            f"the end of the data after {have} of {TILES} tiles",
        )
    if filled[k] != TILES:
        raise RelicFormatError(
            what,
            pos + k,
            f"a {block} run ending at tile {TILES}",
            f"a run of {int(counts[k])} reaching tile {int(filled[k])}",
        )
    b, counts = b[: k + 1], counts[: k + 1]
    literal = b < 128
    if repeat:
        # Each run repeats the most recent literal (0 before the first one).
        last = np.maximum.accumulate(np.where(literal, np.arange(len(b)), -1))
        values = np.where(last >= 0, b[np.maximum(last, 0)], 0)
    else:
        values = np.where(literal, b, 0)
    return np.repeat(values.astype(np.uint8), counts), pos + k + 1


def _run_lengths(values: U8) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    edges = np.flatnonzero(np.diff(values.astype(np.int16))) + 1
    starts = np.concatenate([[0], edges]).astype(np.int64)
    lengths = np.diff(np.concatenate([starts, [len(values)]])).astype(np.int64)
    return starts, lengths


def _runs(n: int) -> bytes:
    """Run bytes covering ``n`` tiles, each covering at most 127."""
    full, rest = divmod(n, 127)
    return bytes([255]) * full + (bytes([128 + rest]) if rest else b"")


def _encode_rle(values: U8, repeat: bool, block: str) -> bytes:
    """Greedy run-length encoding; byte-identical to every sector of the client-204 cache."""
    values = np.asarray(values, dtype=np.uint8)
    if values.shape != (TILES,):
        raise ValueError(f"{block} must hold {TILES} values")
    if values.size and int(values.max()) >= 128:
        raise ValueError(f"{block} values must be below 128 to be stored")
    out = bytearray()
    last = 0  # a "repeat" run before any literal repeats 0, and Jagex's encoder relies on that
    starts, lengths = _run_lengths(values)
    for start, length in zip(starts.tolist(), lengths.tolist(), strict=True):
        v = int(values[start])
        if repeat:
            if v != last:
                out.append(v)
                last = v
                length -= 1
            out += _runs(length)
        elif v == 0:
            out += _runs(length)
        else:
            out += bytes([v]) * length
    return bytes(out)


def _as_buffer(data: bytes) -> U8:
    return np.frombuffer(data, dtype=np.uint8)


def _check_end(buf: U8, pos: int, what: str, part: str) -> None:
    if pos != len(buf):
        raise RelicFormatError(what, pos, f"the end of the {part}", f"{len(buf) - pos} leftover bytes")


# --- .hei -----------------------------------------------------------------------------------


def _undelta(raw: U8, start: int) -> U8:
    # Deltas run y outer, x inner; the arrays are stored x * 48 + y, hence the transposes.
    order = raw.reshape(SIZE, SIZE).T.ravel().astype(np.int64)
    last = (start + np.cumsum(order)) & 0x7F
    return (last * 2).astype(np.uint8).reshape(SIZE, SIZE).T.ravel()


def _delta(values: U8, start: int, name: str) -> U8:
    v = np.asarray(values, dtype=np.int64)
    if v.shape != (TILES,) or (v % 2).any() or v.min() < 0 or v.max() > 254:
        raise ValueError(f"{name} must be {TILES} even values in 0..254")
    order = (v.reshape(SIZE, SIZE).T.ravel() // 2).astype(np.int64)
    prev = np.concatenate([[start], order[:-1]])
    out: U8 = ((order - prev) & 0x7F).astype(np.uint8).reshape(SIZE, SIZE).T.ravel()
    return out


def decode_hei(data: bytes, what: str = "sector heights") -> Terrain:
    buf = _as_buffer(data)
    raw_h, pos = _rle_block(buf, 0, what, "height", repeat=True)
    raw_c, pos = _rle_block(buf, pos, what, "colour", repeat=True)
    _check_end(buf, pos, what, "heights")
    return Terrain(_undelta(raw_h, HEIGHT_START), _undelta(raw_c, COLOUR_START))


def encode_hei(terrain: Terrain) -> bytes:
    return _encode_rle(_delta(terrain.height, HEIGHT_START, "height"), True, "height") + _encode_rle(
        _delta(terrain.colour, COLOUR_START, "colour"), True, "colour"
    )


# --- .dat -----------------------------------------------------------------------------------


def decode_dat(data: bytes, what: str = "sector walls") -> Walls:
    buf = _as_buffer(data)
    raw: list[U8] = []
    for i, block in enumerate(("vertical wall", "horizontal wall", "'/' wall", "'\\' wall")):
        if len(buf) < (i + 1) * TILES:
            raise RelicFormatError(
                what, len(buf), f"{TILES} bytes of {block}s at offset {i * TILES}", "the end of the data"
            )
        raw.append(buf[i * TILES : (i + 1) * TILES].copy())
    pos = 4 * TILES
    roofs, pos = _rle_block(buf, pos, what, "roof", repeat=False)
    overlays, pos = _rle_block(buf, pos, what, "overlay", repeat=True)
    directions, pos = _rle_block(buf, pos, what, "direction", repeat=False)
    _check_end(buf, pos, what, "walls")
    vertical, horizontal, slash, backslash = raw
    return Walls(vertical, horizontal, slash, backslash, roofs, overlays, directions)


def encode_dat(walls: Walls) -> bytes:
    parts = [
        _tiles(a, n).tobytes()
        for a, n in (
            (walls.vertical, "vertical"),
            (walls.horizontal, "horizontal"),
            (walls.diagonal_slash, "diagonal_slash"),
            (walls.diagonal_backslash, "diagonal_backslash"),
        )
    ]
    parts.append(_encode_rle(walls.roofs, False, "roofs"))
    parts.append(_encode_rle(walls.overlays, True, "overlays"))
    parts.append(_encode_rle(walls.directions, False, "directions"))
    return b"".join(parts)


# --- .loc -----------------------------------------------------------------------------------


def decode_loc(data: bytes, what: str = "sector objects") -> U8:
    """Per tile: 0 for none, else object id + 1 (the client stores it as v + 48000)."""
    buf = _as_buffer(data)
    objects, pos = _rle_block(buf, 0, what, "object", repeat=False)
    _check_end(buf, pos, what, "objects")
    return objects


def encode_loc(objects: U8) -> bytes:
    return _encode_rle(np.asarray(objects, dtype=np.uint8), False, "objects")


# --- whole sectors --------------------------------------------------------------------------


def decode_sector(
    plane: int, x: int, y: int, hei: bytes | None = None, dat: bytes | None = None, loc: bytes | None = None
) -> Sector:
    base = f"m{plane}{x:02}{y:02}"
    return Sector(
        plane,
        x,
        y,
        None if hei is None else decode_hei(hei, f"{base}.hei"),
        None if dat is None else decode_dat(dat, f"{base}.dat"),
        None if loc is None else decode_loc(loc, f"{base}.loc"),
    )


def encode_sector(sector: Sector) -> dict[str, bytes]:
    """The entries (``{"m05050.hei": ..., ...}``) that hold ``sector``, for archive writers."""
    out: dict[str, bytes] = {}
    if sector.terrain is not None:
        out[f"{sector.name}.hei"] = encode_hei(sector.terrain)
    if sector.walls is not None:
        out[f"{sector.name}.dat"] = encode_dat(sector.walls)
    if sector.objects is not None:
        out[f"{sector.name}.loc"] = encode_loc(sector.objects)
    return out


def load_sector(lookup: Callable[[str], bytes | None], plane: int, x: int, y: int) -> Sector | None:
    """Decode a sector from ``lookup(entry_name)`` (e.g. land/maps .jag then .mem); None if absent."""
    parts = {ext: lookup(sector_name(plane, x, y, ext)) for ext in EXTENSIONS}
    if all(v is None for v in parts.values()):
        return None
    return decode_sector(plane, x, y, parts["hei"], parts["dat"], parts["loc"])


# --- rendering ------------------------------------------------------------------------------

# Terrain ramp anchors (colour value -> RGB): meadow greens through olive to earthy browns.
_RAMP_STOPS = (
    (0, (132, 178, 88)),
    (48, (104, 160, 66)),
    (96, (86, 134, 52)),
    (140, (118, 124, 60)),
    (180, (138, 112, 68)),
    (220, (120, 92, 58)),
    (255, (92, 72, 48)),
)

# Fallback overlay colours by overlay id (1-based, following client 204's tile list: road,
# water, wooden floor, bridge planks, stone floor, red carpet, swamp, hole, ...). A caller
# with the config passes colours derived from each tile's decoration instead.
DEFAULT_OVERLAY_COLOURS: dict[int, tuple[int, int, int] | None] = {
    1: (128, 124, 116),
    2: (46, 84, 170),
    3: (122, 84, 48),
    4: (110, 76, 44),
    5: (150, 146, 140),
    6: (176, 24, 36),
    7: (62, 92, 60),
    8: None,
    9: (200, 200, 200),
    10: (0, 0, 0),
    11: (200, 72, 16),
    12: (122, 84, 48),
    13: (32, 104, 168),
    14: (110, 20, 20),
    15: (72, 0, 64),
    16: (24, 24, 24),
    17: (210, 208, 200),
    18: (0, 0, 8),
    19: (0, 0, 0),
    20: (0, 0, 8),
    21: (0, 0, 8),
    22: (0, 0, 8),
    23: (136, 96, 0),
    24: (112, 64, 8),
    25: (46, 84, 170),
}

_WALL = (36, 30, 26)
_OBJECT = (196, 40, 40)
_ROOF_TINT = (150, 60, 50)


def terrain_ramp(values: NDArray[Any]) -> NDArray[np.float64]:
    """RGB (0..255 floats) for ground colour values 0..255."""
    xs = np.array([s[0] for s in _RAMP_STOPS], dtype=np.float64)
    cols = np.array([s[1] for s in _RAMP_STOPS], dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    return np.stack([np.interp(v, xs, cols[:, c]) for c in range(3)], axis=-1)


def _overlay_colour(
    overlay: int, colours: Mapping[int, tuple[int, int, int] | None]
) -> tuple[int, int, int] | None:
    if overlay in colours:
        return colours[overlay]
    # Unknown ids still need to stand out consistently: derive a stable muted colour.
    h = (overlay * 2654435761) & 0xFFFFFF
    return (64 + (h >> 16) % 128, 64 + (h >> 8) % 128, 64 + h % 128)


def _grid(values: NDArray[Any]) -> NDArray[Any]:
    """Flat x*48+y tiles -> image grid [row=y, col=47-x] (north up, west left)."""
    return values.reshape(SIZE, SIZE)[::-1].T


def render_sector_png(
    sector: Sector,
    overlay_colours: Mapping[int, tuple[int, int, int] | None] | None = None,
    scale: int = 8,
) -> bytes:
    """A north-up top-down map of ``sector`` as PNG bytes, ``48 * scale`` pixels square.

    ``overlay_colours`` maps overlay ids (1-based, as stored) to RGB or None (leave the
    ground visible); ids it lacks fall back to :data:`DEFAULT_OVERLAY_COLOURS`.
    """
    from PIL import Image, ImageDraw

    if not 1 <= scale <= 64:
        raise ValueError("scale must be between 1 and 64 pixels per tile")
    colours: dict[int, tuple[int, int, int] | None] = dict(DEFAULT_OVERLAY_COLOURS)
    if overlay_colours:
        colours.update(overlay_colours)

    if sector.terrain is not None:
        rgb = terrain_ramp(_grid(sector.terrain.colour))
        height = _grid(sector.terrain.height).astype(np.float64)
        # Light from the north-west: brighten slopes rising toward it, darken the others.
        dy = np.diff(height, axis=0, prepend=height[:1])
        dx = np.diff(height, axis=1, prepend=height[:, :1])
        shade = np.clip(1.0 - (dx + dy) * 0.012, 0.6, 1.35)
        rgb = rgb * shade[..., None]
    else:
        rgb = np.full((SIZE, SIZE, 3), 90.0)

    walls = sector.walls
    if walls is not None:
        overlays = _grid(walls.overlays)
        for overlay in np.unique(overlays).tolist():
            if overlay == 0:
                continue
            colour = _overlay_colour(int(overlay), colours)
            if colour is not None:
                rgb[overlays == overlay] = colour
        roofed = _grid(walls.roofs) > 0
        rgb[roofed] = rgb[roofed] * 0.55 + np.array(_ROOF_TINT) * 0.45

    tile_img = np.clip(rgb, 0, 255).astype(np.uint8)
    img = Image.fromarray(np.repeat(np.repeat(tile_img, scale, axis=0), scale, axis=1), "RGB")
    draw = ImageDraw.Draw(img)
    width = max(1, scale // 4)

    def point(wx: float, wy: float) -> tuple[float, float]:
        # World tile corner (wx, wy) -> pixel; x grows west so it runs right-to-left. Clamp so
        # walls on the sector's east and south borders stay inside the picture.
        edge = SIZE * scale - 1
        return (min((SIZE - wx) * scale, edge), min(wy * scale, edge))

    if walls is not None:
        for idx in np.flatnonzero(walls.horizontal).tolist():
            tx, ty = divmod(idx, SIZE)
            draw.line([point(tx, ty), point(tx + 1, ty)], fill=_WALL, width=width)
        for idx in np.flatnonzero(walls.vertical).tolist():
            tx, ty = divmod(idx, SIZE)
            draw.line([point(tx, ty), point(tx, ty + 1)], fill=_WALL, width=width)
        lane = sector.diagonal_lane()
        for idx in np.flatnonzero((lane > 0) & (lane < OBJECT_LANE)).tolist():
            tx, ty = divmod(idx, SIZE)
            if lane[idx] < BACKSLASH_LANE:
                draw.line([point(tx, ty), point(tx + 1, ty + 1)], fill=_WALL, width=width)
            else:
                draw.line([point(tx + 1, ty), point(tx, ty + 1)], fill=_WALL, width=width)
    if sector.objects is not None:
        r = max(1.0, scale / 4)
        for idx in np.flatnonzero(sector.objects).tolist():
            tx, ty = divmod(idx, SIZE)
            cx, cy = point(tx + 0.5, ty + 0.5)
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=_OBJECT)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()
