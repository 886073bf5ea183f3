"""Entity · Behaviour tree: The decision rules a character follows, as a behaviour tree."""

from __future__ import annotations

from limbs.generators.entity import behavior_tree as make
from limbs.params import choice, integer, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="behavior_tree",
    name="Behaviour tree",
    description="The decision rules a character follows, as a behaviour tree.",
    output="json",
    params=(
        choice(
            "style",
            "Personality",
            ("auto", "aggressive", "cautious", "friendly", "patrol"),
            "auto",
            "How the character tends to act.",
        ),
        integer("depth", "Depth", 3, 2, 6, "How many layers of decisions."),
    ),
    keywords=kw("behavior, behaviour, behavior tree, behaviour tree, brain, ai, patrol, patrols"),
    make=make,
)
