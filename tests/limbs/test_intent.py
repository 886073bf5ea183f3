"""limbs.intent: free text routed to a limb and one of its actions, and "surprise me"
(no Django)."""

from __future__ import annotations

from typing import Any

import pytest

from limbs.intent import route_action, route_intent, surprise_intent
from limbs.registry import REGISTRY, get_limb


def _id(value: Any) -> str:
    return str(getattr(value, "id", value))


@pytest.mark.parametrize(
    ("text", "limb_id", "action_id"),
    [
        ("a red dragon", "image", "generate"),
        ("pixel art knight sprite", "image", "sprite"),
        ("make my picture 3D", "mesh", "image_to_3d"),
        ("a 3d castle", "mesh", "image_to_3d"),
        ("explosion sound", "audio", "sfx"),
        ("music for a cave level", "audio", "music"),
        ("write python code for a snake game", "code", "generate"),
        ("a quest about a lost cat", "divine", "quest"),
        ("names for elves", "divine", "names"),
        ("a world map with islands", "world", "generate"),
        ("a walk cycle", "animation", "walk_cycle"),
        ("stone material", "material", "pbr"),
        ("remove the background from my cat", "image", "remove_background"),
        ("a tileable grass texture", "image", "tile"),
        ("a glowing shader", "material", "shader"),
        ("a behaviour tree for a guard", "entity", "behavior_tree"),
        ("voxelize my dragon", "mesh", "voxelize"),
        ("erode my heightmap", "landscape", "erode"),
        ("find a path through my maze", "physics", "path"),
        ("explain this code to me", "code", "explain"),
        ("zip my files", "file", "bundle"),
        ("export my pack for godot", "pipeline", "export_pack"),
        ("undo my last change", "version_control", "revert"),
        ("translate my quest into spanish", "reality", "translate"),
        ("why did my request fall back", "ghost", "introspect"),
        ("run the volcanic boss pipeline", "orchestrator", "run_pipeline"),
        ("dig up the old runescape sprites", "relic", "excavate"),
    ],
)
def test_free_text_routes_to_the_right_limb_and_action(text: str, limb_id: str, action_id: str) -> None:
    limb, action = route_intent(text)
    assert (limb.id, action.id) == (limb_id, action_id)


@pytest.mark.parametrize("text", ["", "   ", "!!!", "zzz qqq", "the of and"])
def test_empty_or_unmatched_text_draws_a_picture(text: str) -> None:
    limb, action = route_intent(text)
    assert (limb.id, action.id) == ("image", "generate")


def test_routing_ignores_case_and_punctuation() -> None:
    assert route_intent("PIXEL-ART Knight SPRITE!!!") == route_intent("pixel art knight sprite")


def test_plural_words_route_like_singular_ones() -> None:
    assert route_intent("sounds for my game")[0].id == "audio"
    assert route_intent("a sprite of two puppies")[1].id == "sprite"
    assert route_intent("stories about cities")[0].id == "divine"
    assert route_intent("boxes that collide")[0].id == "physics"


def test_a_phrase_beats_the_single_words_inside_it() -> None:
    # "world bible" is a story, even though "world" alone means a map.
    assert route_intent("a world bible for a desert kingdom")[0].id == "divine"
    assert route_intent("a sprite sheet of my hero")[0].id == "video"


def test_a_strong_word_beats_a_generic_one() -> None:
    assert route_intent("a picture but in 3d")[0].id == "mesh"
    assert route_intent("sign my castle picture")[0].id == "security"


def test_ties_are_broken_the_same_way_every_time() -> None:
    first = route_intent("stone texture")
    assert all(route_intent("stone texture") == first for _ in range(5))
    assert first[0].id == "image"  # image comes first in LIMBS.md order


@pytest.mark.parametrize("limb", REGISTRY.limbs, ids=_id)
def test_every_example_routes_back_to_its_limb(limb: Any) -> None:
    for example in limb.examples:
        assert route_intent(example)[0].id == limb.id, example


@pytest.mark.parametrize("limb", REGISTRY.limbs, ids=_id)
def test_every_keyword_on_its_own_routes_to_its_limb(limb: Any) -> None:
    # Also proves no two limbs claim the same keyword.
    for keyword in limb.keywords:
        assert route_intent(keyword)[0].id == limb.id, keyword


def test_routed_actions_belong_to_the_routed_limb() -> None:
    for limb in REGISTRY.limbs:
        for text in (*limb.examples, *limb.keywords):
            routed_limb, action = route_intent(text)
            assert routed_limb.action(action.id) is action


def test_route_action_uses_the_default_when_no_action_word_matches() -> None:
    audio = get_limb("audio")
    assert audio is not None
    assert route_action(audio, "something for my game").id == "sfx"
    assert route_action(audio, "a calm song").id == "music"
    assert route_action(audio, "say hello in a robot voice").id == "speech"


def test_a_very_long_text_still_routes() -> None:
    limb, _action = route_intent("music " + "la " * 50_000)
    assert limb.id == "audio"


@pytest.mark.parametrize("limb", REGISTRY.limbs, ids=_id)
def test_every_action_keyword_picks_its_action_within_its_limb(limb: Any) -> None:
    for action in limb.actions:
        for keyword in action.keywords:
            assert route_action(limb, keyword) is action, (action.id, keyword)


# Surprise me ------------------------------------------------------------------------------


def test_surprise_is_the_same_for_the_same_seed() -> None:
    assert surprise_intent("audio", 7) == surprise_intent("audio", 7)


def test_surprise_is_one_of_the_limbs_examples() -> None:
    for limb in REGISTRY.limbs:
        picks = {surprise_intent(limb.id, seed) for seed in range(len(limb.examples))}
        assert picks == set(limb.examples), limb.id


def test_surprise_accepts_large_and_negative_seeds() -> None:
    image = get_limb("image")
    assert image is not None
    assert surprise_intent("image", 2**63 + 5) in image.examples
    assert surprise_intent("image", -3) in image.examples


def test_surprise_for_an_unknown_limb_raises_key_error() -> None:
    with pytest.raises(KeyError):
        surprise_intent("nope", 1)


@pytest.mark.parametrize(
    ("text", "limb_id", "action_id"),
    [
        ("a dragon roar", "audio", "sfx"),  # a sound named, no kind word: a sound, not a picture
        ("roar", "audio", "sfx"),
        ("footsteps on gravel", "audio", "sfx"),
        ("a creaking door", "audio", "sfx"),
        ("a pixel frog", "image", "sprite"),  # a pixel style: a sprite
        ("a little game with my dragon", "live_game", "stage"),  # "game" is no limb's keyword
        ("a red dragon sleeping on gold", "image", "generate"),
    ],
)
def test_what_the_words_imply_routes_too(text: str, limb_id: str, action_id: str) -> None:
    limb, action = route_intent(text)
    assert (limb.id, action.id) == (limb_id, action_id)
