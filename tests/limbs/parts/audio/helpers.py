"""What the audio action tests share: parameters as the API passes them, samples, a sound effect."""

from __future__ import annotations

from typing import Any

import numpy as np

from limbs.formats.wav import read_wav
from limbs.params import validate_params
from limbs.parts.audio.sfx import make as make_sfx
from limbs.registry import REGISTRY
from limbs.spec import ActionSpec, GenRequest, GenResult, Tension

RATE = 44100


def action_spec(action: str) -> ActionSpec:
    limb = REGISTRY.get("audio")
    assert limb is not None
    spec = limb.action(action)
    assert spec is not None
    return spec


def params_for(action: str, **overrides: Any) -> dict[str, Any]:
    """The action's parameters exactly as the API would pass them (defaults filled)."""
    return validate_params(action_spec(action), overrides)


def sfx(intent: str = "", seed: int = 1, tension: Tension = "medium", **params: Any) -> GenResult:
    return make_sfx(GenRequest(intent, params_for("sfx", **params), seed, tension))


def samples(result: GenResult, index: int = 0) -> np.ndarray:
    return read_wav(result.outputs[index].data).samples[:, 0]
