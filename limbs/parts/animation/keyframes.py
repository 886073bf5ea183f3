"""Animation · Keyframe animation: A 3D animation on a simple skeleton, such as idle, walk, attack or wave."""

from __future__ import annotations

from limbs.generators.animation import keyframes as make
from limbs.params import boolean, choice, integer, kw, number
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="keyframes",
    name="Keyframe animation",
    description="A 3D animation on a simple skeleton, such as idle, walk, attack or wave.",
    output="model",
    params=(
        choice(
            "motion",
            "Motion",
            ("auto", "idle", "walk", "run", "attack", "wave", "jump"),
            "auto",
            "Which move to make. Auto reads it from your words.",
        ),
        choice("rig", "Body", ("humanoid", "quadruped", "blob"), "humanoid", "The shape of the skeleton."),
        number("duration", "Length", 2.0, 0.5, 10.0, "Seconds for one go of the move.", step=0.5),
        integer("fps", "Keyframes per second", 30, 12, 60, "More keys make smoother motion."),
        boolean("loop", "Loop", True, "End where it started so it can repeat."),
    ),
    keywords=kw("keyframe, keyframes, idle, attack, wave, waving, dance, jump, rig, pose"),
    make=make,
)
