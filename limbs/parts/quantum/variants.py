"""Quantum · Variants: Makes several siblings of one request and lays them out side by side.

Runs another action's procedural maker N times with seeds (and, with ``spread``, parameters)
derived from the request's seed, then lays the results out on a contact sheet. Each
sibling's output records the exact seed and parameters that made it, so it can be remade alone.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import math
import os
import wave
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from limbs.craft import words as words
from limbs.params import ANY_ASSET, ParamError, asset, choice, integer, kw, number, string, validate_params
from limbs.parts.quantum._readers import glb_parts, read_accessor, read_wav
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

_OWN_PARAMS = frozenset({"target", "action", "count", "spread", "params"})
# Parameters that set the size or format of a result, not its look: never varied.
_STRUCTURAL = frozenset(
    ("width", "height", "size", "resolution", "dialect", "format", "fps", "frames", "duration", "count")
)
_CELL = 160
MB = 1024 * 1024
_REROLLS = 4
_GUTTER = 6


# ---------------------------------------------------------------------------------------
# Thumbnails of any output, for the contact sheet
# ---------------------------------------------------------------------------------------


def _fit(im: Image.Image, size: int) -> Image.Image:
    im = im.convert("RGBA")
    k = size / max(im.width, im.height)
    small = max(im.width, im.height) <= 64
    resample = Image.Resampling.NEAREST if small else Image.Resampling.LANCZOS
    return im.resize((max(1, round(im.width * k)), max(1, round(im.height * k))), resample)


def _trs(node: Mapping[str, Any]) -> F64:
    if "matrix" in node:
        return np.array(node["matrix"], dtype=np.float64).reshape(4, 4).T
    x, y, z, w = node.get("rotation", [0.0, 0.0, 0.0, 1.0])
    rot = np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )
    m = np.eye(4)
    m[:3, :3] = rot * np.array(node.get("scale", [1.0, 1.0, 1.0]))[None, :]
    m[:3, 3] = node.get("translation", [0.0, 0.0, 0.0])
    return m


def render_glb(data: bytes, size: int) -> Image.Image:
    """A small shaded picture of a GLB: painter's-algorithm triangles, flat lit."""
    doc, binary = glb_parts(data)
    nodes = doc.get("nodes", [])
    scene = (
        doc.get("scenes", [{}])[doc.get("scene", 0)]
        if doc.get("scenes")
        else {"nodes": list(range(len(nodes)))}
    )
    textures: dict[int, F32] = {}
    tris: list[F64] = []
    colours: list[F64] = []
    stack = [(i, np.eye(4)) for i in scene.get("nodes", [])]
    seen = 0
    while stack and seen < 4096:
        seen += 1
        i, parent = stack.pop()
        node = nodes[i]
        world = parent @ _trs(node)
        stack.extend((c, world) for c in node.get("children", []))
        if "mesh" not in node:
            continue
        for prim in doc["meshes"][node["mesh"]]["primitives"]:
            if prim.get("mode", 4) != 4 or "POSITION" not in prim["attributes"]:
                continue
            pos = read_accessor(doc, binary, prim["attributes"]["POSITION"])
            pos = (np.c_[pos, np.ones(len(pos))] @ world.T)[:, :3]
            idx = (
                read_accessor(doc, binary, prim["indices"])[:, 0].astype(np.int64)
                if "indices" in prim
                else np.arange(len(pos))
            )
            tri = pos[idx[: len(idx) // 3 * 3].reshape(-1, 3)]
            colour = np.array([0.8, 0.8, 0.8])
            mat = doc.get("materials", [])[prim["material"]] if "material" in prim else {}
            pbr = mat.get("pbrMetallicRoughness", {})
            colour = np.array(pbr.get("baseColorFactor", [0.8, 0.8, 0.8, 1.0])[:3], dtype=np.float64)
            per_tri = np.repeat(colour[None, :], len(tri), axis=0)
            tex = pbr.get("baseColorTexture")
            if tex is not None and "TEXCOORD_0" in prim["attributes"]:
                source = doc["textures"][tex["index"]].get("source")
                if source is not None and source not in textures:
                    image = doc["images"][source]
                    if "bufferView" in image:
                        view = doc["bufferViews"][image["bufferView"]]
                        start = view.get("byteOffset", 0)
                        with Image.open(io.BytesIO(binary[start : start + view["byteLength"]])) as im:
                            textures[source] = np.asarray(im.convert("RGB"), dtype=np.float32) / 255.0
                if source in textures:
                    uv = read_accessor(doc, binary, prim["attributes"]["TEXCOORD_0"])
                    centre = uv[idx[: len(idx) // 3 * 3].reshape(-1, 3)].mean(axis=1)
                    img = textures[source]
                    px = (np.mod(centre[:, 0], 1.0) * (img.shape[1] - 1)).astype(np.int64)
                    py = (np.mod(centre[:, 1], 1.0) * (img.shape[0] - 1)).astype(np.int64)
                    per_tri = per_tri * img[py, px]
            tris.append(tri)
            colours.append(per_tri)
    canvas = Image.new("RGBA", (size * 2, size * 2), (0, 0, 0, 0))
    if not tris:
        return canvas.resize((size, size))
    allt = np.concatenate(tris)
    cols = np.concatenate(colours)
    # A three-quarter view: turn 30 degrees about Y, tip 20 degrees about X.
    a, b = math.radians(30), math.radians(20)
    ry = np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])
    rx = np.array([[1, 0, 0], [0, math.cos(b), -math.sin(b)], [0, math.sin(b), math.cos(b)]])
    view = allt @ (rx @ ry).T
    lo = view.reshape(-1, 3).min(axis=0)
    hi = view.reshape(-1, 3).max(axis=0)
    span = float(max(hi[0] - lo[0], hi[1] - lo[1], 1e-9))
    k = size * 2 * 0.86 / span
    cx, cy = (lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2
    normal = np.cross(view[:, 1] - view[:, 0], view[:, 2] - view[:, 0])
    length = np.linalg.norm(normal, axis=1)
    keep = length > 1e-12
    normal = normal[keep] / length[keep, None]
    view, cols = view[keep], cols[keep]
    light = np.array([-0.4, 0.6, 0.7])
    light /= np.linalg.norm(light)
    shade = 0.35 + 0.65 * np.abs(normal @ light)
    order = np.argsort(view[:, :, 2].mean(axis=1), kind="stable")  # far (most negative z) first
    draw = ImageDraw.Draw(canvas)
    for t in order[-60000:]:
        pts = [(size + (v[0] - cx) * k, size - (v[1] - cy) * k) for v in view[t]]
        rgb = tuple(int(min(255, max(0, c * shade[t] * 255))) for c in cols[t])
        draw.polygon(pts, fill=(rgb[0], rgb[1], rgb[2], 255))
    return canvas.resize((size, size), Image.Resampling.LANCZOS)


def _wave_picture(data: bytes, size: int) -> Image.Image:
    samples, _, _ = read_wav(data, "first")
    mono = samples.mean(axis=1) if len(samples) else np.zeros(1)
    im = Image.new("RGBA", (size, size), (24, 28, 48, 255))
    draw = ImageDraw.Draw(im)
    cols = np.array_split(mono, size) if len(mono) >= size else [mono]
    for x, chunk in enumerate(cols):
        if len(chunk):
            top = size / 2 - float(chunk.max()) * size * 0.45
            bottom = size / 2 - float(chunk.min()) * size * 0.45
            draw.line([(x, top), (x, bottom)], fill=(120, 220, 255, 255))
    return im


def _text_picture(text: str, size: int) -> Image.Image:
    im = Image.new("RGBA", (size, size), (250, 246, 234, 255))
    draw = ImageDraw.Draw(im)
    font = ImageFont.load_default()
    y = 6
    for line in text.splitlines()[:14]:
        draw.text((6, y), line[:40], fill=(40, 40, 60, 255), font=font)
        y += 11
    return im


def thumbnail(output: Output, size: int = _CELL) -> Image.Image:
    """A square-ish picture of any output, so every kind can sit on a contact sheet."""
    mime = output.mime.split(";")[0].strip().lower()
    try:
        if mime.startswith("image/"):
            with Image.open(io.BytesIO(output.data)) as im:
                im.seek(0)
                return _fit(im.convert("RGBA"), size)
        if mime == "model/gltf-binary":
            return render_glb(output.data, size)
        if mime.startswith("audio/"):
            return _wave_picture(output.data, size)
        if mime.startswith("text/") or mime.endswith("json") or mime.endswith("javascript"):
            return _text_picture(output.data.decode("utf-8", errors="replace"), size)
    except (OSError, ValueError, KeyError, IndexError, GeneratorInputError, wave.Error):
        pass
    return _text_picture(f"{output.name}\n{mime}\n{len(output.data)} bytes", size)


def contact_sheet(pictures: list[Image.Image], labels: list[str]) -> bytes:
    count = len(pictures)
    cols = max(1, math.ceil(math.sqrt(count)))
    rows = math.ceil(count / cols)
    w = cols * (_CELL + _GUTTER) + _GUTTER
    h = rows * (_CELL + _GUTTER + 12) + _GUTTER
    sheet = Image.new("RGBA", (w, h), (34, 30, 48, 255))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    # A checkerboard shows which parts are see-through.
    checks = Image.new("RGBA", (_CELL, _CELL), (210, 210, 216, 255))
    bd = ImageDraw.Draw(checks)
    for cy in range(0, _CELL, 16):
        for cx in range(0, _CELL, 16):
            if (cx // 16 + cy // 16) % 2:
                bd.rectangle((cx, cy, cx + 15, cy + 15), fill=(236, 236, 240, 255))
    for i, (pic, label) in enumerate(zip(pictures, labels, strict=True)):
        x = _GUTTER + (i % cols) * (_CELL + _GUTTER)
        y = _GUTTER + (i // cols) * (_CELL + _GUTTER + 12)
        board = checks.copy()
        board.alpha_composite(pic, ((_CELL - pic.width) // 2, (_CELL - pic.height) // 2))
        sheet.paste(board, (x, y))
        draw.text((x + 2, y + _CELL + 1), label, fill=(240, 236, 250, 255), font=font)
    buf = io.BytesIO()
    # Every pixel sits on an opaque board or background, so RGB loses nothing; with level 4
    # it is both smaller and about three times quicker to write than RGBA at level 6.
    sheet.convert("RGB").save(buf, format="PNG", compress_level=4)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------
# variants
# ---------------------------------------------------------------------------------------


def _pick_action(req: GenRequest, target: str, wanted: str | None) -> ActionSpec:
    inputs, intent = req.inputs, req.intent
    if target == "quantum":
        raise GeneratorInputError("target", "Variants of variants would never end; pick another limb.")
    limb = req.limb(target)
    if limb is None:
        raise GeneratorInputError("target", f"There is no limb called '{target}'.")
    made = [a for a in limb.actions if a.built and not a.reads]
    if wanted:
        for action in made:
            if action.id == wanted:
                return action
        raise GeneratorInputError("action", f"{limb.name} has no procedural maker for '{wanted}' yet.")
    usable = [
        a for a in made if _assets_for(a, inputs) is not None and (intent.strip() or not a.needs_intent)
    ]
    if not usable:
        if made:
            raise GeneratorInputError(
                "target", f"{limb.name} needs a file to work from; attach one to make variants of it."
            )
        raise GeneratorInputError(
            "target", f"{limb.name} cannot make variants yet: it has no procedural maker."
        )
    return usable[0]


def _assets_for(action: ActionSpec, inputs: Mapping[str, bytes]) -> dict[str, bytes] | None:
    """The target's asset inputs, taken by name or (one file, one slot) by position."""
    out: dict[str, bytes] = {}
    slots = [p for p in action.params if p.type == "asset"]
    spare = [v for k, v in inputs.items() if k not in {p.name for p in slots}]
    for p in slots:
        if p.name in inputs:
            out[p.name] = inputs[p.name]
        elif len(spare) == 1 and len(slots) == 1:
            out[p.name] = spare[0]
        elif p.required:
            return None
    return out


def _base_params(action: ActionSpec, params: Mapping[str, Any]) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    nested = params.get("params")
    if isinstance(nested, Mapping):
        raw.update(nested)
    names = {p.name for p in action.params if p.type != "asset"}
    raw.update({k: v for k, v in params.items() if k not in _OWN_PARAMS and k in names})
    spec = dataclasses.replace(action, params=tuple(p for p in action.params if p.type != "asset"))
    try:
        return validate_params(spec, raw)
    except ParamError as exc:
        raise GeneratorInputError(exc.field, exc.message) from None


def _jitter(
    action: ActionSpec, base: Mapping[str, Any], spread: float, rng: np.random.Generator
) -> dict[str, Any]:
    out = dict(base)
    for p in action.params:
        # Draw the same numbers whatever the spread, so spread only scales the change.
        u, pick, flip = float(rng.random()), float(rng.random()), float(rng.random())
        if p.name in _STRUCTURAL or p.name not in base or spread <= 0:
            continue
        if p.type in ("integer", "number") and p.minimum is not None and p.maximum is not None:
            span = (p.maximum - p.minimum) * 0.5 * spread
            value = min(p.maximum, max(p.minimum, float(base[p.name]) + (2 * u - 1) * span))
            out[p.name] = round(value) if p.type == "integer" else round(value, 4)
        elif p.type == "choice" and p.choices and pick < spread * 0.5:
            out[p.name] = p.choices[int(u * len(p.choices)) % len(p.choices)]
        elif p.type == "boolean" and flip < spread * 0.25:
            out[p.name] = not bool(base[p.name])
    return out


def sibling_seed(seed: int, intent: str, index: int) -> int:
    return words.derive_seed(seed, intent, f"quantum.variants.{index}") & 0x7FFFFFFF


def make(req: GenRequest) -> GenResult:
    params = req.params
    target = str(params.get("target", "image"))
    wanted = params.get("action")
    try:
        count = int(params.get("count", 6))
        spread = float(params.get("spread", 0.5))
    except (TypeError, ValueError):
        raise GeneratorInputError("count", "How many must be a whole number.") from None
    if not 2 <= count <= 16:
        raise GeneratorInputError("count", "Make between 2 and 16 variants.")
    if not math.isfinite(spread) or not 0.0 <= spread <= 1.0:
        raise GeneratorInputError("spread", "How different must be between 0 and 1.")
    action = _pick_action(req, target, str(wanted) if wanted else None)
    base = _base_params(action, params)
    inputs = _assets_for(action, req.inputs) or {}

    plans = []
    for i in range(count):
        seed = sibling_seed(req.seed, req.intent, i)
        rng = np.random.default_rng(words.derive_seed(req.seed, req.intent, f"quantum.spread.{i}"))
        plans.append((seed, _jitter(action, base, spread, rng)))
    requests = [
        GenRequest(intent=req.intent, params=p, seed=s, tension=req.tension, inputs=inputs) for s, p in plans
    ]
    outputs: list[Output] = []
    pictures: list[Image.Image] = []
    labels: list[str] = []
    siblings = []

    # Generators are pure functions, so siblings may run side by side; results keep their order.
    # Each worker also makes its sibling's thumbnail: decoding and shrinking six pictures one
    # after another on this thread would otherwise follow the parallel part.
    def make_one(request: GenRequest) -> tuple[GenResult, Image.Image]:
        result = req.call(target, action.id, request)
        return result, _preview(result)

    # The first sibling alone tells how big each one is, so the set can be planned within the
    # bytes one request may keep (POG_MAX_OUTPUT_MB): fewer variants rather than a failure.
    first = make_one(requests[0])
    budget = _budget_bytes()
    planned = _plan(count, _kept_bytes(first[0]), budget)
    if planned < 2:
        raise GeneratorInputError(
            "count",
            f"Even two of these would be more than the {budget // MB} MB one request may keep; "
            "ask for a smaller size.",
        )
    workers = max(1, min(planned - 1, os.cpu_count() or 1, 4))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        made = [first, *pool.map(make_one, requests[1:planned])]
    results = [r for r, _ in made]
    thumbs = [t for _, t in made]
    plans = plans[:planned]
    req.progress(0.8, "Checking every version is different")
    seen: set[str] = set()
    for i in range(planned):
        # A generator with a small design space can repeat itself; reroll the seed a few times.
        for retry in range(1, _REROLLS + 1):
            if _digest(results[i]) not in seen:
                break
            seed = sibling_seed(req.seed, req.intent, i + retry * 1000)
            plans[i] = (seed, plans[i][1])
            results[i], thumbs[i] = make_one(dataclasses.replace(requests[i], seed=seed))
        seen.add(_digest(results[i]))
    # Siblings differ in size: the last ones go if the set still does not fit.
    while planned > 2 and sum(map(_kept_bytes, results[:planned])) + _sheet_reserve(planned) > budget:
        planned -= 1
    results, thumbs, plans = results[:planned], thumbs[:planned], plans[:planned]
    for i, result in enumerate(results):
        seed, sib_params = plans[i]
        if not result.outputs:
            raise GeneratorInputError("target", f"{target}.{action.id} made nothing to compare.")
        tag = {"variant": i + 1, "seed": seed, "params": sib_params, "target": f"{target}.{action.id}"}
        for out in _kept(result):
            outputs.append(
                Output(out.data, out.mime, f"v{i + 1:02d}-{out.name}", out.role, {**dict(out.meta), **tag})
            )
        pictures.append(thumbs[i])
        labels.append(f"{i + 1}  seed {seed}")
        siblings.append({"variant": i + 1, "seed": seed, "params": sib_params, "digest": _digest(result)})

    req.progress(0.95, "Laying them out side by side")
    sheet = contact_sheet(pictures, labels)
    stem = words.slug(req.intent, f"{target}-variants") if req.intent.strip() else f"{target}-variants"
    meta: dict[str, Any] = {
        "target": target,
        "action": action.id,
        "count": planned,
        "asked": count,
        "spread": spread,
        "base_params": base,
        "siblings": siblings,
        "distinct": len({s["digest"] for s in siblings}),
    }
    outputs.append(Output(sheet, "image/png", f"{stem}-contact-sheet.png", "preview", {"cells": count}))
    req.progress(1.0, "Here are your variants!")
    return GenResult(outputs=outputs, meta=meta)


def _budget_bytes() -> int:
    """The bytes one request may keep (``POG_MAX_OUTPUT_MB``), read when the action runs."""
    from django.conf import settings

    return int(settings.POG_MAX_OUTPUT_MB) * MB


def _kept(result: GenResult) -> list[Output]:
    """The files of a sibling that are stored: all but its own preview.

    A sibling's preview repackages its other files (a material's preview sphere embeds its
    albedo, normal and ORM maps again, 1.1 MB of a 2.4 MB set), so keeping it would store
    every map twice; the contact sheet previews the whole set, and any sibling is remade,
    preview and all, from the seed and params its files record.
    """
    kept = [out for out in result.outputs if out.role != "preview"]
    return kept or list(result.outputs)


def _kept_bytes(result: GenResult) -> int:
    return sum(len(out.data) for out in _kept(result))


def _sheet_reserve(count: int) -> int:
    """An upper bound on the contact sheet's bytes: its raw RGB pixels (PNG only shrinks them)."""
    cols = max(1, math.ceil(math.sqrt(count)))
    rows = math.ceil(count / cols)
    width = cols * (_CELL + _GUTTER) + _GUTTER
    height = rows * (_CELL + _GUTTER + 12) + _GUTTER
    return width * height * 3 + 4096


def _plan(count: int, sibling_bytes: int, budget: int) -> int:
    """How many of ``count`` siblings of about ``sibling_bytes`` each fit in ``budget`` with
    their contact sheet, leaving a quarter of a sibling spare because siblings vary in size."""
    planned = count
    while planned > 0 and planned * sibling_bytes * 1.25 + _sheet_reserve(planned) > budget:
        planned -= 1
    return planned


def _preview(result: GenResult) -> Image.Image:
    """The contact-sheet thumbnail of a sibling: its main picture, else its preview or first file."""
    if not result.outputs:
        return _text_picture("nothing made", _CELL)
    shown = next(
        (o for o in result.outputs if o.role == "main" and o.mime.startswith("image/")),
        next((o for o in result.outputs if o.role == "preview"), result.outputs[0]),
    )
    return thumbnail(shown)


def _digest(result: GenResult) -> str:
    h = hashlib.sha256()
    for out in result.outputs:
        h.update(out.data)
    return h.hexdigest()[:16]


# Limbs whose results can be varied by quantum.variants.
VARIABLE_LIMBS = (
    "image",
    "video",
    "audio",
    "material",
    "animation",
    "divine",
    "entity",
    "mesh",
    "world",
    "landscape",
    "code",
)

ACTION = ActionSpec(
    id="variants",
    name="Variants",
    description="Makes several siblings of one request and lays them out side by side.",
    output="image",
    deadline_s=60.0,
    params=(
        choice("target", "Make with", VARIABLE_LIMBS, "image", "Which limb makes the variants."),
        string(
            "action",
            "Action",
            "Which of that limb's actions makes them. Empty picks its first built action.",
            max_length=40,
        ),
        asset(
            "source",
            "Starting point",
            ANY_ASSET,
            "Optional: a file for actions that start from one (a picture for 3D, say).",
            required=False,
        ),
        integer("count", "How many", 4, 2, 16, "How many variants to make (4 fill a 2 by 2 sheet)."),
        number(
            "spread",
            "How different",
            0.5,
            0.0,
            1.0,
            "0 keeps them close, 1 makes them wild.",
            step=0.05,
        ),
    ),
    keywords=kw(
        "variants, versions, alternatives, options, different, lots, many, several, siblings, contact sheet"
    ),
    make=make,
)
