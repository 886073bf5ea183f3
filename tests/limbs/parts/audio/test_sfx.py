"""audio.sfx: sfxr presets chosen by words, and every sfxr parameter doing what it says."""

from __future__ import annotations

import itertools
import random
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from limbs.formats.wav import validate_wav
from limbs.parts.audio.sfx import PRESETS
from limbs.parts.audio.sfx import make as make_sfx
from limbs.spec import GeneratorInputError, GenRequest
from tests.limbs.parts.audio.helpers import RATE, action_spec, params_for, samples, sfx


def fft_pitch(segment: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(segment * np.hanning(len(segment)), 16384))
    freqs = np.fft.rfftfreq(16384, 1 / RATE)
    spectrum[freqs < 40] = 0
    return float(freqs[np.argmax(spectrum)])


def loud_frames(x: np.ndarray, size: int = 1024, floor: float = 0.05) -> list[np.ndarray]:
    frames = [x[s : s + size] for s in range(0, len(x) - size, size // 2)]
    return [f for f in frames if np.sqrt(np.mean(f * f)) > floor]


def flatness(x: np.ndarray, size: int = 1024) -> float:
    """Spectral flatness (geometric / arithmetic mean power) over 100 Hz - 4 kHz: ~1 noise, ~0 tone."""
    frames = np.stack([x[s : s + size] for s in range(0, len(x) - size, size // 2)]) * np.hanning(size)
    power = np.mean(np.abs(np.fft.rfft(frames, axis=1)) ** 2, axis=0) + 1e-20
    freqs = np.fft.rfftfreq(size, 1 / RATE)
    band = power[(freqs >= 100) & (freqs <= 4000)]
    return float(np.exp(np.mean(np.log(band))) / np.mean(band))


def centroid(x: np.ndarray) -> float:
    power = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / RATE)
    return float(np.sum(freqs * power) / np.sum(power))


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_is_a_valid_short_16_bit_mono_wav(preset: str) -> None:
    result = sfx(preset=preset)
    out = result.outputs[0]
    assert out.mime == "audio/wav"
    assert out.name.endswith(".wav")
    report = validate_wav(out.data, min_seconds=0.01, max_seconds=8.0)
    assert (report["rate"], report["channels"], report["bits"]) == (44100, 1, 16)
    assert report["peak"] <= 0.97  # normalised below full scale: nothing clips
    assert result.meta["preset"] == preset
    assert result.meta["duration_s"] == pytest.approx(report["seconds"], abs=1e-3)


def test_same_sfx_request_gives_the_same_bytes() -> None:
    assert sfx("a laser", seed=5).outputs[0].data == sfx("a laser", seed=5).outputs[0].data


def test_different_seeds_give_different_sounds() -> None:
    assert sfx("a laser", seed=5).outputs[0].data != sfx("a laser", seed=6).outputs[0].data


def test_sfx_ignores_global_random_state() -> None:
    random.seed(1)
    np.random.seed(1)
    first = sfx("boom", seed=3).outputs[0].data
    random.seed(2)
    np.random.seed(2)
    assert sfx("boom", seed=3).outputs[0].data == first


@pytest.mark.parametrize(
    ("intent", "preset"),
    [
        ("collect a shiny coin", "pickupCoin"),
        ("pew pew laser gun", "laserShoot"),
        ("a big kaboom", "explosion"),
        ("power up!", "powerUp"),
        ("ouch, the hero gets hit", "hitHurt"),
        ("mario style jump", "jump"),
        ("menu button click", "blipSelect"),
    ],
)
def test_intent_words_choose_the_preset(intent: str, preset: str) -> None:
    meta = sfx(intent).meta
    assert (meta["preset"], meta["preset_from"]) == (preset, "words")


def test_preset_param_beats_the_words() -> None:
    assert sfx("a coin", preset="explosion").meta["preset"] == "explosion"


def test_unknown_words_still_pick_a_preset_from_the_seed() -> None:
    picks = {sfx("zorblax", seed=s).meta["preset"] for s in range(12)}
    assert len(picks) > 1
    assert sfx("zorblax", seed=4).meta["preset_from"] == "seed"


@pytest.mark.parametrize("seed", range(6))
def test_a_coin_rises_in_pitch(seed: int) -> None:
    frames = loud_frames(samples(sfx(preset="pickupCoin", seed=seed)))
    assert fft_pitch(frames[-1]) > fft_pitch(frames[0]) * 1.08


@pytest.mark.parametrize("seed", range(6))
def test_a_laser_slides_down(seed: int) -> None:
    frames = loud_frames(samples(sfx(preset="laserShoot", seed=seed)))
    assert fft_pitch(frames[-1]) < fft_pitch(frames[0]) * 0.9


@pytest.mark.parametrize("seed", range(6))
def test_a_jump_slides_up(seed: int) -> None:
    frames = loud_frames(samples(sfx(preset="jump", seed=seed)))
    assert fft_pitch(frames[-1]) > fft_pitch(frames[0]) * 1.08


@pytest.mark.parametrize("seed", range(6))
def test_an_explosion_is_noise_that_dies_away(seed: int) -> None:
    boom = samples(sfx(preset="explosion", seed=seed))
    coin = samples(sfx(preset="pickupCoin", seed=seed))
    assert flatness(boom) > 0.04
    assert flatness(boom) > 5 * flatness(coin)
    quarters = [np.sqrt(np.mean(q * q)) for q in np.array_split(boom, 4)]
    assert quarters[0] > 3 * quarters[-1]
    assert quarters[-2] > quarters[-1]


def test_volume_sets_the_peak_level_without_clipping() -> None:
    quiet = np.max(np.abs(samples(sfx(preset="jump", sound_vol=0.2))))
    loud = np.max(np.abs(samples(sfx(preset="jump", sound_vol=1.0))))
    assert quiet < loud <= 0.971
    assert loud / quiet == pytest.approx(np.sqrt(1.0 / 0.2), rel=0.01)


def test_base_frequency_param_sets_the_starting_pitch() -> None:
    low = sfx(preset="blipSelect", p_base_freq=0.3, wave_type="sine")
    high = sfx(preset="blipSelect", p_base_freq=0.6, wave_type="sine")
    assert fft_pitch(samples(low)[:2048]) == pytest.approx(low.meta["start_hz"], rel=0.03)
    assert fft_pitch(samples(high)[:2048]) == pytest.approx(high.meta["start_hz"], rel=0.03)
    assert high.meta["start_hz"] > 3 * low.meta["start_hz"]


def test_envelope_params_set_the_length() -> None:
    result = sfx(preset="blipSelect", p_env_attack=0.1, p_env_sustain=0.2, p_env_decay=0.3)
    expected = (0.1**2 + 0.2**2 + 0.3**2) * 100000 / RATE
    assert result.meta["duration_s"] == pytest.approx(expected, abs=0.002)
    x = samples(result)
    attack = int(0.1**2 * 100000)
    assert np.max(np.abs(x[: attack // 4])) < np.max(np.abs(x[attack : attack * 2]))


def test_wave_type_param_changes_the_timbre() -> None:
    sine = samples(sfx(preset="blipSelect", wave_type="sine", p_hpf_freq=0.0))
    square = samples(sfx(preset="blipSelect", wave_type="square", p_hpf_freq=0.0))
    noise = samples(sfx(preset="blipSelect", wave_type="noise", p_base_freq=0.8))
    assert centroid(sine) < centroid(square)
    assert flatness(noise) > 10 * flatness(square)


def test_low_pass_makes_it_duller_and_high_pass_makes_it_thinner() -> None:
    plain = samples(sfx(preset="blipSelect", wave_type="sawtooth", p_hpf_freq=0.0))
    dull = samples(sfx(preset="blipSelect", wave_type="sawtooth", p_hpf_freq=0.0, p_lpf_freq=0.2))
    thin = samples(sfx(preset="blipSelect", wave_type="sawtooth", p_hpf_freq=0.6))
    assert centroid(dull) < 0.6 * centroid(plain)
    assert centroid(thin) > 1.2 * centroid(plain)


def test_resonance_and_filter_sweep_change_the_sound() -> None:
    base: dict[str, Any] = {"preset": "blipSelect", "wave_type": "sawtooth", "p_lpf_freq": 0.3}
    flat = samples(sfx(**base))
    ringing = samples(sfx(**base, p_lpf_resonance=0.9))
    opening = samples(sfx(**base, p_lpf_ramp=0.5))
    assert not np.allclose(flat, ringing, atol=1e-3)
    half = len(opening) // 2
    assert centroid(opening[half:]) > centroid(flat[half:])


def test_repeat_restarts_the_slide() -> None:
    x = samples(sfx(preset="jump", p_repeat_speed=0.6, p_env_sustain=0.5, p_env_decay=0.3, p_hpf_freq=0))
    pitches = [fft_pitch(f) for f in loud_frames(x, 512)]
    drops = sum(1 for a, b in itertools.pairwise(pitches) if b < a * 0.8)
    assert drops >= 2


def test_vibrato_makes_the_pitch_wobble() -> None:
    base: dict[str, Any] = {
        "preset": "blipSelect",
        "wave_type": "sine",
        "p_env_sustain": 0.5,
        "p_base_freq": 0.4,
    }
    steady = [fft_pitch(f) for f in loud_frames(samples(sfx(**base)), 1024)]
    wobbly = [
        fft_pitch(f) for f in loud_frames(samples(sfx(**base, p_vib_strength=0.5, p_vib_speed=0.5)), 1024)
    ]
    assert np.ptp(steady) < 10
    assert np.ptp(wobbly) > 100


def test_arpeggio_param_jumps_the_pitch_down_when_negative() -> None:
    x = samples(
        sfx(preset="blipSelect", wave_type="sine", p_arp_mod=-0.5, p_arp_speed=0.6, p_env_sustain=0.4)
    )
    frames = loud_frames(x)
    assert fft_pitch(frames[-1]) < fft_pitch(frames[0]) * 0.5


def test_phaser_and_duty_params_change_the_bytes() -> None:
    plain = sfx(preset="blipSelect", wave_type="square").outputs[0].data
    assert sfx(preset="blipSelect", wave_type="square", p_pha_offset=0.3).outputs[0].data != plain
    assert sfx(preset="blipSelect", wave_type="square", p_duty=0.9, p_duty_ramp=0.5).outputs[0].data != plain


def test_a_lowest_pitch_above_the_start_is_an_input_error_naming_the_field() -> None:
    with pytest.raises(GeneratorInputError) as err:
        sfx(preset="blipSelect", p_base_freq=0.2, p_freq_limit=0.5)
    assert err.value.field == "p_freq_limit"


def test_a_closed_low_pass_is_an_input_error_naming_the_field() -> None:
    with pytest.raises(GeneratorInputError) as err:
        sfx(preset="blipSelect", p_lpf_freq=0.0)
    assert err.value.field == "p_lpf_freq"


def test_tension_changes_oversampling_but_not_length() -> None:
    low, high = sfx("laser", tension="low"), sfx("laser", tension="high")
    assert (low.meta["oversample"], high.meta["oversample"]) == (4, 16)
    assert low.meta["duration_s"] == high.meta["duration_s"]
    assert low.outputs[0].data != high.outputs[0].data


def test_sfx_reports_progress_in_order() -> None:
    seen: list[tuple[float, str]] = []
    make_sfx(GenRequest("coin", params_for("sfx"), 1, progress=lambda f, m: seen.append((f, m))))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert all(m and len(m) < 60 for _, m in seen)


_SFXR_NUMBERS = {p.name: (p.minimum, p.maximum) for p in action_spec("sfx").params if p.name.startswith("p_")}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.fixed_dictionaries(
        {},
        optional={
            name: st.floats(lo, hi, allow_nan=False).map(lambda v: round(v, 3))
            for name, (lo, hi) in _SFXR_NUMBERS.items()
        },
    ),
    wave_type=st.sampled_from(["auto", "square", "sawtooth", "sine", "noise"]),
    seed=st.integers(0, 2**31),
)
def test_any_sfxr_settings_give_a_valid_wav_or_name_the_field_to_fix(
    values: dict[str, Any], wave_type: str, seed: int
) -> None:
    try:
        result = sfx("", seed=seed, wave_type=wave_type, **values)
    except GeneratorInputError as err:
        assert err.field in _SFXR_NUMBERS or err.field == "preset"
        return
    validate_wav(result.outputs[0].data, max_seconds=8.0)
