"""Data · Embed: Turns words or a file into a list of numbers that captures its meaning."""

from __future__ import annotations

from limbs.params import ANY_ASSET, asset, choice, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="embed",
    name="Embed",
    description="Turns words or a file into a list of numbers that captures its meaning.",
    output="data",
    ai_tiers=("cloudflare", "gemini", "ollama"),
    needs_intent=False,
    params=(
        asset(
            "source",
            "File",
            ANY_ASSET,
            "Optional: a file to embed instead of your words.",
            required=False,
        ),
        choice(
            "dimensions",
            "Size",
            ("256", "384", "768"),
            "768",
            "How many numbers; bigger is more exact.",
        ),
    ),
    keywords=kw("embed, embedding, vector"),
)
