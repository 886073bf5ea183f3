"""Run the official Khronos glTF validator (npm ``gltf-validator``) on GLB bytes."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("gltf_validate.mjs")
PACKAGE = ROOT / "node_modules" / "gltf-validator"


class ValidatorMissingError(RuntimeError):
    """The validator cannot run here; tests must fail loudly rather than skip."""


def khronos_validate(data: bytes) -> dict[str, Any]:
    """The validator's report for ``data`` (see ``report["issues"]["numErrors"]``)."""
    node = shutil.which("node")
    if node is None:
        raise ValidatorMissingError("node is not on PATH; install Node.js to run the glTF validator")
    if not (PACKAGE / "package.json").is_file():
        raise ValidatorMissingError(f"{PACKAGE} is missing; run `npm ci` in {ROOT} to install gltf-validator")
    proc = subprocess.run(
        [node, str(SCRIPT)], input=data, capture_output=True, cwd=ROOT, timeout=120, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"glTF validator failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}"
        )
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


def issues_summary(report: dict[str, Any]) -> str:
    """A readable list of the report's messages, for assertion failures."""
    messages = report.get("issues", {}).get("messages", [])
    return "\n".join(
        f"{m.get('severity')} {m.get('code')} {m.get('pointer', '')}: {m.get('message')}" for m in messages
    )


def read_glb(data: bytes) -> tuple[dict[str, Any], bytes]:
    """The JSON document and BIN chunk of a GLB (no validation; see limbs.validators)."""
    json_len = struct.unpack_from("<I", data, 12)[0]
    doc: dict[str, Any] = json.loads(data[20 : 20 + json_len])
    bin_start = 20 + json_len
    bin_len = struct.unpack_from("<I", data, bin_start)[0]
    return doc, data[bin_start + 8 : bin_start + 8 + bin_len]


_DTYPES = {5126: "<f4", 5125: "<u4", 5123: "<u2", 5121: "u1"}
_WIDTHS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}


def accessor(doc: dict[str, Any], binary: bytes, index: int) -> np.ndarray:
    """An accessor's data as a numpy array (tightly packed views only, as we write them)."""
    acc = doc["accessors"][index]
    view = doc["bufferViews"][acc["bufferView"]]
    width = _WIDTHS[acc["type"]]
    arr = np.frombuffer(
        binary,
        dtype=_DTYPES[acc["componentType"]],
        count=acc["count"] * width,
        offset=view.get("byteOffset", 0) + acc.get("byteOffset", 0),
    )
    return arr.reshape(-1, width) if width > 1 else arr


def embedded_image(doc: dict[str, Any], binary: bytes, index: int = 0) -> bytes:
    view = doc["bufferViews"][doc["images"][index]["bufferView"]]
    start = view.get("byteOffset", 0)
    return binary[start : start + view["byteLength"]]


def pack_glb(doc: dict[str, Any], binary: bytes | None) -> bytes:
    """Re-assemble a GLB from a (possibly tampered) document, for validator tests."""
    body = json.dumps(doc).encode()
    body += b" " * (-len(body) % 4)
    parts = [struct.pack("<I4s", len(body), b"JSON"), body]
    if binary is not None:
        binary += b"\x00" * (-len(binary) % 4)
        parts += [struct.pack("<I4s", len(binary), b"BIN\x00"), binary]
    payload = b"".join(parts)
    return struct.pack("<4sII", b"glTF", 2, 12 + len(payload)) + payload
