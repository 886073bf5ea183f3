"""Audio: Make sound effects, music and voices for your game."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="audio",
    name="Audio",
    category="creative",
    icon="🔊",
    explanation="Make sound effects, music and voices for your game.",
    colour="#c62828",
    keywords=kw(
        "sound, audio, sfx, sound effect, noise, boom, beep, bang, zap, pew, blip, whoosh, ding, "
        "music, song, tune, melody, soundtrack, jingle, beat, drum, voice, speak, say, speech, "
        "narrator, read aloud, wav, waveform, loudness, loud"
    ),
    examples=(
        "an explosion sound",
        "a happy jingle for collecting coins",
        "spooky music for a cave level",
        "a laser zap",
        "a robot voice saying hello",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "sfx",
    "music",
    "speech",
    "analyze",
)
