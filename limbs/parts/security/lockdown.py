"""Security · Lockdown: Staff only: switches a user, team, limb or service off straight away."""

from __future__ import annotations

from limbs.params import boolean, choice, kw, string
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="lockdown",
    name="Lockdown",
    description="Staff only: switches a user, team, limb or service off straight away.",
    output="json",
    needs_intent=False,
    params=(
        choice(
            "target",
            "Switch off",
            ("user", "session", "team", "limb", "provider", "site"),
            "user",
            "What kind of thing to switch off.",
        ),
        string(
            "target_id",
            "Which one",
            "The id or name of the thing to switch off.",
            required=True,
            max_length=120,
        ),
        boolean("engaged", "Locked", True, "Untick to switch it back on."),
        string("reason", "Reason", "Why, for the record.", max_length=200),
    ),
    keywords=kw("lockdown, lock, kill switch, emergency stop"),
)
