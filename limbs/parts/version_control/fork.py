"""Version Control · Fork: Starts a new copy of a file that you can change without touching the original."""

from __future__ import annotations

from limbs.params import ANY_ASSET, asset, kw, string
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="fork",
    name="Fork",
    description="Starts a new copy of a file that you can change without touching the original.",
    output="data",
    needs_intent=False,
    params=(
        asset("asset", "File", ANY_ASSET, "The file to copy."),
        string("name", "New name", "Optional: a name for the copy.", max_length=80),
    ),
    keywords=kw("fork, branch, copy"),
)
