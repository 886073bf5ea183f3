"""limbs.parts.image._seams: the wrap-around seam check a tile must pass."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from limbs.formats import OutputInvalid
from limbs.parts.image._seams import check_tileable, validate_tile
from tests.limbs.formats.samples import encode


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
