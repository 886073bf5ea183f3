"""Code: Write, explain and check the computer code that makes your game run."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="code",
    name="Code",
    category="technical",
    icon="💻",
    explanation="Write, explain and check the computer code that makes your game run.",
    colour="#1565c0",
    keywords=kw(
        "code, coding, program, programming, script, python, pygame, javascript, js, gdscript, "
        "function, class, snippet, algorithm, bug, debug, compile, explain, pytest, unit test"
    ),
    examples=(
        "write python code for a snake game",
        "a javascript script that makes a ball bounce",
        "gdscript code for a player that jumps",
        "explain this code to me",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "generate",
    "explain",
    "audit",
    "test",
)
