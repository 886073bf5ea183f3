"""Code · Write code: Game code in Python (pygame), GDScript or JavaScript that really runs."""

from __future__ import annotations

from limbs.params import boolean, choice, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="generate",
    name="Write code",
    description="Game code in Python (pygame), GDScript or JavaScript that really runs.",
    output="code",
    ai_tiers=("cloudflare", "gemini", "ollama"),
    deadline_s=45.0,
    params=(
        choice(
            "language",
            "Language",
            ("python", "gdscript", "javascript"),
            "python",
            "The coding language.",
        ),
        choice(
            "kind",
            "What to write",
            ("auto", "game", "player_controller", "enemy_ai", "inventory", "save_system", "ui"),
            "auto",
            "Auto reads it from your words.",
        ),
        boolean("comments", "Comments", True, "Explain each part in plain words."),
    ),
    keywords=kw("write, generate, create, build"),
)
