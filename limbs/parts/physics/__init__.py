"""Physics: Test how things fall, bounce, bump and find their way around a level."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="physics",
    name="Physics",
    category="spatial",
    icon="🍎",
    explanation="Test how things fall, bounce, bump and find their way around a level.",
    colour="#1b5e20",
    keywords=kw(
        "physics, gravity, fall, falling, bounce, bouncing, throw, projectile, trajectory, simulate, "
        "simulation, path, pathfinding, route, maze, reach, reachable, astar, navigate, collide, "
        "collision, overlap, hitbox, hitboxes"
    ),
    examples=(
        "find a path through my maze",
        "ten balls falling with gravity",
        "do these hitboxes overlap",
        "can the player reach the door",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "path",
    "simulate",
    "collide",
)
