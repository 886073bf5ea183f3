"""Ghost · Stabilise: Answers any request in half a second using only the studio's own magic.

It answers another limb's action with that action's procedural maker alone, through
``req.call``.
"""

from __future__ import annotations

from typing import Any

from limbs.params import ParamError, integer, kw, string, validate_params
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Studio


def stabilize_target(target: str, studio: Studio | None) -> tuple[str, str, dict[str, Any]]:
    """Check ``limb.action`` can be answered procedurally from words alone; return its defaults."""
    limb_id, _, action_id = target.partition(".")
    limb = studio.get(limb_id) if studio is not None else None
    action = limb.action(action_id) if limb else None
    if limb is None or action is None:
        raise GeneratorInputError("target", f"'{target}' is not a limb action (write it as limb.action).")
    if not action.built:
        raise GeneratorInputError("target", f"{target} has no procedural generator yet.")
    if limb_id == "ghost":
        raise GeneratorInputError("target", "The ghost cannot stabilise itself.")
    if action.reads:
        raise GeneratorInputError(
            "target", f"{target} reads the studio's records, so use that limb directly."
        )
    try:
        defaults = validate_params(action, {})
    except ParamError as exc:
        raise GeneratorInputError(
            "target", f"{target} needs '{exc.field}', so use that limb directly."
        ) from None
    return limb_id, action_id, defaults


def make(req: GenRequest) -> GenResult:
    target = str(req.params.get("target", "image.generate"))
    limb_id, action_id, defaults = stabilize_target(target, req.studio)
    req.progress(0.2, "The ghost is making it by itself")
    inner = GenRequest(
        intent=req.intent, params=defaults, seed=req.seed, tension="low", progress=req.progress
    )
    result = req.call(limb_id, action_id, inner)
    return GenResult(outputs=result.outputs, meta={**result.meta, "target": f"{limb_id}.{action_id}"})


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
