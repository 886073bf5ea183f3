"""Standard MIDI Files: every note starts and stops, every track ends."""

from __future__ import annotations

import io
from typing import Any

import mido  # type: ignore[import-untyped]

from limbs.formats.base import Format, OutputInvalid, signature


def validate_midi(data: bytes) -> dict[str, Any]:
    """Parse a Standard MIDI File; every note must start, stop, and every track must end."""
    try:
        midi = mido.MidiFile(file=io.BytesIO(data))
    except Exception as exc:  # mido raises OSError, EOFError, ValueError, KeyError... for bad data
        raise OutputInvalid(f"MIDI does not parse: {exc}") from exc
    if not midi.tracks:
        raise OutputInvalid("MIDI has no tracks")
    notes = 0
    channels: set[int] = set()
    for t, track in enumerate(midi.tracks):
        if not track or track[-1].type != "end_of_track":
            raise OutputInvalid(f"MIDI track {t} does not end with an end_of_track event")
        sounding: dict[tuple[int, int], int] = {}
        for msg in track:
            if msg.type == "note_on" and msg.velocity > 0:
                key = (msg.channel, msg.note)
                sounding[key] = sounding.get(key, 0) + 1
                notes += 1
                channels.add(msg.channel)
            elif msg.type == "note_off" or (msg.type == "note_on" and msg.velocity == 0):
                key = (msg.channel, msg.note)
                if sounding.get(key, 0) > 0:
                    sounding[key] -= 1
        hanging = sorted(key for key, count in sounding.items() if count > 0)
        if hanging:
            channel, note = hanging[0]
            raise OutputInvalid(
                f"MIDI track {t}: note {note} on channel {channel + 1} starts but never stops"
            )
    if notes == 0:
        raise OutputInvalid("MIDI has no notes")
    try:
        seconds = float(midi.length)
    except ValueError as exc:
        raise OutputInvalid(f"MIDI length cannot be measured: {exc}") from exc
    return {
        "type": midi.type,
        "tracks": len(midi.tracks),
        "ticks_per_beat": midi.ticks_per_beat,
        "notes": notes,
        "channels": sorted(c + 1 for c in channels),
        "seconds": round(seconds, 3),
    }


FORMAT = Format(
    id="midi",
    name="MIDI music",
    mimes=("audio/midi", "audio/x-midi", "audio/mid"),
    kind="audio",
    suffixes=(".mid", ".midi"),
    validate=validate_midi,
    preview="midi",
    sniff=signature(b"MThd"),
)
