"""Pipeline · Optimise: Shrinks pictures and models so the game loads faster."""

from __future__ import annotations

from limbs.params import integer, kw, string
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="optimize",
    name="Optimise",
    description="Shrinks pictures and models so the game loads faster.",
    output="archive",
    needs_intent=False,
    params=(
        string(
            "assets",
            "Files",
            "Optional: ids of the files to shrink, separated by commas. Empty means all.",
            max_length=4000,
        ),
        integer(
            "max_texture",
            "Largest picture",
            2048,
            64,
            4096,
            "Bigger pictures are scaled down to this size.",
        ),
        integer("png_level", "PNG squeeze", 9, 0, 9, "9 is smallest and slowest."),
    ),
    keywords=kw("compress, shrink, optimize, optimise, smaller"),
)
