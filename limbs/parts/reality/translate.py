"""Reality · Translate: Translates your words or a text file into another language."""

from __future__ import annotations

from limbs.params import asset, choice, kw
from limbs.parts.reality import TEXT_FILE
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="translate",
    name="Translate",
    description="Translates your words or a text file into another language.",
    output="text",
    ai_tiers=("cloudflare", "gemini", "ollama"),
    needs_intent=False,
    params=(
        asset(
            "source",
            "Text file",
            TEXT_FILE,
            "Optional: a text file to translate instead of your words.",
            required=False,
        ),
        choice(
            "language",
            "Into",
            ("es", "fr", "de", "it", "pt", "nl", "ja", "zh", "pseudo"),
            "es",
            "The language to translate into. Pseudo makes test text that looks foreign.",
        ),
    ),
    keywords=kw("translate, translation, language, french, spanish, german"),
)
