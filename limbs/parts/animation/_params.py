"""A number param of the animation actions, read leniently and clamped to its range."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from limbs.spec import GeneratorInputError


def float_param(params: Mapping[str, Any], name: str, default: float, lo: float, hi: float) -> float:
    try:
        value = float(params.get(name, default))
    except (TypeError, ValueError):
        raise GeneratorInputError(name, f"{name} must be a number.") from None
    if not math.isfinite(value):
        raise GeneratorInputError(name, f"{name} must be a number.")
    return min(hi, max(lo, value))
