"""Entity · Character: A game character with stats, behaviours and an inventory, as ECS JSON.

The document follows the entity schema published in ``limbs/validators``.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from typing import Any

from limbs.craft import markov as _markov
from limbs.craft import words as words
from limbs.params import choice, integer, kw
from limbs.parts.entity._lexicon import (
    ELEMENTS,
    ROLE_WORDS,
    SPECIES,
    TEMPERS,
    Species,
    dumps,
    each,
    file_stem,
    intent_tokens,
)
from limbs.spec import ActionSpec, GenRequest, GenResult, Output

ENTITY_SCHEMA = "https://pog.studio/schemas/entity-1.json"

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

_ELEMENT_WORDS = {
    **each("fire fiery flame flaming lava magma volcanic volcano burning ember inferno", "fire"),
    **each("ice icy frost frozen snow snowy arctic winter", "ice"),
    **each("poison poisonous toxic venom venomous acid slime swamp", "poison"),
    **each("lightning thunder storm electric shock", "lightning"),
    **each("shadow dark darkness ghostly night void", "shadow"),
    **each("holy light angel angelic divine sacred", "holy"),
    **each("water sea ocean wave tide", "water"),
    **each("earth rock stone mountain mud", "earth"),
}

_TEMPER_WORDS = {
    **{t: t for t in TEMPERS},
    **each("timid scared nervous cowardly", "shy"),
    **each("bold fearless heroic", "brave"),
    **each("grouchy cranky", "grumpy"),
    **each("stingy", "greedy"),
    **each("sly cunning stealthy", "sneaky"),
    **each("sleepy", "lazy"),
    **each("furious mad rage raging", "angry"),
    **each("kind nice gentle cheerful happy", "friendly"),
    **each("clever smart old ancient", "wise"),
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
    tokens = intent_tokens(intent)
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
            role = ROLE_WORDS.get(token, role)
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


def make(req: GenRequest) -> GenResult:
    level = int(req.params.get("level", 1))
    slots = int(req.params.get("inventory_slots", 8))
    reading = _read(req.intent, str(req.params.get("role", "auto")))
    rng = random.Random(words.derive_seed(req.seed, req.intent, "entity.archetype"))
    req.progress(0.2, "Choosing how strong they are")
    doc = _build_entity(reading, level, slots, rng)
    stem = file_stem(req.intent, "character")
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
        outputs=[Output(dumps(doc), "application/json", f"{stem}.entity.json", "main", meta)], meta=meta
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


ACTION = ActionSpec(
    id="archetype",
    name="Character",
    description="A game character with stats, behaviours and an inventory, as ECS JSON.",
    output="json",
    params=(
        choice(
            "role",
            "Role",
            ("auto", "hero", "enemy", "boss", "npc", "pet", "merchant"),
            "auto",
            "What part they play. Auto reads it from your words.",
        ),
        integer("level", "Level", 1, 1, 100, "How strong they are."),
        integer("inventory_slots", "Backpack slots", 8, 0, 40, "How many things they can carry."),
    ),
    keywords=kw("character, monster, enemy, npc, hero, boss, creature, villain, stats, inventory, archetype"),
    make=make,
)
