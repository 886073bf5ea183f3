"""Image · Variations: Makes new pictures that look like one you already have.

Colour shifts, palette swaps, flips, zooms and gentle warps, plus a contact sheet.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from limbs.craft import words as words
from limbs.craft.pictures import decode_picture, looks_like_pixel_art, png_bytes
from limbs.params import IMAGE, asset, integer, kw, number
from limbs.parts.image._tools import (
    Arr,
    apply_matrix,
    colour_bins,
    file_stem,
    kmeans,
    periodic_noise,
    request_rng,
    to_image,
)
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output

# Variations work on pictures at most this wide or tall (they are ideas, not masters).
_VARIATION_SIDE = 1024

# YIQ separates brightness (Y) from chroma (I, Q), so a hue turn is a rotation of (I, Q).
_YIQ = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]], dtype=np.float32)
_RGB_FROM_YIQ = np.linalg.inv(_YIQ).astype(np.float32)


def colour_matrix(hue_degrees: float, saturation: float = 1.0, value: float = 1.0) -> Arr:
    """One 3x3 matrix that turns hue, scales saturation and brightness of linear-ish RGB."""
    a = math.radians(hue_degrees)
    turn = np.array(
        [
            [value, 0.0, 0.0],
            [0.0, saturation * math.cos(a), -saturation * math.sin(a)],
            [0.0, saturation * math.sin(a), saturation * math.cos(a)],
        ],
        dtype=np.float32,
    )
    out: Arr = _RGB_FROM_YIQ @ turn @ _YIQ
    return out


_MESH_CELLS = 16


def _mesh(sx: Arr, sy: Arr, w: int, h: int) -> list[tuple[tuple[int, int, int, int], tuple[float, ...]]]:
    """Pillow MESH data: each output cell maps from the source quad at its corner coordinates.

    ``sx``/``sy`` hold the source position of every grid vertex ((n+1) x (m+1)); a smooth map
    (zoom, flip, gentle warp) is reproduced closely by these piecewise-affine quads.
    """
    xs = np.linspace(0, w, sx.shape[1]).round().astype(int)
    ys = np.linspace(0, h, sx.shape[0]).round().astype(int)
    data: list[tuple[tuple[int, int, int, int], tuple[float, ...]]] = []
    for r in range(len(ys) - 1):
        for c in range(len(xs) - 1):
            if xs[c + 1] <= xs[c] or ys[r + 1] <= ys[r]:
                continue
            quad = (
                float(sx[r, c]), float(sy[r, c]),
                float(sx[r + 1, c]), float(sy[r + 1, c]),
                float(sx[r + 1, c + 1]), float(sy[r + 1, c + 1]),
                float(sx[r, c + 1]), float(sy[r, c + 1]),
            )  # fmt: skip
            data.append(((int(xs[c]), int(ys[r]), int(xs[c + 1]), int(ys[r + 1])), quad))
    return data


def _field(rng: np.random.Generator, n: int) -> Arr:
    """Smooth noise in -1..1 on an n x n vertex grid (about three bumps across)."""
    out: Arr = (periodic_noise(rng, n, n / 3) - 0.5) * 2.0
    return out


def _colour_groups(picture: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, int]:
    """Label every pixel with its k-means colour group (an "L" image) for palette swaps."""
    src = np.asarray(picture)
    rgb = src[..., :3].reshape(-1, 3).astype(np.float32)
    opaque = src[..., 3].ravel() >= 128
    colours, weights = colour_bins(rgb[opaque] if opaque.any() else rgb)
    centres = np.array([c for c, _ in kmeans(colours, weights, 6, rng, 10)[0]], dtype=np.float32)
    # |p - c|^2 = |p|^2 - 2 p.c + |c|^2; the |p|^2 term does not change the winner.
    dot = rgb[:, 0:1] * centres[:, 0] + rgb[:, 1:2] * centres[:, 1] + rgb[:, 2:3] * centres[:, 2]
    score = (centres * centres).sum(axis=1)[None, :] - 2.0 * dot
    labels = np.argmin(score, axis=1).astype(np.uint8).reshape(src.shape[:2])
    return Image.fromarray(labels, mode="L"), len(centres)


def make(req: GenRequest) -> GenResult:
    amount = float(req.params.get("amount", 0.3))
    count = int(req.params.get("count", 4))
    source = req.inputs.get("image")
    if source is None:
        raise GeneratorInputError("image", "Pick a picture to make variations of.")
    picture, has_alpha = decode_picture(source, "image")
    if max(picture.size) > _VARIATION_SIDE:
        k = _VARIATION_SIDE / max(picture.size)
        picture = picture.resize(
            (max(1, round(picture.width * k)), max(1, round(picture.height * k))), Image.Resampling.LANCZOS
        )
    w, h = picture.size
    pixel_art = looks_like_pixel_art(picture)
    # Premultiplied alpha, so resampling never drags hidden colours into view.
    premul = picture.convert("RGBa")
    groups, n_groups = _colour_groups(picture, request_rng(req, "image.variation.groups"))
    resample = Image.Resampling.NEAREST if pixel_art else Image.Resampling.BILINEAR

    effective = max(amount, 0.03)  # "almost the same" still differs a little
    n = _MESH_CELLS + 1
    gy, gx = np.meshgrid(np.linspace(0, h, n), np.linspace(0, w, n), indexing="ij")
    outputs: list[Output] = []
    thumbs: list[Image.Image] = []
    stem = file_stem(req, "variation")
    for i in range(count):
        req.progress(0.1 + 0.8 * i / count, f"Making variation {i + 1}")
        rng = np.random.default_rng(words.derive_seed(req.seed, req.intent, f"image.variation.{i}"))
        steps: list[str] = []
        # Geometry: flip, zoom, shift and a gentle warp folded into one mesh transform.
        sx, sy = gx.copy(), gy.copy()
        if pixel_art:
            # Pixel art is only mirrored: zooms and warps would make its pixels uneven.
            if rng.random() < effective:
                sx = w - gx
                steps.append("flip")
        else:
            if rng.random() < effective:
                zoom = 1.0 + 0.3 * effective * float(rng.random())
                flip = -1.0 if rng.random() < 0.5 else 1.0
                cx = w / 2 + (rng.random() - 0.5) * w * 0.2 * effective
                cy = h / 2 + (rng.random() - 0.5) * h * 0.2 * effective
                sx = cx + (gx - w / 2) * flip / zoom
                sy = cy + (gy - h / 2) / zoom
                steps.append("flip+zoom" if flip < 0 else "zoom")
            warp = 0.035 * effective * min(w, h)
            if warp >= 0.35:
                sx = sx + _field(rng, n) * warp
                sy = sy + _field(rng, n) * warp
                steps.append("warp")
        # Never sample outside the picture: an opaque photo must not grow see-through edges.
        mesh = _mesh(np.clip(sx, 0.5, w - 0.5), np.clip(sy, 0.5, h - 0.5), w, h)
        moved = np.asarray(
            premul.transform((w, h), Image.Transform.MESH, mesh, resample=resample).convert("RGBA"),
            dtype=np.float32,
        )
        flat = moved[..., :3].reshape(-1, 3)
        # Colour: every other variation swaps each colour group on its own.
        if i % 2 == 1:
            mats = np.stack(
                [
                    colour_matrix(
                        float(rng.uniform(-180, 180)) * effective,
                        1 + float(rng.uniform(-0.4, 0.4)) * effective,
                    )
                    for _ in range(n_groups)
                ]
            )
            labels = np.asarray(
                groups.transform((w, h), Image.Transform.MESH, mesh, Image.Resampling.NEAREST)
            )
            per_pixel = mats[labels.ravel()]
            flat = (
                per_pixel[:, :, 0] * flat[:, 0:1]
                + per_pixel[:, :, 1] * flat[:, 1:2]
                + per_pixel[:, :, 2] * flat[:, 2:3]
            )
            steps.append("palette swap")
        else:
            m = colour_matrix(
                float(rng.uniform(-180, 180)) * effective,
                1 + float(rng.uniform(-0.5, 0.5)) * effective,
                1 + float(rng.uniform(-0.15, 0.15)) * effective,
            )
            flat = apply_matrix(flat, m)
            steps.append("hue shift")
        out = np.empty((h, w, 4), dtype=np.float32)
        out[..., :3] = flat.reshape(h, w, 3)
        out[..., 3] = moved[..., 3]
        image = to_image(out if has_alpha else out[..., :3])
        # Level 2 writes several pictures about three times faster for ~10% more bytes.
        data = png_bytes(image, level=2)
        vmeta = {"width": w, "height": h, "index": i + 1, "steps": steps}
        outputs.append(
            Output(data=data, mime="image/png", name=f"{stem}-{i + 1}.png", role="main", meta=vmeta)
        )
        thumbs.append(image.convert("RGBA"))
    req.progress(0.95, "Laying out the contact sheet")
    sheet = _contact_sheet(thumbs)
    meta = {"width": w, "height": h, "count": count, "amount": amount, "pixel_art": pixel_art}
    outputs.append(
        Output(
            data=png_bytes(sheet, level=2),
            mime="image/png",
            name=f"{stem}-sheet.png",
            role="preview",
            meta={"width": sheet.width, "height": sheet.height, "count": count},
        )
    )
    req.progress(1.0, "All done!")
    return GenResult(outputs=outputs, meta=meta)


def _contact_sheet(images: list[Image.Image], cell: int = 160, pad: int = 8) -> Image.Image:
    cols = min(4, len(images))
    rows = math.ceil(len(images) / cols)
    sheet = Image.new("RGB", (cols * (cell + pad) + pad, rows * (cell + pad) + pad), (236, 236, 240))
    # A light checkerboard behind each thumbnail shows where the picture is see-through.
    yy, xx = np.indices((cell, cell))
    checks = (yy // 8 + xx // 8) % 2
    board = Image.fromarray(np.where(checks[..., None] == 1, 214, 250).astype(np.uint8).repeat(3, axis=2))
    for n, im in enumerate(images):
        k = cell / max(im.size)
        tw, th = max(1, round(im.width * k)), max(1, round(im.height * k))
        thumb = im.resize((tw, th), Image.Resampling.BOX if k < 1 else Image.Resampling.NEAREST)
        x0 = pad + (n % cols) * (cell + pad) + (cell - tw) // 2
        y0 = pad + (n // cols) * (cell + pad) + (cell - th) // 2
        sheet.paste(board.crop((0, 0, tw, th)), (x0, y0))
        sheet.paste(thumb, (x0, y0), thumb)
    return sheet


ACTION = ActionSpec(
    id="variation",
    name="Variations",
    description="Makes new pictures that look like one you already have.",
    output="image",
    needs_intent=False,
    params=(
        asset("image", "Picture", IMAGE, "The picture to make variations of."),
        number(
            "amount",
            "How different",
            0.3,
            0.0,
            1.0,
            "0 is almost the same, 1 is very different.",
            step=0.05,
        ),
        integer("count", "How many", 4, 1, 8, "How many variations to make."),
    ),
    keywords=kw("variation, remix, similar"),
    make=make,
)
