"""A small rule-based composer and its Standard MIDI File writer.

The composer turns a plan (mood, key, tempo, bars, drums, loop) into parts of notes: chords from
phrase progressions that always cadence V -> I into the last bar, a melody that walks the scale and
lands on chord tones on strong beats, a bass on chord roots and fifths, and a mood-shaped drum beat.
Times are in beats (4/4). Pure Python and numpy; randomness only from the Generator passed in.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import mido  # type: ignore[import-untyped]
import numpy as np

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)
KEY_PCS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
PC_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII")
TICKS = 480
DRUM_CHANNEL = 9  # "channel 10" counting from one

# General MIDI programs for the synth voices in _synth.INSTRUMENTS.
PROGRAMS = {
    "chip_lead": 80,
    "chip_bass": 38,
    "piano": 0,
    "bell": 8,
    "strings": 48,
    "pad": 89,
    "flute": 73,
    "brass": 61,
    "pluck_bass": 33,
    "sub_bass": 39,
}


@dataclass(frozen=True)
class MoodStyle:
    mode: str
    tempo: tuple[int, int]
    keys: str
    lead: str
    chords: str
    bass: str
    chord_rhythm: tuple[tuple[float, float], ...]
    bass_rhythm: tuple[tuple[float, float, str], ...]
    melody_rhythms: tuple[tuple[float, ...], ...]
    rest_chance: float
    drums: tuple[tuple[float, int, int], ...]


_EIGHTHS = tuple((i * 0.5, 0.45) for i in range(8))


def _hats(loud: int, soft: int) -> tuple[tuple[float, int, int], ...]:
    """Closed hi-hat on every eighth, louder on the beat."""
    return tuple((i * 0.5, 42, loud if i % 2 == 0 else soft) for i in range(8))


MOODS: dict[str, MoodStyle] = {
    "happy": MoodStyle(
        "major", (112, 136), "CDFG", "bell", "piano", "pluck_bass",
        ((0.0, 0.8), (1.0, 0.8), (2.0, 0.8), (3.0, 0.8)),
        ((0.0, 1.0, "r"), (1.0, 1.0, "5"), (2.0, 1.0, "r"), (3.0, 1.0, "5")),
        ((1, 1, 1, 1), (1.5, 0.5, 1, 1), (0.5, 0.5, 1, 2), (1, 0.5, 0.5, 2), (0.5, 0.5, 0.5, 0.5, 1, 1)),
        0.04,
        ((0, 36, 100), (2, 36, 92), (1, 38, 92), (3, 38, 92), *_hats(62, 46)),
    ),
    "calm": MoodStyle(
        "major", (68, 86), "CDFG", "flute", "pad", "sub_bass",
        ((0.0, 4.0),),
        ((0.0, 4.0, "r"),),
        ((2, 2), (3, 1), (1, 1, 2), (2, 1, 1)),
        0.08,
        ((0, 36, 70), (2, 37, 50), *tuple((i * 0.5, 70, 40) for i in range(8))),
    ),
    "sad": MoodStyle(
        "minor", (64, 80), "ADE", "piano", "strings", "sub_bass",
        ((0.0, 4.0),),
        ((0.0, 2.0, "r"), (2.0, 2.0, "5")),
        ((2, 2), (1, 1, 2), (3, 1), (1.5, 0.5, 2)),
        0.1,
        ((0, 36, 80), (2, 37, 64), (0, 42, 40), (1, 42, 34), (2, 42, 40), (3, 42, 34)),
    ),
    "spooky": MoodStyle(
        "minor", (76, 96), "ADE", "bell", "pad", "sub_bass",
        ((0.0, 4.0),),
        ((0.0, 3.0, "r"), (3.0, 1.0, "o")),
        ((1, 1, 2), (2, 1, 1), (1.5, 0.5, 2), (1, 1, 1, 1)),
        0.22,
        ((0, 36, 90), (2.5, 36, 76), (3, 37, 70), (1.5, 46, 44)),
    ),
    "epic": MoodStyle(
        "minor", (128, 152), "ADEC", "brass", "strings", "pluck_bass",
        _EIGHTHS,
        tuple((i * 0.5, 0.5, "r") for i in range(8)),
        ((1, 0.5, 0.5, 1, 1), (0.5,) * 8, (1.5, 0.5, 1, 1), (1, 1, 2)),
        0.03,
        ((0, 36, 110), (0.75, 36, 90), (2, 36, 104), (2.5, 36, 90), (1, 38, 104), (3, 38, 104),
         *_hats(66, 50)),
    ),
}  # fmt: skip

# Phrase progressions as 0-based scale degrees (0 = I). Every piece then ends ... V, I.
PROGRESSIONS = {
    "major": ((0, 4, 5, 3), (0, 5, 3, 4), (0, 3, 4, 0), (0, 3, 0, 4), (5, 3, 0, 4)),
    "minor": ((0, 5, 2, 6), (0, 3, 4, 0), (0, 5, 3, 4), (0, 6, 5, 4), (0, 3, 6, 2)),
}


@dataclass(frozen=True)
class Note:
    start: float  # beats
    length: float  # beats
    pitch: int
    velocity: int


@dataclass
class Part:
    name: str
    channel: int
    instrument: str  # a key of _synth.INSTRUMENTS, or "drums"
    notes: list[Note] = field(default_factory=list)

    @property
    def program(self) -> int:
        return PROGRAMS.get(self.instrument, 0)


@dataclass
class Song:
    mood: str
    tonic: int  # pitch class
    mode: str
    tempo: int
    bars: int
    loop: bool
    chords: list[int]  # scale degree per bar
    parts: list[Part]

    @property
    def scale(self) -> tuple[int, ...]:
        steps = MAJOR if self.mode == "major" else MINOR
        return tuple((self.tonic + s) % 12 for s in steps)

    @property
    def key_name(self) -> str:
        return f"{PC_NAMES[self.tonic]} {self.mode}"

    @property
    def midi_key(self) -> str:
        return PC_NAMES[self.tonic] + ("" if self.mode == "major" else "m")

    @property
    def beats(self) -> float:
        return self.bars * 4.0

    def roman(self) -> list[str]:
        out = []
        for d in self.chords:
            name = ROMAN[d]
            minor_triad = (self.mode == "major" and d in (1, 2, 5)) or (self.mode == "minor" and d in (0, 3))
            out.append(name.lower() if minor_triad else name)
        return out


def triad(song_mode: str, tonic: int, degree: int) -> list[int]:
    """Pitch classes of the chord on a scale degree; minor keys borrow the major V for a real cadence."""
    steps = MAJOR if song_mode == "major" else MINOR
    pcs = [(tonic + steps[(degree + 2 * i) % 7]) % 12 for i in range(3)]
    if song_mode == "minor" and degree == 4:
        pcs[1] = (pcs[1] + 1) % 12
    return pcs


def _progression(mode: str, bars: int, rng: np.random.Generator) -> list[int]:
    options = PROGRESSIONS[mode]
    chords: list[int] = []
    while len(chords) < bars:
        chords.extend(options[int(rng.integers(0, len(options)))])
    chords = chords[:bars]
    chords[0] = 0
    chords[-1] = 0
    if bars >= 2:
        chords[-2] = 4
    if bars >= 4 and chords[-3] in (0, 4):
        chords[-3] = 3 if mode == "major" else 5
    return chords


def _voice(pcs: list[int], low: int, high: int) -> list[int]:
    """Place each pitch class once inside [low, high) (one octave), a close-position chord."""
    out = []
    for pc in pcs:
        pitch = low + ((pc - low) % 12)
        out.append(pitch if pitch < high else pitch - 12)
    return sorted(out)


def _step_pitch(step: int, tonic: int, steps: tuple[int, ...], base: int) -> int:
    return base + tonic + 12 * (step // 7) + steps[step % 7]


def compose(
    *,
    mood: str,
    tonic: int,
    tempo: int,
    bars: int,
    drums: bool,
    loop: bool,
    lead: str,
    chords_inst: str,
    bass_inst: str,
    rng: np.random.Generator,
) -> Song:
    style = MOODS[mood]
    mode = style.mode
    steps = MAJOR if mode == "major" else MINOR
    chords = _progression(mode, bars, rng)
    song = Song(mood, tonic, mode, tempo, bars, loop, chords, [])
    melody = Part("melody", 0, lead)
    harmony = Part("chords", 1, chords_inst)
    bass = Part("bass", 2, bass_inst)
    beat = Part("drums", DRUM_CHANNEL, "drums")

    rhythms = style.melody_rhythms
    motif = [int(rng.integers(0, len(rhythms))) for _ in range(3)]
    step = int(rng.choice([0, 2, 4]))
    melody_base = 60 if tonic < 7 else 48  # keeps the melody between about C4 and C6
    for bar, degree in enumerate(chords):
        at = bar * 4.0
        last = bar == bars - 1
        pcs = triad(mode, tonic, degree)
        # Chord tones the melody may land on: those that are also in the key's scale.
        scale_pcs = {(tonic + s) % 12 for s in steps}
        targets = [pc for pc in pcs if pc in scale_pcs]

        # Chords and bass: the final bar of a piece that does not loop is one long held tonic.
        chord_rhythm = ((0.0, 4.0),) if last and not loop else style.chord_rhythm
        voiced = _voice(pcs, 55, 67)
        for start, length in chord_rhythm:
            vel = 70 if start == 0 else 58
            for pitch in voiced:
                harmony.notes.append(Note(at + start, length, pitch, vel))
        bass_rhythm = ((0.0, 4.0, "r"),) if last and not loop else style.bass_rhythm
        root = 36 + ((pcs[0] - 36) % 12)
        for start, length, which in bass_rhythm:
            pitch = root
            if which == "5" and not last:  # the last bar stays on the root: the bass lands home
                pitch = 36 + ((pcs[2] - 36) % 12)
            elif which == "o":
                pitch = root + 12
            bass.notes.append(Note(at + start, length * 0.95, pitch, 92 if start == 0 else 80))

        # Melody: motif rhythms A B A C per four bars; strong beats snap to a chord tone.
        if last:
            final = min((0, 7), key=lambda s: abs(s - step))
            melody.notes.append(
                Note(at, 4.0 if not loop else 3.5, _step_pitch(final, tonic, steps, melody_base), 96)
            )
            step = final
            continue
        rhythm = rhythms[motif[(0, 1, 0, 2)[bar % 4]]]
        pos = 0.0
        for i, length in enumerate(rhythm):
            strong = pos in (0.0, 2.0)
            if strong:
                near = sorted(
                    (s for s in range(-2, 11) if (tonic + steps[s % 7]) % 12 in targets),
                    key=lambda s: (abs(s - step), s),
                )
                step = near[int(rng.integers(0, min(2, len(near))))]
            else:
                step += int(rng.choice([-2, -1, -1, 1, 1, 2, 0]))
                step = max(-2, min(10, step))
                if mode == "minor" and degree == 4 and step % 7 == 6:
                    step -= 1  # the natural 7th would clash with the raised 7th of the V chord
            if bar == bars - 2 and i == len(rhythm) - 1:
                # Lead into the final tonic from the 2nd or the 5th of the scale.
                step = min((1, 4, 8), key=lambda s: abs(s - step))
            pitch = _step_pitch(step, tonic, steps, melody_base)
            if i == 0 or rng.random() >= style.rest_chance:
                vel = 96 if pos == 0 else 84 if pos == 2 else 72
                vel += int(rng.integers(-6, 7))
                melody.notes.append(Note(at + pos, length * 0.92, pitch, vel))
            pos += length

        if drums:
            for start, note, vel in style.drums:
                beat.notes.append(Note(at + start, 0.25, note, vel))
            if bar % 4 == 0 and mood in ("epic", "happy") and bar:
                beat.notes.append(Note(at, 0.25, 49, 88))
    if drums:
        end = (bars - 1) * 4.0
        if loop:
            # A little fill in the last bar runs back into the first.
            beat.notes.extend(Note(end + s, 0.25, 38, v) for s, v in ((3.0, 90), (3.5, 100)))
        else:
            beat.notes = [n for n in beat.notes if n.start < end]
            beat.notes.extend((Note(end, 0.25, 49, 104), Note(end, 0.25, 36, 110)))
        # One hit per drum per instant: the loudest wins when patterns overlap.
        loudest: dict[tuple[float, int], Note] = {}
        for n in beat.notes:
            if (n.start, n.pitch) not in loudest or loudest[(n.start, n.pitch)].velocity < n.velocity:
                loudest[(n.start, n.pitch)] = n
        beat.notes = sorted(loudest.values(), key=lambda n: (n.start, n.pitch))
    song.parts = [melody, harmony, bass] + ([beat] if drums else [])
    return song


def to_midi(song: Song) -> bytes:
    """Type-1 MIDI: a conductor track (tempo, metre, key) and one track per part."""
    mid = mido.MidiFile(type=1, ticks_per_beat=TICKS)
    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("track_name", name="POG Studio", time=0))
    conductor.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(song.tempo), time=0))
    conductor.append(mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0))
    conductor.append(mido.MetaMessage("key_signature", key=song.midi_key, time=0))
    conductor.append(mido.MetaMessage("end_of_track", time=int(song.beats * TICKS)))
    mid.tracks.append(conductor)
    for part in song.parts:
        track = mido.MidiTrack()
        track.append(mido.MetaMessage("track_name", name=part.name, time=0))
        track.append(mido.Message("program_change", channel=part.channel, program=part.program, time=0))
        events: list[tuple[int, int, int, int, int]] = []
        for n in part.notes:
            on = round(n.start * TICKS)
            off = max(on + 1, round((n.start + n.length) * TICKS))
            events.append((on, 1, n.pitch, n.velocity, 0))
            events.append((off, 0, n.pitch, 0, 0))
        events.sort()
        now = 0
        for tick, kind, pitch, vel, _ in events:
            msg_type = "note_on" if kind == 1 else "note_off"
            velocity = vel if kind == 1 else 64
            track.append(
                mido.Message(msg_type, channel=part.channel, note=pitch, velocity=velocity, time=tick - now)
            )
            now = tick
        track.append(mido.MetaMessage("end_of_track", time=max(0, int(song.beats * TICKS) - now)))
        mid.tracks.append(track)
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()
