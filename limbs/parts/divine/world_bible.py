"""Divine · World bible: The big book of your world: its groups, places and history."""

from __future__ import annotations

from collections.abc import Sequence

from limbs.formats import OutputInvalid
from limbs.formats.world_bible import validate_world_bible
from limbs.generators.divine import world_bible as make
from limbs.params import choice, integer, kw
from limbs.spec import ActionSpec, Output


def check(outputs: Sequence[Output]) -> None:
    """The JSON and the Markdown tell the same world."""
    doc = next((o for o in outputs if o.mime == "application/json"), None)
    markdown = next((o for o in outputs if o.mime == "text/markdown"), None)
    if doc is None or markdown is None:
        raise OutputInvalid("a world bible needs both its JSON and its Markdown")
    validate_world_bible(doc.data, markdown.data)


ACTION = ActionSpec(
    id="world_bible",
    name="World bible",
    description="The big book of your world: its groups, places and history.",
    output="text",
    ai_tiers=("cloudflare", "gemini", "ollama"),
    deadline_s=45.0,
    params=(
        choice(
            "genre",
            "Kind of world",
            ("auto", "fantasy", "sci-fi", "spooky", "pirate", "cosy"),
            "auto",
            "Auto guesses from your words.",
        ),
        integer("factions", "Groups", 3, 1, 8, "Kingdoms, clans or teams living there."),
        integer("places", "Places", 5, 1, 12, "Towns, caves and other spots to visit."),
        integer("eras", "Ages of history", 3, 1, 6, "How far back the history goes."),
    ),
    keywords=kw("world bible, lore, history, legend, myth, faction, kingdom, story, tale, plot"),
    check=check,
    make=make,
)
