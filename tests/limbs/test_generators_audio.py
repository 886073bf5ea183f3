"""The procedural audio generators: sfxr sound effects, music, babble speech and analysis."""

from __future__ import annotations

import io
import itertools
import json
import random
import wave
from typing import Any

import mido  # type: ignore[import-untyped]
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from limbs.formats.midi import validate_midi
from limbs.formats.png import validate_png
from limbs.formats.wav import read_wav, validate_wav
from limbs.generators import audio
from limbs.params import validate_params
from limbs.registry import REGISTRY
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Tension

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
    return audio.sfx(GenRequest(intent, params_for("sfx", **params), seed, tension))


def music(intent: str = "a tune", seed: int = 1, tension: Tension = "low", **params: Any) -> GenResult:
    params.setdefault("bars", 4)
    return audio.music(GenRequest(intent, params_for("music", **params), seed, tension))


def speech(intent: str, seed: int = 1, **params: Any) -> GenResult:
    return audio.speech(GenRequest(intent, params_for("speech", **params), seed))


def samples(result: GenResult, index: int = 0) -> np.ndarray:
    return read_wav(result.outputs[index].data).samples[:, 0]


def fft_pitch(segment: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(segment * np.hanning(len(segment)), 16384))
    freqs = np.fft.rfftfreq(16384, 1 / RATE)
    spectrum[freqs < 40] = 0
    return float(freqs[np.argmax(spectrum)])


def acf_pitch(segment: np.ndarray, fmin: float = 70.0, fmax: float = 900.0) -> float:
    """Fundamental by autocorrelation: the shortest lag that repeats the wave (formants do not fool it)."""
    x = segment - segment.mean()
    spectrum = np.fft.rfft(x, 2 * len(x))
    r = np.fft.irfft(np.abs(spectrum) ** 2)[: len(x)]
    lo, hi = int(RATE / fmax), int(RATE / fmin)
    window = r[lo:hi]
    lag = lo + int(np.flatnonzero(window >= 0.9 * window.max())[0])
    while lag + 1 < hi and r[lag + 1] > r[lag]:
        lag += 1
    return RATE / lag


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


def blips(x: np.ndarray, frame_s: float = 0.005, floor: float = 0.01) -> list[tuple[float, float]]:
    """(start, end) seconds of each voiced run, found from 5 ms frame loudness."""
    size = int(frame_s * RATE)
    count = len(x) // size
    loud = np.sqrt(np.mean(x[: count * size].reshape(count, size) ** 2, axis=1)) > floor
    runs: list[tuple[float, float]] = []
    start = None
    for i, on in enumerate([*loud, False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            runs.append((start * frame_s, i * frame_s))
            start = None
    return runs


def midi_notes(data: bytes) -> dict[int, list[tuple[int, int, int]]]:
    """channel -> [(start tick, end tick, pitch)] in time order."""
    mid = mido.MidiFile(file=io.BytesIO(data))
    out: dict[int, list[tuple[int, int, int]]] = {}
    for track in mid.tracks:
        now = 0
        open_: dict[tuple[int, int], int] = {}
        for msg in track:
            now += msg.time
            if msg.type == "note_on" and msg.velocity > 0:
                open_[(msg.channel, msg.note)] = now
            elif msg.type in ("note_on", "note_off"):
                start = open_.pop((msg.channel, msg.note))
                out.setdefault(msg.channel, []).append((start, now, msg.note))
    return {ch: sorted(notes) for ch, notes in out.items()}


# --- Sound effects ----------------------------------------------------------------------


@pytest.mark.parametrize("preset", audio.PRESETS)
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
    audio.sfx(GenRequest("coin", params_for("sfx"), 1, progress=lambda f, m: seen.append((f, m))))
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


# --- Music ------------------------------------------------------------------------------


def test_music_is_a_valid_wav_and_a_type_1_midi() -> None:
    result = music("happy tune", bars=4)
    wav, mid = result.outputs
    assert (wav.mime, mid.mime) == ("audio/wav", "audio/midi")
    assert wav.name.endswith(".wav") and mid.name.endswith(".mid")
    validate_wav(wav.data, min_seconds=4.0)
    report = validate_midi(mid.data)
    assert report["type"] == 1
    assert 10 in report["channels"]  # drums on General MIDI channel 10


def test_same_music_request_gives_the_same_bytes_and_seeds_differ() -> None:
    a, b, c = music(seed=2), music(seed=2), music(seed=3)
    assert [o.data for o in a.outputs] == [o.data for o in b.outputs]
    assert a.outputs[1].data != c.outputs[1].data


@pytest.mark.parametrize("mood", ["happy", "sad", "spooky", "epic", "calm"])
@pytest.mark.parametrize("seed", [1, 2])
def test_melody_stays_in_key_and_ends_on_the_tonic(mood: str, seed: int) -> None:
    result = music(mood=mood, seed=seed, bars=8)
    names = result.meta["scale"]
    pcs = {["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"].index(n) for n in names}
    tonic = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"].index(result.meta["tonic"])
    notes = midi_notes(result.outputs[1].data)
    melody = notes[0]
    assert all(p % 12 in pcs for _, _, p in melody)
    assert melody[-1][2] % 12 == tonic
    last_start = max(s for s, _, _ in notes[1])
    final_chord = {p % 12 for s, _, p in notes[1] if s == last_start}
    third = 4 if result.meta["mode"] == "major" else 3
    assert final_chord == {tonic, (tonic + third) % 12, (tonic + 7) % 12}
    assert notes[2][-1][2] % 12 == tonic  # the bass lands home too
    assert result.meta["chords"][-2:] in (["V", "I"], ["V", "i"])


def test_midi_has_one_steady_tempo_and_a_regular_beat() -> None:
    result = music(mood="happy", tempo=100, bars=6)
    mid = mido.MidiFile(file=io.BytesIO(result.outputs[1].data))
    tempos = [m.tempo for t in mid.tracks for m in t if m.type == "set_tempo"]
    assert tempos == [mido.bpm2tempo(100)]
    kicks = [s for s, _, p in midi_notes(result.outputs[1].data)[9] if p == 36]
    bar = mid.ticks_per_beat * 4
    per_bar = [sorted(k % bar for k in kicks if k // bar == b) for b in range(5)]
    assert all(pattern == per_bar[0] for pattern in per_bar)
    programs = {m.channel for t in mid.tracks for m in t if m.type == "program_change"}
    assert {0, 1, 2, 9} <= programs


def test_tempo_bars_and_key_params_are_respected() -> None:
    result = music(tempo=90, bars=8, key="D", mood="happy", loop=True)
    assert (result.meta["tempo"], result.meta["bars"], result.meta["tonic"]) == (90, 8, "D")
    assert result.meta["duration_s"] == pytest.approx(8 * 4 * 60 / 90, abs=0.01)
    seconds = validate_wav(result.outputs[0].data)["seconds"]
    assert seconds == pytest.approx(8 * 4 * 60 / 90, abs=0.01)
    assert validate_midi(result.outputs[1].data)["seconds"] == pytest.approx(seconds, abs=0.05)


def test_mood_picks_major_or_minor_and_the_words_pick_the_mood() -> None:
    assert music(mood="happy").meta["mode"] == "major"
    assert music(mood="sad").meta["mode"] == "minor"
    spooky = music("creepy music for a haunted cave")
    assert (spooky.meta["mood"], spooky.meta["mode"]) == ("spooky", "minor")
    assert music("battle against the final boss").meta["mood"] == "epic"


def test_default_tempo_follows_the_mood() -> None:
    calm = [music(mood="calm", seed=s).meta["tempo"] for s in range(3)]
    epic = [music(mood="epic", seed=s).meta["tempo"] for s in range(3)]
    assert max(calm) < min(epic)


def test_no_drums_means_no_drum_channel() -> None:
    result = music(drums=False)
    assert 9 not in midi_notes(result.outputs[1].data)
    assert "drums" not in result.meta["instruments"]


def test_a_non_looping_piece_rings_out_and_a_loop_is_exactly_its_bars() -> None:
    looped = music(tempo=120, bars=4, loop=True)
    ending = music(tempo=120, bars=4, loop=False)
    assert looped.meta["duration_s"] == pytest.approx(8.0, abs=0.01)
    assert ending.meta["duration_s"] > 9.0
    tail = samples(ending)[-RATE // 10 :]
    assert np.max(np.abs(tail)) < 0.05  # fades to silence: a real ending
    last_melody = midi_notes(ending.outputs[1].data)[0][-1]
    assert last_melody[1] - last_melody[0] == 4 * 480  # the last note is held for a whole bar


def test_instrument_words_change_the_instruments() -> None:
    assert music("8bit arcade tune").meta["instruments"]["melody"] == "chip_lead"
    assert music("a piano piece").meta["instruments"]["melody"] == "piano"


# --- Speech -----------------------------------------------------------------------------


def test_speech_is_a_valid_wav_and_deterministic() -> None:
    a = speech("Hello there, friend!")
    validate_wav(a.outputs[0].data, min_seconds=0.3)
    assert a.outputs[0].data == speech("Hello there, friend!").outputs[0].data
    assert a.outputs[0].data != speech("Hello there, friend!", seed=2).outputs[0].data


def test_one_blip_per_syllable() -> None:
    short = speech("hi")
    long = speech("wonderful banana")  # won-der-ful ba-na-na
    assert short.meta["syllables"] == 1
    assert long.meta["syllables"] == 6
    assert len(blips(samples(short))) == 1
    assert len(blips(samples(long))) == 6


def test_punctuation_makes_pauses() -> None:
    plain = blips(samples(speech("hello world again")))
    paused = blips(samples(speech("hello, world. again")))

    def gaps(runs: list[tuple[float, float]]) -> list[float]:
        return [b[0] - a[1] for a, b in itertools.pairwise(runs)]

    assert max(gaps(plain)) < 0.12
    long_gaps = [g for g in gaps(paused) if g > 0.18]
    assert len(long_gaps) == 2
    assert long_gaps[1] > long_gaps[0]  # a full stop rests longer than a comma


@pytest.mark.parametrize(
    ("text", "count"),
    [("cake", 1), ("tale", 1), ("table", 2), ("hello", 2), ("banana", 3), ("rhythm", 1), ("well-known", 2)],
)
def test_english_syllables_are_counted_by_vowel_groups(text: str, count: int) -> None:
    items, _ = audio.syllabify(text, "en")
    assert len(items) == count


def test_runs_of_punctuation_make_one_pause_and_keep_the_question() -> None:
    items, marks = audio.syllabify("wait... what?!", "en")
    pauses = [it for it in items if isinstance(it, audio.Pause)]
    assert len(pauses) == 1 and pauses[0].seconds == pytest.approx(0.42)
    assert marks == [".", "?"]
    assert speech("wait... what?!").meta["pauses"] == 1


def test_a_question_rises_at_the_end() -> None:
    def last_vs_first(text: str) -> float:
        x = samples(speech(text, voice="bright"))
        runs = blips(x)
        pitch = [acf_pitch(x[int(a * RATE) + 300 : int(a * RATE) + 2348]) for a, _ in (runs[0], runs[-1])]
        return pitch[1] / pitch[0]

    assert last_vs_first("are you coming home?") > 1.15
    assert last_vs_first("you are coming home.") < 1.0


def test_deep_voice_is_lower_than_bright_voice() -> None:
    def pitch(voice: str) -> float:
        x = samples(speech("la la la", voice=voice))
        return float(
            np.median([acf_pitch(x[int(a * RATE) + 300 : int(a * RATE) + 2348]) for a, _ in blips(x)])
        )

    assert pitch("deep") < 140 < 200 < pitch("bright")


def test_speed_changes_the_length() -> None:
    slow = speech("this is a test of speed", speed=0.5).meta["duration_s"]
    fast = speech("this is a test of speed", speed=2.0).meta["duration_s"]
    assert slow > 2.5 * fast


def test_the_words_after_saying_are_spoken_by_the_voice_they_describe() -> None:
    meta = speech("a robot voice saying hello").meta
    assert (meta["text"], meta["voice"], meta["syllables"]) == ("hello", "robot", 2)
    assert speech('the monster says "grr, go away"').meta["voice"] == "creature"


def test_japanese_and_chinese_count_one_syllable_per_character() -> None:
    assert speech("こんにちは", language="ja").meta["syllables"] == 5
    zh = speech("你好吗？", language="zh")  # noqa: RUF001
    assert zh.meta["syllables"] == 3
    assert len(blips(samples(zh))) == 3


def test_nothing_to_say_is_an_input_error() -> None:
    with pytest.raises(GeneratorInputError) as err:
        speech("?!...")
    assert err.value.field == "intent"


# --- Analysis ---------------------------------------------------------------------------


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
    return audio.analyze(
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
