"""Checks every generated output before it is stored (pure Python, no Django).

The router calls ``validate_output`` on each output; an ``OutputInvalid`` counts as a
failed attempt so the fallback chain moves on. These checks are structural: they make
sure a file is what it claims to be and that a player's engine will be able to load it.
"""

from __future__ import annotations

import io
import json
import math
import struct
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PIL import Image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PNG_PIXELS = 64 * 1024 * 1024

_GLB_MAGIC = b"glTF"
_CHUNK_JSON = 0x4E4F534A
_CHUNK_BIN = 0x004E4942
_COMPONENT_SIZES = {5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4}
_TYPE_COMPONENTS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}


class OutputInvalid(ValueError):  # noqa: N818 (the name other modules import)
    """A generated output is not a valid file of its declared type."""


def validate_png(
    data: bytes, *, width: int | None = None, height: int | None = None, require_alpha: bool = False
) -> dict[str, Any]:
    """Decode a PNG fully; check its size and (optionally) that it carries transparency."""
    if not data.startswith(PNG_SIGNATURE):
        raise OutputInvalid("not a PNG (bad signature)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                if im.format != "PNG":
                    raise OutputInvalid(f"not a PNG (decoded as {im.format})")
                if im.width * im.height > MAX_PNG_PIXELS:
                    raise OutputInvalid(f"PNG too large ({im.width}x{im.height})")
                im.verify()  # CRCs and chunk structure
            with Image.open(io.BytesIO(data)) as im:
                im.load()  # the pixel data really decodes
                mode = im.mode
                size = im.size
                has_alpha = mode in ("RGBA", "LA", "RGBa", "La", "PA") or (
                    mode == "P" and "transparency" in im.info
                )
                has_alpha = has_alpha or (mode in ("RGB", "L") and "transparency" in im.info)
    except OutputInvalid:
        raise
    except Exception as exc:  # Pillow raises many types for corrupt data
        raise OutputInvalid(f"PNG does not decode: {exc}") from exc
    if width is not None and size[0] != width:
        raise OutputInvalid(f"PNG is {size[0]} wide, expected {width}")
    if height is not None and size[1] != height:
        raise OutputInvalid(f"PNG is {size[1]} high, expected {height}")
    if require_alpha and not has_alpha:
        raise OutputInvalid(f"PNG has no alpha channel (mode {mode})")
    return {"width": size[0], "height": size[1], "mode": mode, "has_alpha": has_alpha}


def _glb_chunks(data: bytes) -> tuple[dict[str, Any], bytes | None]:
    if len(data) < 20:
        raise OutputInvalid("GLB too short")
    magic, version, length = struct.unpack_from("<4sII", data, 0)
    if magic != _GLB_MAGIC:
        raise OutputInvalid("not a GLB (bad magic)")
    if version != 2:
        raise OutputInvalid(f"GLB version {version}, expected 2")
    if length != len(data):
        raise OutputInvalid(f"GLB header says {length} bytes, file has {len(data)}")
    offset = 12
    chunks: list[tuple[int, bytes]] = []
    while offset < length:
        if offset + 8 > length:
            raise OutputInvalid("GLB chunk header runs past the end")
        size, kind = struct.unpack_from("<II", data, offset)
        start = offset + 8
        if size % 4 or start + size > length:
            raise OutputInvalid("GLB chunk length is misaligned or runs past the end")
        chunks.append((kind, data[start : start + size]))
        offset = start + size
    if not chunks or chunks[0][0] != _CHUNK_JSON:
        raise OutputInvalid("GLB must start with a JSON chunk")
    if len(chunks) > 2 or (len(chunks) == 2 and chunks[1][0] != _CHUNK_BIN):
        raise OutputInvalid("GLB may only hold a JSON chunk and one BIN chunk")
    try:
        doc = json.loads(chunks[0][1].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise OutputInvalid(f"GLB JSON chunk does not parse: {exc}") from exc
    if not isinstance(doc, dict):
        raise OutputInvalid("GLB JSON must be an object")
    return doc, (chunks[1][1] if len(chunks) == 2 else None)


def _list(doc: dict[str, Any], key: str) -> list[Any]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise OutputInvalid(f"glTF '{key}' must be an array")
    return value


def _index(value: Any, items: list[Any], what: str) -> dict[str, Any]:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < len(items):
        raise OutputInvalid(f"{what} index {value!r} is out of range")
    item = items[value]
    if not isinstance(item, dict):
        raise OutputInvalid(f"{what} {value} is not an object")
    return item


def _uint(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise OutputInvalid(f"{what} must be a non-negative integer")
    return value


def validate_glb(data: bytes) -> dict[str, Any]:
    """Structural GLB check: header, chunks, JSON, and every buffer range in bounds."""
    doc, binary = _glb_chunks(data)
    asset = doc.get("asset")
    if not isinstance(asset, dict) or asset.get("version") != "2.0":
        raise OutputInvalid("glTF asset.version must be '2.0'")

    buffers = _list(doc, "buffers")
    sizes: list[int] = []
    for i, buf in enumerate(buffers):
        if not isinstance(buf, dict):
            raise OutputInvalid(f"buffer {i} is not an object")
        size = _uint(buf.get("byteLength"), f"buffer {i} byteLength")
        if "uri" not in buf:
            if i != 0 or binary is None:
                raise OutputInvalid(f"buffer {i} has no uri and there is no BIN chunk for it")
            if size > len(binary) or len(binary) - size > 3:
                raise OutputInvalid(f"buffer 0 is {size} bytes but the BIN chunk holds {len(binary)}")
        sizes.append(size)

    views = _list(doc, "bufferViews")
    for i, view in enumerate(views):
        if not isinstance(view, dict):
            raise OutputInvalid(f"bufferView {i} is not an object")
        _index(view.get("buffer"), buffers, f"bufferView {i} buffer")
        start = _uint(view.get("byteOffset", 0), f"bufferView {i} byteOffset")
        length = _uint(view.get("byteLength"), f"bufferView {i} byteLength")
        if length < 1 or start + length > sizes[view["buffer"]]:
            raise OutputInvalid(f"bufferView {i} runs past the end of its buffer")

    accessors = _list(doc, "accessors")
    for i, acc in enumerate(accessors):
        if not isinstance(acc, dict):
            raise OutputInvalid(f"accessor {i} is not an object")
        comp = acc.get("componentType")
        kind = acc.get("type")
        if comp not in _COMPONENT_SIZES or kind not in _TYPE_COMPONENTS:
            raise OutputInvalid(f"accessor {i} has an unknown componentType or type")
        count = _uint(acc.get("count"), f"accessor {i} count")
        if count < 1:
            raise OutputInvalid(f"accessor {i} is empty")
        if "bufferView" not in acc:
            continue
        view = _index(acc["bufferView"], views, f"accessor {i} bufferView")
        element = _COMPONENT_SIZES[comp] * _TYPE_COMPONENTS[kind]
        stride = view.get("byteStride", element)
        start = _uint(acc.get("byteOffset", 0), f"accessor {i} byteOffset")
        if start % _COMPONENT_SIZES[comp]:
            raise OutputInvalid(f"accessor {i} byteOffset is not aligned")
        if start + stride * (count - 1) + element > view["byteLength"]:
            raise OutputInvalid(f"accessor {i} runs past the end of its bufferView")
        for bound in ("min", "max"):
            values = acc.get(bound)
            if values is not None and (
                not isinstance(values, list)
                or len(values) != _TYPE_COMPONENTS[kind]
                or not all(isinstance(v, int | float) and math.isfinite(v) for v in values)
            ):
                raise OutputInvalid(f"accessor {i} {bound} is malformed")

    for i, image in enumerate(_list(doc, "images")):
        if isinstance(image, dict) and "bufferView" in image:
            _index(image["bufferView"], views, f"image {i} bufferView")
    textures = _list(doc, "textures")
    materials = _list(doc, "materials")
    meshes = _list(doc, "meshes")
    vertices = 0
    triangles = 0
    lo = [math.inf] * 3
    hi = [-math.inf] * 3
    for m, mesh in enumerate(meshes):
        if (
            not isinstance(mesh, dict)
            or not isinstance(mesh.get("primitives"), list)
            or not mesh["primitives"]
        ):
            raise OutputInvalid(f"mesh {m} has no primitives")
        for p, prim in enumerate(mesh["primitives"]):
            attrs = prim.get("attributes") if isinstance(prim, dict) else None
            if not isinstance(attrs, dict) or "POSITION" not in attrs:
                raise OutputInvalid(f"mesh {m} primitive {p} has no POSITION")
            for name, value in attrs.items():
                _index(value, accessors, f"mesh {m} primitive {p} {name}")
            position = accessors[attrs["POSITION"]]
            vertices += position["count"]
            if isinstance(position.get("min"), list) and isinstance(position.get("max"), list):
                lo = [min(a, float(b)) for a, b in zip(lo, position["min"], strict=False)]
                hi = [max(a, float(b)) for a, b in zip(hi, position["max"], strict=False)]
            mode = prim.get("mode", 4)
            if "indices" in prim:
                idx = _index(prim["indices"], accessors, f"mesh {m} primitive {p} indices")
                corners = idx["count"]
            else:
                corners = position["count"]
            if mode == 4:
                triangles += corners // 3
            if "material" in prim:
                _index(prim["material"], materials, f"mesh {m} primitive {p} material")
    has_texture = bool(textures) and any(
        isinstance(mat, dict)
        and isinstance(mat.get("pbrMetallicRoughness"), dict)
        and "baseColorTexture" in mat["pbrMetallicRoughness"]
        for mat in materials
    )
    bounds = [lo, hi] if vertices and math.isfinite(lo[0]) else None
    return {
        "meshes": len(meshes),
        "vertices": vertices,
        "triangles": triangles,
        "has_texture": has_texture,
        "bounds": bounds,
    }


def confidence(mime: str, data: bytes) -> float:
    """How sure the studio is that a structurally valid output is a real answer, 0..1.

    Models fail in ways a format check cannot see: a blank or single-colour picture is
    a valid PNG. For pictures the score is the share of visible structure (luminance
    spread, penalised when one colour covers almost everything); other formats score
    1.0 once they validate, until a better measure exists for them.
    """
    kind = mime.split(";", 1)[0].strip().lower()
    if not kind.startswith("image/"):
        return 1.0
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.draft("RGB", (64, 64))
            small = im.convert("RGB").resize((64, 64))
    except Exception:
        return 0.0
    rgb = np.asarray(small, dtype=np.int32).reshape(-1, 3)
    spread = float((rgb @ np.array([0.299, 0.587, 0.114])).std())
    buckets = (rgb[:, 0] >> 3) << 10 | (rgb[:, 1] >> 3) << 5 | (rgb[:, 2] >> 3)
    dominant = float(np.bincount(buckets).max()) / len(buckets)
    score = min(1.0, spread / 48.0) * (1.0 - max(0.0, dominant - 0.8) * 5.0)
    return round(max(0.0, min(1.0, score)), 3)


_WAV = ("audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave")
_MIDI = ("audio/midi", "audio/x-midi", "audio/mid")
_ENTITY_SCHEMA = "https://pog.studio/schemas/entity-1.json"
_TREE_SCHEMA = "https://pog.studio/schemas/behavior-tree-1.json"


def validate_output(mime: str, data: bytes) -> dict[str, Any]:
    """Validate one output by its MIME type (and, for JSON, by the format it declares).

    Checkers live in submodules (audio, raster, text, entity, shader) that import
    ``OutputInvalid`` from here, so they are imported where used.
    """
    kind = mime.split(";", 1)[0].strip().lower()
    if kind == "image/png":
        return validate_png(data)
    if kind == "model/gltf-binary":
        return validate_glb(data)
    if kind in ("image/gif", "image/webp", "application/zip"):
        from limbs.validators import raster

        if kind == "image/gif":
            return raster.validate_gif(data)
        if kind == "image/webp":
            return raster.validate_webp(data)
        return raster.validate_zip(data, min_pngs=0)
    if kind in _WAV or kind in _MIDI:
        from limbs.validators import audio

        return audio.validate_wav(data) if kind in _WAV else audio.validate_midi(data)
    if kind == "application/json":
        return _validate_json(data)
    if kind in ("text/x-yarn", "text/vnd.mermaid"):
        from limbs.validators import text

        return text.validate_yarn(data) if kind == "text/x-yarn" else text.validate_mermaid(data)
    if kind == "text/x-glsl":
        from limbs.validators import shader

        return shader.validate_glsl(data.decode("utf-8", errors="strict"))
    if kind.startswith("text/"):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise OutputInvalid(f"text is not UTF-8: {exc}") from None
        return {"bytes": len(data)}
    return {}


def _validate_json(data: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise OutputInvalid(f"JSON does not parse: {exc}") from None
    declared = (doc.get("format"), doc.get("$schema")) if isinstance(doc, dict) else (None, None)
    if declared[0] in ("pog.quest/1", "pog.world_bible/1"):
        from limbs.validators import text

        return text.validate_quest(doc) if declared[0] == "pog.quest/1" else text.validate_world_bible(doc)
    if declared[1] in (_ENTITY_SCHEMA, _TREE_SCHEMA):
        from limbs.validators import entity

        if declared[1] == _ENTITY_SCHEMA:
            return entity.validate_entity(doc)
        return entity.validate_behavior_tree(doc)
    return {"bytes": len(data)}


def validate_outputs(outputs: Sequence[Any], check: Callable[[Sequence[Any]], None] | None = None) -> None:
    """A tier's whole answer: at least one output, each valid for its type, and valid together
    (``check``: the action's own rule for its outputs as a set)."""
    if not outputs:
        raise OutputInvalid("the tier returned no output")
    for output in outputs:
        validate_output(output.mime, output.data)
    if check is not None:
        check(outputs)


def main_confidence(outputs: list[Any]) -> float:
    """The score a person's threshold is held against: the lowest of the main outputs
    (a flat roughness map beside a picture is a right answer that scores low)."""
    scored = [o for o in outputs if o.role == "main"] or outputs
    return min(confidence(o.mime, o.data) for o in scored)
