"""RuneScape Classic sounds: G.711 mu-law decoding, encoding, and WAV output."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relics.formats.errors import RelicFormatError
from relics.formats.jag import name_hash, read_jag
from relics.formats.sounds import (
    SAMPLE_RATE,
    SOUND_NAMES,
    decode_mulaw,
    encode_mulaw,
    pcm_entry_to_wav,
    to_wav,
)


def test_mu_law_bytes_expand_to_the_g711_reference_values() -> None:
    # Reference points of the G.711 expansion table (codes are stored bit-inverted).
    table = decode_mulaw(bytes(range(256)))
    assert table[0x00] == -32124
    assert table[0x80] == 32124
    assert table[0x0F] == -16764  # segment 7, mantissa 0: (0x84 << 7) - 0x84
    assert table[0x7F] == 0 and table[0xFF] == 0
    assert table[0xFE] == 8 and table[0x7E] == -8
    assert table[0xF0] == 120 and table[0xEF] == 132
    assert (np.diff(table[0x80:0x100].astype(int)) < 0).all()  # strictly decreasing magnitudes
    assert np.array_equal(table[:128], -table[128:])


def test_every_code_but_negative_zero_survives_decode_then_encode() -> None:
    codes = bytes(range(256))
    again = encode_mulaw(decode_mulaw(codes))
    assert [i for i in range(256) if again[i] != i] == [0x7F]  # -0 and +0 are the same sample
    assert again[0x7F] == 0xFF


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-32768, 32767), min_size=1, max_size=200))
def test_encoding_then_decoding_stays_within_one_quantisation_step(samples: list[int]) -> None:
    pcm = np.array(samples, dtype=np.int32)
    back = decode_mulaw(encode_mulaw(pcm)).astype(np.int32)
    clipped = np.clip(pcm, -32124, 32124)
    # Segment e has steps of 2**(e+3); the error is at most one step (clipping aside).
    step = np.maximum(8, 2 ** np.ceil(np.log2(np.abs(clipped) + 132)).astype(np.int64) // 32)
    assert (np.abs(back - clipped) <= step).all()
    assert (np.sign(back) * np.sign(clipped) >= 0).all()


def test_a_sine_wave_survives_mu_law_with_a_good_signal_to_noise_ratio() -> None:
    t = np.arange(8000) / SAMPLE_RATE
    pcm = (12000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    back = decode_mulaw(encode_mulaw(pcm)).astype(float)
    snr = 10 * np.log10((pcm.astype(float) ** 2).sum() / ((pcm - back) ** 2).sum())
    assert snr > 30


def test_to_wav_writes_mono_16_bit_8_khz_that_reads_back_identically() -> None:
    pcm = decode_mulaw(bytes(range(256)) * 3)
    data = to_wav(pcm)
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 8000)
        assert w.getnframes() == 768
        assert np.array_equal(np.frombuffer(w.readframes(768), dtype="<i2"), pcm)
    with pytest.raises(ValueError):
        to_wav(np.zeros((2, 2), dtype=np.int16))


def test_an_empty_sound_entry_is_a_format_error() -> None:
    with pytest.raises(RelicFormatError) as info:
        pcm_entry_to_wav(b"", "click.pcm")
    assert info.value.offset == 0
    assert "click.pcm" in str(info.value)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=500))
def test_random_bytes_decode_one_sample_each_or_raise_a_format_error(data: bytes) -> None:
    try:
        pcm = decode_mulaw(data)
    except RelicFormatError:
        assert not data
        return
    assert pcm.dtype == np.int16 and len(pcm) == len(data)


def test_every_real_sound_is_named_and_decodes_to_an_audible_wav(rsc_cache_dir: Path) -> None:
    archive = read_jag((rsc_cache_dir / "sounds1.mem").read_bytes(), "sounds1.mem")
    assert set(archive.entries) == {name_hash(f"{name}.pcm") for name in SOUND_NAMES}
    for name in SOUND_NAMES:
        data = archive.get(f"{name}.pcm")
        assert data is not None
        wav = pcm_entry_to_wav(data, f"{name}.pcm")
        with wave.open(io.BytesIO(wav)) as w:
            seconds = w.getnframes() / w.getframerate()
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(float)
        assert 0.02 < seconds < 10, name
        assert np.sqrt((pcm**2).mean()) > 100, f"{name} is (nearly) silent"
