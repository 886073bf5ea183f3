"""Pipeline · Export pack:
A zip for Godot, Unity or any engine, with a list of contents, origins and licence.
"""

from __future__ import annotations

from limbs.params import boolean, choice, kw, string
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="export_pack",
    name="Export pack",
    description="A zip for Godot, Unity or any engine, with a list of contents, origins and licence.",
    output="archive",
    needs_intent=False,
    params=(
        choice(
            "engine",
            "Engine",
            ("godot", "unity", "generic"),
            "godot",
            "The game engine that will open it.",
        ),
        string(
            "assets",
            "Files",
            "Optional: ids of the files to include, separated by commas. Empty means all.",
            max_length=4000,
        ),
        choice(
            "licence",
            "Licence",
            ("CC-BY-4.0", "CC0-1.0", "all-rights-reserved"),
            "CC-BY-4.0",
            "What others may do with your work.",
        ),
        boolean("provenance", "Include origins", True, "Add the signed record of how each file was made."),
    ),
    keywords=kw("export, pack, godot, unity, engine, package"),
)
