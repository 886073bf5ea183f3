"""limbs.formats.png: a PNG decodes fully, has the size asked for, and alpha when needed."""

from __future__ import annotations

import pytest
from PIL import Image

from limbs.formats import OutputInvalid
from limbs.formats.png import validate_png
from tests.limbs.formats.samples import encode


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
