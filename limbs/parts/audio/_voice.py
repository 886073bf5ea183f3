"""Who speaks and what they say: shared by the speech action and the cloud text-to-speech prompt."""

from __future__ import annotations

import re
from dataclasses import dataclass

from limbs.parts.audio._sound import word_tokens
from limbs.spec import GenRequest


@dataclass(frozen=True)
class Voice:
    f0: float  # Hz
    spread: float  # semitones of random pitch per syllable
    formant_scale: float
    buzz: str  # "voice" | "robot" | "creature"


VOICES = {
    "bright": Voice(260.0, 3.0, 1.12, "voice"),
    "deep": Voice(105.0, 2.0, 0.86, "voice"),
    "robot": Voice(150.0, 0.0, 1.0, "robot"),
    "creature": Voice(185.0, 7.0, 0.95, "creature"),
}
VOICE_WORDS: dict[str, tuple[str, ...]] = {
    "robot": ("robot", "robotic", "bot", "android", "computer", "machine", "cyborg", "droid"),
    "creature": ("monster", "creature", "alien", "goblin", "beast", "troll", "orc", "zombie", "gremlin",
                 "critter", "dragon", "ogre", "slime"),
    "deep": ("deep", "giant", "old", "king", "grandpa", "dad", "father", "wizard", "man", "villain", "boss",
             "bear", "low"),
    "bright": ("girl", "boy", "kid", "child", "fairy", "squeaky", "high", "tiny", "little", "cute"),
}  # fmt: skip


def spoken_text(intent: str) -> str:
    """The words to say: quoted text, else what follows "saying", else the whole intent."""
    quoted = re.search(r"[\"“«「](.+?)[\"”»」]", intent)
    if quoted:
        return quoted.group(1).strip()
    after = re.search(
        r"\b(?:saying|says|say|said|speaks|speaking|tells|telling)\b[:,]?\s+(.+)$", intent, re.I
    )
    if after:
        return after.group(1).strip()
    return intent.strip()


def choose_voice(req: GenRequest) -> tuple[str, str]:
    voice = str(req.params.get("voice", "auto"))
    if voice in VOICES:
        return voice, "param"
    tokens = word_tokens(req.intent)
    for name in ("robot", "creature", "deep", "bright"):
        if any(t in VOICE_WORDS[name] for t in tokens):
            return name, "words"
    return "bright", "default"
