"""limbs.validators: every output is checked before it is stored."""

from __future__ import annotations

import copy
import io
import struct
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from limbs.formats import OutputInvalid, validate_output
from limbs.formats.glb import validate_glb
from limbs.formats.png import validate_png
from limbs.parts.image import generate as image_generate
from limbs.parts.image import sprite as image_sprite
from limbs.parts.mesh import image_to_3d
from limbs.spec import GenRequest
from tests.helpers import gltf
from tests.helpers.gltf import pack_glb, read_glb


def encode(im: Image.Image, fmt: str = "PNG", **kw: Any) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


@pytest.fixture(scope="module")
def scene_png() -> bytes:
    req = GenRequest(intent="a blue whale", params={"width": 120, "height": 80, "style": "auto"}, seed=1)
    return image_generate.make(req).outputs[0].data


@pytest.fixture(scope="module")
def sprite_png() -> bytes:
    return (
        image_sprite.make(
            GenRequest(intent="a robot", params={"size": 16, "kind": "auto", "outline": True}, seed=1)
        )
        .outputs[0]
        .data
    )


@pytest.fixture(scope="module")
def glb(sprite_png: bytes) -> bytes:
    req = GenRequest(intent="", params={"mode": "auto", "depth": 0.25}, seed=1, inputs={"image": sprite_png})
    return image_to_3d.make(req).outputs[0].data


# PNG ------------------------------------------------------------------------------------


def test_generated_png_passes_with_its_size_and_mode(scene_png: bytes) -> None:
    assert validate_png(scene_png, width=120, height=80) == {
        "width": 120,
        "height": 80,
        "mode": "RGB",
        "has_alpha": False,
    }


def test_sprite_png_has_alpha(sprite_png: bytes) -> None:
    report = validate_png(sprite_png, width=16, height=16, require_alpha=True)
    assert report["has_alpha"] is True


def test_png_without_alpha_fails_when_alpha_is_required(scene_png: bytes) -> None:
    with pytest.raises(OutputInvalid, match="alpha"):
        validate_png(scene_png, require_alpha=True)


def test_palette_png_with_transparency_counts_as_alpha() -> None:
    im = Image.new("P", (4, 4), 0)
    im.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    data = encode(im, transparency=0)
    assert validate_png(data, require_alpha=True)["has_alpha"] is True


@pytest.mark.parametrize(("width", "height"), [(121, None), (None, 81)])
def test_png_of_the_wrong_size_is_rejected(scene_png: bytes, width: int | None, height: int | None) -> None:
    with pytest.raises(OutputInvalid, match="expected"):
        validate_png(scene_png, width=width, height=height)


def test_truncated_png_is_rejected(scene_png: bytes) -> None:
    for cut in (len(scene_png) // 2, len(scene_png) - 20, 30):
        with pytest.raises(OutputInvalid):
            validate_png(scene_png[:cut])


def test_png_with_a_corrupted_chunk_is_rejected(scene_png: bytes) -> None:
    broken = bytearray(scene_png)
    broken[len(broken) // 2] ^= 0xFF
    with pytest.raises(OutputInvalid):
        validate_png(bytes(broken))


@pytest.mark.parametrize(
    "data",
    [b"", b"garbage", b"\x89PNG\r\n\x1a\n", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, b"GIF89a" + b"\x00" * 30],
)
def test_garbage_is_not_a_png(data: bytes) -> None:
    with pytest.raises(OutputInvalid):
        validate_png(data)


def test_jpeg_is_not_a_png() -> None:
    with pytest.raises(OutputInvalid, match="signature"):
        validate_png(encode(Image.new("RGB", (8, 8)), "JPEG"))


# GLB ------------------------------------------------------------------------------------


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


# Dispatch --------------------------------------------------------------------------------


def test_validate_output_dispatches_on_mime(scene_png: bytes, glb: bytes) -> None:
    assert validate_output("image/png", scene_png)["width"] == 120
    assert validate_output("Image/PNG; charset=binary", scene_png)["height"] == 80
    assert validate_output("model/gltf-binary", glb)["meshes"] == 1
    with pytest.raises(OutputInvalid):
        validate_output("image/png", glb)
    with pytest.raises(OutputInvalid):
        validate_output("model/gltf-binary", scene_png)


def test_validate_output_passes_types_it_has_no_checker_for() -> None:
    assert validate_output("application/octet-stream", b"RIFF....") == {}


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


def test_validate_output_routes_wav_to_the_audio_checker() -> None:
    with pytest.raises(OutputInvalid):
        validate_output("audio/wav", b"RIFF....")
