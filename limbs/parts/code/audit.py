"""Code · Check code: Looks for code that is too tangled or could do something dangerous."""

from __future__ import annotations

from limbs.params import CODE, asset, integer, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="audit",
    name="Check code",
    description="Looks for code that is too tangled or could do something dangerous.",
    output="json",
    needs_intent=False,
    params=(
        asset("source", "Code", CODE, "The code file to check."),
        integer(
            "max_complexity",
            "Tangle limit",
            10,
            1,
            50,
            "Warn about functions more tangled than this.",
        ),
    ),
    keywords=kw("audit, check, safe, dangerous, complexity, review, lint, bug"),
)
