"""image.generate: scenes painted from words."""

from __future__ import annotations

import colorsys
import random
from typing import Any

import numpy as np
import pytest

from limbs.formats.png import validate_png
from limbs.parts.image.generate import ACTION, make
from limbs.spec import GenRequest, GenResult, Tension
from tests.limbs.parts.image.samples import pixels

SCENE_DEFAULTS = {"width": 160, "height": 160, "style": "auto"}


def scene(intent: str, seed: int = 1, tension: Tension = "medium", **params: Any) -> GenResult:
    req = GenRequest(intent=intent, params={**SCENE_DEFAULTS, **params}, seed=seed, tension=tension)
    return make(req)


def hue_shares(rgb: np.ndarray) -> np.ndarray:
    """Share of all pixels in each 30-degree hue bin (bin 0 is red), counting vivid pixels only."""
    flat = rgb.reshape(-1, 3) / 255.0
    hsv = np.array([colorsys.rgb_to_hsv(*p) for p in flat[::3]])
    vivid = hsv[(hsv[:, 1] > 0.45) & (hsv[:, 2] > 0.3)]
    bins = ((vivid[:, 0] * 360 + 15) % 360 // 30).astype(int)
    return np.bincount(bins, minlength=12) / len(hsv)


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
    make(req)
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


def test_image_generate_has_exactly_the_agreed_schema() -> None:
    action = ACTION
    assert [p.name for p in action.params] == ["width", "height", "style"]
    width, height, style = action.params
    for p in (width, height):
        assert (p.type, p.minimum, p.maximum, p.default, p.required) == ("integer", 64, 1024, 512, False)
    assert style.type == "choice"
    assert style.choices == ("auto", "storybook", "pixel", "night")
    assert style.default == "auto"
    assert action.needs_intent is True
    assert action.ai_tiers == ("cloudflare", "gemini")
    assert action.output == "image"
    assert action.deadline_s == 30
