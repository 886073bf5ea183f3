"""Ghost · Why?: Explains why a request used the backup: every try and which services were paused."""

from __future__ import annotations

from limbs.generators.ghost import introspect as make
from limbs.params import kw, string
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="introspect",
    name="Why?",
    description="Explains why a request used the backup: every try and which services were paused.",
    output="json",
    needs_intent=False,
    cacheable=False,
    params=(
        string("generation", "Request", "The id of the request to explain.", required=True, max_length=64),
    ),
    keywords=kw("introspect, why, fell back, fall back, fallback"),
    make=make,
)
