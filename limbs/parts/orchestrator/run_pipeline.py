"""Orchestrator · Run a pipeline:
Runs several limb actions in order, each feeding the next, and shows every stage.
"""

from __future__ import annotations

from limbs.params import boolean, choice, text
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="run_pipeline",
    name="Run a pipeline",
    description="Runs several limb actions in order, each feeding the next, and shows every stage.",
    output="archive",
    deadline_s=180.0,
    params=(
        choice(
            "recipe",
            "Recipe",
            ("volcanic_boss", "custom"),
            "volcanic_boss",
            "Volcanic boss makes a story, a boss, its sprite, a 3D model, a sound and a pack.",
        ),
        text(
            "dag",
            "Pipeline (JSON)",
            "For a custom recipe: the steps as JSON. Leave empty to use the chosen recipe.",
        ),
        boolean(
            "stop_on_error",
            "Stop on error",
            False,
            "Stop at the first failed step instead of carrying on.",
        ),
    ),
)
