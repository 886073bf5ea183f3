"""limbs.formats.jpeg: a JPEG decodes fully and is not too big; camera files that hold
several pictures (MPO) are JPEGs too."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from PIL import Image

from limbs.formats import OutputInvalid, confidence, for_mime, sniff
from limbs.formats.jpeg import FORMAT, validate_jpeg
from tests.limbs.formats.samples import encode


def photo(size: tuple[int, int] = (48, 32), mode: str = "RGB") -> Image.Image:
    y, x = np.mgrid[0 : size[1], 0 : size[0]]
    rgb = np.stack([x * 5 % 256, y * 7 % 256, (x + y) * 3 % 256], -1).astype(np.uint8)
    return Image.fromarray(rgb).convert(mode)


def with_size(data: bytes, width: int, height: int) -> bytes:
    """The same JPEG with its frame header (SOF0) claiming another size."""
    sof = data.index(b"\xff\xc0")
    return data[: sof + 5] + struct.pack(">HH", height, width) + data[sof + 9 :]


@pytest.mark.parametrize("mode", ["RGB", "L", "CMYK"])
def test_a_jpeg_passes_with_its_size_and_mode(mode: str) -> None:
    assert validate_jpeg(encode(photo(mode=mode), "JPEG")) == {"width": 48, "height": 32, "mode": mode}


def test_a_camera_file_with_two_pictures_is_a_jpeg() -> None:
    data = encode(photo(), "MPO", save_all=True, append_images=[photo((48, 32), "L").convert("RGB")])
    assert data.startswith(b"\xff\xd8\xff")
    assert validate_jpeg(data)["width"] == 48


def test_a_truncated_jpeg_is_refused() -> None:
    data = encode(photo((256, 256)), "JPEG", quality=95)
    with pytest.raises(OutputInvalid, match="does not decode"):
        validate_jpeg(data[: len(data) // 2])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "signature"),
        (encode(photo()), "signature"),  # a PNG
        (b"\xff\xd8\xff" + b"\x00" * 64, "does not decode"),
    ],
)
def test_what_is_not_a_jpeg_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(OutputInvalid, match=message):
        validate_jpeg(data)


def test_a_jpeg_claiming_more_pixels_than_the_studio_decodes_is_refused_before_decoding() -> None:
    small = encode(photo(), "JPEG")
    with pytest.raises(OutputInvalid, match=r"too large \(9000x8000\)"):
        validate_jpeg(with_size(small, 9000, 8000))
    with pytest.raises(OutputInvalid):
        validate_jpeg(with_size(small, 30000, 30000))  # a decompression bomb


def test_jpeg_is_found_by_every_name_and_its_first_bytes_and_scored_as_a_picture() -> None:
    data = encode(photo(), "JPEG")
    for mime in ("image/jpeg", "image/jpg", "image/pjpeg", "IMAGE/JPEG; q=1"):
        assert for_mime(mime) is FORMAT
    assert sniff(data) is FORMAT
    assert confidence("image/jpeg", data) > confidence(
        "image/jpeg", encode(Image.new("RGB", (48, 32)), "JPEG")
    )
