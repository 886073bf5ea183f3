"""Procedural game entities: ECS archetypes, behaviour trees and stat balancing.

Pure functions of their ``GenRequest`` (no Django, no clock, no global random state).
Archetypes and trees follow the schemas published in ``limbs/validators``; words in the
intent pick the role, species, element and temperament ("a shy fire merchant").
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from limbs.craft import markov as _markov
from limbs.craft import words as words
from limbs.spec import GeneratorInputError, GenRequest, GenResult, Output

ENTITY_SCHEMA = "https://pog.studio/schemas/entity-1.json"
TREE_SCHEMA = "https://pog.studio/schemas/behavior-tree-1.json"


def _each(text: str, value: str) -> dict[str, str]:
    """Map every word of ``text`` to ``value`` (keeps long keyword tables readable)."""
    return dict.fromkeys(text.split(), value)


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _stem(intent: str, fallback: str) -> str:
    """A file-name stem from the intent, short enough for any file system."""
    return words.slug(intent, fallback)[:60].rstrip("-") or fallback


def _dumps(doc: Any) -> bytes:
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _tokens(intent: str) -> list[str]:
    out = []
    for token in words.normalise(intent).split():
        # Plurals ("rats", "wolves") count as the singular word for table look-ups.
        for cand in (
            token,
            token[:-3] + "f" if token.endswith("ves") else "",
            token[:-1] if token.endswith("s") else "",
        ):
            if cand and (cand in SPECIES or cand in ELEMENTS or cand in TEMPERS or cand in _ROLE_WORDS):
                token = cand
                break
        out.append(token)
    return out


# ---------------------------------------------------------------------------------------
# Archetype tables
# ---------------------------------------------------------------------------------------

STAT_NAMES = ("health", "attack", "defense", "speed", "magic", "luck")

# Level-1 stats for each role: health, attack, defense, speed, magic, luck.
ROLE_BASE: dict[str, tuple[float, ...]] = {
    "hero": (100, 12, 8, 5, 6, 5),
    "enemy": (60, 8, 5, 4, 3, 3),
    "boss": (400, 20, 14, 4, 10, 5),
    "npc": (50, 3, 3, 4, 2, 5),
    "pet": (40, 5, 3, 6, 2, 8),
    "merchant": (50, 2, 4, 3, 4, 10),
}

_ROLE_WORDS: dict[str, str] = {
    **_each("boss overlord lord king queen emperor tyrant warlord final", "boss"),
    **_each("merchant shopkeeper trader vendor seller shop peddler", "merchant"),
    **_each("hero player adventurer champion", "hero"),
    **_each("pet companion buddy familiar sidekick", "pet"),
    **_each("villager npc farmer baker guard innkeeper townsfolk elder", "npc"),
    **_each("enemy monster foe minion mob villain baddie", "enemy"),
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
_SPECIES_ALIASES = {
    "mouse": "rat",
    "wyvern": "dragon",
    "drake": "dragon",
    "skeleton": "skeleton",
    "zombie": "skeleton",
    "spirit": "ghost",
    "android": "robot",
    "droid": "robot",
    "mech": "robot",
    "ogre": "troll",
    "warrior": "knight",
    "mage": "wizard",
    "witch": "wizard",
    "sorcerer": "wizard",
    "kitten": "cat",
    "puppy": "dog",
    "fox": "dog",
    "owl": "bird",
    "person": "human",
    "villager": "human",
    "merchant": "human",
    "shopkeeper": "human",
    "guard": "human",
    "farmer": "human",
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
_ELEMENT_WORDS = {
    **_each("fire fiery flame flaming lava magma volcanic volcano burning ember inferno", "fire"),
    **_each("ice icy frost frozen snow snowy arctic winter", "ice"),
    **_each("poison poisonous toxic venom venomous acid slime swamp", "poison"),
    **_each("lightning thunder storm electric shock", "lightning"),
    **_each("shadow dark darkness ghostly night void", "shadow"),
    **_each("holy light angel angelic divine sacred", "holy"),
    **_each("water sea ocean wave tide", "water"),
    **_each("earth rock stone mountain mud", "earth"),
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
_TEMPER_WORDS = {
    **{t: t for t in TEMPERS},
    **_each("timid scared nervous cowardly", "shy"),
    **_each("bold fearless heroic", "brave"),
    **_each("grouchy cranky", "grumpy"),
    **_each("stingy", "greedy"),
    **_each("sly cunning stealthy", "sneaky"),
    **_each("sleepy", "lazy"),
    **_each("furious mad rage raging", "angry"),
    **_each("kind nice gentle cheerful happy", "friendly"),
    **_each("clever smart old ancient", "wise"),
}

# Role -> behaviours every member has: (id, kind, trigger, cooldown, power factor).
_ROLE_BEHAVIOURS: dict[str, tuple[tuple[str, str, str, float, float], ...]] = {
    "hero": (("strike", "attack", "enemy_in_range", 1.0, 1.0), ("guard", "defend", "under_attack", 4.0, 0.5)),
    "enemy": (("wander", "idle", "no_target", 0.0, 0.0), ("chase", "move", "sees_target", 0.0, 0.0)),
    "boss": (
        ("enrage_phase", "special", "health_below_half", 30.0, 1.5),
        ("summon_minions", "support", "every_20_seconds", 20.0, 0.0),
        ("chase", "move", "sees_target", 0.0, 0.0),
    ),
    "npc": (("idle", "idle", "nothing_to_do", 0.0, 0.0), ("talk", "social", "player_nearby", 0.0, 0.0)),
    "pet": (("follow_owner", "move", "owner_far", 0.0, 0.0), ("fetch", "support", "owner_throws", 5.0, 0.0)),
    "merchant": (
        ("idle", "idle", "nothing_to_do", 0.0, 0.0),
        ("trade", "trade", "player_opens_shop", 0.0, 0.0),
        ("haggle", "social", "player_haggles", 10.0, 0.0),
    ),
}
_TEMPER_KIND = {
    "hide": "flee",
    "rally": "support",
    "grumble": "social",
    "haggle": "social",
    "ambush": "attack",
    "nap": "idle",
    "enrage": "special",
    "wave": "social",
    "advise": "social",
    "trip": "idle",
}

# Role -> item templates (name, kind, quantity range, base value); "{m}" is the element material.
_ROLE_ITEMS: dict[str, tuple[tuple[str, str, tuple[int, int], int], ...]] = {
    "hero": (
        ("Trusty Sword", "weapon", (1, 1), 30),
        ("Wooden Shield", "armour", (1, 1), 20),
        ("Healing Potion", "consumable", (2, 5), 10),
        ("Travel Bread", "food", (2, 6), 2),
        ("Rope", "tool", (1, 1), 4),
        ("Old Map", "key", (1, 1), 15),
    ),
    "enemy": (
        ("Rusty Dagger", "weapon", (1, 1), 8),
        ("{m}", "material", (1, 4), 12),
        ("Stolen Coin Pouch", "treasure", (1, 1), 25),
        ("Bone Charm", "treasure", (1, 1), 18),
    ),
    "boss": (
        ("Crown of the Deep", "treasure", (1, 1), 500),
        ("{m}", "material", (3, 9), 40),
        ("Vault Key", "key", (1, 1), 100),
        ("Great Weapon", "weapon", (1, 1), 300),
        ("Elixir of Fury", "consumable", (1, 3), 80),
    ),
    "npc": (
        ("Lunch Basket", "food", (1, 1), 3),
        ("Letter", "key", (1, 1), 1),
        ("Lucky Button", "treasure", (1, 1), 2),
        ("Walking Stick", "tool", (1, 1), 4),
    ),
    "pet": (
        ("Chew Toy", "tool", (1, 1), 1),
        ("Snack", "food", (1, 5), 1),
        ("Shiny Pebble", "treasure", (1, 3), 1),
    ),
    "merchant": (
        ("Healing Potion", "ware", (3, 12), 12),
        ("Iron Sword", "ware", (1, 3), 45),
        ("Leather Armour", "ware", (1, 3), 35),
        ("{m}", "ware", (2, 8), 20),
        ("Lantern", "ware", (1, 4), 8),
        ("Rope", "ware", (2, 6), 4),
        ("Treasure Map", "ware", (1, 1), 120),
        ("Bag of Sweets", "ware", (2, 10), 2),
        ("Ledger", "tool", (1, 1), 5),
    ),
}


def _growth(level: int) -> float:
    # 6% per level: level 100 is ~320x level 1, keeping boss stats under the schema's caps.
    return float(1.06 ** (level - 1))


@dataclass(frozen=True)
class _Reading:
    role: str
    species_key: str
    species: Species
    element: str | None
    temper: str | None
    size: float


def _read(intent: str, role_param: str) -> _Reading:
    tokens = _tokens(intent)
    species_key = "human"
    for token in tokens:
        key = _SPECIES_ALIASES.get(token, token)
        if key in SPECIES and (species_key == "human" or key != "human"):
            species_key = key
    if species_key == "human":
        canon = next((words.SUBJECT_OF[t] for t in tokens if t in words.SUBJECT_OF), None)
        species_key = {
            "monster": "troll",
            "dragon": "dragon",
            "robot": "robot",
            "ghost": "ghost",
            "cat": "cat",
        }.get(canon or "", "human")
    species = SPECIES[species_key]
    role = role_param if role_param in ROLE_BASE else ""
    if not role:
        # Later role words win ("a merchant who is secretly a boss" is a boss).
        for token in tokens:
            role = _ROLE_WORDS.get(token, role)
        role = role or species.default_role
    element = next((_ELEMENT_WORDS[t] for t in tokens if t in _ELEMENT_WORDS), None)
    temper = next((_TEMPER_WORDS[t] for t in tokens if t in _TEMPER_WORDS), None)
    size = 1.0
    for token in tokens:
        size = words.SIZE_WORDS.get(token, size)
    return _Reading(role, species_key, species, element, temper, size)


def _ident(text: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "thing"
    return base if base[0].isalpha() else "x_" + base


def archetype(req: GenRequest) -> GenResult:
    level = int(req.params.get("level", 1))
    slots = int(req.params.get("inventory_slots", 8))
    reading = _read(req.intent, str(req.params.get("role", "auto")))
    rng = random.Random(words.derive_seed(req.seed, req.intent, "entity.archetype"))
    req.progress(0.2, "Choosing how strong they are")
    doc = _build_entity(reading, level, slots, rng)
    stem = _stem(req.intent, "character")
    meta = {
        "schema": ENTITY_SCHEMA,
        "name": doc["name"],
        "archetype": reading.role,
        "species": reading.species_key,
        "element": reading.element,
        "temperament": reading.temper,
        "level": level,
        "stats": doc["stats"],
    }
    req.progress(1.0, "All done!")
    return GenResult(
        outputs=[Output(_dumps(doc), "application/json", f"{stem}.entity.json", "main", meta)], meta=meta
    )


def _build_entity(r: _Reading, level: int, slots: int, rng: random.Random) -> dict[str, Any]:
    sp = r.species
    base = ROLE_BASE[r.role]
    temper_mul = TEMPERS[r.temper][0] if r.temper else (1.0, 1.0, 1.0, 1.0)
    grow = _growth(level)

    def jitter() -> float:
        return rng.uniform(0.95, 1.05)

    health = max(1, round(base[0] * sp.health * r.size * temper_mul[0] * grow * jitter()))
    attack = round(base[1] * sp.attack * r.size * temper_mul[1] * grow * jitter(), 1)
    defense = round(base[2] * sp.defense * temper_mul[2] * grow * jitter(), 1)
    speed = round(
        min(100.0, sp.speed * temper_mul[3] * (1 + 0.005 * (level - 1)) * (base[3] / 4) * jitter()), 2
    )
    magic = round(base[4] * (1.6 if r.element else 1.0) * grow * jitter(), 1)
    luck = round(min(100.0, base[5] + 0.1 * (level - 1)), 1)
    crit = round(min(0.5, 0.05 + luck / 400), 3)
    stats = {
        "health": health,
        "attack": attack,
        "defense": defense,
        "speed": speed,
        "magic": magic,
        "luck": luck,
        "crit_chance": crit,
    }
    element = r.element
    damage_type = element or "physical"

    behaviours: list[dict[str, Any]] = []
    if r.role in ("enemy", "boss", "hero", "pet") or r.temper in ("angry", "sneaky"):
        behaviours.append(
            {
                "id": sp.natural,
                "kind": "attack",
                "trigger": "target_in_range",
                "cooldown": 1.0,
                "power": round(attack, 1),
                "damage_type": "physical",
            }
        )
    for bid, kind, trigger, cooldown, power in _ROLE_BEHAVIOURS[r.role]:
        if all(b["id"] != bid for b in behaviours):
            behaviours.append(
                {
                    "id": bid,
                    "kind": kind,
                    "trigger": trigger,
                    "cooldown": cooldown,
                    "power": round(attack * power, 1),
                }
            )
    if element is not None and r.role in ("enemy", "boss", "hero"):
        special = ELEMENTS[element][1]
        behaviours.append(
            {
                "id": special,
                "kind": "special",
                "trigger": "target_in_range",
                "cooldown": 6.0 if r.role == "boss" else 8.0,
                "power": round(attack * 1.8 + magic, 1),
                "damage_type": element,
            }
        )
        if behaviours[0]["kind"] == "attack":
            # Natural attack flows into the elemental special as a combo.
            behaviours[0]["next"] = special
    if r.temper is not None:
        tb = TEMPERS[r.temper][3]
        if all(b["id"] != tb for b in behaviours):
            behaviours.append(
                {"id": tb, "kind": _TEMPER_KIND[tb], "trigger": f"feels_{r.temper}", "cooldown": 5.0}
            )
    if r.role in ("enemy", "boss") and all(b["kind"] != "flee" for b in behaviours) and r.role != "boss":
        behaviours.append({"id": "retreat", "kind": "flee", "trigger": "health_low", "cooldown": 0.0})
    for b in behaviours:
        b["description"] = _describe_behaviour(b)

    name, title = _entity_name(r, rng)
    items = _inventory(r, slots, level, rng, behaviours)
    gold = round(
        {"boss": 500, "merchant": 200, "hero": 30, "enemy": 8}.get(r.role, 3) * math.sqrt(grow) * jitter()
    )
    priorities = [
        b["id"] for b in behaviours if b["kind"] in ("flee", "special", "attack", "trade", "social")
    ]
    default = next((b["id"] for b in behaviours if b["kind"] in ("idle", "move")), behaviours[0]["id"])
    aggro = {"boss": 15.0, "enemy": 8.0, "hero": 6.0}.get(r.role, 0.0)
    flee = {"boss": 0.0, "enemy": 0.2, "hero": 0.15, "pet": 0.4}.get(r.role, 0.5)
    if r.temper is not None:
        aggro = (
            min(aggro, TEMPERS[r.temper][1])
            if r.temper in ("shy", "friendly", "lazy")
            else max(aggro, TEMPERS[r.temper][1])
        )
        flee = TEMPERS[r.temper][2] if r.role != "boss" else 0.0
    components: dict[str, Any] = {
        "Identity": {
            "display_name": f"{name} {title}".strip(),
            "species": r.species_key,
            "title": title,
            "description": _describe_entity(r, name),
        },
        "Health": {"max": health, "current": health, "regen": round(health * 0.01, 2)},
        "Movement": {"mode": sp.movement, "speed": speed},
        "AI": {
            "default_behaviour": default,
            "priorities": priorities,
            "aggro_radius": aggro,
            "flee_below": flee,
            "behavior_tree": {
                "boss": "aggressive",
                "enemy": "aggressive",
                "pet": "friendly",
                "npc": "friendly",
            }.get(r.role, "cautious" if r.temper == "shy" else "patrol"),
        },
        "Faction": {
            "id": {"enemy": "monsters", "boss": "monsters", "hero": "heroes", "pet": "heroes"}.get(
                r.role, "townsfolk"
            ),
            "hostile_to": ["heroes", "townsfolk"] if r.role in ("enemy", "boss") else ["monsters"],
        },
        "Appearance": {
            "colour": ELEMENTS[element][2] if element else "#8c8c96",
            "scale": round(sp.health ** (1 / 3) * r.size * (1.8 if r.role == "boss" else 1.0), 2),
        },
    }
    if any(b["kind"] in ("attack", "special") for b in behaviours):
        components["Combat"] = {
            "damage_type": damage_type,
            "attack_range": 6.0 if element else 1.5,
            "crit_chance": crit,
        }
    if element is not None:
        components["Resistances"] = {element: 0.75 if r.role == "boss" else 0.5, ELEMENTS[element][0]: -0.25}
    if r.role in ("npc", "merchant", "pet"):
        greeting = {
            "shy": "Oh! Um... hello.",
            "grumpy": "What do you want?",
            "greedy": "Looking to spend some coin?",
            "friendly": "Hello, friend!",
        }.get(r.temper or "", "Well met, traveller.")
        components["Dialogue"] = {"greeting": greeting, "tone": r.temper or "friendly"}
    if r.role == "merchant":
        wares = [i["id"] for i in items if i["kind"] == "ware"]
        price = {"greedy": 1.5, "shy": 0.85, "friendly": 0.9}.get(r.temper or "", 1.0)
        components["Trader"] = {"buys": ["material", "treasure"], "sells": wares, "price_factor": price}
    if r.role in ("enemy", "boss"):
        table = [
            {"item": i["id"], "chance": 1.0 if r.role == "boss" else round(rng.uniform(0.1, 0.6), 2)}
            for i in items
        ]
        components["Loot"] = {"table": table, "gold": [gold // 2, gold]}
    tags = sorted({r.role, r.species_key, *([element] if element else []), *([r.temper] if r.temper else [])})
    return {
        "$schema": ENTITY_SCHEMA,
        "id": _ident(f"{name}_{r.role}")[:64],
        "name": name,
        "archetype": r.role,
        "level": level,
        "tags": tags,
        "components": components,
        "stats": stats,
        "behaviours": behaviours,
        "inventory": {"slots": slots, "gold": gold, "items": items},
    }


def _entity_name(r: _Reading, rng: random.Random) -> tuple[str, str]:
    culture = r.species.culture
    name = _markov.names(culture, 1, rng, length="medium")[0]
    if r.role == "boss":
        epithet = {
            "fire": "the Molten",
            "ice": "the Frozen",
            "poison": "the Venomous",
            "lightning": "the Stormborn",
            "shadow": "the Shadowed",
            "holy": "the Radiant",
            "water": "the Drowned",
            "earth": "the Unbroken",
        }
        return name, epithet.get(r.element or "", "the Dread")
    if r.temper is not None:
        return name, f"the {r.temper.capitalize()}"
    return name, ""


def _describe_entity(r: _Reading, name: str) -> str:
    parts = [a for a in (r.temper, r.element) if a]
    what = " ".join([*parts, r.species_key])
    role = {"npc": "townsperson", "enemy": "foe", "boss": "boss", "hero": "hero", "pet": "companion"}.get(
        r.role, r.role
    )
    article = "an" if what[:1] in "aeiou" else "a"
    return f"{name} is {article} {what} {role}."


def _describe_behaviour(b: dict[str, Any]) -> str:
    text = f"{b['id'].replace('_', ' ').capitalize()} ({b['kind']}) when {b['trigger'].replace('_', ' ')}"
    if b.get("cooldown"):
        text += f", every {b['cooldown']:g} s at most"
    return text + "."


def _inventory(
    r: _Reading, slots: int, level: int, rng: random.Random, behaviours: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    if slots == 0:
        return []
    material = ELEMENTS[r.element][3].title() if r.element else "Odd Trinket"
    templates = list(_ROLE_ITEMS[r.role])
    # Merchants fill most of their shelves; others carry a few things and leave room.
    wanted = min(
        slots, len(templates) if r.role == "merchant" else max(1, min(len(templates), slots // 2 + 1))
    )
    chosen = templates[:1] + rng.sample(templates[1:], max(0, wanted - 1)) if wanted else []
    special = next((b["id"] for b in behaviours if b["kind"] == "special"), None)
    items: list[dict[str, Any]] = []
    used_ids: set[str] = set()
    for slot, (name, kind, (lo, hi), value) in enumerate(chosen):
        real = name.format(m=material)
        ident = _ident(real)
        while ident in used_ids:
            ident += "_x"
        used_ids.add(ident)
        item: dict[str, Any] = {
            "id": ident,
            "name": real,
            "kind": kind,
            "quantity": rng.randint(lo, hi),
            "slot": slot,
            "value": round(value * math.sqrt(_growth(level))),
        }
        if kind == "weapon" and special is not None:
            item["grants"] = special
        items.append(item)
    return items


# ---------------------------------------------------------------------------------------
# Behaviour trees
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Method:
    name: str
    conditions: tuple[tuple[str, dict[str, Any]], ...]
    subtasks: tuple[str, ...]
    decorator: tuple[str, dict[str, Any]] | None = None


@dataclass(frozen=True)
class _Task:
    fallback: tuple[str, dict[str, Any]]  # the single action used when no depth is left
    methods: tuple[_Method, ...] = ()


def _c(check: str, **args: Any) -> tuple[str, dict[str, Any]]:
    return (check, args)


# Hierarchical tasks: a task is done by the first method whose conditions hold; a method's
# subtasks are tasks again, or plain actions (``_ACTIONS``) when they are not in this table.
_TASKS: dict[str, _Task] = {
    "fight": _Task(
        ("attack", {"target": "@target"}),
        (
            _Method(
                "special attack",
                (_c("has_target"), _c("ability_ready", ability="special")),
                ("special",),
                ("cooldown", {"seconds": 6}),
            ),
            _Method(
                "melee",
                (_c("has_target"), _c("in_range", target="@target", range="@attack_range")),
                ("strike",),
            ),
            _Method("close in", (_c("has_target"),), ("approach",)),
        ),
    ),
    "strike": _Task(
        ("attack", {"target": "@target"}),
        (
            _Method("combo", (_c("stamina_above", ratio=0.5),), ("attack", "attack_heavy")),
            _Method("basic hit", (), ("attack",)),
        ),
    ),
    "special": _Task(
        ("use_special", {"target": "@target"}),
        (_Method("aim and fire", (_c("line_of_sight", target="@target"),), ("face_target", "use_special")),),
    ),
    "approach": _Task(
        ("move_to", {"target": "@target"}),
        (
            _Method("chase", (_c("can_see", target="@target"),), ("chase",), ("timeout", {"seconds": 8})),
            _Method("search", (_c("has_last_seen"),), ("go_to_last_seen", "look_around")),
        ),
    ),
    "chase": _Task(
        ("chase", {"target": "@target"}),
        (
            _Method("sprint", (_c("distance_above", target="@target", distance=6),), ("sprint_to_target",)),
            _Method("run", (), ("move_to_target",)),
        ),
    ),
    "guard_alert": _Task(
        ("raise_alarm", {}),
        (
            _Method(
                "spot intruder",
                (_c("can_see", target="@target"), _c("is_intruder", target="@target")),
                ("shout_warning", "fight"),
            ),
        ),
    ),
    "survive": _Task(
        ("flee", {"from": "@target"}),
        (
            _Method(
                "drink potion",
                (_c("health_below", ratio="@flee_below"), _c("has_item", item="potion")),
                ("drink_potion",),
            ),
            _Method("retreat", (_c("health_below", ratio="@flee_below"),), ("escape",)),
        ),
    ),
    "escape": _Task(
        ("flee", {"from": "@target"}),
        (
            _Method("run home", (_c("path_clear", to="@home"),), ("run_home", "call_for_help")),
            _Method("hide", (), ("hide",)),
        ),
    ),
    "hide": _Task(
        ("hide", {}),
        (
            _Method(
                "take cover",
                (_c("threat_nearby", target="@target"),),
                ("find_cover", "stay_hidden"),
                ("timeout", {"seconds": 12}),
            ),
        ),
    ),
    "stay_hidden": _Task(
        ("crouch", {}),
        (_Method("wait it out", (_c("threat_nearby", target="@target"),), ("crouch", "peek")),),
    ),
    "investigate": _Task(
        ("go_to", {"target": "@last_noise"}),
        (
            _Method(
                "check noise",
                (_c("heard_noise"),),
                ("walk_to_noise", "look_around"),
                ("timeout", {"seconds": 10}),
            ),
        ),
    ),
    "walk_to_noise": _Task(
        ("move_to", {"target": "@last_noise"}),
        (
            _Method("careful steps", (_c("path_clear", to="@last_noise"),), ("sneak_to_noise",)),
            _Method("open the way", (), ("open_door", "move_to_noise")),
        ),
    ),
    "patrol": _Task(
        ("follow_route", {"route": "@patrol_route"}),
        (
            _Method(
                "walk the route",
                (),
                ("next_waypoint", "wait_at_waypoint", "advance_waypoint"),
                ("repeat", {"times": 1000}),
            ),
        ),
    ),
    "next_waypoint": _Task(
        ("move_to", {"target": "@waypoint"}),
        (
            _Method("blocked", (_c("path_blocked", to="@waypoint"),), ("open_door", "move_to_waypoint")),
            _Method("walk", (), ("move_to_waypoint",)),
        ),
    ),
    "socialise": _Task(
        ("idle", {}),
        (
            _Method("greet", (_c("player_nearby", radius=4),), ("greet_player",)),
            _Method("trade", (_c("player_wants_trade"),), ("open_shop",)),
        ),
    ),
    "greet_player": _Task(
        ("wave", {}),
        (
            _Method(
                "say hello",
                (_c("not_greeted_recently", seconds=60),),
                ("face_player", "say_hello"),
                ("cooldown", {"seconds": 60}),
            ),
        ),
    ),
    "follow": _Task(
        ("follow", {"target": "@owner"}),
        (
            _Method("catch up", (_c("distance_above", target="@owner", distance=5),), ("catch_up",)),
            _Method("play", (_c("owner_idle"),), ("fetch_stick",)),
        ),
    ),
    "catch_up": _Task(
        ("run_to", {"target": "@owner"}),
        (
            _Method(
                "teleport", (_c("distance_above", target="@owner", distance=30),), ("teleport_to_owner",)
            ),
            _Method("run", (), ("run_to_owner",)),
        ),
    ),
    "idle": _Task(
        ("wander", {"radius": 5}),
        (
            _Method("rest", (_c("is_tired"),), ("sleep",), ("timeout", {"seconds": 20})),
            _Method("wander", (), ("wander", "wait")),
        ),
    ),
}
_ACTION_ARGS: dict[str, dict[str, Any]] = {
    "attack": {"target": "@target"},
    "attack_heavy": {"target": "@target"},
    "use_special": {"target": "@target"},
    "face_target": {"target": "@target"},
    "go_to_last_seen": {"target": "@last_seen"},
    "sprint_to_target": {"target": "@target", "speed": 1.5},
    "move_to_target": {"target": "@target"},
    "run_home": {"target": "@home"},
    "move_to_waypoint": {"target": "@waypoint"},
    "advance_waypoint": {"route": "@patrol_route"},
    "wait_at_waypoint": {"seconds": 2},
    "sneak_to_noise": {"target": "@last_noise"},
    "move_to_noise": {"target": "@last_noise"},
    "run_to_owner": {"target": "@owner"},
    "teleport_to_owner": {"target": "@owner"},
    "fetch_stick": {"owner": "@owner"},
    "wait": {"seconds": 3},
    "wander": {"radius": 5},
    "sleep": {"seconds": 10},
}

_STYLE_TASKS: dict[str, tuple[str, ...]] = {
    "aggressive": ("fight", "investigate", "idle"),
    "cautious": ("survive", "hide", "investigate", "idle"),
    "friendly": ("socialise", "follow", "idle"),
    "patrol": ("guard_alert", "investigate", "patrol"),
}
_STYLE_WORDS = {
    **_each("aggressive attack attacks angry fierce boss monster hunter hunts berserk", "aggressive"),
    **_each("cautious shy scared timid coward cowardly careful nervous", "cautious"),
    **_each("friendly kind shopkeeper merchant villager pet helper nice", "friendly"),
    **_each("guard guards patrol patrols sentry watchman watch", "patrol"),
}
# Verbs that add a task whatever the style ("a shy pet that flees").
_TASK_WORDS = {
    **_each("chase chases chasing intruder intruders fight fights", "fight"),
    **_each("patrol patrols patrolling", "patrol"),
    **_each("flee flees fleeing run runs heal heals", "survive"),
    **_each("hide hides hiding", "hide"),
    **_each("trade trades sell sells greet greets talk talks", "socialise"),
    **_each("follow follows following", "follow"),
    **_each("investigate investigates listen listens noise", "investigate"),
}
_PRIORITY = (
    "survive",
    "guard_alert",
    "fight",
    "hide",
    "socialise",
    "follow",
    "investigate",
    "patrol",
    "idle",
)

_BLACKBOARD_DEFAULTS: dict[str, Any] = {
    "target": None,
    "attack_range": 1.5,
    "flee_below": 0.3,
    "home": [0, 0],
    "last_noise": None,
    "last_seen": None,
    "patrol_route": [[0, 0], [8, 0], [8, 8], [0, 8]],
    "waypoint": [0, 0],
    "owner": None,
}


@dataclass
class _TreeBuilder:
    next_id: int = 0
    blackboard_keys: set[str] = field(default_factory=set)

    def node(self, kind: str, name: str, **body: Any) -> dict[str, Any]:
        self.next_id += 1
        return {"id": f"n{self.next_id}", "type": kind, "name": name, **body}

    def leaf(self, kind: str, word: str, args: dict[str, Any]) -> dict[str, Any]:
        for value in args.values():
            if isinstance(value, str) and value.startswith("@"):
                self.blackboard_keys.add(value[1:])
        key = "check" if kind == "condition" else "action"
        node = self.node(kind, word.replace("_", " "), **{key: word})
        if args:
            node["args"] = dict(args)
        return node

    def task(self, name: str, budget: int) -> dict[str, Any]:
        spec = _TASKS.get(name)
        if spec is None:
            return self.leaf("action", name, _ACTION_ARGS.get(name, {}))
        if budget <= 1 or not spec.methods:
            return self.leaf("action", spec.fallback[0], spec.fallback[1])
        if budget == 2 or len(spec.methods) == 1:
            return self.method(name, spec.methods[0], budget)
        children = [self.method(name, m, budget - 1) for m in spec.methods]
        return self.node("selector", name.replace("_", " "), children=children)

    def method(self, task: str, m: _Method, budget: int) -> dict[str, Any]:
        decorate = m.decorator is not None and budget >= 3
        inner = budget - 1 if decorate else budget
        kids = [self.leaf("condition", check, args) for check, args in m.conditions]
        kids += [self.task(sub, inner - 1) for sub in m.subtasks]
        node = self.node("sequence", f"{task.replace('_', ' ')}: {m.name}", children=kids)
        if decorate and m.decorator is not None:
            # The decorator node is created after its child; ids stay unique either way.
            kind, params = m.decorator
            node = self.node("decorator", f"{kind} {m.name}", decorator=kind, params=dict(params), child=node)
        return node


def _depth(node: dict[str, Any]) -> int:
    kids = node.get("children", []) + ([node["child"]] if "child" in node else [])
    return 1 + max((_depth(k) for k in kids), default=0)


def _renumber(node: dict[str, Any], counter: list[int]) -> None:
    counter[0] += 1
    node["id"] = f"n{counter[0]}"
    for kid in node.get("children", []):
        _renumber(kid, counter)
    if "child" in node:
        _renumber(node["child"], counter)


def behavior_tree(req: GenRequest) -> GenResult:
    depth = int(req.params.get("depth", 3))
    style = str(req.params.get("style", "auto"))
    tokens = _tokens(req.intent)
    if style not in _STYLE_TASKS:
        style = "aggressive"
        for token in tokens:
            style = _STYLE_WORDS.get(token, style)
    tasks = list(_STYLE_TASKS[style])
    tasks += [_TASK_WORDS[t] for t in tokens if t in _TASK_WORDS]
    if "guard_alert" in tasks:
        tasks = [t for t in tasks if t != "fight"]  # the guard's alert already ends in a fight
    # At low tension the tree keeps the three most important tasks only.
    limit = {"low": 3, "medium": 5, "high": 9}.get(req.tension, 5)
    ordered = [t for t in _PRIORITY if t in tasks][:limit]
    req.progress(0.3, "Deciding what matters most")
    builder = _TreeBuilder()
    children = [builder.task(t, depth - 1) for t in ordered]
    root = builder.node("selector", "root", children=children)
    got = _depth(root)
    if got < depth:
        # Guard a too-shallow tree with a timeout so a long action cannot stall it.
        deepest = max(children, key=_depth)
        index = children.index(deepest)
        wrapped = deepest
        for _ in range(depth - got):
            wrapped = builder.node(
                "decorator", "timeout", decorator="timeout", params={"seconds": 15}, child=wrapped
            )
        children[index] = wrapped
    _renumber(root, [0])
    blackboard = {k: _BLACKBOARD_DEFAULTS[k] for k in sorted(builder.blackboard_keys)}
    name = _stem(req.intent, "character")
    readable = [t.replace("_", " ") for t in ordered]
    doc = {
        "$schema": TREE_SCHEMA,
        "name": name,
        "style": style,
        "description": f"A {style} behaviour tree. Tasks by priority: {', '.join(readable)}.",
        "blackboard": blackboard,
        "root": root,
    }
    meta = {"schema": TREE_SCHEMA, "style": style, "tasks": ordered, "depth": _depth(root)}
    req.progress(1.0, "All done!")
    return GenResult(
        outputs=[Output(_dumps(doc), "application/json", f"{name}.bt.json", "main", meta)], meta=meta
    )


# ---------------------------------------------------------------------------------------
# Balance
# ---------------------------------------------------------------------------------------

CURVES: dict[str, Callable[[float], float]] = {
    "linear": lambda t: t,
    # Normalised so every curve runs from 0 at the weakest to 1 at the strongest level.
    "exponential": lambda t: (math.exp(3.0 * t) - 1.0) / (math.exp(3.0) - 1.0),
    "logarithmic": lambda t: math.log1p(9.0 * t) / math.log(10.0),
    "s_curve": lambda t: (
        (1 / (1 + math.exp(-10 * (t - 0.5))) - 1 / (1 + math.exp(5)))
        / (1 / (1 + math.exp(-5)) - 1 / (1 + math.exp(5)))
    ),
}
# Stats where smaller is stronger: they fall along the curve instead of rising.
_INVERSE = ("cooldown", "delay", "cost", "cast_time", "reload")
_SKIP_KEYS = frozenset(["level", "id", "slot", "quantity"])


@dataclass
class _Unit:
    index: int
    name: str
    level: int | None
    stats: dict[str, float]
    source: dict[str, Any]
    nested: bool  # stats live under "stats" (else flat numeric fields)


def _units(raw: bytes) -> tuple[Any, list[_Unit]]:
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise GeneratorInputError("entities", f"The characters file is not valid JSON: {exc}") from None
    items = doc.get("entities") if isinstance(doc, dict) and "entities" in doc else doc
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or not items:
        raise GeneratorInputError("entities", 'Expected a list of characters (or {"entities": [...]}).')
    units: list[_Unit] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise GeneratorInputError("entities", f"Character {i + 1} is not a JSON object.")
        nested = isinstance(item.get("stats"), dict)
        source = item["stats"] if nested else item
        stats = {
            k: float(v)
            for k, v in source.items()
            if k not in _SKIP_KEYS
            and isinstance(v, int | float)
            and not isinstance(v, bool)
            and math.isfinite(v)
        }
        if not stats:
            raise GeneratorInputError("entities", f"Character {i + 1} has no numeric stats to balance.")
        level = item.get("level")
        if level is not None and (not isinstance(level, int) or isinstance(level, bool) or level < 1):
            raise GeneratorInputError(
                "entities", f"Character {i + 1} has a level that is not a whole number >= 1."
            )
        name = str(item.get("name") or item.get("id") or f"character {i + 1}")
        units.append(_Unit(i, name, level, stats, item, nested))
    return doc, units


def balance(req: GenRequest) -> GenResult:
    raw = req.inputs.get("entities")
    if raw is None:
        raise GeneratorInputError("entities", "Attach a JSON file with the characters to balance.")
    curve_name = str(req.params.get("curve", "linear"))
    if curve_name not in CURVES:
        raise GeneratorInputError("curve", f"Unknown curve {curve_name!r}.")
    levels = int(req.params.get("levels", 20))
    curve = CURVES[curve_name]
    doc, units = _units(raw)
    req.progress(0.2, "Lining the characters up from weakest to strongest")
    notes: list[str] = []
    _assign_levels(units, levels, notes)
    keys = sorted({k for u in units for k in u.stats})
    changes: list[dict[str, Any]] = []
    targets: dict[str, dict[str, float]] = {}
    for key in keys:
        values = [u.stats[key] for u in units if key in u.stats]
        lo, hi = min(values), max(values)
        inverse = any(word in key for word in _INVERSE)
        decimals = max(_decimals(v) for v in values)
        if lo == hi:
            notes.append(f"'{key}' is the same for everyone ({lo:g}), so there is no range to spread.")
        targets[key] = {"weakest": hi if inverse else lo, "strongest": lo if inverse else hi}
        for u in units:
            if key not in u.stats:
                continue
            t = 0.0 if levels <= 1 else ((u.level or 1) - 1) / (levels - 1)
            share = curve(min(1.0, max(0.0, t)))
            target = (hi - (hi - lo) * share) if inverse else (lo + (hi - lo) * share)
            new = float(round(target, decimals))
            old = u.stats[key]
            u.stats[key] = new
            if new != old:
                changes.append({"entity": u.name, "stat": key, "before": old, "after": new})
    req.progress(0.7, "Writing down what changed")
    for u in units:
        holder = u.source["stats"] if u.nested else u.source
        for key, value in u.stats.items():
            original = holder[key]
            holder[key] = int(value) if isinstance(original, int) and value.is_integer() else value
        u.source["level"] = u.level
        _sync_components(u)
    report = {
        "curve": curve_name,
        "levels": levels,
        "entities": [
            {"name": u.name, "level": u.level} for u in sorted(units, key=lambda u: (u.level or 0, u.index))
        ],
        "targets": targets,
        "changes": changes,
        "notes": notes,
    }
    markdown = _balance_markdown(report, units, keys)
    meta = {
        "curve": curve_name,
        "levels": levels,
        "entities": len(units),
        "stats": keys,
        "changes": len(changes),
    }
    req.progress(1.0, "All done!")
    return GenResult(
        outputs=[
            Output(_dumps(doc), "application/json", "balanced.json", "main", meta),
            Output(markdown.encode("utf-8"), "text/markdown", "balance-report.md", "report", meta),
            Output(_dumps(report), "application/json", "balance-report.json", "data", {"curve": curve_name}),
        ],
        meta=meta,
    )


def _decimals(value: float) -> int:
    """Decimal places worth keeping: as many as the input used, at most three."""
    text = repr(float(value))
    if "e" in text or text.endswith(".0"):
        return 0
    return min(3, len(text.split(".")[1]))


# ECS component fields that mirror a stat and must follow it (see validate_entity).
_MIRRORS = (
    ("health", "Health", ("max", "current")),
    ("speed", "Movement", ("speed",)),
    ("crit_chance", "Combat", ("crit_chance",)),
)


def _sync_components(u: _Unit) -> None:
    components = u.source.get("components")
    if not u.nested or not isinstance(components, dict):
        return
    for stat, name, fields in _MIRRORS:
        component = components.get(name)
        if stat not in u.stats or not isinstance(component, dict):
            continue
        for key in fields:
            if isinstance(component.get(key), int | float):
                component[key] = u.source["stats"][stat]


def _power(u: _Unit, ranges: dict[str, tuple[float, float]]) -> float:
    total = 0.0
    for key, value in u.stats.items():
        lo, hi = ranges[key]
        share = 0.0 if hi == lo else (value - lo) / (hi - lo)
        total += (1.0 - share) if any(w in key for w in _INVERSE) else share
    return total / max(1, len(u.stats))


def _assign_levels(units: list[_Unit], levels: int, notes: list[str]) -> None:
    """Keep given levels (clamped to the span); rank the rest by current power."""
    for u in units:
        if u.level is not None and u.level > levels:
            notes.append(
                f"{u.name} was level {u.level}; the curve spans {levels} levels, so it is now {levels}."
            )
            u.level = levels
    missing = [u for u in units if u.level is None]
    if not missing:
        return
    keys = {k for u in units for k in u.stats}
    ranges = {
        k: (min(u.stats[k] for u in units if k in u.stats), max(u.stats[k] for u in units if k in u.stats))
        for k in keys
    }
    ranked = sorted(missing, key=lambda u: (_power(u, ranges), u.index))
    for rank, u in enumerate(ranked):
        u.level = 1 if len(ranked) == 1 else 1 + round(rank * (levels - 1) / (len(ranked) - 1))
    notes.append(
        f"{len(missing)} {'character has' if len(missing) == 1 else 'characters have'} no level; "
        "levels were given from weakest to strongest by current stats."
    )


def _balance_markdown(report: dict[str, Any], units: Sequence[_Unit], keys: Sequence[str]) -> str:
    out = [f"# Balance report ({report['curve'].replace('_', '-')} curve over {report['levels']} levels)", ""]
    out += [
        "Every stat now follows the curve from the weakest character's value at level 1 to the",
        "strongest character's value at the top level, so a higher level is never weaker.",
        "",
        "| Character | Level | " + " | ".join(keys) + " |",
        "|---|---|" + "---|" * len(keys),
    ]
    for u in sorted(units, key=lambda u: (u.level or 0, u.index)):
        cells = [f"{u.stats[k]:g}" if k in u.stats else "-" for k in keys]
        out.append(f"| {u.name} | {u.level} | " + " | ".join(cells) + " |")
    out += ["", "## Changes", ""]
    if not report["changes"]:
        out.append("Nothing needed to change: the stats were already on the curve.")
    for ch in report["changes"]:
        before, after = ch["before"], ch["after"]
        pct = f" ({(after - before) / before * 100:+.0f}%)" if before else ""
        out.append(f"- **{ch['entity']}** {ch['stat']}: {before:g} \u2192 {after:g}{pct}")
    if report["notes"]:
        out += ["", "## Notes", ""] + [f"- {n}" for n in report["notes"]]
    return "\n".join(out) + "\n"
