"""Entity: Make game characters and monsters with stats, skills and backpacks."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="entity",
    name="Entity",
    category="creative",
    icon="🐉",
    explanation="Make game characters and monsters with stats, skills and backpacks.",
    colour="#8e3b1f",
    keywords=kw(
        "entity, character, monster, enemy, enemies, npc, hero, boss, creature, villain, mob, pet, "
        "stats, health, hp, inventory, archetype, ecs, behavior, behaviour, behavior tree, "
        "behaviour tree, brain, ai, patrol, balance, rebalance, overpowered"
    ),
    examples=(
        "a grumpy troll enemy with lots of health",
        "a brave hero with a sword and shield in the inventory",
        "a behaviour tree for a guard that patrols",
        "balance my monsters so the boss is fair",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "archetype",
    "behavior_tree",
    "balance",
)
