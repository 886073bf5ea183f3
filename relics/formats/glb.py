"""A small glTF 2.0 binary (GLB) writer: one buffer, tightly packed views, embedded PNG images.

Only what the relic converters need: float/uint accessors with min/max where glTF demands
them, materials, embedded textures, one mesh per node. The output is deterministic for a
given input, which keeps exported files diffable and cacheable.
"""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np

ARRAY_BUFFER = 34962
ELEMENT_ARRAY_BUFFER = 34963
FLOAT = 5126
UNSIGNED_INT = 5125

_TYPES = {1: "SCALAR", 2: "VEC2", 3: "VEC3", 4: "VEC4"}


class GlbBuilder:
    """Collects glTF objects and a single binary buffer, then packs them as a GLB."""

    def __init__(self, generator: str = "POG Studio relics") -> None:
        self.doc: dict[str, Any] = {"asset": {"version": "2.0", "generator": generator}}
        self._chunks: list[bytes] = []
        self._length = 0

    def _append(self, key: str, item: dict[str, Any]) -> int:
        items: list[dict[str, Any]] = self.doc.setdefault(key, [])
        items.append(item)
        return len(items) - 1

    def buffer_view(self, data: bytes, target: int | None = None) -> int:
        # Views start on 4-byte boundaries so every float/uint accessor is aligned.
        pad = -self._length % 4
        if pad:
            self._chunks.append(b"\x00" * pad)
            self._length += pad
        view: dict[str, Any] = {"buffer": 0, "byteOffset": self._length, "byteLength": len(data)}
        if target is not None:
            view["target"] = target
        self._chunks.append(data)
        self._length += len(data)
        return self._append("bufferViews", view)

    def accessor(self, array: np.ndarray, *, target: int | None = ARRAY_BUFFER, bounds: bool = False) -> int:
        """An accessor over ``array`` (float32 or uint32; shape (n,) or (n, k))."""
        if array.dtype == np.float32:
            component = FLOAT
        elif array.dtype == np.uint32:
            component = UNSIGNED_INT
        else:
            raise TypeError(f"unsupported accessor dtype {array.dtype}")
        width = 1 if array.ndim == 1 else int(array.shape[1])
        data = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        acc: dict[str, Any] = {
            "bufferView": self.buffer_view(data, target),
            "componentType": component,
            "count": int(array.shape[0]),
            "type": _TYPES[width],
        }
        if bounds:
            flat = array.reshape(array.shape[0], width)
            acc["min"] = [_number(v) for v in flat.min(axis=0)]
            acc["max"] = [_number(v) for v in flat.max(axis=0)]
        return self._append("accessors", acc)

    def material(self, material: dict[str, Any]) -> int:
        return self._append("materials", material)

    def png_texture(self, png: bytes, *, nearest: bool = False) -> int:
        """Embed ``png`` and return the index of a texture that samples it (repeat wrap)."""
        image = self._append("images", {"bufferView": self.buffer_view(png), "mimeType": "image/png"})
        sampler: dict[str, Any] = {"wrapS": 10497, "wrapT": 10497}
        if nearest:
            sampler.update(magFilter=9728, minFilter=9728)
        return self._append("textures", {"sampler": self._append("samplers", sampler), "source": image})

    def mesh_node(self, name: str, primitives: list[dict[str, Any]]) -> int:
        mesh = self._append("meshes", {"name": name, "primitives": primitives})
        return self._append("nodes", {"name": name, "mesh": mesh})

    def build(self, nodes: list[int] | None = None) -> bytes:
        doc = dict(self.doc)
        scene: dict[str, Any] = {"nodes": nodes} if nodes else {}
        doc["scenes"] = [scene]
        doc["scene"] = 0
        binary = b"".join(self._chunks)
        if binary:
            doc["buffers"] = [{"byteLength": len(binary)}]
        body = json.dumps(doc, separators=(",", ":")).encode()
        body += b" " * (-len(body) % 4)
        parts = [struct.pack("<I4s", len(body), b"JSON"), body]
        if binary:
            binary += b"\x00" * (-len(binary) % 4)
            parts += [struct.pack("<I4s", len(binary), b"BIN\x00"), binary]
        payload = b"".join(parts)
        return struct.pack("<4sII", b"glTF", 2, 12 + len(payload)) + payload


def _number(value: Any) -> float | int:
    # min/max must equal the stored float32 values exactly, so go through float32 itself.
    if isinstance(value, np.floating):
        return float(np.float32(value))
    return int(value)
