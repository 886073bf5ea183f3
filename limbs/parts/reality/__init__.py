"""Reality: Save a safe point, check nothing changed, and translate or sum up words."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

TEXT_FILE = ("text/", "application/json")

LIMB = LimbSpec(
    id="reality",
    name="Reality",
    category="metaphysical",
    icon="🪞",
    explanation="Save a safe point, check nothing changed, and translate or sum up words.",
    colour="#4527a0",
    keywords=kw(
        "reality, checkpoint, save point, snapshot, backup, verify, restore, translate, translation, "
        "language, french, spanish, german, summarize, summarise, summary, merkle"
    ),
    examples=(
        "save a checkpoint of my project",
        "translate my quest into spanish",
        "summarize my world story in one line",
        "restore yesterday's snapshot",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "checkpoint",
    "verify",
    "restore",
    "translate",
    "summarize",
)
