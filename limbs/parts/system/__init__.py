"""System: See how busy the studio is and how much of your magic you have used."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="system",
    name="System",
    category="technical",
    icon="⚙️",
    explanation="See how busy the studio is and how much of your magic you have used.",
    colour="#2a4d9c",
    keywords=kw(
        "system, status, queue, queues, worker, workers, storage, disk, busy, quota, usage, ledger, "
        "economy, economy mode, muscle, discovery, precision, budget"
    ),
    examples=(
        "how busy is the studio",
        "how much of my quota is left",
        "switch to precision economy mode",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "status",
    "ledger",
    "economy_mode",
)
