"""Entity · Character: A game character with stats, behaviours and an inventory, as ECS JSON."""

from __future__ import annotations

from limbs.generators.entity import archetype as make
from limbs.params import choice, integer, kw
from limbs.spec import ActionSpec

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
