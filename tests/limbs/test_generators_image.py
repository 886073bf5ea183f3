"""The procedural image generators: scenes from words and mirrored pixel sprites."""

from __future__ import annotations

import colorsys
import io
import random
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from limbs.craft import words as words
from limbs.formats.png import validate_png
from limbs.generators import image
from limbs.registry import get_action
from limbs.spec import GenRequest, GenResult, Tension

SCENE_DEFAULTS = {"width": 160, "height": 160, "style": "auto"}
SPRITE_DEFAULTS = {"size": 32, "kind": "auto", "outline": True}


def scene(intent: str, seed: int = 1, tension: Tension = "medium", **params: Any) -> GenResult:
    req = GenRequest(intent=intent, params={**SCENE_DEFAULTS, **params}, seed=seed, tension=tension)
    return image.generate(req)


def sprite(intent: str, seed: int = 1, **params: Any) -> GenResult:
    return image.sprite(GenRequest(intent=intent, params={**SPRITE_DEFAULTS, **params}, seed=seed))


def pixels(result: GenResult, mode: str = "RGB") -> np.ndarray:
    with Image.open(io.BytesIO(result.outputs[0].data)) as im:
        return np.asarray(im.convert(mode)).astype(np.int64)


def hue_shares(rgb: np.ndarray) -> np.ndarray:
    """Share of all pixels in each 30-degree hue bin (bin 0 is red), counting vivid pixels only."""
    flat = rgb.reshape(-1, 3) / 255.0
    hsv = np.array([colorsys.rgb_to_hsv(*p) for p in flat[::3]])
    vivid = hsv[(hsv[:, 1] > 0.45) & (hsv[:, 2] > 0.3)]
    bins = ((vivid[:, 0] * 360 + 15) % 360 // 30).astype(int)
    return np.bincount(bins, minlength=12) / len(hsv)


# Scenes --------------------------------------------------------------------------------


def test_registry_maps_the_three_actions_to_generators() -> None:
    assert get_action("image", "generate").make is image.generate  # type: ignore[union-attr]
    assert get_action("image", "sprite").make is image.sprite  # type: ignore[union-attr]
    assert get_action("mesh", "image_to_3d").built  # type: ignore[union-attr]


@pytest.mark.parametrize(("width", "height"), [(64, 64), (320, 200), (100, 333), (512, 512)])
def test_scene_is_one_png_of_exactly_the_requested_size(width: int, height: int) -> None:
    result = scene("a red dragon", width=width, height=height)
    assert len(result.outputs) == 1
    out = result.outputs[0]
    assert out.mime == "image/png"
    assert out.role == "main"
    report = validate_png(out.data, width=width, height=height)
    assert report["mode"] in ("RGB", "RGBA")


def test_same_seed_gives_same_bytes() -> None:
    assert scene("a happy cat", seed=42).outputs[0].data == scene("a happy cat", seed=42).outputs[0].data


def test_different_seeds_give_different_bytes() -> None:
    assert scene("a happy cat", seed=1).outputs[0].data != scene("a happy cat", seed=2).outputs[0].data


def test_scene_ignores_global_random_state() -> None:
    random.seed(1)
    np.random.seed(1)
    first = scene("a castle at night").outputs[0].data
    random.seed(99)
    np.random.seed(99)
    assert scene("a castle at night").outputs[0].data == first


def test_red_dragon_and_blue_whale_differ_clearly() -> None:
    dragon = pixels(scene("a red dragon")).reshape(-1, 3).mean(axis=0)
    whale = pixels(scene("a blue whale")).reshape(-1, 3).mean(axis=0)
    assert np.linalg.norm(dragon - whale) > 30
    # The whale's sea is bluer than the dragon's meadow.
    assert whale[2] - whale[0] > dragon[2] - dragon[0] + 20


def test_red_dragon_has_red_as_a_dominant_hue() -> None:
    shares = hue_shares(pixels(scene("a red dragon", width=256, height=256)))
    assert shares[0] > 0.05
    assert 0 in np.argsort(-shares)[:3]


def test_blue_dragon_is_blue_and_not_red() -> None:
    red = hue_shares(pixels(scene("a red dragon", width=256, height=256)))
    blue = hue_shares(pixels(scene("a blue dragon", width=256, height=256)))
    assert blue[0] < 0.01
    assert blue[7] > red[7] + 0.05


def test_same_seed_but_different_intents_give_different_pictures() -> None:
    a = pixels(scene("a tree", seed=5))
    b = pixels(scene("a robot", seed=5))
    assert np.abs(a - b).mean() > 10


def test_meta_describes_the_picture() -> None:
    result = scene("a red dragon", width=200, height=120)
    meta = result.outputs[0].meta
    assert meta["width"] == 200
    assert meta["height"] == 120
    assert meta["subject"] == "dragon"
    assert meta["style"] == "classic"
    assert meta["palette"]
    assert all(c.startswith("#") and len(c) == 7 for c in meta["palette"])
    assert "#da2a2a" in meta["palette"]  # the dragon's red
    assert result.outputs[0].name == "red-dragon.png"


@pytest.mark.parametrize("style", ["auto", "storybook", "pixel", "night"])
def test_every_style_renders_at_the_exact_size(style: str) -> None:
    out = scene("a friendly robot", style=style, width=200, height=150).outputs[0]
    validate_png(out.data, width=200, height=150)
    assert out.meta["style"] == ("classic" if style == "auto" else style)


def test_pixel_style_uses_few_colours_in_big_blocks() -> None:
    rgb = pixels(scene("a castle", style="pixel", width=256, height=256))
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) <= 32
    # Rendered at a quarter size and scaled up with nearest: 2x2 neighbours repeat.
    assert (rgb[::2, ::2] == rgb[1::2, 1::2]).all(axis=2).mean() > 0.9


def test_night_is_darker_than_day() -> None:
    day = pixels(scene("a castle")).mean()
    night = pixels(scene("a castle", style="night")).mean()
    assert night < day - 40


def test_words_choose_the_style_when_style_is_auto() -> None:
    assert scene("a pixel art dragon").outputs[0].meta["style"] == "pixel"
    assert scene("a storybook cottage").outputs[0].meta["style"] == "storybook"


@pytest.mark.parametrize(
    "intent",
    [
        "a dragon",
        "a castle",
        "a tree",
        "a forest",
        "a house",
        "a cat",
        "a dog",
        "a fish",
        "a rocket",
        "a spaceship",
        "a robot",
        "a flower",
        "a mountain",
        "a unicorn",
        "a horse",
        "a bird",
        "a sword",
        "a monster",
        "a ghost",
        "a boat",
        "a whale",
    ],
)
def test_every_known_subject_is_drawn(intent: str) -> None:
    result = scene(intent, width=96, height=96, tension="low")
    noun = intent.split()[-1]
    assert result.outputs[0].meta["subject"] == noun
    validate_png(result.outputs[0].data, width=96, height=96)


def test_subject_changes_the_picture() -> None:
    backgrounds = pixels(scene("a sunny meadow", seed=3)).astype(float)
    with_cat = pixels(scene("a sunny meadow with a cat", seed=3)).astype(float)
    assert np.abs(backgrounds - with_cat).mean() > 5


def test_unknown_noun_gets_a_friendly_creature() -> None:
    result = scene("a purple zorblax")
    assert result.outputs[0].meta["subject"] == "zorblax"
    shares = hue_shares(pixels(result))
    assert shares[9] + shares[10] > 0.02  # purple is there


def test_empty_intent_still_gives_a_landscape() -> None:
    out = scene("").outputs[0]
    assert out.meta["subject"] == "landscape"
    assert out.name == "picture.png"
    validate_png(out.data, width=160, height=160)


def test_progress_is_reported_with_friendly_messages() -> None:
    calls: list[tuple[float, str]] = []
    req = GenRequest(
        intent="a dragon", params=SCENE_DEFAULTS, seed=1, progress=lambda f, m: calls.append((f, m))
    )
    image.generate(req)
    assert len(calls) >= 4
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions)
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert any("dragon" in m for _, m in calls)
    assert all(m and m[0].isupper() for _, m in calls)


def test_tension_changes_effort_not_size() -> None:
    low = scene("a cat", tension="low").outputs[0].data
    high = scene("a cat", tension="high").outputs[0].data
    assert low != high
    validate_png(low, width=160, height=160)
    validate_png(high, width=160, height=160)


# Intent parsing -------------------------------------------------------------------------


def test_colour_words_attach_to_the_noun_they_describe() -> None:
    parsed = words.parse("a red dragon guarding a golden castle at night")
    assert [s.kind for s in parsed.subjects] == ["dragon", "castle"]
    assert parsed.subjects[0].colours == (words.COLOURS["red"],)
    assert parsed.subjects[1].colours == (words.COLOURS["golden"],)
    assert parsed.time == "night"


def test_plurals_and_synonyms_find_the_subject() -> None:
    assert words.parse("three kittens").hero == words.Subject("cat", "kitten")
    assert words.parse("Dragons!!").hero is not None
    assert words.parse("a puppy").hero == words.Subject("dog", "puppy")


def test_the_head_noun_of_an_unknown_phrase_becomes_the_creature() -> None:
    assert words.parse("a fluffy zorblax eating cake").hero == words.Subject("creature", "zorblax")


def test_derived_seed_depends_on_seed_and_intent_but_not_on_spacing_or_case() -> None:
    base = words.derive_seed(1, "A Red  Dragon!", "x")
    assert base == words.derive_seed(1, "a red dragon", "x")
    assert base != words.derive_seed(2, "a red dragon", "x")
    assert base != words.derive_seed(1, "a blue dragon", "x")


# Sprites --------------------------------------------------------------------------------


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
