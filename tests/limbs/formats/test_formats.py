"""limbs.formats (the package): finding a format by MIME type, suffix or first bytes, the
kind of asset and preview each file gets, and validation dispatched by type."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

import pytest
from PIL import Image

from limbs.formats import (
    FORMATS,
    KINDS,
    Format,
    OutputInvalid,
    base_mime,
    by_id,
    confidence,
    for_mime,
    for_suffix,
    kind_for_mime,
    main_confidence,
    preview_kind,
    sniff,
    validate_output,
    validate_outputs,
)
from limbs.formats.vox import VoxModel, write_vox
from limbs.formats.wav import MIMES as WAV_MIMES
from tests.limbs.formats.samples import encode, gif, midi_bytes, ogg_stream, sine_wav, webp

PREVIEWS = {"image", "model", "wav", "midi", "audio", "code", "file"}


@dataclass(frozen=True)
class Out:
    data: bytes
    mime: str
    name: str = "out"
    role: str = "main"
    meta: dict[str, Any] = field(default_factory=dict)


@pytest.fixture(scope="module")
def signed(scene_png: bytes, glb: bytes) -> dict[str, bytes]:
    """One real file of every format that has a signature, by format id."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("frame.png", scene_png)
    return {
        "png": scene_png,
        "jpeg": encode(Image.new("RGB", (8, 8), (9, 99, 199)), "JPEG"),
        "gif": gif(),
        "webp": webp(),
        "glb": glb,
        "obj": b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n",
        "vox": write_vox([VoxModel((1, 1, 1), ((0, 0, 0, 1),))]),
        "wav": sine_wav(seconds=0.05),
        "ogg": ogg_stream(),
        "midi": midi_bytes(),
        "json": b'{"format": "anything/1"}',
        "zip": archive.getvalue(),
    }


# Every format -----------------------------------------------------------------------------


def test_formats_have_unique_ids_and_no_two_claim_one_type() -> None:
    ids = [f.id for f in FORMATS]
    assert len(ids) == len(set(ids))
    mimes = [m for f in FORMATS for m in f.mimes]
    assert len(mimes) == len(set(mimes))
    suffixes = [s for f in FORMATS for s in f.suffixes]
    assert len(suffixes) == len(set(suffixes))


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.id)
def test_each_format_is_described_in_the_studios_terms(fmt: Format) -> None:
    assert fmt.name and fmt.mimes and fmt.suffixes
    assert all(m == base_mime(m) and "/" in m for m in fmt.mimes)
    assert all(s.startswith(".") and s == s.lower() for s in fmt.suffixes)
    assert fmt.kind in KINDS
    assert fmt.preview in PREVIEWS
    assert by_id(fmt.id) is fmt


# Finding a format -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.id)
def test_every_name_of_a_format_finds_it_in_any_case_and_with_parameters(fmt: Format) -> None:
    for mime in fmt.mimes:
        assert for_mime(mime) is fmt
        assert for_mime(f" {mime.upper()} ; charset=utf-8") is fmt
        assert kind_for_mime(mime) == fmt.kind


@pytest.mark.parametrize("mime", ["audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave", "AUDIO/X-WAV"])
def test_every_name_browsers_give_a_wav_finds_the_wav_format(mime: str) -> None:
    found = for_mime(mime)
    assert found is not None and found.id == "wav"
    assert kind_for_mime(mime) == "audio"
    assert preview_kind(mime, bytes) == "wav"
    assert set(WAV_MIMES) == set(found.mimes)


@pytest.mark.parametrize("mime", ["application/octet-stream", "image/x-unknown", "text/x-nothing", "", ";"])
def test_an_unknown_type_has_no_format_and_is_data(mime: str) -> None:
    assert for_mime(mime) is None
    assert kind_for_mime(mime) == "data"


def test_a_file_name_finds_its_format_by_suffix() -> None:
    assert for_suffix("Hero.PNG") is by_id("png")
    assert for_suffix("castle.tar.zip") is by_id("zip")
    assert for_suffix("notes.md") is by_id("markdown")
    assert for_suffix("README") is None
    assert by_id("nope") is None


def test_every_format_with_a_signature_has_a_sample_here(signed: dict[str, bytes]) -> None:
    assert {f.id for f in FORMATS if f.sniff is not None} == set(signed)


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f.sniff is not None], ids=lambda f: f.id)
def test_first_bytes_find_exactly_one_format(signed: dict[str, bytes], fmt: Format) -> None:
    data = signed[fmt.id]
    assert [f.id for f in FORMATS if f.sniff is not None and f.sniff(data)] == [fmt.id]
    assert sniff(data) is fmt
    validate_output(fmt.mimes[0], data)


@pytest.mark.parametrize(
    "data", [b"", b"plain words, nothing more", b"\x00\x01\x02\x03" * 8, b"RIFF\x00\x00"]
)
def test_bytes_without_a_signature_find_nothing(data: bytes) -> None:
    assert sniff(data) is None


# Validation by type -----------------------------------------------------------------------


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


def test_validate_output_routes_wav_to_the_audio_checker() -> None:
    with pytest.raises(OutputInvalid):
        validate_output("audio/wav", b"RIFF....")


def test_text_of_an_unknown_text_type_must_still_be_text() -> None:
    assert validate_output("text/x-unheard-of", b"fine\n")["lines"] == 1
    with pytest.raises(OutputInvalid, match="NUL"):
        validate_output("text/x-unheard-of", b"\x00\x01")


def test_an_answer_needs_an_output_each_valid_and_its_own_check_passed(scene_png: bytes) -> None:
    with pytest.raises(OutputInvalid, match="no output"):
        validate_outputs([])
    with pytest.raises(OutputInvalid):
        validate_outputs([Out(scene_png, "image/png"), Out(b"not a png", "image/png")])
    seen: list[int] = []
    validate_outputs([Out(scene_png, "image/png")], lambda outs: seen.append(len(outs)))
    assert seen == [1]

    def refuse(outputs: Any) -> None:
        raise OutputInvalid("these do not belong together")

    with pytest.raises(OutputInvalid, match="belong together"):
        validate_outputs([Out(scene_png, "image/png")], refuse)


# Confidence and previews ------------------------------------------------------------------


def test_confidence_is_judged_per_format_and_sure_where_a_format_cannot_tell() -> None:
    blank = encode(Image.new("RGB", (32, 32), (40, 40, 40)))
    assert confidence("image/png", blank) == 0.0
    assert confidence("model/gltf-binary", b"anything valid") == 1.0
    assert confidence("application/x-unknown", b"") == 1.0


def test_the_threshold_is_held_against_the_main_outputs_only(scene_png: bytes) -> None:
    flat = encode(Image.new("L", (32, 32), 128))
    outputs = [Out(scene_png, "image/png"), Out(flat, "image/png", role="roughness")]
    assert main_confidence(outputs) == confidence("image/png", scene_png)
    assert main_confidence([Out(flat, "image/png", role="roughness")]) == 0.0


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f.preview_of is None], ids=lambda f: f.id)
def test_a_format_with_one_preview_never_reads_the_file_to_choose_it(fmt: Format) -> None:
    def unread() -> bytes:
        raise AssertionError("the bytes were read")

    assert preview_kind(fmt.mimes[0], unread) == fmt.preview


def test_json_reads_the_file_to_choose_its_preview() -> None:
    quest = {"format": "pog.quest/1", "states": []}
    assert preview_kind("application/json", lambda: json.dumps(quest).encode()) == "quest"
    assert preview_kind("application/json", lambda: b"[1, 2]") == "code"


@pytest.mark.parametrize(
    ("mime", "preview"),
    [
        ("image/x-icon", "image"),
        ("audio/flac", "audio"),
        ("text/x-lua", "code"),
        ("application/ld+json", "code"),
        ("application/octet-stream", "file"),
        ("font/woff2", "file"),
    ],
)
def test_a_type_without_a_format_gets_the_preview_of_its_family(mime: str, preview: str) -> None:
    assert preview_kind(mime, bytes) == preview
