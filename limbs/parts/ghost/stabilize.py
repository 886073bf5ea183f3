"""Ghost · Stabilise: Answers any request in half a second using only the studio's own magic."""

from __future__ import annotations

from typing import Any

from limbs.generators.ghost import stabilize as make
from limbs.generators.ghost import stabilize_target
from limbs.params import ParamError, integer, kw, string
from limbs.spec import ActionSpec, GeneratorInputError, Studio


def refine(params: dict[str, Any], studio: Studio) -> None:
    """The target must be an action the studio can answer from words alone."""
    try:
        stabilize_target(str(params["target"]), studio)
    except GeneratorInputError as exc:
        raise ParamError("target", exc.message) from None


ACTION = ActionSpec(
    id="stabilize",
    name="Stabilise",
    description="Answers any request in half a second using only the studio's own magic.",
    output="data",
    needs_intent=False,
    deadline_s=1.0,
    params=(
        string(
            "target",
            "Limb and action",
            "Which limb action to answer, as limb.action.",
            default="image.generate",
            max_length=60,
        ),
        integer("budget_ms", "Time limit", 500, 50, 500, "Milliseconds allowed."),
    ),
    keywords=kw("stabilize, stabilise, offline, without internet, no internet, emergency"),
    refine=refine,
    make=make,
)
