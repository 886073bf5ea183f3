"""image.sprite: mirrored pixel sprites with see-through backgrounds."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from limbs.formats.png import validate_png
from limbs.parts.image.sprite import ACTION, make
from limbs.spec import GenRequest, GenResult
from tests.limbs.parts.image.samples import pixels

SPRITE_DEFAULTS = {"size": 32, "kind": "auto", "outline": True}


def sprite(intent: str, seed: int = 1, **params: Any) -> GenResult:
    return make(GenRequest(intent=intent, params={**SPRITE_DEFAULTS, **params}, seed=seed))


def test_sprite_is_an_rgba_png_of_exactly_the_requested_size() -> None:
    out = sprite("a green slime", size=24).outputs[0]
    assert out.mime == "image/png"
    report = validate_png(out.data, width=24, height=24, require_alpha=True)
    assert report["mode"] == "RGBA"


def test_sprite_background_is_transparent_and_the_sprite_is_opaque() -> None:
    rgba = pixels(sprite("a purple creature"), "RGBA")
    alpha = rgba[..., 3]
    for y, x in ((0, 0), (0, -1), (-1, 0), (-1, -1)):
        assert alpha[y, x] == 0
    assert (alpha == 255).sum() > 0.15 * alpha.size
    assert (alpha == 0).sum() > 0.15 * alpha.size
    assert set(np.unique(alpha)) <= {0, 255}


def test_sprite_is_mirror_symmetric() -> None:
    for kind in ("creature", "robot", "spaceship", "item"):
        for size in (8, 15, 32, 64):
            rgba = pixels(sprite("a sprite", size=size, kind=kind), "RGBA")
            assert (rgba == rgba[:, ::-1]).all(), (kind, size)


def test_sprite_same_seed_gives_same_bytes_and_different_seeds_differ() -> None:
    assert sprite("a robot", seed=3).outputs[0].data == sprite("a robot", seed=3).outputs[0].data
    assert sprite("a robot", seed=3).outputs[0].data != sprite("a robot", seed=4).outputs[0].data


@pytest.mark.parametrize(
    ("intent", "kind"),
    [
        ("a shiny robot", "robot"),
        ("a laser spaceship", "spaceship"),
        ("a health potion", "item"),
        ("a slime", "creature"),
        ("", "creature"),
    ],
)
def test_sprite_kind_auto_picks_from_the_words(intent: str, kind: str) -> None:
    assert sprite(intent).outputs[0].meta["kind"] == kind


def test_sprite_kind_param_overrides_the_words() -> None:
    assert sprite("a robot", kind="spaceship").outputs[0].meta["kind"] == "spaceship"


def test_sprite_palette_follows_the_colour_words() -> None:
    red = pixels(sprite("a red creature"), "RGBA")
    blue = pixels(sprite("a blue creature"), "RGBA")
    red_body = red[red[..., 3] > 0][:, :3].mean(axis=0)
    blue_body = blue[blue[..., 3] > 0][:, :3].mean(axis=0)
    assert red_body[0] > red_body[2] + 30
    assert blue_body[2] > blue_body[0] + 30


def test_sprite_outline_adds_a_dark_ring() -> None:
    with_line = pixels(sprite("a robot", outline=True), "RGBA")
    without = pixels(sprite("a robot", outline=False), "RGBA")
    added = (with_line[..., 3] > 0) & (without[..., 3] == 0)
    assert added.sum() > 20
    assert with_line[added][:, :3].mean() < without[without[..., 3] > 0][:, :3].mean()


def test_sprite_meta_says_pixel_art() -> None:
    result = sprite("a gold coin", size=16)
    meta = result.outputs[0].meta
    assert meta == result.meta
    assert meta["width"] == meta["height"] == 16
    assert meta["pixel_art"] is True
    assert meta["kind"] == "item"
    assert meta["palette"] and all(c.startswith("#") for c in meta["palette"])
    assert result.outputs[0].name.endswith(".png")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    size=st.integers(min_value=8, max_value=64),
    seed=st.integers(min_value=0, max_value=2**31),
    kind=st.sampled_from(["auto", "creature", "robot", "spaceship", "item"]),
    outline=st.booleans(),
)
def test_any_sprite_is_square_symmetric_with_transparent_corners(
    size: int, seed: int, kind: str, outline: bool
) -> None:
    out = sprite("a little hero", seed=seed, size=size, kind=kind, outline=outline).outputs[0]
    validate_png(out.data, width=size, height=size, require_alpha=True)
    rgba = pixels(GenResult([out]), "RGBA")
    assert (rgba == rgba[:, ::-1]).all()
    assert rgba[0, 0, 3] == rgba[0, -1, 3] == rgba[-1, 0, 3] == rgba[-1, -1, 3] == 0
    if size > 16:
        assert rgba[0, :, 3].max() == rgba[-1, :, 3].max() == rgba[:, 0, 3].max() == 0
    assert (rgba[..., 3] == 255).any()


def test_image_sprite_has_exactly_the_agreed_schema() -> None:
    action = ACTION
    assert [p.name for p in action.params] == ["size", "kind", "outline"]
    size, kind, outline = action.params
    assert (size.type, size.minimum, size.maximum, size.default) == ("integer", 8, 64, 32)
    assert kind.type == "choice"
    assert kind.choices == ("auto", "creature", "robot", "spaceship", "item")
    assert kind.default == "auto"
    assert (outline.type, outline.default) == ("boolean", True)
    assert action.ai_tiers == ()
    assert action.output == "image"
