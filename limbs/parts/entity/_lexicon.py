"""The words every entity action reads in the intent, and the helpers they share.

Pure (no Django, no clock, no global random state). Words in the intent pick the role,
species, element and temperament ("a shy fire merchant"); plurals count as the singular.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from limbs.craft import words as words


def each(text: str, value: str) -> dict[str, str]:
    """Map every word of ``text`` to ``value`` (keeps long keyword tables readable)."""
    return dict.fromkeys(text.split(), value)


def file_stem(intent: str, fallback: str) -> str:
    """A file-name stem from the intent, short enough for any file system."""
    return words.slug(intent, fallback)[:60].rstrip("-") or fallback


def dumps(doc: Any) -> bytes:
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def intent_tokens(intent: str) -> list[str]:
    out = []
    for token in words.normalise(intent).split():
        # Plurals ("rats", "wolves") count as the singular word for table look-ups.
        for cand in (
            token,
            token[:-3] + "f" if token.endswith("ves") else "",
            token[:-1] if token.endswith("s") else "",
        ):
            if cand and (cand in SPECIES or cand in ELEMENTS or cand in TEMPERS or cand in ROLE_WORDS):
                token = cand
                break
        out.append(token)
    return out


ROLE_WORDS: dict[str, str] = {
    **each("boss overlord lord king queen emperor tyrant warlord final", "boss"),
    **each("merchant shopkeeper trader vendor seller shop peddler", "merchant"),
    **each("hero player adventurer champion", "hero"),
    **each("pet companion buddy familiar sidekick", "pet"),
    **each("villager npc farmer baker guard innkeeper townsfolk elder", "npc"),
    **each("enemy monster foe minion mob villain baddie", "enemy"),
}


@dataclass(frozen=True)
class Species:
    # Multipliers for health, attack, defense; base speed; movement; name style; natural attack.
    health: float
    attack: float
    defense: float
    speed: float
    movement: str
    culture: str
    natural: str
    default_role: str
    humanoid: bool = False


SPECIES: dict[str, Species] = {
    "rat": Species(0.3, 0.4, 0.3, 6, "walk", "orcish", "gnaw", "enemy"),
    "slime": Species(0.5, 0.4, 0.2, 2, "walk", "alien", "engulf", "enemy"),
    "bat": Species(0.35, 0.5, 0.3, 8, "fly", "orcish", "screech", "enemy"),
    "spider": Species(0.6, 0.8, 0.5, 6, "walk", "orcish", "web_shot", "enemy"),
    "wolf": Species(0.8, 1.1, 0.7, 7, "walk", "orcish", "bite", "enemy"),
    "goblin": Species(0.7, 0.9, 0.6, 5, "walk", "orcish", "stab", "enemy", True),
    "skeleton": Species(0.8, 1.0, 0.8, 4, "walk", "orcish", "bone_slash", "enemy", True),
    "ghost": Species(0.7, 0.9, 0.4, 5, "hover", "elvish", "chill_touch", "enemy"),
    "orc": Species(1.3, 1.3, 1.0, 4, "walk", "orcish", "cleave", "enemy", True),
    "troll": Species(2.0, 1.5, 1.4, 3, "walk", "orcish", "smash", "enemy", True),
    "golem": Species(2.2, 1.4, 2.2, 2, "walk", "dwarvish", "slam", "enemy"),
    "dragon": Species(3.0, 2.5, 2.0, 5, "fly", "elvish", "claw", "boss"),
    "robot": Species(1.2, 1.1, 1.5, 4, "walk", "robot", "laser_zap", "npc", True),
    "alien": Species(1.0, 1.1, 0.9, 5, "hover", "alien", "probe", "enemy", True),
    "knight": Species(1.3, 1.2, 1.5, 4, "walk", "human", "sword_slash", "hero", True),
    "wizard": Species(0.9, 0.7, 0.7, 4, "walk", "elvish", "staff_bonk", "hero", True),
    "elf": Species(0.9, 1.0, 0.8, 6, "walk", "elvish", "arrow_shot", "hero", True),
    "dwarf": Species(1.3, 1.1, 1.4, 3, "walk", "dwarvish", "axe_chop", "npc", True),
    "cat": Species(0.6, 0.8, 0.5, 7, "walk", "elvish", "scratch", "pet"),
    "dog": Species(0.8, 0.9, 0.6, 7, "walk", "human", "bite", "pet"),
    "bird": Species(0.5, 0.6, 0.4, 8, "fly", "elvish", "peck", "pet"),
    "fish": Species(0.5, 0.6, 0.5, 6, "swim", "alien", "nibble", "pet"),
    "shark": Species(1.5, 1.6, 0.9, 7, "swim", "orcish", "bite", "enemy"),
    "human": Species(1.0, 1.0, 1.0, 4, "walk", "human", "punch", "npc", True),
}

# Element -> (opposite, special behaviour, colour, material for the inventory).
ELEMENTS: dict[str, tuple[str, str, str, str]] = {
    "fire": ("ice", "fire_breath", "#e04e1e", "ember shard"),
    "ice": ("fire", "frost_nova", "#96cef0", "frost crystal"),
    "poison": ("holy", "toxic_spit", "#8cdc28", "venom sac"),
    "lightning": ("earth", "chain_lightning", "#f0e040", "storm glass"),
    "shadow": ("holy", "shadow_step", "#483868", "shadow silk"),
    "holy": ("shadow", "radiant_smite", "#f8f0c0", "blessed candle"),
    "water": ("lightning", "tidal_wave", "#2896be", "pearl"),
    "earth": ("lightning", "rock_throw", "#8c7850", "geode"),
}

# Temperament -> (stat multipliers health/attack/defense/speed, aggro radius, flee below, behaviour).
TEMPERS: dict[str, tuple[tuple[float, float, float, float], float, float, str]] = {
    "shy": ((1.0, 0.8, 1.0, 1.15), 2.0, 0.6, "hide"),
    "brave": ((1.05, 1.1, 1.0, 1.0), 10.0, 0.0, "rally"),
    "grumpy": ((1.1, 1.1, 1.0, 0.9), 8.0, 0.2, "grumble"),
    "greedy": ((1.0, 1.0, 1.0, 1.0), 6.0, 0.3, "haggle"),
    "sneaky": ((0.9, 1.15, 0.9, 1.2), 5.0, 0.4, "ambush"),
    "lazy": ((1.1, 0.9, 1.0, 0.7), 3.0, 0.3, "nap"),
    "angry": ((1.0, 1.25, 0.9, 1.05), 12.0, 0.0, "enrage"),
    "friendly": ((1.0, 0.9, 1.0, 1.0), 1.0, 0.5, "wave"),
    "wise": ((1.0, 0.9, 1.1, 1.0), 5.0, 0.3, "advise"),
    "clumsy": ((1.1, 0.9, 0.9, 0.85), 6.0, 0.2, "trip"),
}
