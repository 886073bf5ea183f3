"""Audio · Analyse a sound: Measures how long and how loud a sound is and draws its waveform.

A JSON report (length, peak and RMS levels, clipping, zero crossings, dominant frequency)
and a PNG of the waveform.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from limbs.craft.waveform import waveform_png
from limbs.formats import OutputInvalid
from limbs.formats.wav import read_wav
from limbs.params import AUDIO, asset, integer, kw
from limbs.parts.audio._sound import F64
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output


def _dbfs(value: float) -> float | None:
    return round(20.0 * math.log10(value), 2) if value > 0 else None


def dominant_frequency(mono: F64, rate: int) -> float | None:
    """The strongest frequency above 20 Hz, from an averaged (Welch) spectrum with peak interpolation."""
    size = 1 << max(8, min(15, int(math.log2(max(len(mono), 256)))))
    if len(mono) < size:
        mono = np.concatenate([mono, np.zeros(size - len(mono))])
    hop = size // 2
    starts = np.arange(0, len(mono) - size + 1, hop)[:64]  # at most 64 frames: enough, and bounded
    frames = np.stack([mono[s : s + size] for s in starts]) * np.hanning(size)
    power = np.mean(np.abs(np.fft.rfft(frames, axis=1)) ** 2, axis=0)
    low = math.ceil(20.0 * size / rate)
    if low >= len(power) - 1 or float(np.max(power[low:])) <= 0.0:
        return None
    i = low + int(np.argmax(power[low:]))
    shift = 0.0
    if 0 < i < len(power) - 1:
        a, b, c = (math.log(max(float(v), 1e-300)) for v in power[i - 1 : i + 2])
        denom = a - 2.0 * b + c
        shift = 0.5 * (a - c) / denom if denom != 0 else 0.0
    return round((i + shift) * rate / size, 2)


def make(req: GenRequest) -> GenResult:
    data = req.inputs.get("sound")
    if not data:
        raise GeneratorInputError("sound", "Please attach a sound (a WAV file) to measure.")
    try:
        wav = read_wav(data)
    except OutputInvalid as exc:
        raise GeneratorInputError(
            "sound", f"This sound cannot be read ({exc}). Please use a WAV file."
        ) from None
    req.progress(0.2, "Listening to your sound")
    width = int(req.params.get("waveform_width", 800))
    samples = wav.samples
    mono = samples.mean(axis=1)
    peak = float(np.max(np.abs(samples)))
    rms = float(np.sqrt(np.mean(samples * samples)))
    signs = np.signbit(mono[mono != 0.0])
    crossings = int(np.count_nonzero(signs[1:] != signs[:-1]))
    seconds = wav.frames / wav.rate
    report: dict[str, Any] = {
        "duration_s": round(seconds, 4),
        "sample_rate": wav.rate,
        "channels": wav.channels,
        "bits_per_sample": wav.bits,
        "sample_format": wav.format,
        "frames": wav.frames,
        "peak": round(peak, 6),
        "rms": round(rms, 6),
        "peak_dbfs": _dbfs(peak),
        "rms_dbfs": _dbfs(rms),
        "crest_factor_db": round(20.0 * math.log10(peak / rms), 2) if rms > 0 else None,
        "dc_offset": round(float(np.mean(mono)), 6),
        "clipped_samples": int(np.count_nonzero(np.abs(samples) >= 0.999)),
        "zero_crossings": crossings,
        "zero_crossing_rate_hz": round(crossings / seconds, 2),
        "dominant_hz": dominant_frequency(mono, wav.rate),
        "silent": rms < 0.001,
    }
    req.progress(0.6, "Drawing the sound wave")
    loud = report["peak_dbfs"]
    label = f"{seconds:.2f} s   peak {'-inf' if loud is None else loud} dBFS   {wav.rate} Hz"
    png = waveform_png(mono, width, label)
    req.progress(1.0, "Finished measuring!")
    return GenResult(
        outputs=[
            Output(
                data=json.dumps(report, indent=2, sort_keys=True).encode(),
                mime="application/json",
                name="sound-analysis.json",
                role="main",
                meta=report,
            ),
            Output(
                data=png, mime="image/png", name="sound-waveform.png", role="preview", meta={"width": width}
            ),
        ],
        meta=report,
    )


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
