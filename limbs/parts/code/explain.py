"""Code · Explain code: Explains what a piece of code does, step by step."""

from __future__ import annotations

from limbs.params import CODE, asset, choice, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="explain",
    name="Explain code",
    description="Explains what a piece of code does, step by step.",
    output="text",
    needs_intent=False,
    params=(
        asset("source", "Code", CODE, "The code file to explain."),
        choice("audience", "Explain for", ("kid", "beginner", "expert"), "beginner", "Who will read it."),
    ),
    keywords=kw("explain, understand, teach, mean"),
)
