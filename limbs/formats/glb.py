"""glTF 2.0 binary (GLB): header, chunks, JSON, and every buffer range in bounds."""

from __future__ import annotations

import math
import struct
from typing import Any

from limbs.formats.base import Format, OutputInvalid, parse_json, signature

_GLB_MAGIC = b"glTF"
_CHUNK_JSON = 0x4E4F534A
_CHUNK_BIN = 0x004E4942
_COMPONENT_SIZES = {5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4}
_TYPE_COMPONENTS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}


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
        text = chunks[0][1].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OutputInvalid(f"GLB JSON chunk is not UTF-8: {exc}") from None
    doc = parse_json(text, "GLB JSON chunk")
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


FORMAT = Format(
    id="glb",
    name="3D model (glTF binary)",
    mimes=("model/gltf-binary",),
    kind="model",
    suffixes=(".glb",),
    validate=validate_glb,
    preview="model",
    sniff=signature(_GLB_MAGIC),
)
