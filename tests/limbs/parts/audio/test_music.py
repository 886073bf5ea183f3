"""audio.music: a WAV and a type-1 MIDI that stay in key, keep the tempo and follow the mood."""

from __future__ import annotations

import io
from typing import Any

import mido  # type: ignore[import-untyped]
import numpy as np
import pytest

from limbs.formats.midi import validate_midi
from limbs.formats.wav import validate_wav
from limbs.parts.audio.music import make as make_music
from limbs.spec import GenRequest, GenResult, Tension
from tests.limbs.parts.audio.helpers import RATE, params_for, samples


def music(intent: str = "a tune", seed: int = 1, tension: Tension = "low", **params: Any) -> GenResult:
    params.setdefault("bars", 4)
    return make_music(GenRequest(intent, params_for("music", **params), seed, tension))


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
