"""image.tile: seamless tiles painted from words or made from a picture."""

from __future__ import annotations

import numpy as np
import pytest

from limbs.formats.png import validate_png
from limbs.parts.image._seams import check_tileable, validate_tile
from tests.limbs.parts.image.samples import decode, encode, photo, run


@pytest.mark.parametrize(
    ("intent", "pattern"),
    [
        ("red bricks", "bricks"),
        ("a cobblestone path", "stones"),
        ("green grass", "grass"),
        ("autumn leaves", "leaves"),
        ("deep blue water", "water"),
        ("wooden planks", "wood"),
        ("pink polka dots", "polka"),
        ("a chess board", "checker"),
        ("glowing lava", "ground"),
        ("desert sand", "ground"),
        ("white marble", "ground"),
    ],
)
def test_a_tile_painted_from_words_wraps_without_seams(intent: str, pattern: str) -> None:
    result = run("tile", intent=intent, size=96)
    out = result.outputs[0]
    assert out.mime == "image/png"
    assert result.meta["pattern"] == pattern
    report = validate_tile(out.data)
    assert (report["width"], report["height"]) == (96, 96)


def test_a_tile_made_from_a_photo_wraps_while_the_photo_itself_does_not() -> None:
    source = photo()
    assert check_tileable(source)["tileable"] is False
    for blend in (0.0, 0.15, 0.5):
        result = run("tile", source, size=80, blend=blend)
        assert validate_tile(result.outputs[0].data)["width"] == 80
        assert result.meta["method"] == ("mirror" if blend == 0 else "offset_blend")


def test_a_plain_crop_of_the_photo_at_tile_size_fails_the_seam_check() -> None:
    crop = decode(photo())[:80, :80, :3].astype(np.uint8)
    assert check_tileable(encode(crop))["tileable"] is False


def test_a_tile_keeps_the_middle_of_the_picture_and_changes_only_the_edges() -> None:
    source = photo(96, 96)
    out = decode(run("tile", source, size=96, blend=0.15).outputs[0].data, "RGB")
    original = decode(source, "RGB")
    middle = np.abs(out[30:66, 30:66] - original[30:66, 30:66]).mean()
    edges = np.abs(out[:6] - original[:6]).mean()
    assert middle < 2 < edges


def test_a_wider_blend_changes_more_of_the_picture() -> None:
    source = photo(96, 96)
    original = decode(source, "RGB")
    changed = [
        float(np.abs(decode(run("tile", source, size=96, blend=b).outputs[0].data, "RGB") - original).mean())
        for b in (0.05, 0.25, 0.5)
    ]
    assert changed == sorted(changed)
    assert changed[0] < changed[-1]


def test_a_tile_is_exactly_the_requested_size() -> None:
    for size in (32, 57, 200):
        assert validate_png(run("tile", intent="bricks", size=size).outputs[0].data)["width"] == size


def test_colour_words_recolour_the_pattern() -> None:
    red = decode(run("tile", intent="red bricks").outputs[0].data, "RGB").mean(axis=(0, 1))
    blue = decode(run("tile", intent="blue bricks").outputs[0].data, "RGB").mean(axis=(0, 1))
    assert red[0] > red[2] and blue[2] > blue[0]


def test_a_tile_keeps_transparency_from_its_picture() -> None:
    arr = np.zeros((64, 64, 4), np.uint8)
    arr[16:48, 16:48] = (255, 200, 0, 255)
    out = decode(run("tile", encode(arr), size=64).outputs[0].data)
    assert out[..., 3].min() == 0


def test_a_tile_is_the_same_bytes_for_the_same_request_and_changes_with_the_seed() -> None:
    a = run("tile", intent="grass", seed=4).outputs[0].data
    assert a == run("tile", intent="grass", seed=4).outputs[0].data
    assert a != run("tile", intent="grass", seed=5).outputs[0].data


def test_a_tile_without_words_or_picture_still_makes_a_seamless_pattern() -> None:
    result = run("tile", intent="", seed=9)
    assert validate_tile(result.outputs[0].data)
    assert result.meta["source"] == "words"
