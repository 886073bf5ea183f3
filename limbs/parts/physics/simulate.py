"""Physics · Simulate: Drops and throws things under gravity and records where they go."""

from __future__ import annotations

from limbs.params import boolean, integer, kw, number
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="simulate",
    name="Simulate",
    description="Drops and throws things under gravity and records where they go.",
    output="json",
    params=(
        integer("bodies", "Things", 10, 1, 200, "How many things to drop or throw."),
        number(
            "gravity",
            "Gravity",
            9.81,
            0.0,
            50.0,
            "Pull downwards in m/s²; Earth is 9.81, the Moon 1.62.",
        ),
        number("seconds", "Seconds", 5.0, 0.5, 30.0, "How long to simulate."),
        number("bounciness", "Bounciness", 0.5, 0.0, 1.0, "0 thuds, 1 bounces forever.", step=0.05),
        boolean("preview", "GIF preview", True, "Also make a moving picture of it."),
    ),
    keywords=kw(
        "gravity, fall, falling, bounce, bouncing, throw, projectile, trajectory, simulate, simulation"
    ),
)
