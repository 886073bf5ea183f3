"""Image · Remove background: Makes the background of a picture see-through.

The border's main colours are flooded inward in Lab space; what they cannot reach is kept.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

from limbs.craft import words as words
from limbs.craft.pictures import decode_picture, png_bytes
from limbs.formats.png import validate_png
from limbs.params import IMAGE, asset, integer, kw
from limbs.parts.image._tools import Arr, apply_matrix, file_stem
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output, main_output

_XYZ = np.array(
    [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]], dtype=np.float32
)
_WHITE = np.array([0.95047, 1.0, 1.08883], dtype=np.float32)


def to_lab(rgb: Arr) -> Arr:
    """sRGB 0..255 -> CIE L*a*b*, so colour distances roughly follow what people see."""
    c = rgb.astype(np.float32) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = apply_matrix(lin, _XYZ) / _WHITE
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16.0 / 116.0)
    lab = np.empty_like(f)
    lab[..., 0] = 116.0 * f[..., 1] - 16.0
    lab[..., 1] = 500.0 * (f[..., 0] - f[..., 1])
    lab[..., 2] = 200.0 * (f[..., 1] - f[..., 2])
    return lab


def _hex(rgb: Arr | tuple[int, ...]) -> str:
    r, g, b = (int(v) for v in rgb)
    return words.hex_colour((r, g, b))


def _spread_runs(mask: Arr, reached: Arr) -> Arr:
    """Grow ``reached`` along each row: a whole run of mask pixels is reached if any of it is."""
    h, w = mask.shape
    m = np.zeros((h, w + 1), dtype=bool)  # a blank column keeps runs from joining across rows
    m[:, :w] = mask
    flat = m.ravel()
    starts = flat & ~np.concatenate(([False], flat[:-1]))
    ids = np.where(flat, np.cumsum(starts), 0)
    r = np.zeros((h, w + 1), dtype=bool)
    r[:, :w] = reached
    hit = np.bincount(ids[r.ravel() & flat], minlength=int(ids.max()) + 1) > 0
    hit[0] = False
    out: Arr = hit[ids].reshape(h, w + 1)[:, :w]
    return out


def flood(mask: Arr, seeds: Arr) -> Arr:
    """4-connected flood fill of ``mask`` from ``seeds``, alternating row and column sweeps."""
    reached = seeds & mask
    count = -1
    while int(reached.sum()) != count:
        count = int(reached.sum())
        reached = _spread_runs(mask, reached)
        reached = _spread_runs(mask.T, reached.T).T
    return reached


def _box_blur(a: Arr, r: int) -> Arr:
    if r < 1:
        return a
    out = a
    for axis in (0, 1):
        pad = [(0, 0), (0, 0)]
        pad[axis] = (r + 1, r)
        c = np.cumsum(np.pad(out, pad, mode="edge"), axis=axis, dtype=np.float32)
        n = out.shape[axis]
        hi = np.take(c, np.arange(2 * r + 1, 2 * r + 1 + n), axis=axis)
        lo = np.take(c, np.arange(0, n), axis=axis)
        out = (hi - lo) / np.float32(2 * r + 1)
    return out


def _background_colours(lab: Arr, rgb: Arr, ring: Arr) -> list[Arr]:
    """The border's dominant colours (each at least 15% of the border), as Lab."""
    border_rgb = rgb[ring].astype(np.int64) >> 4
    ids = (border_rgb[:, 0] << 8) | (border_rgb[:, 1] << 4) | border_rgb[:, 2]
    border_lab = lab[ring]
    counts = np.bincount(ids, minlength=4096)
    found: list[Arr] = []
    for b in np.argsort(-counts, kind="stable")[:3]:
        if counts[b] < 0.15 * len(ids) and found:
            break
        centre = border_lab[ids == b].mean(axis=0)
        if all(float(np.linalg.norm(centre - f)) > 8.0 for f in found):
            found.append(centre)
    return found


def make(req: GenRequest) -> GenResult:
    tolerance = int(req.params.get("tolerance", 30))
    feather = int(req.params.get("feather", 1))
    source = req.inputs.get("image")
    if source is None:
        raise GeneratorInputError("image", "Pick a picture whose background should go.")
    req.progress(0.1, "Looking at your picture")
    picture, _ = decode_picture(source, "image")
    arr = np.asarray(picture)
    h, w = arr.shape[:2]
    rgb = arr[..., :3]
    alpha0 = arr[..., 3].astype(np.float32) / 255.0
    lab = to_lab(rgb)
    ring = np.zeros((h, w), dtype=bool)
    ring[0, :] = ring[-1, :] = ring[:, 0] = ring[:, -1] = True
    visible_ring = ring & (alpha0 >= 0.5)
    req.progress(0.3, "Finding the background")
    # Tolerance 0..100 maps to a Lab distance of 0..50 (about 2 is the smallest visible step).
    threshold = tolerance * 0.5
    backgrounds = _background_colours(lab, rgb, visible_ring) if visible_ring.any() else []
    if backgrounds:
        dist = np.min([np.linalg.norm(lab - c, axis=-1) for c in backgrounds], axis=0)
    else:
        dist = np.full((h, w), np.inf, dtype=np.float32)
    candidate = (dist <= threshold) | (alpha0 < 0.03)
    req.progress(0.5, "Flooding in from the edges")
    bg = flood(candidate, ring)
    keep = (~bg).astype(np.float32)
    if feather > 0:
        # Blurring the kept mask and stretching its upper half gives a ramp inside the edge,
        # so no background colour is left around the subject.
        soft: Arr = np.clip(_box_blur(keep, feather) * 2.0 - 1.0, 0.0, 1.0) * keep
    else:
        soft = keep
    alpha = np.minimum(alpha0, soft)
    out = np.empty((h, w, 4), dtype=np.uint8)
    out[..., :3] = rgb
    out[..., 3] = np.round(alpha * 255.0).astype(np.uint8)
    out[out[..., 3] == 0, :3] = 0  # no stray colours hidden under full transparency
    data = png_bytes(Image.fromarray(out))
    lab_to_hex = []
    for c in backgrounds:
        near = np.argmin(np.linalg.norm(lab[visible_ring] - c, axis=-1))
        lab_to_hex.append(_hex(rgb[visible_ring][near]))
    meta = {
        "width": w,
        "height": h,
        "background": lab_to_hex,
        "removed": round(float(bg.mean()), 4),
        "tolerance": tolerance,
        "feather": feather,
    }
    req.progress(1.0, "All done!")
    name = f"{file_stem(req, 'cutout')}-cutout.png"
    return GenResult(
        outputs=[Output(data=data, mime="image/png", name=name, role="main", meta=meta)], meta=meta
    )


def check(outputs: Sequence[Output]) -> None:
    """A cut-out must carry transparency."""
    validate_png(main_output(outputs).data, require_alpha=True)


ACTION = ActionSpec(
    id="remove_background",
    name="Remove background",
    description="Makes the background of a picture see-through.",
    output="image",
    needs_intent=False,
    params=(
        asset("image", "Picture", IMAGE, "The picture whose background should go."),
        integer(
            "tolerance",
            "Tolerance",
            30,
            0,
            100,
            "How different a colour must be from the background to stay.",
        ),
        integer("feather", "Soft edge", 1, 0, 10, "Pixels of soft edge around what is kept."),
    ),
    keywords=kw("remove background, transparent, cut out, no background"),
    check=check,
    make=make,
)
