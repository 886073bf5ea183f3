"""Version Control · History: Shows every version of a file and where it came from."""

from __future__ import annotations

from limbs.params import ANY_ASSET, asset, integer, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="history",
    name="History",
    description="Shows every version of a file and where it came from.",
    output="json",
    needs_intent=False,
    params=(
        asset("asset", "File", ANY_ASSET, "The file whose history to show."),
        integer("limit", "How many", 20, 1, 100, "Most versions to show."),
    ),
    keywords=kw("history, version history, versions, timeline"),
)
