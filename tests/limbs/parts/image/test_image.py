"""The image limb as a whole: its actions' makers, and pictures every tool refuses."""

from __future__ import annotations

import pytest

from limbs.parts.image import generate, sprite
from limbs.registry import get_action
from limbs.spec import GeneratorInputError
from tests.limbs.parts.image.samples import photo, run


def test_registry_maps_the_three_actions_to_generators() -> None:
    assert get_action("image", "generate").make is generate.make  # type: ignore[union-attr]
    assert get_action("image", "sprite").make is sprite.make  # type: ignore[union-attr]
    assert get_action("mesh", "image_to_3d").built  # type: ignore[union-attr]


@pytest.mark.parametrize("action", ["tile", "palette", "remove_background", "upscale", "variation"])
def test_a_file_that_is_not_a_picture_is_refused_naming_the_image_param(action: str) -> None:
    with pytest.raises(GeneratorInputError) as err:
        run(action, b"this is not a picture at all")
    assert err.value.field == "image"


@pytest.mark.parametrize("action", ["palette", "remove_background", "upscale", "variation"])
def test_a_truncated_picture_is_refused(action: str) -> None:
    data = photo()
    with pytest.raises(GeneratorInputError) as err:
        run(action, data[: len(data) // 2])
    assert err.value.field == "image"


@pytest.mark.parametrize("action", ["palette", "remove_background", "upscale", "variation"])
def test_a_missing_picture_is_refused(action: str) -> None:
    with pytest.raises(GeneratorInputError):
        run(action, None)


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    # A valid PNG header claiming 20000 x 20000 pixels (400 megapixels) and nothing else.
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    data = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    with pytest.raises(GeneratorInputError) as err:
        run("palette", data)
    assert err.value.field == "image"
