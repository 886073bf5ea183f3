"""Animation: Make characters move: walk, wave, jump and attack."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="animation",
    name="Animation",
    category="creative",
    icon="🏃",
    explanation="Make characters move: walk, wave, jump and attack.",
    colour="#bf360c",
    keywords=kw(
        "animation, move, moving, walk, walking, walk cycle, run, running, run cycle, idle, attack, "
        "wave, waving, dance, dancing, jump, jumping, keyframe, keyframes, rig, pose, stride"
    ),
    examples=(
        "a walk cycle for my knight",
        "an idle animation that breathes",
        "my robot waves hello",
        "a sword attack swing",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "keyframes",
    "walk_cycle",
)
