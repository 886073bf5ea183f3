"""File · My files: Lists everything you have made or uploaded."""

from __future__ import annotations

from limbs.params import boolean, choice, integer, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="list",
    name="My files",
    description="Lists everything you have made or uploaded.",
    output="json",
    needs_intent=False,
    params=(
        choice(
            "kind",
            "Kind",
            ("all", "image", "model", "audio", "text", "code", "json", "archive", "data"),
            "all",
            "Only show one kind of file.",
        ),
        integer("limit", "How many", 50, 1, 200, "Most files to show at once."),
        boolean("newest_first", "Newest first", True, "Show the newest files at the top."),
    ),
    keywords=kw("list, browse, show, see, all"),
)
