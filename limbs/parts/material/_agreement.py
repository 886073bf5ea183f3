"""PBR material sets: the glTF material names maps that ship with it, and the maps agree
(the normal map bends where the height map changes)."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from limbs.formats import OutputInvalid
from limbs.formats.png import validate_png

F32 = npt.NDArray[np.float32]


def _image(data: bytes, name: str) -> Image.Image:
    try:
        validate_png(data)
    except OutputInvalid as exc:
        raise OutputInvalid(f"map {name}: {exc}") from None
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def _grey(im: Image.Image, name: str) -> F32:
    if im.mode in ("L", "I", "I;16"):
        return np.asarray(im.convert("F"), dtype=np.float32) / (255.0 if im.mode == "L" else 65535.0)
    rgb = np.asarray(im.convert("RGB"), dtype=np.int16)
    if np.abs(rgb[..., 0] - rgb[..., 1]).max() > 2 or np.abs(rgb[..., 1] - rgb[..., 2]).max() > 2:
        raise OutputInvalid(f"map {name} should be greyscale")
    return rgb[..., 0].astype(np.float32) / 255.0


def validate_material(material: bytes | str | Mapping[str, Any], maps: Mapping[str, bytes]) -> dict[str, Any]:
    """A glTF material JSON and its maps agree: every texture it names is shipped (and
    nothing shipped is orphaned), the maps share one size, the normal map holds unit
    vectors facing out, roughness/AO are greyscale, and, when a height map ships, the
    normals lean the way the height slopes."""
    if isinstance(material, bytes | str):
        try:
            doc = json.loads(material)
        except ValueError as exc:
            raise OutputInvalid(f"material JSON does not parse: {exc}") from None
    else:
        doc = dict(material)
    if not isinstance(doc, dict):
        raise OutputInvalid("material JSON must be an object")
    materials = doc.get("materials")
    images = doc.get("images", [])
    textures = doc.get("textures", [])
    if not isinstance(materials, list) or not materials or not isinstance(materials[0], dict):
        raise OutputInvalid("material JSON has no materials")
    if not isinstance(images, list) or not isinstance(textures, list):
        raise OutputInvalid("material JSON images/textures must be arrays")

    def image_of(texture_index: Any, slot: str) -> str:
        if not isinstance(texture_index, int) or not 0 <= texture_index < len(textures):
            raise OutputInvalid(f"{slot} refers to texture {texture_index!r}, which does not exist")
        source = textures[texture_index].get("source") if isinstance(textures[texture_index], dict) else None
        if not isinstance(source, int) or not 0 <= source < len(images):
            raise OutputInvalid(f"{slot} texture has no valid image source")
        uri = images[source].get("uri") if isinstance(images[source], dict) else None
        if not isinstance(uri, str) or uri not in maps:
            raise OutputInvalid(f"{slot} uses image {uri!r}, which is not shipped with the material")
        return uri

    mat = materials[0]
    pbr = mat.get("pbrMetallicRoughness", {})
    slots: dict[str, str] = {}
    for slot, ref in (
        ("baseColorTexture", pbr.get("baseColorTexture")),
        ("metallicRoughnessTexture", pbr.get("metallicRoughnessTexture")),
        ("normalTexture", mat.get("normalTexture")),
        ("occlusionTexture", mat.get("occlusionTexture")),
        ("emissiveTexture", mat.get("emissiveTexture")),
    ):
        if ref is not None:
            if not isinstance(ref, dict):
                raise OutputInvalid(f"{slot} must be an object")
            slots[slot] = image_of(ref.get("index"), slot)
    if "baseColorTexture" not in slots:
        raise OutputInvalid("material has no base colour texture")
    extras = mat.get("extras", {})
    named: dict[str, str] = dict(extras.get("maps", {})) if isinstance(extras, dict) else {}
    for role, uri in named.items():
        if uri not in maps:
            raise OutputInvalid(f"material lists a {role} map {uri!r} that is not shipped")
    referenced = set(slots.values()) | set(named.values())
    orphans = sorted(set(maps) - referenced)
    if orphans:
        raise OutputInvalid(f"maps shipped but not referenced by the material: {', '.join(orphans)}")

    decoded = {uri: _image(maps[uri], uri) for uri in sorted(referenced)}
    sizes = {im.size for im in decoded.values()}
    if len(sizes) != 1:
        raise OutputInvalid(f"maps differ in size: {sorted(sizes)}")

    report: dict[str, Any] = {"maps": len(decoded), "size": next(iter(sizes)), "slots": slots}
    normal_uri = slots.get("normalTexture") or named.get("normal")
    if normal_uri is not None:
        rgb = np.asarray(decoded[normal_uri].convert("RGB"), dtype=np.float32) / 255.0 * 2.0 - 1.0
        length = np.linalg.norm(rgb, axis=-1)
        # 8-bit quantisation allows about 1.5% error per vector.
        if float(np.abs(length - 1.0).mean()) > 0.02 or float(np.abs(length - 1.0).max()) > 0.08:
            raise OutputInvalid("normal map does not decode to unit vectors")
        if float(rgb[..., 2].min()) < 0.0:
            raise OutputInvalid("normal map has vectors pointing into the surface")
        report["normal_mean_z"] = round(float(rgb[..., 2].mean()), 4)
        height_uri = named.get("height")
        if height_uri is not None:
            height = _grey(decoded[height_uri], height_uri)
            report["normal_height_agreement"] = _agreement(height, rgb)
            if report["normal_height_agreement"] < 0.5:
                raise OutputInvalid("normal map does not follow the height map")
    for role in ("roughness", "ao"):
        grey_uri = named.get(role)
        if grey_uri is not None:
            _grey(decoded[grey_uri], grey_uri)
    return report


def _rank_correlation(a: F32, b: F32) -> float | None:
    """Spearman correlation (None when either side is constant)."""
    if float(a.std()) < 1e-6 or float(b.std()) < 1e-6:
        return None
    ra = np.argsort(np.argsort(a, kind="stable"), kind="stable").astype(np.float64)
    rb = np.argsort(np.argsort(b, kind="stable"), kind="stable").astype(np.float64)
    return float(np.corrcoef(ra, rb)[0, 1])


def _agreement(height: F32, normals: F32) -> float:
    """Rank correlation between the normal's tilt and the height's (wrap-around) gradient.

    Ranks, because the tilt saturates on steep slopes (it is a sine, not a slope); a flat
    normal map over any height counts as agreeing (normal strength 0).
    """
    dx = np.roll(height, -1, axis=1) - np.roll(height, 1, axis=1)
    dy = np.roll(height, -1, axis=0) - np.roll(height, 1, axis=0)
    step = max(1, height.shape[0] // 192)  # a sparse sample keeps big maps fast
    pairs = [
        (dx[::step, ::step].ravel(), -normals[::step, ::step, 0].ravel()),
        (dy[::step, ::step].ravel(), normals[::step, ::step, 1].ravel()),
    ]
    scores = []
    for grad, tilt in pairs:
        if float(tilt.std()) < 1e-6:
            continue
        r = _rank_correlation(grad, tilt)
        scores.append(0.0 if r is None else r)
    return round(float(np.mean(scores)), 4) if scores else 1.0
