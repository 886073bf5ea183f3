"""Quantum · Entangle: Mixes two things of the same kind into a hybrid."""

from __future__ import annotations

from limbs.generators.quantum import entangle as make
from limbs.params import asset, kw, number
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="entangle",
    name="Entangle",
    description="Mixes two things of the same kind into a hybrid.",
    output="data",
    needs_intent=False,
    params=(
        asset(
            "first",
            "First",
            ("image/", "audio/", "model/", "application/json"),
            "The first thing to mix.",
        ),
        asset(
            "second",
            "Second",
            ("image/", "audio/", "model/", "application/json"),
            "The second thing; it must be the same kind as the first.",
        ),
        number("mix", "Mix", 0.5, 0.0, 1.0, "0 is all the first, 1 is all the second.", step=0.05),
    ),
    keywords=kw("mix, blend, hybrid, combine, cross, entangle, mashup"),
    make=make,
)
