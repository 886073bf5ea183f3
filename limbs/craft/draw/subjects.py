"""Every subject the picture maker can draw, by kind."""

from __future__ import annotations

from limbs.craft.draw.creatures import bird, cat, creature, dog, dragon, fish, ghost, monster, unicorn, whale
from limbs.craft.draw.things import boat, castle, flower, forest, house, mountain, robot, rocket, sword, tree

DRAWERS = {
    "dragon": dragon,
    "castle": castle,
    "tree": tree,
    "forest": forest,
    "house": house,
    "cat": cat,
    "dog": dog,
    "fish": fish,
    "whale": whale,
    "rocket": rocket,
    "boat": boat,
    "robot": robot,
    "flower": flower,
    "mountain": mountain,
    "unicorn": unicorn,
    "bird": bird,
    "sword": sword,
    "monster": monster,
    "ghost": ghost,
    "creature": creature,
}
