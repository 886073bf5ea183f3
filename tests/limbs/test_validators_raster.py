"""limbs.formats.raster: animations, seamless tiles, atlases and frame archives."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import numpy as np
import pytest
from PIL import Image

from limbs.formats import OutputInvalid
from limbs.formats.gif import validate_gif
from limbs.formats.webp import validate_webp
from limbs.formats.zip import validate_zip
from limbs.parts.image._seams import check_tileable, validate_tile
from limbs.parts.video._atlas import validate_atlas


def encode(im: Image.Image, fmt: str = "PNG", **kw: Any) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def frames(count: int = 5, size: int = 24) -> list[Image.Image]:
    out = []
    for i in range(count):
        arr = np.zeros((size, size, 3), np.uint8)
        arr[:, :] = (40 * i % 256, 90, 200)
        arr[i : i + 6, 4:10] = (255, 255, 255)
        out.append(Image.fromarray(arr))
    return out


def gif(count: int = 5, **kw: Any) -> bytes:
    f = frames(count)
    return encode(f[0], "GIF", save_all=True, append_images=f[1:], duration=70, loop=0, **kw)


def webp(count: int = 5) -> bytes:
    f = frames(count)
    return encode(f[0], "WEBP", save_all=True, append_images=f[1:], duration=50, loop=0, lossless=True)


def periodic_picture(size: int = 64) -> bytes:
    y, x = np.mgrid[0:size, 0:size] / size * 2 * np.pi
    v = 128 + 60 * np.sin(2 * x) + 50 * np.cos(3 * y + np.sin(x))
    return encode(Image.fromarray(np.clip(v, 0, 255).astype(np.uint8)).convert("RGB"))


def photo(size: int = 64) -> bytes:
    """A smooth picture whose opposite edges have nothing to do with each other."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    rgb = np.stack([x * 3, y * 3, 255 - (x + y) * 1.5], -1)
    rgb += np.random.default_rng(0).normal(0, 3, rgb.shape)
    return encode(Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)))


# Animations ----------------------------------------------------------------------------


def test_validate_gif_decodes_every_frame_and_reports_durations() -> None:
    report = validate_gif(gif(6), min_frames=6)
    assert report["frames"] == 6
    assert report["durations"] == [70] * 6
    assert (report["width"], report["height"]) == (24, 24)
    assert report["loop"] == 0


def test_validate_gif_rejects_too_few_frames() -> None:
    with pytest.raises(OutputInvalid, match="at least 8"):
        validate_gif(gif(3), min_frames=8)


def test_validate_gif_rejects_a_truncated_file() -> None:
    data = gif(6)
    with pytest.raises(OutputInvalid):
        validate_gif(data[: len(data) // 2])


def test_validate_gif_rejects_other_formats() -> None:
    with pytest.raises(OutputInvalid, match="not a GIF"):
        validate_gif(webp())


def test_validate_webp_decodes_an_animated_webp() -> None:
    report = validate_webp(webp(4), min_frames=2)
    assert report["frames"] == 4
    assert report["durations"] == [50] * 4


def test_validate_webp_rejects_a_riff_that_is_not_webp() -> None:
    with pytest.raises(OutputInvalid):
        validate_webp(b"RIFF\x10\x00\x00\x00WAVEfmt " + b"\x00" * 16)


def test_validate_webp_rejects_corrupt_frame_data() -> None:
    data = bytearray(webp(4))
    data[60:200] = b"\x00" * 140
    with pytest.raises(OutputInvalid):
        validate_webp(bytes(data))


# Tiles ---------------------------------------------------------------------------------


def test_a_periodic_picture_passes_the_seam_check() -> None:
    report = check_tileable(periodic_picture(), 0.25)
    assert report["tileable"] is True
    assert report["ratio_x"] <= 1.25 and report["ratio_y"] <= 1.25


def test_a_plain_photo_fails_the_seam_check() -> None:
    report = check_tileable(photo(), 0.25)
    assert report["tileable"] is False
    assert report["ratio_x"] > 5 and report["ratio_y"] > 5


def test_a_periodic_picture_still_tiles_after_any_roll() -> None:
    arr = np.asarray(Image.open(io.BytesIO(periodic_picture())))
    for shift in ((17, 29), (1, 63), (32, 0)):
        rolled = encode(Image.fromarray(np.roll(arr, shift, axis=(0, 1))))
        assert check_tileable(rolled)["tileable"] is True


def test_a_tighter_tolerance_can_only_make_the_check_stricter() -> None:
    data = photo()
    ratios = [check_tileable(data, tol)["tileable"] for tol in (100.0, 10.0, 0.0)]
    assert ratios == sorted(ratios, reverse=True)
    assert ratios[0] is True and ratios[-1] is False


def test_validate_tile_raises_for_visible_seams() -> None:
    assert validate_tile(periodic_picture())["tileable"] is True
    with pytest.raises(OutputInvalid, match="seams"):
        validate_tile(photo())


def test_check_tileable_rejects_data_that_is_not_an_image() -> None:
    with pytest.raises(OutputInvalid):
        check_tileable(b"hello")


# Atlases -------------------------------------------------------------------------------


def atlas(rects: list[tuple[int, int, int, int]], size: tuple[int, int] = (64, 32)) -> tuple[bytes, bytes]:
    doc = {
        "frames": {
            f"f{i}.png": {
                "frame": {"x": x, "y": y, "w": w, "h": h},
                "rotated": False,
                "trimmed": False,
                "spriteSourceSize": {"x": 0, "y": 0, "w": w, "h": h},
                "sourceSize": {"w": w, "h": h},
            }
            for i, (x, y, w, h) in enumerate(rects)
        },
        "meta": {
            "image": "sheet.png",
            "format": "RGBA8888",
            "size": {"w": size[0], "h": size[1]},
            "scale": "1",
        },
    }
    sheet = encode(Image.new("RGBA", size))
    return json.dumps(doc).encode(), sheet


def test_validate_atlas_accepts_frames_side_by_side() -> None:
    doc, sheet = atlas([(0, 0, 32, 32), (32, 0, 32, 32)])
    assert validate_atlas(doc, sheet)["frames"] == 2


def test_validate_atlas_rejects_overlapping_frames() -> None:
    doc, sheet = atlas([(0, 0, 32, 32), (31, 0, 32, 32)])
    with pytest.raises(OutputInvalid, match="overlap"):
        validate_atlas(doc, sheet)


def test_validate_atlas_rejects_a_frame_outside_the_sheet() -> None:
    doc, sheet = atlas([(40, 0, 32, 32)])
    with pytest.raises(OutputInvalid, match="outside"):
        validate_atlas(doc, sheet)


def test_validate_atlas_rejects_a_meta_size_that_is_not_the_sheet() -> None:
    doc, _ = atlas([(0, 0, 8, 8)])
    with pytest.raises(OutputInvalid, match=r"meta\.size"):
        validate_atlas(doc, encode(Image.new("RGBA", (65, 32))))


@pytest.mark.parametrize(
    "broken",
    [
        {"frames": []},
        {"frames": {}},
        {"frames": {"a": {"frame": {"x": 0, "y": 0, "w": 0, "h": 4}}}},
        {"frames": {"a": {"frame": {"x": 0, "y": 0, "w": 4, "h": 4}, "rotated": "no"}}},
    ],
)
def test_validate_atlas_rejects_malformed_frames(broken: dict[str, Any]) -> None:
    doc = {
        "meta": {"image": "s.png", "format": "RGBA8888", "size": {"w": 64, "h": 32}, "scale": "1"},
        **broken,
    }
    with pytest.raises(OutputInvalid):
        validate_atlas(json.dumps(doc).encode(), encode(Image.new("RGBA", (64, 32))))


# Frame archives ------------------------------------------------------------------------


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


def test_a_bomb_is_refused_while_it_inflates_whatever_sizes_it_declares() -> None:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.bin", b"\x00" * 3_000_000)
    with pytest.raises(OutputInvalid, match=r"expands|bomb"):
        validate_zip(buf.getvalue(), max_total_bytes=1_000_000)


def test_validate_zip_rejects_data_that_is_not_a_zip() -> None:
    with pytest.raises(OutputInvalid, match="not a zip"):
        validate_zip(b"PK\x03\x04 but not really")
