"""Divine · Dialogue: A conversation script in Yarn Spinner format, with player choices."""

from __future__ import annotations

from limbs.generators.divine import dialogue as make
from limbs.params import boolean, choice, integer, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="dialogue",
    name="Dialogue",
    description="A conversation script in Yarn Spinner format, with player choices.",
    output="text",
    params=(
        integer("characters", "Speakers", 2, 2, 5, "How many characters talk."),
        integer(
            "lines",
            "Lines",
            12,
            4,
            60,
            "About how many lines are spoken (at least 5 more than there are speakers).",
        ),
        boolean("choices", "Player choices", True, "Let the player pick what to say."),
        choice(
            "tone",
            "Tone",
            ("auto", "friendly", "funny", "spooky", "serious"),
            "auto",
            "How the conversation feels.",
        ),
    ),
    keywords=kw("dialogue, dialog, conversation, chat, yarn, talk"),
    make=make,
)
