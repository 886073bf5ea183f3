"""Divine: Invent stories, quests, names and conversations for your world."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="divine",
    name="Divine",
    category="creative",
    icon="📜",
    explanation="Invent stories, quests, names and conversations for your world.",
    colour="#9c2f4f",
    keywords=kw(
        "story, stories, lore, tale, plot, legend, myth, history, world bible, faction, kingdom, "
        "quest, mission, objective, adventure, dialogue, dialog, conversation, chat, yarn, name, "
        "names, naming, nickname"
    ),
    examples=(
        "a quest about a lost cat",
        "names for elves",
        "the history of a kingdom under the sea",
        "a conversation between a shopkeeper and a thief",
        "a story about a brave little mouse",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "world_bible",
    "quest",
    "dialogue",
    "names",
)
