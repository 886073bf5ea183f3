"""Audio · Analyse a sound: Measures how long and how loud a sound is and draws its waveform."""

from __future__ import annotations

from limbs.generators.audio import analyze as make
from limbs.params import AUDIO, asset, integer, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="analyze",
    name="Analyse a sound",
    description="Measures how long and how loud a sound is and draws its waveform.",
    output="json",
    needs_intent=False,
    params=(
        asset("sound", "Sound", AUDIO, "The sound to measure (WAV)."),
        integer(
            "waveform_width",
            "Waveform width",
            800,
            200,
            2000,
            "Width of the waveform picture, in pixels.",
        ),
    ),
    keywords=kw("analyze, analyse, waveform, loudness, loud, measure, how long"),
    make=make,
)
