"""Material · Shader: A GLSL fragment shader for effects like water, fire or holograms."""

from __future__ import annotations

from limbs.generators.material import shader as make
from limbs.params import boolean, choice, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="shader",
    name="Shader",
    description="A GLSL fragment shader for effects like water, fire or holograms.",
    output="code",
    params=(
        choice(
            "effect",
            "Effect",
            ("auto", "water", "fire", "hologram", "plasma", "dissolve", "outline", "toon"),
            "auto",
            "The kind of effect. Auto picks from your words.",
        ),
        boolean("animated", "Animated", True, "Make the effect move over time."),
        choice(
            "dialect",
            "GLSL version",
            ("glsl-es-300", "glsl-330"),
            "glsl-es-300",
            "GLSL ES 3.0 runs in web browsers; 330 is desktop OpenGL.",
        ),
    ),
    keywords=kw("shader, glsl, glow, glowing, hologram, effect"),
    make=make,
)
