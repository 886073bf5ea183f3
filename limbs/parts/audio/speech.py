"""Audio · Voice: Says your words out loud in a character voice."""

from __future__ import annotations

from limbs.generators.audio import speech as make
from limbs.params import choice, kw, number
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="speech",
    name="Voice",
    description="Says your words out loud in a character voice.",
    output="audio",
    ai_tiers=("cloudflare",),
    params=(
        choice(
            "voice",
            "Voice",
            ("auto", "bright", "deep", "robot", "creature"),
            "auto",
            "Who is speaking.",
        ),
        number("speed", "Speed", 1.0, 0.5, 2.0, "1 is normal speed.", step=0.1),
        choice(
            "language",
            "Language",
            ("en", "es", "fr", "de", "it", "pt", "ja", "zh"),
            "en",
            "The language of the words.",
        ),
    ),
    keywords=kw("voice, speak, say, saying, speech, narrator, read aloud, talk"),
    make=make,
)
