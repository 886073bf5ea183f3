"""ID Auditor · Audit ids: Finds ids used twice and numbers skipped, for each kind of thing."""

from __future__ import annotations

from limbs.generators.id_auditor import audit as make
from limbs.params import choice, kw, string
from limbs.parts.id_auditor import ID_TYPES
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="audit",
    name="Audit ids",
    description="Finds ids used twice and numbers skipped, for each kind of thing.",
    output="json",
    cacheable=False,
    needs_intent=False,
    params=(
        choice("scope", "Where", ("project", "relic"), "project", "Your project or an old game cache."),
        string(
            "cache",
            "Cache",
            "Optional: which relic cache to check. Empty checks them all.",
            max_length=64,
        ),
        choice("type", "Kind", ("all", *ID_TYPES), "all", "Only check one kind of id."),
    ),
    keywords=kw("audit, check, duplicate, duplicates, clash, twin, twins, gap, gaps"),
    reads=("ids",),
    make=make,
)
