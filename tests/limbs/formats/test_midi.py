"""limbs.formats.midi: every note starts and stops, every track ends."""

from __future__ import annotations

import io
import struct

import mido  # type: ignore[import-untyped]
import pytest

from limbs.formats import OutputInvalid
from limbs.formats.midi import validate_midi
from tests.limbs.formats.samples import midi_bytes


def test_a_midi_with_one_closed_note_passes() -> None:
    report = validate_midi(midi_bytes())
    assert report["notes"] == 1
    assert report["tracks"] == 1
    assert report["seconds"] == pytest.approx(0.5)


def test_midi_without_notes_is_rejected() -> None:
    with pytest.raises(OutputInvalid, match="no notes"):
        validate_midi(midi_bytes(notes=False))


def test_midi_note_that_never_stops_is_rejected() -> None:
    with pytest.raises(OutputInvalid, match="never stops"):
        validate_midi(midi_bytes(close=False))


def test_note_on_with_velocity_zero_counts_as_a_note_off() -> None:
    mid = mido.MidiFile(type=0)
    track = mido.MidiTrack()
    track.append(mido.Message("note_on", note=64, velocity=80, time=0))
    track.append(mido.Message("note_on", note=64, velocity=0, time=240))
    mid.tracks.append(track)
    buf = io.BytesIO()
    mid.save(file=buf)
    assert validate_midi(buf.getvalue())["notes"] == 1


def test_midi_track_without_end_of_track_is_rejected() -> None:
    events = bytes([0x00, 0x90, 60, 100, 0x60, 0x80, 60, 0])
    data = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 96) + b"MTrk" + struct.pack(">I", len(events)) + events
    with pytest.raises(OutputInvalid, match="end_of_track"):
        validate_midi(data)


def test_garbage_is_not_midi() -> None:
    with pytest.raises(OutputInvalid, match="does not parse"):
        validate_midi(b"this is not a midi file at all")
    with pytest.raises(OutputInvalid, match="does not parse"):
        validate_midi(midi_bytes()[:30])
