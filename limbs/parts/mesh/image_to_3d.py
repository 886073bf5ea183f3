"""Mesh · Picture to 3D: Turns a picture into a 3D model you can spin around.

The picture's silhouette is extruded into a bevelled solid (sprites, logos, stickers), or its
brightness is raised as a relief on a closed slab (scenes, photos). The GLB is written by
hand so that the bytes are fully deterministic and the Khronos validator sees exactly what
we intend (no exporter timestamps, no dict-order surprises).
"""

from __future__ import annotations

import io
import json
import math
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

from limbs.craft import words as words
from limbs.craft.draw.fields import blur_float, components
from limbs.params import IMAGE, asset, choice, kw, number
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output

F32 = npt.NDArray[np.float32]
U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

MAX_PIXELS = 4096 * 4096
MAX_SIDE = 8192
MAX_TEXTURE = 2048
PIXEL_ART_MAX = 64
_GRID = {"extrude": {"low": 96, "medium": 128, "high": 192}, "relief": {"low": 64, "medium": 96, "high": 128}}
_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}

# glTF constants.
_FLOAT = 5126
_UINT16 = 5123
_UINT32 = 5125
_ARRAY_BUFFER = 34962
_ELEMENT_ARRAY_BUFFER = 34963
_NEAREST = 9728
_LINEAR = 9729
_LINEAR_MIPMAP_LINEAR = 9987
_CLAMP = 33071


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _decode(data: bytes) -> U8:
    """RGBA pixels of the first frame, or a GeneratorInputError a person can act on."""
    kind = _sniff(data)
    if kind is None:
        raise GeneratorInputError(
            "image", "That file is not a picture I can read. Please use a PNG, JPEG, GIF or WebP image."
        )
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.format not in _FORMATS:
                raise GeneratorInputError("image", "Please use a PNG, JPEG, GIF or WebP image.")
            w, h = im.size
            if w < 1 or h < 1 or w * h > MAX_PIXELS or max(w, h) > MAX_SIDE:
                limit = MAX_PIXELS // 1_000_000
                raise GeneratorInputError(
                    "image",
                    f"The picture is too big ({w}x{h}). Please use one of at most {limit} megapixels.",
                )
            im.seek(0)
            frame = ImageOps.exif_transpose(im) if kind == "JPEG" else im
            if frame.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
                raw = np.asarray(frame, dtype=np.float64)
                top = float(raw.max()) or 1.0
                frame = Image.fromarray((np.clip(raw / top, 0.0, 1.0) * 255.0).astype(np.uint8))
            rgba = np.array(frame.convert("RGBA"), dtype=np.uint8)
    except GeneratorInputError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
        Image.DecompressionBombError,
    ) as exc:
        raise GeneratorInputError(
            "image", "The picture could not be read; it may be damaged or cut short."
        ) from exc
    if not (rgba[..., 3] >= 128).any():
        raise GeneratorInputError(
            "image", "The picture is completely see-through, so there is nothing to turn into 3D."
        )
    return rgba


# ---------------------------------------------------------------------------------------
# Working out the shape
# ---------------------------------------------------------------------------------------


def _neighbours4(mask: Bool) -> Bool:
    p = np.pad(mask, 1)
    return p[:-2, 1:-1] | p[2:, 1:-1] | p[1:-1, :-2] | p[1:-1, 2:]


def _flood_from_border(passable: Bool) -> Bool:
    """Cells reachable from the image border through ``passable`` cells (vectorised BFS)."""
    reached = np.zeros_like(passable)
    reached[0, :] = passable[0, :]
    reached[-1, :] = passable[-1, :]
    reached[:, 0] |= passable[:, 0]
    reached[:, -1] |= passable[:, -1]
    while True:
        grown = (reached | _neighbours4(reached)) & passable
        if np.array_equal(grown, reached):
            return reached
        reached = grown


def _drop_specks(mask: Bool, minimum: int) -> Bool:
    if not mask.any():
        return mask
    labels = components(mask)
    counts = np.bincount(labels[labels >= 0])
    keep = np.nonzero(counts >= min(minimum, int(counts.max())))[0]
    return np.isin(labels, keep) & mask


def _border_background(rgb: F32) -> tuple[F32, float] | None:
    """The dominant border colour and how much of the border it covers."""
    h, w = rgb.shape[:2]
    k = max(1, min(h, w) // 64)
    ring = np.concatenate(
        [
            rgb[:k].reshape(-1, 3),
            rgb[-k:].reshape(-1, 3),
            rgb[:, :k].reshape(-1, 3),
            rgb[:, -k:].reshape(-1, 3),
        ]
    )
    if len(ring) == 0:
        return None
    colour = np.median(ring, axis=0).astype(np.float32)
    share = float((np.linalg.norm(ring - colour, axis=1) < 0.16).mean())
    return colour, share


def _cell_grid(w: int, h: int, cells: int) -> tuple[int, int]:
    if max(w, h) <= PIXEL_ART_MAX:
        return w, h
    size = max(w, h) / cells
    return max(1, round(w / size)), max(1, round(h / size))


def _to_grid(field: F32, gx: int, gy: int) -> F32:
    if field.shape == (gy, gx):
        return field
    return np.asarray(
        Image.fromarray(field.astype(np.float32)).resize((gx, gy), Image.Resampling.BOX), dtype=np.float32
    )


@dataclass(frozen=True)
class Shape:
    mode: str
    cells: Bool  # filled cells, (gy, gx)
    valid: Bool  # pixels that belong to the object (texture bleeding), (h, w)
    height: F32 | None  # relief heights at grid vertices (gy+1, gx+1), 0..1


def _plan_shape(rgba: U8, mode: str, tension: str) -> Shape:
    h, w = rgba.shape[:2]
    rgb = rgba[..., :3].astype(np.float32) / 255.0
    alpha = rgba[..., 3].astype(np.float32) / 255.0
    opaque = alpha >= 0.5
    see_through = 1.0 - float(opaque.mean())
    border = _border_background(rgb) if see_through < 0.02 else None
    background: Bool | None = None
    if border is not None:
        colour, share = border
        if share >= 0.85:
            background = np.linalg.norm(rgb - colour, axis=2) < 0.16
    if mode == "auto":
        if see_through >= 0.02 or (background is not None and 0.03 < 1.0 - float(background.mean()) < 0.97):
            mode = "extrude"
        else:
            mode = "relief"
    gx, gy = _cell_grid(w, h, _GRID[mode].get(tension, _GRID[mode]["medium"]))
    pixel_cells = (gx, gy) == (w, h)

    if mode == "relief":
        lum = (rgb @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)) * alpha
        # Heights live on grid corners; a light blur keeps photo noise from becoming spikes.
        corners = np.asarray(
            Image.fromarray(lum).resize((gx + 1, gy + 1), Image.Resampling.BILINEAR), dtype=np.float32
        )
        if not pixel_cells:
            corners = blur_float(corners, 0.8)
        span = float(corners.max() - corners.min())
        height = (corners - corners.min()) / span if span > 1e-6 else np.full_like(corners, 0.5)
        return Shape("relief", np.ones((gy, gx), dtype=bool), opaque, height.astype(np.float32))

    if see_through >= 0.02:
        pixel_mask = opaque
        cells = opaque if pixel_cells else _to_grid(opaque.astype(np.float32), gx, gy) >= 0.5
    elif background is not None:
        bg_cells = background if pixel_cells else _to_grid(background.astype(np.float32), gx, gy) >= 0.5
        cells = ~_flood_from_border(bg_cells)
        if pixel_cells:
            pixel_mask = cells
        else:
            # Only backdrop-coloured pixels next to the outside are backdrop; white eyes stay.
            near_out = _neighbours4(~cells) | ~cells
            up = [
                np.asarray(Image.fromarray(m.astype(np.uint8) * 255).resize((w, h), Image.Resampling.NEAREST))
                > 0
                for m in (cells, near_out)
            ]
            pixel_mask = up[0] & ~(background & up[1])
    else:
        cells = np.ones((gy, gx), dtype=bool)
        pixel_mask = np.ones((h, w), dtype=bool)
    if not pixel_cells:
        cells = _drop_specks(cells, 4)
    if not cells.any():
        # Nothing stood out from the background: make a picture card instead of nothing.
        cells = np.ones((gy, gx), dtype=bool)
        pixel_mask = np.ones((h, w), dtype=bool)
    return Shape("extrude", cells, pixel_mask if pixel_mask.any() else opaque, None)


# ---------------------------------------------------------------------------------------
# Geometry
# ---------------------------------------------------------------------------------------


@dataclass
class Geometry:
    positions: F32
    normals: F32
    uvs: F32
    indices: npt.NDArray[np.uint32]


def _vertex_normals(pos: npt.NDArray[np.float64], tris: I64) -> npt.NDArray[np.float64]:
    a, b, c = pos[tris[:, 0]], pos[tris[:, 1]], pos[tris[:, 2]]
    face = np.cross(b - a, c - a)  # area-weighted
    out = np.zeros_like(pos)
    for k in range(3):
        for axis in range(3):
            out[:, axis] += np.bincount(tris[:, k], weights=face[:, axis], minlength=len(pos))
    length = np.linalg.norm(out, axis=1, keepdims=True)
    # A vertex whose faces cancel out gets the surface's own facing instead of NaN.
    fallback = np.sign(face[:, 2].sum()) or 1.0
    out = np.where(length > 1e-12, out / np.where(length > 1e-12, length, 1.0), [0.0, 0.0, fallback])
    return out


def _rim_distance(used: Bool, boundary: Bool, reach: int) -> F32:
    """Grid steps from each used vertex to the nearest boundary vertex, capped at ``reach``."""
    dist = np.full(used.shape, float(reach), dtype=np.float32)
    front = boundary.copy()
    seen = boundary.copy()
    for step in range(reach):
        dist[front & (dist > step)] = step
        front = _neighbours4(front) & used & ~seen
        seen |= front
        if not front.any():
            break
    return dist


def _build(shape: Shape, depth: float) -> tuple[Geometry, list[list[float]]]:
    cells = shape.cells
    gy, gx = cells.shape
    rows, cols = np.nonzero(cells)
    r0, r1, c0, c1 = int(rows.min()), int(rows.max()) + 1, int(cols.min()), int(cols.max()) + 1
    extent = max(r1 - r0, c1 - c0)
    cs = 1.0 / extent  # model units per cell: the larger side is one unit
    width_units = (c1 - c0) * cs
    thick = depth * width_units

    # Corners used by at least one filled cell, and which of them lie on the outline.
    pad = np.pad(cells, 1)
    around = [pad[:-1, :-1], pad[:-1, 1:], pad[1:, :-1], pad[1:, 1:]]
    used = around[0] | around[1] | around[2] | around[3]
    inside = around[0] & around[1] & around[2] & around[3]
    boundary = used & ~inside

    jj, ii = np.meshgrid(np.arange(gx + 1, dtype=np.float64), np.arange(gy + 1, dtype=np.float64))
    if shape.mode == "extrude" and max(gx, gy) > PIXEL_ART_MAX:
        jj, ii = _smooth_outline(cells, jj, ii)
    x = (jj - (c0 + c1) / 2.0) * cs
    y = ((r0 + r1) / 2.0 - ii) * cs
    if shape.mode == "relief" and shape.height is not None:
        base = thick * 0.3
        z_front = -thick / 2 + base + (thick - base) * shape.height.astype(np.float64)
        z_back = np.full(x.shape, -thick / 2)
    else:
        # A rounded bevel: the rim dips back over a few cells (one for pixel art).
        reach = 1 if max(gx, gy) <= PIXEL_ART_MAX else 3
        bevel = min(0.35 * cs * reach, 0.18 * thick)
        rim = _rim_distance(used, boundary, reach).astype(np.float64)
        dip = bevel * (1.0 - rim / reach) ** 2
        z_front = thick / 2 - dip
        z_back = -thick / 2 + dip

    vid = np.full((gy + 1, gx + 1), -1, dtype=np.int64)
    vid[used] = np.arange(int(used.sum()))
    grid_pos = np.stack([x[used], y[used], np.zeros(int(used.sum()))], axis=1).astype(np.float64)
    grid_uv = np.stack([np.clip(jj[used] / gx, 0.0, 1.0), np.clip(ii[used] / gy, 0.0, 1.0)], axis=1)
    a, b = vid[rows, cols], vid[rows, cols + 1]
    c, d = vid[rows + 1, cols], vid[rows + 1, cols + 1]
    # Counter-clockwise seen from +z (x right, y up, rows run downwards).
    front_tris = np.concatenate([np.stack([a, c, d], 1), np.stack([a, d, b], 1)])

    front_pos = grid_pos.copy()
    front_pos[:, 2] = z_front[used]
    front_n = _vertex_normals(front_pos, front_tris)

    parts_pos = [front_pos]
    parts_n = [front_n]
    parts_uv = [grid_uv]
    parts_tri = [front_tris]
    offset = len(front_pos)

    if shape.mode == "relief":
        back_pos, back_uv, back_tris = _fan_bottom(x, y, gx, gy, -thick / 2)
        back_n = np.tile([0.0, 0.0, -1.0], (len(back_pos), 1))
    else:
        back_pos = grid_pos.copy()
        back_pos[:, 2] = z_back[used]
        back_uv = grid_uv
        back_tris = front_tris[:, [0, 2, 1]]
        back_n = _vertex_normals(back_pos, back_tris)
    parts_pos.append(back_pos)
    parts_n.append(back_n)
    parts_uv.append(back_uv)
    parts_tri.append(back_tris + offset)
    offset += len(back_pos)

    wall_pos, wall_n, wall_uv, wall_tris = _walls(cells, x, y, z_front, z_back)
    parts_pos.append(wall_pos)
    parts_n.append(wall_n)
    parts_uv.append(wall_uv)
    parts_tri.append(wall_tris + offset)

    pos = np.concatenate(parts_pos)
    # Centre on the bounding box so the model sits at the origin.
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    pos -= (lo + hi) / 2.0
    pos32 = pos.astype(np.float32)
    normals = np.concatenate(parts_n)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    geometry = Geometry(
        positions=pos32,
        normals=normals.astype(np.float32),
        uvs=np.concatenate(parts_uv).astype(np.float32),
        indices=np.concatenate(parts_tri).reshape(-1).astype(np.uint32),
    )
    bounds = [[float(v) for v in pos32.min(axis=0)], [float(v) for v in pos32.max(axis=0)]]
    return geometry, bounds


def _smooth_outline(
    cells: Bool, jj: npt.NDArray[np.float64], ii: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """One Laplacian pass over outline corners only, so curves lose their grid staircase.

    Each corner with exactly two outline edges moves halfway to their midpoint (at most a
    quarter cell), which turns 45-degree stairs into straight diagonals without folding
    any cell. Pinch points and interior corners stay put.
    """
    pad = np.pad(cells, 1)
    # Horizontal edge (i, j)-(i, j+1) separates cells (i-1, j) and (i, j).
    h_edge = pad[:-1, 1:-1] != pad[1:, 1:-1]
    # Vertical edge (i, j)-(i+1, j) separates cells (i, j-1) and (i, j).
    v_edge = pad[1:-1, :-1] != pad[1:-1, 1:]
    shape = jj.shape
    count = np.zeros(shape)
    sum_j = np.zeros(shape)
    sum_i = np.zeros(shape)
    for coords, total in ((jj, sum_j), (ii, sum_i)):
        total[:, :-1] += np.where(h_edge, coords[:, 1:], 0.0)
        total[:, 1:] += np.where(h_edge, coords[:, :-1], 0.0)
        total[:-1, :] += np.where(v_edge, coords[1:, :], 0.0)
        total[1:, :] += np.where(v_edge, coords[:-1, :], 0.0)
    count[:, :-1] += h_edge
    count[:, 1:] += h_edge
    count[:-1, :] += v_edge
    count[1:, :] += v_edge
    move = count == 2
    safe = np.maximum(count, 1)
    new_j = np.where(move, 0.5 * jj + 0.5 * sum_j / safe, jj)
    new_i = np.where(move, 0.5 * ii + 0.5 * sum_i / safe, ii)
    # Narrow notches can fold a cell; put back the corners of any squashed triangle.
    rows, cols = np.nonzero(cells)
    for _ in range(4):
        bad = np.zeros(shape, dtype=bool)
        for tri in (((0, 0), (1, 0), (1, 1)), ((0, 0), (1, 1), (0, 1))):
            (ai, aj), (bi, bj), (ci, cj) = tri
            pa = (new_j[rows + ai, cols + aj], new_i[rows + ai, cols + aj])
            pb = (new_j[rows + bi, cols + bj], new_i[rows + bi, cols + bj])
            pc = (new_j[rows + ci, cols + cj], new_i[rows + ci, cols + cj])
            # Twice the signed area in grid units; an untouched half cell gives 1.
            area = (pb[0] - pa[0]) * (pc[1] - pa[1]) - (pb[1] - pa[1]) * (pc[0] - pa[0])
            squashed = np.abs(area) < 0.25
            flipped = area * -1.0 < 0.0
            for di, dj in tri:
                bad[rows[squashed | flipped] + di, cols[squashed | flipped] + dj] = True
        bad &= move
        if not bad.any():
            break
        new_j[bad] = jj[bad]
        new_i[bad] = ii[bad]
        move &= ~bad
    return new_j, new_i


def _fan_bottom(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], gx: int, gy: int, z: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], I64]:
    """A flat bottom for the relief slab, fanned from its centre so its rim matches the walls."""
    loop = (
        [(0, j) for j in range(gx)]
        + [(i, gx) for i in range(gy)]
        + [(gy, j) for j in range(gx, 0, -1)]
        + [(i, 0) for i in range(gy, 0, -1)]
    )
    li = np.array([p[0] for p in loop])
    lj = np.array([p[1] for p in loop])
    ring = np.stack([x[li, lj], y[li, lj], np.full(len(loop), z)], axis=1)
    centre = np.array([[(x[0, 0] + x[0, gx]) / 2, (y[0, 0] + y[gy, 0]) / 2, z]])
    pos = np.concatenate([centre, ring])
    uv = np.concatenate([[[0.5, 0.5]], np.stack([lj / gx, li / gy], axis=1)])
    n = len(loop)
    k = np.arange(n)
    # The loop runs clockwise seen from +z, so (centre, k, k+1) faces -z: outward for a bottom.
    tris = np.stack([np.zeros(n, dtype=np.int64), 1 + k, 1 + (k + 1) % n], axis=1)
    return pos, uv, tris


def _walls(
    cells: Bool,
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    zf: npt.NDArray[np.float64],
    zb: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64], I64]:
    """Side walls along every edge between a filled cell and an empty one (or the frame)."""
    gy, gx = cells.shape
    pad = np.pad(cells, 1)
    pos: list[npt.NDArray[np.float64]] = []
    nrm: list[npt.NDArray[np.float64]] = []
    uvs: list[npt.NDArray[np.float64]] = []
    # (neighbour offset, edge start corner, edge end corner, flip winding); the outward
    # normals are +y, +x, -y, -x.
    sides = (
        ((-1, 0), (0, 0), (0, 1), False),
        ((0, 1), (0, 1), (1, 1), False),
        ((1, 0), (1, 0), (1, 1), True),
        ((0, -1), (0, 0), (1, 0), True),
    )
    tris: list[I64] = []
    count = 0
    for (di, dj), (si, sj), (ei, ej), flip in sides:
        open_side = cells & ~pad[1 + di : 1 + di + gy, 1 + dj : 1 + dj + gx]
        r, c = np.nonzero(open_side)
        n = len(r)
        if n == 0:
            continue
        p0 = (r + si, c + sj)
        p1 = (r + ei, c + ej)
        quad = np.stack(
            [
                np.stack([x[p0], y[p0], zf[p0]], 1),
                np.stack([x[p1], y[p1], zf[p1]], 1),
                np.stack([x[p1], y[p1], zb[p1]], 1),
                np.stack([x[p0], y[p0], zb[p0]], 1),
            ],
            axis=1,
        ).reshape(-1, 3)
        pos.append(quad)
        # Outward and horizontal; smoothed outlines are no longer axis-aligned, so use the edge.
        dx, dy = x[p1] - x[p0], y[p1] - y[p0]
        sign = -1.0 if flip else 1.0
        edge_n = np.stack([-dy * sign, dx * sign, np.zeros(n)], axis=1)
        edge_n /= np.linalg.norm(edge_n, axis=1, keepdims=True)
        nrm.append(np.repeat(edge_n, 4, axis=0))
        # The whole wall takes the colour of the cell it borders.
        uv = np.stack([(c + 0.5) / gx, (r + 0.5) / gy], axis=1)
        uvs.append(np.repeat(uv, 4, axis=0))
        base = count + 4 * np.arange(n)[:, None]
        local = np.array([[0, 2, 1], [0, 3, 2]]) if flip else np.array([[0, 1, 2], [0, 2, 3]])
        tris.append((base[:, None, :] + local[None, :, :]).reshape(-1, 3))
        count += 4 * n
    if not pos:
        return np.zeros((0, 3)), np.zeros((0, 3)), np.zeros((0, 2)), np.zeros((0, 3), dtype=np.int64)
    return np.concatenate(pos), np.concatenate(nrm), np.concatenate(uvs), np.concatenate(tris)


# ---------------------------------------------------------------------------------------
# Texture and GLB
# ---------------------------------------------------------------------------------------


def _bleed(rgb: F32, valid: Bool) -> F32:
    """Fill invalid pixels with nearby valid colours (push-pull), so edges never show backdrop."""
    if valid.all() or not valid.any():
        return rgb
    levels: list[tuple[F32, F32]] = []
    colour = rgb * valid[..., None]
    weight = valid.astype(np.float32)
    while True:
        levels.append((colour, weight))
        h, w = weight.shape
        if h == 1 and w == 1:
            break
        ph, pw = h + h % 2, w + w % 2
        colour = np.pad(colour, ((0, ph - h), (0, pw - w), (0, 0)))
        weight = np.pad(weight, ((0, ph - h), (0, pw - w)))
        colour = colour.reshape(ph // 2, 2, pw // 2, 2, 3).sum(axis=(1, 3))
        weight = weight.reshape(ph // 2, 2, pw // 2, 2).sum(axis=(1, 3))
    filled = levels[-1][0] / np.maximum(levels[-1][1], 1e-6)[..., None]
    for colour, weight in reversed(levels[:-1]):
        h, w = weight.shape
        up = np.repeat(np.repeat(filled, 2, axis=0), 2, axis=1)[:h, :w]
        own = colour / np.maximum(weight, 1e-6)[..., None]
        filled = np.where((weight > 0)[..., None], own, up)
    return np.where(valid[..., None], rgb, filled).astype(np.float32)


def _texture_png(rgba: U8, valid: Bool) -> bytes:
    rgb = rgba[..., :3].astype(np.float32) / 255.0
    rgb = _bleed(rgb, valid)
    img = Image.fromarray((np.clip(rgb, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8))
    if max(img.size) > MAX_TEXTURE:
        k = MAX_TEXTURE / max(img.size)
        img = img.resize(
            (max(1, round(img.width * k)), max(1, round(img.height * k))), Image.Resampling.LANCZOS
        )
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def _pad4(data: bytes, fill: bytes = b"\x00") -> bytes:
    return data + fill * (-len(data) % 4)


def write_glb(geometry: Geometry, texture: bytes, *, nearest: bool, name: str) -> bytes:
    """A single-mesh, single-material GLB with an embedded PNG base colour texture."""
    count = len(geometry.positions)
    small = count < 65535  # 65535 itself is the primitive-restart value
    indices = geometry.indices.astype(np.uint16 if small else np.uint32)
    blobs = [
        (indices.tobytes(), _ELEMENT_ARRAY_BUFFER),
        (geometry.positions.astype("<f4").tobytes(), _ARRAY_BUFFER),
        (geometry.normals.astype("<f4").tobytes(), _ARRAY_BUFFER),
        (geometry.uvs.astype("<f4").tobytes(), _ARRAY_BUFFER),
        (texture, None),
    ]
    views: list[dict[str, Any]] = []
    binary = b""
    for blob, target in blobs:
        view: dict[str, Any] = {"buffer": 0, "byteOffset": len(binary), "byteLength": len(blob)}
        if target is not None:
            view["target"] = target
        views.append(view)
        binary += _pad4(blob)
    lo = [float(v) for v in geometry.positions.min(axis=0)]
    hi = [float(v) for v in geometry.positions.max(axis=0)]
    doc: dict[str, Any] = {
        "asset": {"version": "2.0", "generator": "POG Studio procedural mesh"},
        "scene": 0,
        "scenes": [{"name": name, "nodes": [0]}],
        "nodes": [{"name": name, "mesh": 0}],
        "meshes": [
            {
                "name": name,
                "primitives": [
                    {
                        "attributes": {"POSITION": 1, "NORMAL": 2, "TEXCOORD_0": 3},
                        "indices": 0,
                        "material": 0,
                        "mode": 4,
                    }
                ],
            }
        ],
        "materials": [
            {
                "name": f"{name}-picture",
                "pbrMetallicRoughness": {
                    "baseColorTexture": {"index": 0},
                    "metallicFactor": 0.0,
                    "roughnessFactor": 0.8,
                },
            }
        ],
        "textures": [{"sampler": 0, "source": 0}],
        "samplers": [
            {
                "magFilter": _NEAREST if nearest else _LINEAR,
                "minFilter": _NEAREST if nearest else _LINEAR_MIPMAP_LINEAR,
                "wrapS": _CLAMP,
                "wrapT": _CLAMP,
            }
        ],
        "images": [{"bufferView": 4, "mimeType": "image/png"}],
        "accessors": [
            {
                "bufferView": 0,
                "componentType": _UINT16 if small else _UINT32,
                "count": len(indices),
                "type": "SCALAR",
            },
            {"bufferView": 1, "componentType": _FLOAT, "count": count, "type": "VEC3", "min": lo, "max": hi},
            {"bufferView": 2, "componentType": _FLOAT, "count": count, "type": "VEC3"},
            {"bufferView": 3, "componentType": _FLOAT, "count": count, "type": "VEC2"},
        ],
        "bufferViews": views,
        "buffers": [{"byteLength": len(binary)}],
    }
    body = _pad4(json.dumps(doc, separators=(",", ":"), ensure_ascii=True).encode("utf-8"), b" ")
    total = 12 + 8 + len(body) + 8 + len(binary)
    return b"".join(
        [
            struct.pack("<4sII", b"glTF", 2, total),
            struct.pack("<I4s", len(body), b"JSON"),
            body,
            struct.pack("<I4s", len(binary), b"BIN\x00"),
            binary,
        ]
    )


def make(req: GenRequest) -> GenResult:
    data = req.inputs.get("image")
    if not data:
        raise GeneratorInputError("image", "Please attach a picture to turn into 3D.")
    mode = str(req.params.get("mode", "auto"))
    depth = float(req.params.get("depth", 0.25))
    if not math.isfinite(depth):
        raise GeneratorInputError("depth", "Depth must be a number.")
    depth = min(1.0, max(0.05, depth))
    req.progress(0.1, "Looking at your picture")
    rgba = _decode(bytes(data))
    h, w = rgba.shape[:2]
    pixel_art = max(w, h) <= PIXEL_ART_MAX
    req.progress(0.3, "Finding the shape")
    shape = _plan_shape(rgba, mode, req.tension)
    req.progress(0.5, "Building it in 3D")
    geometry, bounds = _build(shape, depth)
    req.progress(0.75, "Painting it")
    texture = _texture_png(rgba, shape.valid)
    stem = words.slug(req.intent, "model")
    glb = write_glb(geometry, texture, nearest=pixel_art, name=stem)
    meta = {
        "vertices": len(geometry.positions),
        "triangles": int(len(geometry.indices) // 3),
        "mode": shape.mode,
        "bounds": bounds,
    }
    req.progress(1.0, "All done!")
    return GenResult(
        outputs=[Output(data=glb, mime="model/gltf-binary", name=f"{stem}.glb", role="main", meta=meta)],
        meta=meta,
    )


ACTION = ActionSpec(
    id="image_to_3d",
    name="Picture to 3D",
    description="Turns a picture into a 3D model you can spin around.",
    output="model",
    needs_intent=False,
    examples=("make my picture 3D", "turn my drawing into a 3D toy"),
    params=(
        asset(
            "image",
            "Picture",
            IMAGE,
            "The picture to turn into 3D. A see-through background works best.",
        ),
        choice(
            "mode",
            "Mode",
            ("auto", "extrude", "relief"),
            "auto",
            "Extrude pushes the outline out like a cookie; relief raises bright parts like a coin.",
        ),
        number("depth", "Depth", 0.25, 0.05, 1.0, "How thick the model is.", step=0.05),
    ),
    keywords=kw("picture, drawing, photo, image, sprite, extrude, relief"),
    make=make,
)
