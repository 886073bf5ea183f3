"""Image · Colour palette: Finds the main colours of a picture and lays them out as swatches.

Median cut or k-means over 6-bit colour bins; a JSON palette plus a swatch picture.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from limbs.craft import words as words
from limbs.craft.pictures import colour_sample, decode_picture, png_bytes
from limbs.params import IMAGE, asset, choice, integer, kw
from limbs.parts.image._tools import Arr, colour_bins, file_stem, kmeans, request_rng
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output


def median_cut(colours: Arr, weights: Arr, k: int) -> list[tuple[Arr, float]]:
    """Split the box with the most (pixels x colour range) at its weighted median, k-1 times."""
    boxes = [np.arange(len(colours))]
    while len(boxes) < k:
        scores = []
        for idx in boxes:
            spread = colours[idx].max(axis=0) - colours[idx].min(axis=0)
            scores.append(float(weights[idx].sum() * spread.max()) if len(idx) > 1 else 0.0)
        best = int(np.argmax(scores))
        if scores[best] <= 0.0:
            break  # every box holds a single colour
        idx = boxes.pop(best)
        channel = int(np.argmax(colours[idx].max(axis=0) - colours[idx].min(axis=0)))
        order = idx[np.argsort(colours[idx, channel], kind="stable")]
        cum = np.cumsum(weights[order])
        cut = int(np.searchsorted(cum, cum[-1] / 2.0))
        cut = min(max(cut, 1), len(order) - 1)
        boxes.extend([order[:cut], order[cut:]])
    out = []
    for idx in boxes:
        w = weights[idx]
        out.append(((colours[idx] * w[:, None]).sum(axis=0) / w.sum(), float(w.sum())))
    return out


def _palette_entries(clusters: list[tuple[Arr, float]]) -> list[dict[str, Any]]:
    merged: dict[str, tuple[tuple[int, int, int], float]] = {}
    total = sum(w for _, w in clusters) or 1.0
    for centre, w in clusters:
        rgb = words.clamp_rgb(float(centre[0]), float(centre[1]), float(centre[2]))
        key = words.hex_colour(rgb)
        merged[key] = (rgb, merged.get(key, (rgb, 0.0))[1] + w / total)
    ranked = sorted(merged.items(), key=lambda item: (-item[1][1], item[0]))
    return [{"hex": h, "rgb": list(rgb), "share": round(share, 4)} for h, (rgb, share) in ranked]


def _swatch(entries: list[dict[str, Any]]) -> Image.Image:
    n = len(entries)
    cell = 64 if n <= 16 else 40
    width = cell * n
    band = max(12, cell // 3)
    canvas = Image.new("RGB", (width, cell + band + 4), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    for i, e in enumerate(entries):
        draw.rectangle((i * cell, 0, (i + 1) * cell - 1, cell - 1), fill=tuple(e["rgb"]))
    # A strip below shows how much of the picture each colour covers.
    x = 0.0
    for e in entries:
        x1 = x + e["share"] * width
        draw.rectangle(
            (round(x), cell + 4, max(round(x), round(x1) - 1), cell + band + 3), fill=tuple(e["rgb"])
        )
        x = x1
    return canvas


def make(req: GenRequest) -> GenResult:
    k = int(req.params.get("colours", 8))
    method = str(req.params.get("method", "median_cut"))
    source = req.inputs.get("image")
    if source is None:
        raise GeneratorInputError("image", "Pick a picture to take the colours from.")
    req.progress(0.1, "Looking at your picture")
    picture, _ = decode_picture(source, "image")
    px = np.asarray(colour_sample(picture)).reshape(-1, 4)
    # Mostly see-through pixels are edges and shadows; use them only if nothing else is there.
    px = px[px[:, 3] >= 128][:, :3] if (px[:, 3] >= 128).any() else px[px[:, 3] > 0][:, :3]
    if not len(px):
        raise GeneratorInputError("image", "This picture is completely see-through, so it has no colours.")
    colours, weights = colour_bins(px)
    req.progress(0.4, "Sorting the colours")
    if method == "kmeans":
        iterations = {"low": 8, "medium": 16, "high": 32}.get(req.tension, 16)
        clusters, _ = kmeans(colours, weights, k, request_rng(req, "image.palette"), iterations)
    else:
        clusters = median_cut(colours, weights, k)
    entries = _palette_entries(clusters)
    doc = {
        "method": method,
        "requested": k,
        "found": len(entries),
        "pixels": len(px),
        "colours": entries,
    }
    data = json.dumps(doc, indent=2).encode()
    swatch = png_bytes(_swatch(entries))
    meta = {"method": method, "colours": [e["hex"] for e in entries], "found": len(entries)}
    stem = file_stem(req, "palette")
    req.progress(1.0, "All done!")
    return GenResult(
        outputs=[
            Output(data=data, mime="application/json", name=f"{stem}-palette.json", role="main", meta=meta),
            Output(
                data=swatch,
                mime="image/png",
                name=f"{stem}-swatches.png",
                role="preview",
                meta={"width": len(entries) * (64 if len(entries) <= 16 else 40), **meta},
            ),
        ],
        meta=meta,
    )


ACTION = ActionSpec(
    id="palette",
    name="Colour palette",
    description="Finds the main colours of a picture and lays them out as swatches.",
    output="json",
    needs_intent=False,
    params=(
        asset("image", "Picture", IMAGE, "The picture to take the colours from."),
        integer("colours", "Colours", 8, 2, 32, "How many colours to find."),
        choice(
            "method",
            "Method",
            ("median_cut", "kmeans"),
            "median_cut",
            "Median cut is fast; k-means is slower but often closer to what you see.",
        ),
    ),
    keywords=kw("palette, colour, color, colours, swatch, colour scheme"),
    make=make,
)
