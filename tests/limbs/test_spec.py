"""limbs.spec: limbs, actions and parameters as data, what ``make`` is given and returns,
and the registry composite actions call through (no Django)."""

from __future__ import annotations

import json

import pytest

from limbs.spec import (
    CATEGORIES,
    ActionSpec,
    GeneratorInputError,
    GenRequest,
    GenResult,
    LimbSpec,
    Output,
    Registry,
    main_output,
)
from tests.helpers.specs import ACTION, DEPTH, NEEDS_PICTURE, PICTURE, STYLE, WIDTH


def test_param_json_leaves_out_unset_limits() -> None:
    out = STYLE.as_json()
    assert out["choices"] == ["auto", "pixel", "night"]
    assert "minimum" not in out
    assert "accepts" not in out
    assert WIDTH.as_json()["minimum"] == 64
    assert PICTURE.as_json()["accepts"] == ["image/"]


def test_action_param_lookup_finds_by_name() -> None:
    assert ACTION.param("depth") is DEPTH
    assert ACTION.param("nope") is None


def _make(req: GenRequest) -> GenResult:
    return GenResult(outputs=[])


def _limb(*actions: ActionSpec) -> LimbSpec:
    return LimbSpec(id="x", name="X", category="creative", icon="❓", explanation="Test.", actions=actions)


def test_the_default_action_is_the_first_built_one() -> None:
    built = ActionSpec(id="b", name="B", description="", output="text", make=_make)
    limb = _limb(ACTION, built)
    assert limb.default_action is built
    assert limb.built


def test_without_a_built_action_the_default_is_the_first() -> None:
    limb = _limb(ACTION, NEEDS_PICTURE)
    assert limb.default_action is ACTION
    assert not limb.built


def test_limb_json_is_plain_json() -> None:
    data = _limb(ACTION, NEEDS_PICTURE).as_json()
    assert json.loads(json.dumps(data)) == data
    assert [a["id"] for a in data["actions"]] == ["make", "lift"]


def test_registry_groups_limbs_by_category_in_order() -> None:
    a = LimbSpec(id="a", name="A", category="spatial", icon="🅰️", explanation=".", actions=(ACTION,))
    b = LimbSpec(id="b", name="B", category="creative", icon="🅱️", explanation=".", actions=(ACTION,))
    registry = Registry(limbs=(a, b))
    groups = registry.by_category()
    assert [g[0] for g in groups] == [c[0] for c in CATEGORIES]
    assert groups[0][3] == [b]
    assert groups[1][3] == [a]
    assert registry.get("a") is a
    assert registry.get("z") is None


def _echo(req: GenRequest) -> GenResult:
    return GenResult(outputs=[Output(req.intent.encode(), "text/plain", "echo.txt")], meta={"seed": req.seed})


def _twice(req: GenRequest) -> GenResult:
    first = req.call("x", "echo", GenRequest(req.intent, {}, req.seed))
    return GenResult(outputs=[*first.outputs, *first.outputs])


ECHO = ActionSpec(id="echo", name="Echo", description="Says it back.", output="text", make=_echo)
TWICE = ActionSpec(id="twice", name="Twice", description="Says it back twice.", output="text", make=_twice)


def test_a_composite_action_calls_another_through_the_registry() -> None:
    registry = Registry(limbs=(_limb(ECHO, TWICE, ACTION),))
    result = registry.call("x", "twice", GenRequest("hello", {}, 4))
    assert [o.data for o in result.outputs] == [b"hello", b"hello"]
    assert registry.action("x", "echo") is ECHO
    assert registry.action("x", "nope") is None
    assert registry.action("nope", "echo") is None


@pytest.mark.parametrize(("limb", "action"), [("x", "make"), ("x", "nope"), ("nope", "echo")])
def test_calling_an_action_without_a_maker_names_the_target(limb: str, action: str) -> None:
    registry = Registry(limbs=(_limb(ECHO, ACTION),))
    with pytest.raises(GeneratorInputError) as caught:
        registry.call(limb, action, GenRequest("hello", {}, 1))
    assert caught.value.field == "target"


def test_a_request_run_outside_the_studio_cannot_call_other_actions() -> None:
    request = GenRequest("hello", {}, 1)
    assert request.limb("x") is None
    with pytest.raises(GeneratorInputError, match="cannot call other actions"):
        request.call("x", "echo", request)


def test_the_main_output_is_the_first_in_the_main_role_or_else_the_first() -> None:
    side = Output(b"s", "image/png", "side.png", role="roughness")
    main = Output(b"m", "image/png", "main.png")
    assert main_output([side, main]) is main
    assert main_output([side]) is side


def test_a_generator_input_error_names_its_field() -> None:
    err = GeneratorInputError("image", "That is not a picture.")
    assert isinstance(err, ValueError)
    assert (err.field, err.message, str(err)) == ("image", "That is not a picture.", "That is not a picture.")


def test_action_json_says_whether_it_is_built() -> None:
    assert ECHO.as_json()["built"] is True
    assert ACTION.as_json()["built"] is False
    assert ECHO.built and not ACTION.built
