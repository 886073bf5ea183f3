"""ID Auditor: Check that every item and monster has its own number, with no twins or gaps."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

ID_TYPES = ("item", "npc", "object", "sprite", "sound", "model")

LIMB = LimbSpec(
    id="id_auditor",
    name="ID Auditor",
    category="technical",
    icon="🔢",
    explanation="Check that every item and monster has its own number, with no twins or gaps.",
    colour="#283593",
    keywords=kw(
        "id, ids, identifier, identifiers, duplicate, duplicates, clash, twin, twins, gap, gaps, "
        "reserve, numbering"
    ),
    examples=(
        "check my item ids for duplicates",
        "are there gaps in the npc ids",
        "reserve ten new ids for swords",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "audit",
    "reserve",
)
