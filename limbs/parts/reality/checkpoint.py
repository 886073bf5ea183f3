"""Reality · Checkpoint: Saves a fingerprint of your whole project (a Merkle root) to check later."""

from __future__ import annotations

from limbs.params import kw, string
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="checkpoint",
    name="Checkpoint",
    description="Saves a fingerprint of your whole project (a Merkle root) to check later.",
    output="json",
    needs_intent=False,
    params=(
        string(
            "project",
            "Project",
            "Optional: which project. Empty means the one you are in.",
            max_length=64,
        ),
        string("note", "Note", "Optional: a note to remember this checkpoint by.", max_length=200),
    ),
    keywords=kw("checkpoint, save point, snapshot, backup, save"),
)
