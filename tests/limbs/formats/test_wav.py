"""limbs.formats.wav: a WAV's header agrees with its body, it decodes, and it is not silent."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from limbs.formats import OutputInvalid
from limbs.formats.wav import read_wav, validate_wav
from tests.limbs.formats.samples import float_wav, sine_wav


def test_a_plain_sine_wav_passes_and_is_described() -> None:
    report = validate_wav(sine_wav(seconds=0.5, amplitude=0.5))
    assert report["rate"] == 44100
    assert report["channels"] == 1
    assert report["bits"] == 16
    assert report["seconds"] == pytest.approx(0.5, abs=1e-3)
    assert report["rms"] == pytest.approx(0.5 / np.sqrt(2), rel=0.01)
    assert report["peak"] == pytest.approx(0.5, rel=0.01)


@pytest.mark.parametrize("width", [1, 2, 3])
def test_eight_sixteen_and_twenty_four_bit_pcm_decode_to_the_same_signal(width: int) -> None:
    wav = read_wav(sine_wav(seconds=0.1, amplitude=0.8, channels=2, width=width))
    assert wav.channels == 2
    assert wav.bits == width * 8
    t = np.arange(wav.frames) / 44100
    expected = 0.8 * np.sin(2 * np.pi * 440.0 * t)
    assert np.max(np.abs(wav.samples[:, 1] - expected)) < (0.02 if width == 1 else 1e-3)


def test_float_wav_is_read_as_float() -> None:
    x = 0.25 * np.ones(2205)
    wav = read_wav(float_wav(x))
    assert wav.format == "float"
    assert np.allclose(wav.samples[:, 0], 0.25)


def test_truncated_wav_is_rejected_because_its_header_promises_more() -> None:
    data = sine_wav()
    with pytest.raises(OutputInvalid, match=r"header says|runs past"):
        validate_wav(data[: len(data) - 1000])


def test_wav_whose_data_chunk_runs_past_the_end_is_rejected() -> None:
    data = bytearray(sine_wav())
    data[-2000:] = b""
    struct.pack_into("<I", data, 4, len(data) - 8)  # a consistent RIFF size hides nothing
    with pytest.raises(OutputInvalid, match="runs past the end"):
        validate_wav(bytes(data))


def test_silent_wav_is_rejected() -> None:
    with pytest.raises(OutputInvalid, match="silent"):
        validate_wav(sine_wav(amplitude=0.0))


def test_very_quiet_but_audible_wav_passes() -> None:
    assert validate_wav(sine_wav(amplitude=0.01))["rms"] > 0.001


def test_wrong_magic_is_not_a_wav() -> None:
    data = sine_wav()
    with pytest.raises(OutputInvalid, match="not a WAV"):
        validate_wav(b"RIFX" + data[4:])
    with pytest.raises(OutputInvalid, match="not a WAV"):
        validate_wav(data[:8] + b"AVI " + data[12:])


def test_tiny_file_is_rejected() -> None:
    with pytest.raises(OutputInvalid, match="too short"):
        validate_wav(b"RIFF")


def test_compressed_formats_are_not_pcm() -> None:
    data = bytearray(sine_wav())
    struct.pack_into("<H", data, 20, 0x0055)  # MPEG layer 3
    with pytest.raises(OutputInvalid, match="not PCM"):
        validate_wav(bytes(data))


def test_inconsistent_block_align_is_rejected() -> None:
    data = bytearray(sine_wav())
    struct.pack_into("<H", data, 32, 4)
    with pytest.raises(OutputInvalid, match="block align"):
        validate_wav(bytes(data))


def test_missing_data_chunk_is_rejected() -> None:
    data = sine_wav()
    fmt_end = 12 + 8 + 16
    body = data[12:fmt_end]
    with pytest.raises(OutputInvalid, match="no 'data'"):
        validate_wav(b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)


def test_length_bounds_are_enforced() -> None:
    data = sine_wav(seconds=0.5)
    assert validate_wav(data, min_seconds=0.4, max_seconds=0.6)["frames"] == 22050
    with pytest.raises(OutputInvalid, match="shorter"):
        validate_wav(data, min_seconds=1.0)
    with pytest.raises(OutputInvalid, match="longer"):
        validate_wav(data, max_seconds=0.25)


def test_nan_float_samples_are_rejected() -> None:
    x = np.full(100, 0.5)
    x[10] = np.nan
    with pytest.raises(OutputInvalid, match="NaN"):
        read_wav(float_wav(x))
