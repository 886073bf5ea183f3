"""Writing binary glTF (GLB): buffer views and accessors gathered into one BIN chunk."""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np
import numpy.typing as npt


def pad4(data: bytes, fill: bytes = b"\x00") -> bytes:
    return data + fill * (-len(data) % 4)


class GlbBuilder:
    """Collects buffer views and accessors into one BIN chunk, then writes a GLB."""

    def __init__(self) -> None:
        self.binary = bytearray()
        self.views: list[dict[str, Any]] = []
        self.accessors: list[dict[str, Any]] = []

    def view(self, blob: bytes, target: int | None = None) -> int:
        entry: dict[str, Any] = {"buffer": 0, "byteOffset": len(self.binary), "byteLength": len(blob)}
        if target is not None:
            entry["target"] = target
        self.views.append(entry)
        self.binary += pad4(blob)
        return len(self.views) - 1

    def accessor(
        self, array: npt.NDArray[Any], kind: str, *, target: int | None = None, bounds: bool = False
    ) -> int:
        """Adds float32 (or uint16/uint32 index) data; ``bounds`` records min/max."""
        if array.dtype == np.uint16:
            comp = 5123
        elif array.dtype == np.uint32:
            comp = 5125
        else:
            array = array.astype("<f4")
            comp = 5126
        flat = array.reshape(len(array), -1)
        entry: dict[str, Any] = {
            "bufferView": self.view(np.ascontiguousarray(array).tobytes(), target),
            "componentType": comp,
            "count": len(array),
            "type": kind,
        }
        if bounds:
            entry["min"] = [float(v) for v in flat.min(axis=0)]
            entry["max"] = [float(v) for v in flat.max(axis=0)]
        self.accessors.append(entry)
        return len(self.accessors) - 1

    def write(self, doc: dict[str, Any]) -> bytes:
        doc = dict(doc)
        doc["accessors"] = self.accessors
        doc["bufferViews"] = self.views
        doc["buffers"] = [{"byteLength": len(self.binary)}]
        body = pad4(json.dumps(doc, separators=(",", ":"), ensure_ascii=True).encode("utf-8"), b" ")
        binary = bytes(self.binary)
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
