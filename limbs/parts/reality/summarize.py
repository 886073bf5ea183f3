"""Reality · Summarise: Makes a long text short while keeping the important parts."""

from __future__ import annotations

from limbs.params import asset, choice, kw
from limbs.parts.reality import TEXT_FILE
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="summarize",
    name="Summarise",
    description="Makes a long text short while keeping the important parts.",
    output="text",
    ai_tiers=("cloudflare", "gemini", "ollama"),
    needs_intent=False,
    params=(
        asset(
            "source",
            "Text file",
            TEXT_FILE,
            "Optional: a text file to summarise instead of your words.",
            required=False,
        ),
        choice("length", "Length", ("one_line", "short", "long"), "short", "How long the summary is."),
    ),
    keywords=kw("summarize, summarise, summary, shorter, short"),
)
