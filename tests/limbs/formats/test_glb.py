"""limbs.formats.glb: a GLB's header, chunks and every reference inside its JSON are checked;
and the Khronos validator the mesh tests lean on fails loudly when it is missing."""

from __future__ import annotations

import copy
import struct
from pathlib import Path
from typing import Any

import pytest

from limbs.formats import OutputInvalid
from limbs.formats.glb import validate_glb
from tests.helpers import gltf
from tests.helpers.gltf import pack_glb, read_glb


def test_generated_glb_passes_and_is_counted(glb: bytes) -> None:
    report = validate_glb(glb)
    assert report["meshes"] == 1
    assert report["vertices"] > 0
    assert report["triangles"] > 0
    assert report["has_texture"] is True
    lo, hi = report["bounds"]
    assert all(a < b for a, b in zip(lo, hi, strict=True))


def test_truncated_glb_is_rejected(glb: bytes) -> None:
    for cut in (8, 19, len(glb) // 2, len(glb) - 4):
        with pytest.raises(OutputInvalid):
            validate_glb(glb[:cut])


def test_glb_with_trailing_bytes_is_rejected(glb: bytes) -> None:
    with pytest.raises(OutputInvalid, match="header says"):
        validate_glb(glb + b"\x00\x00\x00\x00")


@pytest.mark.parametrize("data", [b"", b"garbage" * 10, b"\x89PNG\r\n\x1a\n" + b"\x00" * 40])
def test_garbage_is_not_a_glb(data: bytes) -> None:
    with pytest.raises(OutputInvalid):
        validate_glb(data)


def test_wrong_magic_and_version_are_rejected(glb: bytes) -> None:
    with pytest.raises(OutputInvalid, match="magic"):
        validate_glb(b"gltf" + glb[4:])
    with pytest.raises(OutputInvalid, match="version"):
        validate_glb(glb[:4] + struct.pack("<I", 1) + glb[8:])


def test_json_chunk_that_does_not_parse_is_rejected(glb: bytes) -> None:
    doc_len = struct.unpack_from("<I", glb, 12)[0]
    broken = glb[:20] + b"{" * doc_len + glb[20 + doc_len :]
    with pytest.raises(OutputInvalid, match="JSON"):
        validate_glb(broken)


def tampered(glb: bytes, change: Any) -> bytes:
    doc, binary = read_glb(glb)
    doc = copy.deepcopy(doc)
    change(doc)
    return pack_glb(doc, binary)


def test_repacked_glb_still_passes(glb: bytes) -> None:
    assert validate_glb(tampered(glb, lambda doc: None))["vertices"] == validate_glb(glb)["vertices"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["asset"].update(version="1.0"), "asset.version"),
        (lambda d: d.pop("asset"), "asset.version"),
        (lambda d: d["accessors"][1].update(count=d["accessors"][1]["count"] * 10), "accessor 1"),
        (lambda d: d["accessors"][0].update(bufferView=99), "out of range"),
        (lambda d: d["accessors"][2].update(componentType=1234), "componentType"),
        (lambda d: d["bufferViews"][4].update(byteLength=d["buffers"][0]["byteLength"]), "bufferView 4"),
        (lambda d: d["buffers"][0].update(byteLength=10**9), "BIN chunk"),
        (lambda d: d["meshes"][0]["primitives"][0]["attributes"].update(NORMAL=42), "out of range"),
        (lambda d: d["meshes"][0]["primitives"][0].update(indices=-1), "out of range"),
        (lambda d: d["meshes"][0].update(primitives=[]), "no primitives"),
    ],
)
def test_glb_with_out_of_range_references_is_rejected(glb: bytes, change: Any, message: str) -> None:
    with pytest.raises(OutputInvalid, match=message):
        validate_glb(tampered(glb, change))


def test_glb_without_its_bin_chunk_is_rejected(glb: bytes) -> None:
    doc, _ = read_glb(glb)
    with pytest.raises(OutputInvalid, match="BIN"):
        validate_glb(pack_glb(doc, None))


# The Khronos helper itself -----------------------------------------------------------------


def test_khronos_helper_fails_loudly_when_the_validator_is_missing(
    glb: bytes, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(gltf, "PACKAGE", tmp_path / "node_modules" / "gltf-validator")
    with pytest.raises(gltf.ValidatorMissingError, match="npm ci"):
        gltf.khronos_validate(glb)


def test_khronos_helper_reports_errors_for_a_broken_glb(glb: bytes) -> None:
    broken = tampered(glb, lambda d: d["accessors"][1].update(min=[9.0, 9.0, 9.0]))
    report = gltf.khronos_validate(broken)
    assert report["issues"]["numErrors"] > 0


def test_a_json_chunk_nested_too_deeply_is_refused_not_a_crash(glb: bytes) -> None:
    _, binary = read_glb(glb)
    deep = b"[" * 50_000 + b"]" * 50_000
    deep += b" " * (-len(deep) % 4)
    chunk = struct.pack("<II", len(deep), 0x4E4F534A) + deep
    data = b"glTF" + struct.pack("<II", 2, 12 + len(chunk)) + chunk
    with pytest.raises(OutputInvalid, match="nested too deeply"):
        validate_glb(data)
    assert binary is not None
