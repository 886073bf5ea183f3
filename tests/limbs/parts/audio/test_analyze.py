"""audio.analyze: loudness, pitch and length measured from a WAV, and a waveform picture."""

from __future__ import annotations

import io
import json
import wave
from typing import Any

import numpy as np
import pytest
from PIL import Image

from limbs.formats.png import validate_png
from limbs.parts.audio.analyze import make as make_analyze
from limbs.spec import GeneratorInputError, GenRequest, GenResult
from tests.limbs.parts.audio.helpers import RATE, params_for, sfx


def tone_wav(hz: float, amplitude: float, seconds: float = 1.0, channels: int = 1) -> bytes:
    t = np.arange(int(seconds * RATE)) / RATE
    x = amplitude * np.sin(2 * np.pi * hz * t)
    pcm = np.rint(np.repeat(x[:, None], channels, axis=1) * 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def analyze(data: bytes, **params: Any) -> GenResult:
    return make_analyze(
        GenRequest("", params_for("analyze", sound="asset-1", **params), 1, inputs={"sound": data})
    )


def test_analysis_of_a_full_scale_sine_matches_the_textbook() -> None:
    result = analyze(tone_wav(440.0, 1.0, seconds=1.0))
    report = json.loads(result.outputs[0].data)
    assert report["duration_s"] == pytest.approx(1.0)
    assert (report["sample_rate"], report["channels"]) == (44100, 1)
    assert report["peak"] == pytest.approx(1.0, abs=1e-3)
    assert report["rms"] == pytest.approx(1 / np.sqrt(2), abs=1e-3)
    assert report["peak_dbfs"] == pytest.approx(0.0, abs=0.01)
    assert report["rms_dbfs"] == pytest.approx(-3.01, abs=0.02)
    assert report["zero_crossing_rate_hz"] == pytest.approx(880, rel=0.01)
    assert report["dominant_hz"] == pytest.approx(440.0, abs=1.0)
    assert report["silent"] is False


def test_analysis_of_a_quiet_stereo_tone() -> None:
    report = analyze(tone_wav(1000.0, 0.1, seconds=0.5, channels=2)).meta
    assert report["channels"] == 2
    assert report["rms_dbfs"] == pytest.approx(-23.01, abs=0.05)
    assert report["dominant_hz"] == pytest.approx(1000.0, abs=2.0)


def test_waveform_picture_has_the_requested_width_and_shows_loudness() -> None:
    t = np.arange(RATE) / RATE
    x = np.sin(2 * np.pi * 220 * t) * np.where(t < 0.5, 0.2, 0.9)
    pcm = np.rint(x * 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())
    png = analyze(buf.getvalue(), waveform_width=400).outputs[1]
    assert png.mime == "image/png" and png.role == "preview"
    assert validate_png(png.data, width=400)["width"] == 400
    img = np.asarray(Image.open(io.BytesIO(png.data)).convert("RGB")).astype(int)
    lit = (img[:, :, 1] > 150) & (img[:, :, 2] > 150)  # the cyan waveform pixels
    quiet_height = lit[:, 100].sum()
    loud_height = lit[:, 300].sum()
    assert loud_height > 3 * quiet_height > 0


def test_analysing_our_own_sfx_is_deterministic() -> None:
    data = sfx("boom").outputs[0].data
    a, b = analyze(data), analyze(data)
    assert [o.data for o in a.outputs] == [o.data for o in b.outputs]
    assert a.meta["duration_s"] == pytest.approx(sfx("boom").meta["duration_s"], abs=1e-3)


@pytest.mark.parametrize("data", [b"", b"not a wav", tone_wav(440, 0.5)[:100]])
def test_unreadable_sound_is_an_input_error_naming_the_param(data: bytes) -> None:
    with pytest.raises(GeneratorInputError) as err:
        analyze(data)
    assert err.value.field == "sound"
