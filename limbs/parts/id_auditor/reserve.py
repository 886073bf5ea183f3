"""ID Auditor · Reserve ids: Hands out new ids that clash with nothing, in your project or any cache."""

from __future__ import annotations

from limbs.generators.id_auditor import reserve as make
from limbs.params import boolean, choice, integer, kw
from limbs.parts.id_auditor import ID_TYPES
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="reserve",
    name="Reserve ids",
    description="Hands out new ids that clash with nothing, in your project or any cache.",
    output="json",
    cacheable=False,
    needs_intent=False,
    params=(
        choice("type", "Kind", ID_TYPES, "item", "What the ids are for."),
        integer("count", "How many", 1, 1, 1000, "How many ids to reserve."),
        boolean("fill_gaps", "Fill gaps", False, "Use skipped numbers when a whole run fits in one."),
    ),
    keywords=kw("reserve, new, claim"),
    reads=("ids",),
    make=make,
)
