"""Landscape · Export RSC sector: Writes a height map as a RuneScape Classic landscape sector."""

from __future__ import annotations

from limbs.params import asset, integer, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="export_rsc",
    name="Export RSC sector",
    description="Writes a height map as a RuneScape Classic landscape sector.",
    output="archive",
    needs_intent=False,
    params=(
        asset(
            "heightmap",
            "Height map",
            ("image/png",),
            "The height map to write (48 by 48 tiles are used).",
        ),
        integer("sector_x", "Sector X", 50, 0, 99, "Which sector across."),
        integer("sector_y", "Sector Y", 50, 0, 99, "Which sector down."),
        integer("plane", "Floor", 0, 0, 3, "0 is the ground, 1 and 2 are upstairs, 3 is underground."),
    ),
    keywords=kw("export rsc, rsc, sector, runescape"),
)
