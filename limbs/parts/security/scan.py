"""Security · Safety scan: Checks a file's real type, size, hidden zip bombs and sneaky scripts."""

from __future__ import annotations

from limbs.params import ANY_ASSET, asset, integer, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="scan",
    name="Safety scan",
    description="Checks a file's real type, size, hidden zip bombs and sneaky scripts.",
    output="json",
    needs_intent=False,
    params=(
        asset("asset", "File", ANY_ASSET, "The file to check."),
        integer(
            "max_ratio",
            "Unzip limit",
            100,
            10,
            1000,
            "Warn when a file grows more than this many times.",
        ),
    ),
    keywords=kw("scan, safe, safety, virus, malware, bomb"),
)
