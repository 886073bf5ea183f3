"""The 27 limbs of LIMBS.md, their schemas, and keyword routing (no Django)."""

from __future__ import annotations

import colorsys
import json
import re
from typing import Any, get_args

import pytest

from limbs.intent import route_action, route_intent, surprise_intent
from limbs.params import ParamError, validate_params
from limbs.registry import REGISTRY, get_limb
from limbs.spec import CATEGORIES, ActionSpec, OutputKind, ParamSpec, Upload

# Written out from LIMBS.md, in its order: limb -> actions.
EXPECTED: dict[str, tuple[str, ...]] = {
    # creative
    "image": ("generate", "sprite", "tile", "palette", "remove_background", "upscale", "variation"),
    "video": ("animate", "sprite_sheet", "extract_frames"),
    "audio": ("sfx", "music", "speech", "analyze"),
    "material": ("pbr", "shader"),
    "animation": ("keyframes", "walk_cycle"),
    "divine": ("world_bible", "quest", "dialogue", "names"),
    "quantum": ("variants", "entangle"),
    "entity": ("archetype", "behavior_tree", "balance"),
    # spatial
    "mesh": ("text_to_3d", "image_to_3d", "voxelize", "diagnostics", "optimize"),
    "spatial": ("synthesize_3d",),
    "world": ("generate", "place_objects"),
    "landscape": ("terrain", "erode", "export_rsc"),
    "physics": ("path", "simulate", "collide"),
    "live_game": ("stage", "inject_asset", "state"),
    # technical
    "code": ("generate", "explain", "audit", "test"),
    "file": ("upload", "list", "bundle"),
    "data": ("embed", "search"),
    "pipeline": ("export_pack", "optimize"),
    "version_control": ("history", "diff", "revert", "fork"),
    "id_auditor": ("audit", "reserve"),
    "network": ("health", "probe", "breakers"),
    "system": ("status", "ledger", "economy_mode"),
    "security": ("scan", "sign", "lockdown"),
    # metaphysical
    "ghost": ("stabilize", "introspect"),
    "orchestrator": ("run_pipeline",),
    "reality": ("checkpoint", "verify", "restore", "translate", "summarize"),
    "relic": ("excavate", "catalog", "preview", "fork", "match"),
}
CATEGORY_SIZES = {"creative": 8, "spatial": 6, "technical": 9, "metaphysical": 4}
CREATIVE_LIMBS = {"image", "video", "audio", "material", "animation", "divine", "quantum", "entity"}
# Every action of the eight creative limbs (issue #4), plus the first spatial and ghost ones,
# the id auditor, the file limb and the relic limb (issue #11).
BUILT = {(limb.id, a.id) for limb in REGISTRY.limbs if limb.id in CREATIVE_LIMBS for a in limb.actions} | {
    ("mesh", "image_to_3d"),
    ("ghost", "stabilize"),
    ("ghost", "introspect"),
    ("id_auditor", "audit"),
    ("id_auditor", "reserve"),
    *(("file", action) for action in EXPECTED["file"]),
    *(("relic", action) for action in EXPECTED["relic"]),
}
# Actions LIMBS.md puts model providers in front of; every other action is pure computation.
AI_ACTIONS = {
    ("image", "generate"),
    ("audio", "speech"),
    ("divine", "world_bible"),
    ("code", "generate"),
    ("data", "embed"),
    ("reality", "translate"),
    ("reality", "summarize"),
}
PROVIDERS = ("cloudflare", "gemini", "ollama")
# Hue bands (degrees) that keep each category's colours one family.
HUE_BANDS = {
    "creative": (320, 400),
    "spatial": (90, 190),
    "technical": (195, 240),
    "metaphysical": (250, 300),
}

ALL_ACTIONS = [(limb, action) for limb in REGISTRY.limbs for action in limb.actions]
ALL_PARAMS = [(limb, action, p) for limb, action in ALL_ACTIONS for p in action.params]


def _id(value: Any) -> str:
    return str(getattr(value, "id", getattr(value, "name", value)))


def _action(limb_id: str, action_id: str) -> ActionSpec:
    limb = get_limb(limb_id)
    assert limb is not None
    action = limb.action(action_id)
    assert action is not None
    return action


def _valid_value(spec: ParamSpec) -> Any:
    """A value a person could really send for a parameter that has no default."""
    if spec.type in ("asset", "generation"):
        return "asset-1"
    if spec.type == "assets":
        return ["asset-1", "asset-2"]
    if spec.type == "relic":
        return "0" * 64
    if spec.type == "file":
        return Upload("drawing.png", b"\x89PNG")
    if spec.type in ("integer", "number"):
        return spec.minimum if spec.minimum is not None else 1
    if spec.type == "choice":
        return spec.choices[0]
    if spec.type == "boolean":
        return True
    return "x"


def _luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


# --- the limbs -----------------------------------------------------------------


def test_there_are_27_limbs_in_the_order_of_limbs_md() -> None:
    assert [limb.id for limb in REGISTRY.limbs] == list(EXPECTED)


def test_limb_ids_are_unique() -> None:
    ids = [limb.id for limb in REGISTRY.limbs]
    assert len(ids) == len(set(ids)) == 27


def test_the_four_categories_hold_8_6_9_and_4_limbs() -> None:
    groups = REGISTRY.by_category()
    assert [g[0] for g in groups] == [c[0] for c in CATEGORIES]
    assert {cat: len(limbs) for cat, _title, _blurb, limbs in groups} == CATEGORY_SIZES


def test_limbs_follow_limbs_md_category_by_category() -> None:
    order = [limb.category for limb in REGISTRY.limbs]
    expected = [cat for cat, size in CATEGORY_SIZES.items() for _ in range(size)]
    assert order == expected


def test_every_action_of_limbs_md_is_present_in_its_order() -> None:
    for limb in REGISTRY.limbs:
        assert tuple(a.id for a in limb.actions) == EXPECTED[limb.id], limb.id


def test_action_ids_are_unique_within_a_limb() -> None:
    for limb in REGISTRY.limbs:
        ids = [a.id for a in limb.actions]
        assert len(ids) == len(set(ids)), limb.id


def test_exactly_the_implemented_actions_are_built() -> None:
    built = {(limb.id, a.id) for limb, a in ALL_ACTIONS if a.built}
    assert built == BUILT
    # "Built" is derived from a real maker behind the action, never claimed.
    assert all(callable(a.make) for _, a in ALL_ACTIONS if a.built)
    built_limbs = {limb.id for limb in REGISTRY.limbs if limb.built}
    assert built_limbs == CREATIVE_LIMBS | {"mesh", "ghost", "id_auditor", "file", "relic"}
    assert len(built_limbs) == 13


def test_default_actions_are_the_built_one_or_the_first() -> None:
    defaults = {limb.id: limb.default_action.id for limb in REGISTRY.limbs}
    assert defaults["image"] == "generate"
    assert defaults["mesh"] == "image_to_3d"
    for limb in REGISTRY.limbs:
        if limb.id not in ("image", "mesh", "ghost"):
            assert defaults[limb.id] == EXPECTED[limb.id][0]


def test_image_generate_has_exactly_the_agreed_schema() -> None:
    action = _action("image", "generate")
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


def test_image_sprite_has_exactly_the_agreed_schema() -> None:
    action = _action("image", "sprite")
    assert [p.name for p in action.params] == ["size", "kind", "outline"]
    size, kind, outline = action.params
    assert (size.type, size.minimum, size.maximum, size.default) == ("integer", 8, 64, 32)
    assert kind.type == "choice"
    assert kind.choices == ("auto", "creature", "robot", "spaceship", "item")
    assert kind.default == "auto"
    assert (outline.type, outline.default) == ("boolean", True)
    assert action.ai_tiers == ()
    assert action.output == "image"


def test_mesh_image_to_3d_has_exactly_the_agreed_schema() -> None:
    action = _action("mesh", "image_to_3d")
    assert [p.name for p in action.params] == ["image", "mode", "depth"]
    image, mode, depth = action.params
    assert (image.type, image.required, image.accepts, image.label) == ("asset", True, ("image/",), "Picture")
    assert mode.type == "choice"
    assert mode.choices == ("auto", "extrude", "relief")
    assert mode.default == "auto"
    assert (depth.type, depth.minimum, depth.maximum, depth.default, depth.step) == (
        "number",
        0.05,
        1.0,
        0.25,
        0.05,
    )
    assert action.needs_intent is False
    assert action.output == "model"


@pytest.mark.parametrize("limb", REGISTRY.limbs, ids=_id)
def test_every_limb_has_a_name_icon_and_one_short_sentence(limb: Any) -> None:
    assert limb.name and limb.name[0].isupper()
    assert 1 <= len(limb.icon) <= 2
    assert not limb.icon.isascii()
    assert len(limb.explanation) < 90
    assert limb.explanation.endswith(".")
    assert ". " not in limb.explanation.rstrip(".")


def test_limb_names_are_unique() -> None:
    names = [limb.name for limb in REGISTRY.limbs]
    assert len(names) == len(set(names))


def test_some_friendly_names_are_spelled_out() -> None:
    names = {limb.id: limb.name for limb in REGISTRY.limbs}
    assert names["live_game"] == "Live Game"
    assert names["id_auditor"] == "ID Auditor"
    assert names["version_control"] == "Version Control"


def test_colours_are_distinct_hex_and_readable_with_white_text() -> None:
    colours = [limb.colour for limb in REGISTRY.limbs]
    assert len(set(colours)) == len(colours)
    for limb in REGISTRY.limbs:
        assert re.fullmatch(r"#[0-9a-f]{6}", limb.colour), limb.id
        contrast = 1.05 / (_luminance(limb.colour) + 0.05)
        assert contrast >= 4.5, (limb.id, round(contrast, 2))


def test_each_category_keeps_to_its_own_family_of_colours() -> None:
    for limb in REGISTRY.limbs:
        rgb = tuple(int(limb.colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        hue = colorsys.rgb_to_hls(*rgb)[0] * 360
        low, high = HUE_BANDS[limb.category]
        assert low <= hue <= high or low <= hue + 360 <= high, (limb.id, round(hue))


@pytest.mark.parametrize("limb", REGISTRY.limbs, ids=_id)
def test_every_limb_has_3_to_6_examples_and_lowercase_keywords(limb: Any) -> None:
    assert 3 <= len(limb.examples) <= 6
    assert len(set(limb.examples)) == len(limb.examples)
    assert limb.keywords
    for keyword in limb.keywords:
        assert keyword == keyword.strip().lower() and keyword, (limb.id, keyword)


@pytest.mark.parametrize(("limb", "action"), ALL_ACTIONS, ids=_id)
def test_every_action_is_described_with_a_known_output(limb: Any, action: ActionSpec) -> None:
    assert action.name
    assert action.description.endswith(".")
    assert len(action.description) <= 120
    assert action.output in get_args(OutputKind)
    assert action.deadline_s > 0
    names = [p.name for p in action.params]
    assert len(names) == len(set(names))


def test_ai_tiers_appear_only_where_limbs_md_gives_them() -> None:
    with_ai = {(limb.id, a.id) for limb, a in ALL_ACTIONS if a.ai_tiers}
    assert with_ai == AI_ACTIONS
    for _limb, action in ALL_ACTIONS:
        assert set(action.ai_tiers) <= set(PROVIDERS)
        # Tiers keep the chain order cloudflare -> gemini -> ollama.
        assert list(action.ai_tiers) == sorted(action.ai_tiers, key=PROVIDERS.index)


def test_actions_that_take_an_input_file_do_not_need_words() -> None:
    for _limb, action in ALL_ACTIONS:
        required_assets = [p for p in action.params if p.type == "asset" and p.required]
        if required_assets:
            assert action.needs_intent is False, action.id


@pytest.mark.parametrize(("limb", "action", "spec"), ALL_PARAMS, ids=_id)
def test_every_parameter_is_labelled_and_sensibly_bounded(
    limb: Any, action: ActionSpec, spec: ParamSpec
) -> None:
    assert spec.label, spec.name
    assert spec.help, spec.name
    assert re.fullmatch(r"[a-z][a-z0-9_]*", spec.name)
    if spec.type in ("integer", "number"):
        assert spec.minimum is not None and spec.maximum is not None
        assert spec.minimum < spec.maximum
    if spec.type == "choice":
        assert len(spec.choices) >= 2 or spec.default is None
        assert spec.default is None or spec.default in spec.choices
    if spec.type == "asset":
        assert spec.accepts, spec.name
        assert all("/" in a for a in spec.accepts)
        assert spec.default is None
    if spec.type in ("string", "text"):
        assert spec.max_length is not None
    if spec.required:
        assert spec.default is None


@pytest.mark.parametrize(("limb", "action"), ALL_ACTIONS, ids=_id)
def test_every_default_passes_its_own_schema(limb: Any, action: ActionSpec) -> None:
    raw = {p.name: p.default for p in action.params if p.default is not None}
    raw.update({p.name: _valid_value(p) for p in action.params if p.required})
    assert validate_params(action, raw) == raw


@pytest.mark.parametrize(("limb", "action"), ALL_ACTIONS, ids=_id)
def test_actions_validate_from_nothing_unless_something_is_required(limb: Any, action: ActionSpec) -> None:
    required = [p for p in action.params if p.required]
    if not required:
        clean = validate_params(action, {})
        assert clean == {p.name: p.default for p in action.params if p.default is not None}
    else:
        with pytest.raises(ParamError) as caught:
            validate_params(action, {})
        assert caught.value.field == required[0].name


def test_the_registry_is_json_serialisable() -> None:
    data = [limb.as_json() for limb in REGISTRY.limbs]
    again = json.loads(json.dumps(data, ensure_ascii=False))
    assert again == data
    assert sum(len(limb["actions"]) for limb in again) == sum(len(a) for a in EXPECTED.values())
    mesh = next(limb for limb in again if limb["id"] == "mesh")
    assert mesh["built"] is True
    assert mesh["actions"][1]["params"][0]["accepts"] == ["image/"]


def test_get_limb_finds_limbs_by_id() -> None:
    limb = get_limb("live_game")
    assert limb is not None and limb.name == "Live Game"
    assert get_limb("nope") is None
    assert get_limb("") is None


# --- routing ------------------------------------------------------------------


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


# --- surprise me ----------------------------------------------------------------


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
