"""image.upscale: pixel art grows by EPX/ScaleNx, everything else by Lanczos."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from limbs.formats.png import validate_png
from limbs.parts.image.upscale import scale2x, scale3x
from limbs.spec import GeneratorInputError
from tests.limbs.parts.image.samples import colours_of, decode, photo, run


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_upscaled_pixel_art_is_exactly_bigger_and_keeps_only_its_colours(
    sprite_png: bytes, scale: int
) -> None:
    result = run("upscale", sprite_png, scale=scale)
    report = validate_png(result.outputs[0].data, require_alpha=True)
    assert (report["width"], report["height"]) == (32 * scale, 32 * scale)
    assert result.meta["pixel_art"] is True
    assert result.meta["method"] == {2: "scale2x", 3: "scale3x", 4: "scale4x"}[scale]
    assert colours_of(decode(result.outputs[0].data)) <= colours_of(decode(sprite_png))


def test_scale2x_rounds_a_staircase_corner() -> None:
    ids = np.array([[1, 1], [1, 0]], dtype=np.uint32)
    out = scale2x(ids)
    # The lone 0 pixel is bordered by 1s above and left, so its top-left quarter becomes 1.
    assert out[2, 2] == 1 and out[3, 3] == 0
    assert (np.repeat(np.repeat(ids, 2, 0), 2, 1) != out).sum() == 1


def test_scale3x_keeps_flat_areas_flat_and_follows_a_diagonal() -> None:
    flat = np.full((3, 3), 7, dtype=np.uint32)
    assert (scale3x(flat) == 7).all()
    diag = np.eye(4, dtype=np.uint32)
    out = scale3x(diag)
    assert out.shape == (12, 12)
    assert set(np.unique(out)) == {0, 1}


def test_a_photo_is_upscaled_smoothly() -> None:
    source = photo(60, 40)
    result = run("upscale", source, scale=3)
    assert result.meta["method"] == "lanczos" and result.meta["pixel_art"] is False
    out = decode(result.outputs[0].data, "RGB")
    assert out.shape == (120, 180, 3)
    # Nearest-neighbour would repeat every pixel in 3x3 blocks; a smooth result does not.
    blocks = out[0::3, 0::3] == out[1::3, 1::3]
    assert blocks.all(axis=-1).mean() < 0.5
    assert len(colours_of(out)) > len(colours_of(decode(source, "RGB")))


def test_the_method_param_overrides_detection(sprite_png: bytes) -> None:
    assert run("upscale", sprite_png, method="smooth").meta["method"] == "lanczos"
    assert run("upscale", photo(40, 30), method="pixel").meta["method"] == "scale2x"


def test_low_tension_pixel_upscale_is_plain_nearest(sprite_png: bytes) -> None:
    result = run("upscale", sprite_png, tension="low", scale=2)
    expected = np.repeat(np.repeat(decode(sprite_png), 2, 0), 2, 1)
    assert result.meta["method"] == "nearest"
    assert np.array_equal(decode(result.outputs[0].data), expected)


def test_upscale_refuses_results_over_64_megapixels() -> None:
    big = Image.new("L", (4200, 4200))
    buf = io.BytesIO()
    big.save(buf, format="PNG")
    with pytest.raises(GeneratorInputError) as err:
        run("upscale", buf.getvalue(), scale=2)
    assert err.value.field == "image"


def test_upscale_is_deterministic(sprite_png: bytes) -> None:
    assert run("upscale", sprite_png).outputs[0].data == run("upscale", sprite_png).outputs[0].data
