"""Network: See which helper computers in the cloud are awake and answering."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="network",
    name="Network",
    category="technical",
    icon="📡",
    explanation="See which helper computers in the cloud are awake and answering.",
    colour="#005b96",
    keywords=kw(
        "network, provider, providers, cloud, online, internet, connection, ping, breaker, breakers, "
        "cloudflare, gemini, ollama, awake, health check"
    ),
    examples=(
        "is the cloud awake",
        "ping every provider",
        "check the internet connection",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "health",
    "probe",
    "breakers",
)
