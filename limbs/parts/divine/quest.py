"""Divine · Quest: A quest with steps, goals and rewards, drawn as a map of choices."""

from __future__ import annotations

from limbs.generators.divine import quest as make
from limbs.params import boolean, choice, integer, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="quest",
    name="Quest",
    description="A quest with steps, goals and rewards, drawn as a map of choices.",
    output="json",
    params=(
        integer("steps", "Steps", 5, 2, 12, "How many things the player has to do."),
        boolean("branches", "Choices", True, "Let the player choose different paths."),
        choice(
            "reward",
            "Reward",
            ("auto", "gold", "item", "friend", "secret"),
            "auto",
            "What the player gets at the end.",
        ),
        choice("difficulty", "Difficulty", ("easy", "normal", "hard"), "normal", "How hard the quest is."),
    ),
    keywords=kw("quest, mission, objective, adventure, reward"),
    make=make,
)
