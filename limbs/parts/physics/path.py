"""Physics · Find a path: Finds the shortest way through a level and reports what can be reached."""

from __future__ import annotations

from limbs.params import asset, boolean, integer, kw, number
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="path",
    name="Find a path",
    description="Finds the shortest way through a level and reports what can be reached.",
    output="json",
    needs_intent=False,
    params=(
        asset(
            "level",
            "Level",
            ("application/json", "image/"),
            "Optional: a grid level (JSON, or a picture where dark is wall). Empty makes one up.",
            required=False,
        ),
        integer("width", "Width", 32, 4, 512, "Grid width for a random level."),
        integer("height", "Height", 32, 4, 512, "Grid height for a random level."),
        number("walls", "Walls", 0.25, 0.0, 0.6, "How much of a random level is wall.", step=0.05),
        boolean("diagonal", "Diagonal steps", False, "Allow moving diagonally."),
    ),
    keywords=kw("path, pathfinding, route, maze, reach, reachable, astar, navigate, way"),
)
