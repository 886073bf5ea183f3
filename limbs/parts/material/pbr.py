"""Material · PBR material: Tileable colour, bumps, roughness and shadow maps plus a glTF material.

One periodic height field per surface recipe (or per picture); every other map is derived
from it, so the normal, AO and roughness maps agree with the colour map and all of them tile.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

from limbs.craft import words as words
from limbs.craft.arrays import decode_picture
from limbs.craft.noise import fbm, normalise
from limbs.craft.words import RGB
from limbs.params import IMAGE, asset, choice, kw, number
from limbs.parts.material._agreement import validate_material
from limbs.parts.material._gltf import gltf_material, preview_glb
from limbs.parts.material._surfaces import KINDS, RECIPES, Fields, Kind, flat, pick_kind
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output

F32 = npt.NDArray[np.float32]

# Registry defaults: a value equal to these means "let the material decide".
_ROUGHNESS_DEFAULT = 0.6
_METALLIC_DEFAULT = 0.0
_OCTAVES = {"low": 3, "medium": 5, "high": 6}

_SHINY = frozenset({"shiny", "polished", "glossy", "wet", "smooth", "gleaming", "sparkly", "new"})
_ROUGH = frozenset({"rough", "matte", "dusty", "dry", "chalky", "worn", "old", "ancient", "weathered"})
_OLD = frozenset({"old", "ancient", "worn", "weathered", "cracked", "broken", "ruined"})


def blur(field: F32, sigma: float) -> F32:
    """Gaussian blur with wrap-around edges (in the frequency domain, so it is exactly periodic)."""
    if sigma <= 0:
        return field
    h, w = field.shape
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    response = np.exp(-2.0 * (math.pi * sigma) ** 2 * (fx * fx + fy * fy))
    out: F32 = np.fft.irfft2(np.fft.rfft2(field) * response, s=(h, w)).astype(np.float32)
    return out


def normal_map(height: F32, strength: float) -> F32:
    """Tangent-space normals (glTF/OpenGL convention: +X right, +Y up) from a periodic height."""
    n = height.shape[0]
    # Central differences with wrap-around; the height spans about 1/8 of the tile's width.
    k = strength * n / 16.0
    dx = (np.roll(height, -1, axis=1) - np.roll(height, 1, axis=1)) * k
    dy = (np.roll(height, -1, axis=0) - np.roll(height, 1, axis=0)) * k
    # Image rows grow downward, texture "up" is -y, hence +dy for the green channel.
    vec = np.stack([-dx, dy, np.ones_like(height)], axis=-1)
    out: F32 = (vec / np.linalg.norm(vec, axis=-1, keepdims=True)).astype(np.float32)
    return out


def ambient_occlusion(height: F32) -> F32:
    """Cavity occlusion: how far a texel sits below its blurred neighbourhood, at two scales."""
    n = height.shape[0]
    near = np.maximum(blur(height, n / 128) - height, 0.0)
    far = np.maximum(blur(height, n / 24) - height, 0.0)
    ao = 1.0 - 2.2 * near - 1.4 * far
    out: F32 = np.clip(ao, 0.2, 1.0).astype(np.float32)
    return out


def _ramp(tone: F32, colours: tuple[RGB, RGB, RGB]) -> F32:
    dark, mid, light = (np.array(c, dtype=np.float32) / 255.0 for c in colours)
    t = np.clip(tone, 0.0, 1.0)[..., None]
    lower = dark + (mid - dark) * (t * 2.0)
    upper = mid + (light - mid) * (t * 2.0 - 1.0)
    out: F32 = np.where(t < 0.5, lower, upper).astype(np.float32)
    return out


def _palette(kind: Kind, intent: words.Intent) -> tuple[RGB, RGB, RGB]:
    if not intent.colours:
        return kind.colours
    main = intent.colours[0]
    light = intent.colours[1] if len(intent.colours) > 1 else words.mix(main, (255, 255, 255), 0.35)
    return (words.mix(main, (12, 10, 16), 0.55), main, light)


def make_tileable(rgb: F32) -> F32:
    """Blend a square picture with itself shifted by half a tile, weighted so the edges come
    from the (continuous) middle of the shifted copy: the result wraps without a seam."""
    n = rgb.shape[0]
    s = np.sin(math.pi * (np.arange(n, dtype=np.float32) + 0.5) / n) ** 2
    w = (s[:, None] * s[None, :])[..., None]
    shifted = np.roll(rgb, (n // 2, n // 2), axis=(0, 1))
    out: F32 = (rgb * w + shifted * (1.0 - w)).astype(np.float32)
    return out


def _picture_fields(data: bytes, n: int) -> tuple[F32, Fields]:
    rgba = decode_picture(data, "image")
    im = Image.fromarray(rgba[..., :3])
    side = min(im.size)
    im = ImageOps.fit(im, (side, side), Image.Resampling.BICUBIC).resize((n, n), Image.Resampling.LANCZOS)
    albedo = make_tileable(np.asarray(im, dtype=np.float32) / 255.0)
    lum = albedo @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
    # Light areas read as raised; removing the broad shading keeps only the surface detail.
    detail = lum - blur(lum, n / 16)
    height = normalise(blur(detail, n / 512) if n >= 512 else detail)
    # FFT blurring can dip a hair below zero; a variance cannot.
    var = np.maximum(blur((lum - blur(lum, n / 64)) ** 2, n / 64), 0.0)
    rough = (np.sqrt(var) / (float(np.sqrt(var).max()) or 1.0) - 0.5) * 0.3
    return albedo, Fields(height, lum, rough.astype(np.float32), flat(n, 0.0))


def _png(arr: F32, mode: str) -> bytes:
    data = (np.clip(arr, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(data, mode=mode).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def _number(params: Mapping[str, Any], name: str, lo: float, hi: float) -> float | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise GeneratorInputError(name, f"{name} must be a number.") from None
    if not math.isfinite(out):
        raise GeneratorInputError(name, f"{name} must be a number.")
    return min(hi, max(lo, out))


def _resolution(params: Mapping[str, Any]) -> int:
    raw = params.get("resolution", "512")
    try:
        n = int(str(raw))
    except ValueError:
        raise GeneratorInputError("resolution", "Resolution must be 256, 512, 1024 or 2048.") from None
    if n not in (256, 512, 1024, 2048):
        raise GeneratorInputError("resolution", "Resolution must be 256, 512, 1024 or 2048.")
    return n


def _retarget(field: F32, mean: float) -> F32:
    """Shift a map so its average is ``mean`` while keeping its pattern (clamped to 0..1)."""
    out: F32 = np.clip(field - float(field.mean()) + mean, 0.0, 1.0).astype(np.float32)
    return out


def make(req: GenRequest) -> GenResult:
    params = req.params
    n = _resolution(params)
    strength = _number(params, "normal_strength", 0.0, 4.0)
    strength = 1.0 if strength is None else strength
    rough_param = _number(params, "roughness", 0.0, 1.0)
    metal_param = _number(params, "metallic", 0.0, 1.0)
    octaves = _OCTAVES.get(req.tension, _OCTAVES["medium"])
    intent = words.parse(req.intent)
    tokens = set(intent.tokens)
    picture = req.inputs.get("image")
    kind = pick_kind(req.intent)
    named_kind = any(t in k.words for k in KINDS for t in tokens)
    rng = np.random.default_rng(words.derive_seed(req.seed, req.intent, "material.pbr"))

    req.progress(0.1, "Shaping the bumps")
    if picture:
        albedo, fields = _picture_fields(bytes(picture), n)
        source = "picture"
        if not named_kind:
            kind = Kind("picture", (), kind.colours, 0.6, 0.0)
    else:
        fields = RECIPES[kind.name](rng, n, octaves)
        albedo = _ramp(fields.tone, _palette(kind, intent))
        source = "words"
    height = normalise(fields.height)

    # Modifier words: moss grows in the low places, age adds grime.
    if tokens & {"moss", "mossy", "overgrown"} and kind.name != "grass":
        moss = np.clip((0.45 - height) / 0.25 + (fbm(rng, n, 4, 3) - 0.5), 0.0, 1.0)[..., None]
        albedo = albedo * (1 - moss) + np.array([0.24, 0.40, 0.12], dtype=np.float32) * moss
        fields.roughness = (fields.roughness + 0.2 * moss[..., 0]).astype(np.float32)
    if tokens & _OLD:
        grime = fbm(rng, n, 8, 3)[..., None]
        albedo = albedo * (0.8 + 0.25 * grime)

    req.progress(0.4, "Working out light and shadow")
    normals = normal_map(height, strength)
    ao = ambient_occlusion(height)
    albedo = albedo * (0.75 + 0.25 * ao[..., None])

    base_rough = kind.roughness
    if tokens & _SHINY:
        base_rough *= 0.5
    if tokens & _ROUGH:
        base_rough = min(1.0, base_rough + 0.15)
    custom_rough = rough_param is not None and abs(rough_param - _ROUGHNESS_DEFAULT) > 1e-9
    custom_metal = metal_param is not None and abs(metal_param - _METALLIC_DEFAULT) > 1e-9
    rough_mean = rough_param if custom_rough and rough_param is not None else base_rough
    roughness = _retarget(base_rough + fields.roughness, rough_mean)
    metal_mean = metal_param if custom_metal and metal_param is not None else float(fields.metallic.mean())
    metallic = _retarget(fields.metallic, metal_mean) if custom_metal else np.clip(fields.metallic, 0, 1)
    if kind.metallic == 0.0 and not custom_metal:
        metallic = flat(n, 0.0)

    req.progress(0.6, "Painting the maps")
    stem = words.slug(req.intent, kind.name) if req.intent.strip() else kind.name
    names = {
        role: f"{stem}_{role}.png"
        for role in ("albedo", "normal", "orm", "ao", "roughness", "height", "emissive")
    }
    pngs: dict[str, bytes] = {
        "albedo": _png(albedo, "RGB"),
        "normal": _png(normals * 0.5 + 0.5, "RGB"),
        "roughness": _png(roughness, "L"),
        "ao": _png(ao, "L"),
        "height": _png(height, "L"),
        # glTF reads occlusion from R, roughness from G and metalness from B.
        "orm": _png(np.stack([ao, roughness, metallic], axis=-1), "RGB"),
    }
    emissive = fields.glow is not None
    if fields.glow is not None:
        hot = np.array([1.0, 0.42, 0.08], dtype=np.float32) * fields.glow[..., None]
        pngs["emissive"] = _png(hot, "RGB")
    lib = gltf_material(stem, names, float(metallic.mean()), float(roughness.mean()), strength, emissive)
    doc = {"asset": {"version": "2.0", "generator": "POG Studio procedural material"}, **lib}
    material_json = json.dumps(doc, indent=2, sort_keys=True).encode("utf-8")

    req.progress(0.85, "Wrapping it round a ball")
    glb = preview_glb(stem, lib, pngs, req.tension)

    meta: dict[str, Any] = {
        "kind": kind.name,
        "source": source,
        "resolution": n,
        "tileable": True,
        "normal_convention": "opengl",
        "normal_strength": strength,
        "roughness": round(float(roughness.mean()), 4),
        "metallic": round(float(metallic.mean()), 4),
        "roughness_from": "param" if custom_rough else "material",
        "metallic_from": "param" if custom_metal else "material",
        "palette": [words.hex_colour(c) for c in _palette(kind, intent)] if source == "words" else [],
        "maps": names if emissive else {k: v for k, v in names.items() if k != "emissive"},
    }
    outputs = [
        Output(
            pngs["albedo"], "image/png", names["albedo"], "main", {"map": "albedo", "colour_space": "srgb"}
        ),
        Output(
            pngs["normal"],
            "image/png",
            names["normal"],
            "normal",
            {"map": "normal", "colour_space": "linear"},
        ),
        Output(pngs["roughness"], "image/png", names["roughness"], "roughness", {"map": "roughness"}),
        Output(pngs["ao"], "image/png", names["ao"], "ao", {"map": "ao"}),
        Output(pngs["height"], "image/png", names["height"], "height", {"map": "height"}),
        Output(pngs["orm"], "image/png", names["orm"], "orm", {"map": "occlusion-roughness-metallic"}),
    ]
    if emissive:
        outputs.append(
            Output(pngs["emissive"], "image/png", names["emissive"], "emissive", {"map": "emissive"})
        )
    outputs += [
        Output(
            material_json,
            "application/json",
            f"{stem}_material.gltf.json",
            "material",
            {"format": "gltf-material"},
        ),
        Output(glb, "model/gltf-binary", f"{stem}_preview.glb", "preview", {"shape": "uv-sphere"}),
    ]
    req.progress(1.0, "Your material is ready!")
    return GenResult(outputs=outputs, meta=meta)


def check(outputs: Sequence[Output]) -> None:
    """The glTF material names maps that are among the outputs, and they agree."""
    material = next((o for o in outputs if o.role == "material"), None)
    if material is not None:
        validate_material(material.data, {o.name: o.data for o in outputs if o.mime == "image/png"})


ACTION = ActionSpec(
    id="pbr",
    name="PBR material",
    description="Tileable colour, bumps, roughness and shadow maps plus a glTF material.",
    output="image",
    needs_intent=False,
    params=(
        asset(
            "image",
            "Picture",
            IMAGE,
            "Optional: a picture to base the surface on. Leave empty to use your words.",
            required=False,
        ),
        choice(
            "resolution",
            "Resolution",
            ("256", "512", "1024", "2048"),
            "512",
            "Size of each map, in pixels.",
        ),
        number(
            "roughness",
            "Roughness",
            None,
            0.0,
            1.0,
            "0 is mirror-smooth, 1 is chalky. Empty lets the material decide.",
            step=0.05,
        ),
        number(
            "metallic",
            "Metal",
            None,
            0.0,
            1.0,
            "1 makes it look like metal. Empty lets the material decide.",
            step=0.05,
        ),
        number("normal_strength", "Bumpiness", 1.0, 0.0, 4.0, "How deep the bumps look.", step=0.1),
    ),
    keywords=kw("pbr, material, surface, normal map, roughness, albedo"),
    check=check,
    make=make,
)
