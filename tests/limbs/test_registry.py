"""limbs.registry: the 27 limbs of LIMBS.md collected from their packages, and what holds for
every limb, action and parameter in it (no Django). Nothing here lists which actions are
built: that is derived from each action's maker."""

from __future__ import annotations

import colorsys
import json
import re
import sys
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any, get_args

import pytest

from limbs import registry
from limbs.params import ParamError, validate_params
from limbs.registry import LIMBS, REGISTRY, RegistryError, get_action, get_limb
from limbs.spec import CATEGORIES, ActionSpec, LimbSpec, OutputKind, ParamSpec, Upload

ROOT = Path(__file__).resolve().parents[2]
PARTS = ROOT / "limbs" / "parts"
# The contract with LIMBS.md: these 27 ids, in this order (the HUD's order).
LIMB_IDS = [
    "image", "video", "audio", "material", "animation", "divine", "quantum", "entity",
    "mesh", "spatial", "world", "landscape", "physics", "live_game",
    "code", "file", "data", "pipeline", "version_control", "id_auditor", "network", "system", "security",
    "ghost", "orchestrator", "reality", "relic",
]  # fmt: skip
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


# --- LIMBS.md, read from the file ------------------------------------------------------


class LimbsMd:
    """LIMBS.md as the registry must follow it: categories with their sizes, and per limb
    (numbered 1 to 27) its actions (the backticked names) and those with AI tiers."""

    def __init__(self, text: str) -> None:
        self.categories = [(m[1].lower(), int(m[2])) for m in re.finditer(r"(?m)^## (\w+) \((\d+)\)$", text)]
        self.numbers: list[int] = []
        self.actions: dict[str, tuple[str, ...]] = {}
        self.ai: set[tuple[str, str]] = set()
        for item in re.split(r"(?m)^(?=\d+\. \*\*)|^(?=## )", text):
            head = re.match(r"(\d+)\. \*\*(\w+)\*\*", item)
            if head is None:
                continue
            self.numbers.append(int(head[1]))
            # Each action's stretch of text runs from its name to the next action's name.
            parts = re.split(r"`([a-z][a-z0-9_]*)`", item)
            names = parts[1::2]
            self.actions[head[2]] = tuple(dict.fromkeys(names))
            for name, words in zip(names, parts[2::2], strict=True):
                if re.search(r"\bAI\b", words):
                    self.ai.add((head[2], name))


@pytest.fixture(scope="module")
def limbs_md() -> LimbsMd:
    for path in (ROOT / "docs" / "LIMBS.md", ROOT.parent / "shared" / "docs" / "LIMBS.md"):
        if path.exists():
            return LimbsMd(path.read_text(encoding="utf-8"))
    pytest.skip("LIMBS.md is not beside this checkout (docs/ or ../shared/docs/), so it cannot be compared")


def test_there_are_the_27_limbs_of_limbs_md_in_its_order() -> None:
    assert [limb.id for limb in REGISTRY.limbs] == list(LIMBS) == LIMB_IDS


def test_limbs_md_numbers_its_27_limbs_in_the_registrys_order(limbs_md: LimbsMd) -> None:
    assert limbs_md.numbers == list(range(1, 28))
    assert list(limbs_md.actions) == [limb.id for limb in REGISTRY.limbs]


def test_the_categories_hold_as_many_limbs_as_limbs_md_says_in_its_order(limbs_md: LimbsMd) -> None:
    assert [cat for cat, _ in limbs_md.categories] == [c[0] for c in CATEGORIES]
    groups = REGISTRY.by_category()
    assert [(cat, len(limbs)) for cat, _title, _blurb, limbs in groups] == limbs_md.categories
    # Category by category, in the order LIMBS.md lists them.
    expected = [cat for cat, size in limbs_md.categories for _ in range(size)]
    assert [limb.category for limb in REGISTRY.limbs] == expected


@pytest.mark.parametrize("limb", REGISTRY.limbs, ids=_id)
def test_each_limb_has_the_actions_of_limbs_md_in_its_order(limbs_md: LimbsMd, limb: LimbSpec) -> None:
    assert tuple(a.id for a in limb.actions) == limbs_md.actions[limb.id]


def test_ai_tiers_appear_only_where_limbs_md_gives_them(limbs_md: LimbsMd) -> None:
    with_ai = {(limb.id, a.id) for limb, a in ALL_ACTIONS if a.ai_tiers}
    assert with_ai == limbs_md.ai
    for _limb, action in ALL_ACTIONS:
        assert set(action.ai_tiers) <= set(PROVIDERS)
        # Tiers keep the chain order cloudflare -> gemini -> ollama.
        assert list(action.ai_tiers) == sorted(action.ai_tiers, key=PROVIDERS.index)


# --- the packages the registry collects ------------------------------------------------


def test_every_limb_folder_is_a_limb_and_every_limb_has_a_folder() -> None:
    folders = {p.name for p in PARTS.iterdir() if (p / "__init__.py").exists()}
    assert folders == set(LIMBS)


@pytest.mark.parametrize("limb_id", LIMBS)
def test_a_limb_package_names_each_action_module_once_and_each_defines_its_action(limb_id: str) -> None:
    package = import_module(f"limbs.parts.{limb_id}")
    assert isinstance(package.LIMB, LimbSpec) and package.LIMB.id == limb_id
    names = package.ACTIONS
    assert isinstance(names, tuple) and names and len(set(names)) == len(names)
    limb = get_limb(limb_id)
    assert limb is not None
    for name in names:
        module = import_module(f"limbs.parts.{limb_id}.{name}")
        assert isinstance(module.ACTION, ActionSpec) and module.ACTION.id == name
        assert get_action(limb_id, name) is module.ACTION
    assert tuple(a.id for a in limb.actions) == names


@pytest.mark.parametrize("limb_id", LIMBS)
def test_every_public_module_of_a_limb_is_an_action_it_lists(limb_id: str) -> None:
    # Helpers start with "_"; reads.py builds the snapshots its actions declare.
    modules = {p.stem for p in (PARTS / limb_id).glob("*.py") if not p.stem.startswith("_")} - {"reads"}
    assert modules == set(import_module(f"limbs.parts.{limb_id}").ACTIONS)


@pytest.fixture
def fake_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty package of limbs the registry can be pointed at."""
    root = tmp_path / "fake_parts"
    root.mkdir()
    (root / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "PARTS", "fake_parts")
    yield root
    for name in [m for m in sys.modules if m == "fake_parts" or m.startswith("fake_parts.")]:
        del sys.modules[name]


def _package(root: Path, limb_id: str, actions: str, **modules: str) -> ModuleType:
    folder = root / limb_id
    folder.mkdir()
    (folder / "__init__.py").write_text(
        "from limbs.spec import LimbSpec\n"
        f"LIMB = LimbSpec(id={limb_id!r}, name='X', category='creative', icon='x', explanation='X.')\n"
        f"ACTIONS = {actions}\n"
    )
    for name, body in modules.items():
        (folder / f"{name}.py").write_text("from limbs.spec import ActionSpec\n" + body)
    return import_module(f"fake_parts.{limb_id}")


def _defines(action_id: str) -> str:
    return f"ACTION = ActionSpec(id={action_id!r}, name='A', description='A.', output='text')\n"


def test_a_package_is_collected_with_its_actions_in_its_order(fake_parts: Path) -> None:
    _package(
        fake_parts,
        "toy",
        "('b', 'a')",
        a=_defines("a"),
        b=_defines("b"),
    )
    assert [a.id for a in registry._limb("toy").actions] == ["b", "a"]


@pytest.mark.parametrize(
    ("actions", "modules", "message"),
    [
        (
            "('a',)",
            {"a": "ACTION = ActionSpec(id='z', name='A', description='A.', output='text')\n"},
            "id='a'",
        ),
        ("('a',)", {"a": "NOT_ACTION = 1\n"}, "must define ACTION"),
        (
            "('a', 'a')",
            {"a": "ACTION = ActionSpec(id='a', name='A', description='A.', output='text')\n"},
            "once each",
        ),
        ("()", {}, "once each"),
        (
            "['a']",
            {"a": "ACTION = ActionSpec(id='a', name='A', description='A.', output='text')\n"},
            "once each",
        ),
    ],
)
def test_a_package_that_does_not_hold_what_the_registry_needs_is_refused_naming_it(
    fake_parts: Path, actions: str, modules: dict[str, str], message: str
) -> None:
    _package(fake_parts, "toy", actions, **modules)
    with pytest.raises(RegistryError, match=message):
        registry._limb("toy")


def test_a_package_whose_limb_has_another_id_is_refused(fake_parts: Path) -> None:
    _package(fake_parts, "toy", "('a',)")
    (fake_parts / "toy" / "__init__.py").write_text(
        "from limbs.spec import LimbSpec\n"
        "LIMB = LimbSpec(id='other', name='X', category='creative', icon='x', explanation='X.')\n"
        "ACTIONS = ('a',)\n"
    )
    sys.modules.pop("fake_parts.toy", None)
    with pytest.raises(RegistryError, match="id='toy'"):
        registry._limb("toy")


# --- the limbs -------------------------------------------------------------------------


def test_limb_ids_and_names_are_unique() -> None:
    ids = [limb.id for limb in REGISTRY.limbs]
    names = [limb.name for limb in REGISTRY.limbs]
    assert len(ids) == len(set(ids)) == 27
    assert len(names) == len(set(names))


@pytest.mark.parametrize("limb", REGISTRY.limbs, ids=_id)
def test_every_limb_has_a_name_icon_and_one_short_sentence(limb: Any) -> None:
    assert limb.name and limb.name[0].isupper()
    assert 1 <= len(limb.icon) <= 2
    assert not limb.icon.isascii()
    assert len(limb.explanation) < 90
    assert limb.explanation.endswith(".")
    assert ". " not in limb.explanation.rstrip(".")


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


def test_get_limb_finds_limbs_by_id() -> None:
    limb = get_limb("live_game")
    assert limb is not None and limb.name == "Live Game"
    assert get_limb("nope") is None
    assert get_limb("") is None
    assert get_action("image", "nope") is None


def test_the_registry_is_json_serialisable() -> None:
    data = [limb.as_json() for limb in REGISTRY.limbs]
    again = json.loads(json.dumps(data, ensure_ascii=False))
    assert again == data
    for limb, shown in zip(REGISTRY.limbs, again, strict=True):
        assert shown["built"] is limb.built
        assert [a["built"] for a in shown["actions"]] == [a.built for a in limb.actions]


# --- the actions -----------------------------------------------------------------------


@pytest.mark.parametrize(("limb", "action"), ALL_ACTIONS, ids=_id)
def test_built_means_a_callable_maker_and_nothing_else(limb: LimbSpec, action: ActionSpec) -> None:
    assert action.built is (action.make is not None)
    if action.built:
        assert callable(action.make)
    assert limb.built is any(a.built for a in limb.actions)


def test_some_actions_are_built_and_every_built_one_belongs_to_a_built_limb() -> None:
    built = [(limb, a) for limb, a in ALL_ACTIONS if a.built]
    assert built
    assert all(limb.built for limb, _ in built)


@pytest.mark.parametrize("limb", REGISTRY.limbs, ids=_id)
def test_the_default_action_is_the_first_built_one_or_else_the_first(limb: LimbSpec) -> None:
    assert limb.default_action is next((a for a in limb.actions if a.built), limb.actions[0])


@pytest.mark.parametrize(("limb", "action"), [(li, a) for li, a in ALL_ACTIONS if a.built], ids=_id)
def test_every_built_action_can_be_reached_by_words(limb: LimbSpec, action: ActionSpec) -> None:
    # By its own keywords, or as what its limb does when no action word is said.
    assert action.keywords or limb.default_action is action


@pytest.mark.parametrize(("limb", "action"), ALL_ACTIONS, ids=_id)
def test_action_keywords_are_lowercase_and_unique_within_the_limb(limb: LimbSpec, action: ActionSpec) -> None:
    for keyword in action.keywords:
        assert keyword == keyword.strip().lower() and keyword, (action.id, keyword)
    others = {k for a in limb.actions if a is not action for k in a.keywords}
    assert not others & set(action.keywords)


@pytest.mark.parametrize(("limb", "action"), ALL_ACTIONS, ids=_id)
def test_every_action_is_described_with_a_known_output(limb: Any, action: ActionSpec) -> None:
    assert action.name
    assert action.description.endswith(".")
    assert len(action.description) <= 120
    assert action.output in get_args(OutputKind)
    assert action.deadline_s > 0
    names = [p.name for p in action.params]
    assert len(names) == len(set(names))


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


def test_every_example_is_a_request_a_person_could_send(settings: Any) -> None:
    for limb in REGISTRY.limbs:
        for example in (*limb.examples, *(e for a in limb.actions for e in a.examples)):
            assert example.strip() and len(example) <= settings.POG_MAX_INTENT_CHARS, (limb.id, example)
