"""Security: Check files are safe, sign your work, and pull the emergency brake."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="security",
    name="Security",
    category="technical",
    icon="🛡️",
    explanation="Check files are safe, sign your work, and pull the emergency brake.",
    colour="#1a3f7a",
    keywords=kw(
        "security, secure, safe, safety, scan, virus, malware, bomb, sign, signature, signed, "
        "lockdown, lock, kill switch, emergency stop"
    ),
    examples=(
        "scan my upload to see if it is safe",
        "sign my castle picture",
        "scan for viruses and zip bombs",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "scan",
    "sign",
    "lockdown",
)
