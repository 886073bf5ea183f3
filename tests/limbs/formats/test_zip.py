"""limbs.formats.zip: safe names, bounded sizes and ratios, and every entry a PNG or JSON."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from limbs.formats import OutputInvalid
from limbs.formats.zip import validate_zip
from tests.limbs.formats.samples import encode


def make_zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_validate_zip_accepts_png_frames_with_a_json_index() -> None:
    png = encode(Image.new("RGBA", (8, 8), (255, 0, 0, 255)))
    report = validate_zip(make_zip({"a.png": png, "b.png": png, "frames.json": b"{}"}))
    assert report["pngs"] == 2
    assert report["frame_sizes"] == [(8, 8)]


@pytest.mark.parametrize(
    ("entries", "problem"),
    [
        ({"../evil.png": b""}, "unsafe"),
        ({"notes.txt": b"hi"}, "neither"),
        ({"a.png": b"\x89PNG\r\n\x1a\nbroken"}, "PNG"),
        ({"frames.json": b"{}"}, "at least 1"),
        ({"frames.json": b"{nope"}, "JSON"),
    ],
)
def test_validate_zip_rejects_unsafe_or_broken_entries(entries: dict[str, bytes], problem: str) -> None:
    with pytest.raises(OutputInvalid, match=problem):
        validate_zip(make_zip(entries), min_pngs=1, frames_only=True)


def test_validate_zip_rejects_a_suspiciously_compressible_entry() -> None:
    with pytest.raises(OutputInvalid, match="bomb"):
        validate_zip(make_zip({"a.png": b"\x00" * 2_000_000}))


def test_a_plain_zip_may_hold_any_file_but_a_frame_archive_may_not() -> None:
    archive = make_zip({"notes.txt": b"hi", "a.json": b"{}"})
    assert validate_zip(archive)["entries"] == 2
    with pytest.raises(OutputInvalid, match="neither"):
        validate_zip(archive, frames_only=True)


def test_a_zip_larger_than_its_limit_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.bin", b"\x00" * 3_000_000)
    with pytest.raises(OutputInvalid, match=r"expands|bomb"):
        validate_zip(buf.getvalue(), max_total_bytes=1_000_000)


def test_validate_zip_rejects_data_that_is_not_a_zip() -> None:
    with pytest.raises(OutputInvalid, match="not a zip"):
        validate_zip(b"PK\x03\x04 but not really")


def test_a_json_entry_nested_too_deeply_is_refused_not_a_crash() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("frames.json", b"[" * 100_000)
    with pytest.raises(OutputInvalid, match="nested too deeply"):
        validate_zip(buf.getvalue(), min_pngs=0)
