"""Relic · Catalogue: Lists what is inside a cache: sprites, models, maps, sounds, items and more."""

from __future__ import annotations

from limbs.params import choice, integer, kw, string
from limbs.spec import ActionSpec

RELIC_KINDS = ("all", "sprite", "model", "map", "sound", "item", "npc", "object")

ACTION = ActionSpec(
    id="catalog",
    name="Catalogue",
    description="Lists what is inside a cache: sprites, models, maps, sounds, items and more.",
    output="json",
    needs_intent=False,
    params=(
        string("cache", "Cache", "Which cache to look in.", required=True, max_length=64),
        choice("type", "Kind", RELIC_KINDS, "all", "Only list one kind of thing."),
        integer("page", "Page", 1, 1, 10000, "Which page of the list."),
        integer("per_page", "Per page", 50, 10, 200, "How many per page."),
    ),
    keywords=kw("catalog, catalogue, list, browse"),
)
