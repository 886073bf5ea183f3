"""Version Control · Compare: Shows what changed between two versions: pixels, text lines or model sizes."""

from __future__ import annotations

from limbs.params import ANY_ASSET, asset, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="diff",
    name="Compare",
    description="Shows what changed between two versions: pixels, text lines or model sizes.",
    output="json",
    needs_intent=False,
    params=(
        asset("before", "Before", ANY_ASSET, "The older version."),
        asset("after", "After", ANY_ASSET, "The newer version."),
    ),
    keywords=kw("diff, difference, compare, changed, changes"),
)
