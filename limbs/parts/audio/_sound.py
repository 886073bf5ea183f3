"""What the audio actions share: the sample rate, the WAV type and the words of an intent."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from limbs.craft import synth as _synth
from limbs.craft import words as words

F64 = npt.NDArray[np.float64]
RATE = _synth.RATE
WAV = "audio/wav"


def word_tokens(text: str) -> list[str]:
    """The intent's words, each plural also as its singular."""
    out = []
    for t in words.normalise(text).split():
        out.append(t)
        if len(t) > 3 and t.endswith("s"):
            out.append(t[:-1])  # "coins" -> "coin"
    return out
