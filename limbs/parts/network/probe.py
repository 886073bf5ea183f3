"""Network · Probe: Tries one helper service and its model with a tiny request."""

from __future__ import annotations

from limbs.params import choice, kw, number, string
from limbs.spec import ActionSpec

PROVIDERS = ("cloudflare", "gemini", "ollama")

ACTION = ActionSpec(
    id="probe",
    name="Probe",
    description="Tries one helper service and its model with a tiny request.",
    output="json",
    needs_intent=False,
    params=(
        choice("provider", "Service", PROVIDERS, "cloudflare", "Which service to try."),
        string("model", "Model", "Optional: a model id. Empty uses the default.", max_length=120),
        number("timeout", "Wait", 5.0, 0.5, 30.0, "Seconds to wait for an answer.", step=0.5),
    ),
    keywords=kw("probe, cloudflare, gemini, ollama, one"),
)
