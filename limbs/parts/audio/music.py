"""Audio · Music: A short piece of music with chords, melody, bass and drums.

A type-1 MIDI file composed from the mood's chords and scale, and the same notes played by
the studio's synth instruments as a WAV.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from limbs.craft import midi as _midi
from limbs.craft import synth as _synth
from limbs.craft import words as words
from limbs.params import boolean, choice, integer, kw
from limbs.parts.audio._sound import F64, RATE, WAV, word_tokens
from limbs.spec import ActionSpec, GenRequest, GenResult, Output

MIDI = "audio/midi"

MOOD_WORDS: dict[str, tuple[str, ...]] = {
    "happy": ("happy", "cheerful", "fun", "jolly", "upbeat", "bright", "sunny", "joyful", "playful", "bouncy",
              "silly", "party", "dance", "coin", "coins", "victory", "win", "celebration"),
    "sad": ("sad", "lonely", "melancholy", "tears", "crying", "rain", "rainy", "gloomy", "sorrow", "goodbye",
            "lost", "tragic", "blue"),
    "spooky": ("spooky", "scary", "creepy", "haunted", "ghost", "halloween", "cave", "dungeon", "dark",
               "horror", "mystery", "mysterious", "night", "witch", "zombie", "tense"),
    "epic": ("epic", "battle", "boss", "heroic", "hero", "adventure", "fight", "war", "action", "chase",
             "dragon", "quest", "knight", "intense", "final", "army"),
    "calm": ("calm", "peaceful", "relax", "relaxing", "sleep", "sleepy", "gentle", "lullaby", "soft",
             "ocean", "menu", "chill", "quiet", "meditation", "dream", "dreamy", "village", "garden"),
}  # fmt: skip
_MOOD_OF = {w: m for m, ws in MOOD_WORDS.items() for w in ws}

# Instrument words: which voice plays the melody (and chords, for a whole-style word like "8bit").
INSTRUMENT_WORDS: dict[str, tuple[str, str | None, str | None]] = {
    "piano": ("piano", "piano", None),
    "flute": ("flute", None, None),
    "bell": ("bell", None, None),
    "bells": ("bell", None, None),
    "glockenspiel": ("bell", None, None),
    "musicbox": ("bell", None, None),
    "xylophone": ("bell", None, None),
    "strings": ("strings", "strings", None),
    "violin": ("strings", "strings", None),
    "orchestra": ("brass", "strings", None),
    "orchestral": ("brass", "strings", None),
    "brass": ("brass", None, None),
    "trumpet": ("brass", None, None),
    "horn": ("brass", None, None),
    "synth": ("chip_lead", "pad", None),
    "8bit": ("chip_lead", "chip_lead", "chip_bass"),
    "chiptune": ("chip_lead", "chip_lead", "chip_bass"),
    "retro": ("chip_lead", "chip_lead", "chip_bass"),
    "arcade": ("chip_lead", "chip_lead", "chip_bass"),
    "pixel": ("chip_lead", "chip_lead", "chip_bass"),
}

_PART_GAIN = {"melody": 0.9, "chords": 0.32, "bass": 0.75, "drums": 0.7}


@dataclass(frozen=True)
class MusicPlan:
    mood: str
    mood_from: str
    tonic: int
    tempo: int
    bars: int
    drums: bool
    loop: bool
    lead: str
    chords: str
    bass: str


def plan_music(req: GenRequest, rng: np.random.Generator) -> MusicPlan:
    tokens = word_tokens(req.intent)
    mood = str(req.params.get("mood", "auto"))
    mood_from = "param"
    if mood not in _midi.MOODS:
        found = [_MOOD_OF[t] for t in tokens if t in _MOOD_OF]
        # The most frequent mood word wins; ties go to the earliest mentioned.
        mood = max(found, key=lambda m: (found.count(m), -found.index(m))) if found else "happy"
        mood_from = "words" if found else "default"
    style = _midi.MOODS[mood]
    key = str(req.params.get("key", "auto"))
    if key in _midi.KEY_PCS:
        tonic = _midi.KEY_PCS[key]
    else:
        tonic = _midi.KEY_PCS[style.keys[int(rng.integers(0, len(style.keys)))]]
    tempo_param = req.params.get("tempo")
    tempo = (
        int(tempo_param) if tempo_param is not None else int(rng.integers(style.tempo[0], style.tempo[1] + 1))
    )
    lead, chords, bass = style.lead, style.chords, style.bass
    for t in tokens:
        if t in INSTRUMENT_WORDS:
            lead_w, chords_w, bass_w = INSTRUMENT_WORDS[t]
            lead, chords, bass = lead_w, chords_w or chords, bass_w or bass
    return MusicPlan(
        mood=mood,
        mood_from=mood_from,
        tonic=tonic,
        tempo=tempo,
        bars=int(req.params.get("bars", 16)),
        drums=bool(req.params.get("drums", True)),
        loop=bool(req.params.get("loop", True)),
        lead=lead,
        chords=chords,
        bass=bass,
    )


def _room(buf: F64, taps: tuple[tuple[float, float], ...], chunk: int = 1 << 16) -> None:
    """Add quiet delayed copies in place: y[n] = x[n] + sum(level * x[n - delay]).

    Works backwards in chunks so every read still sees the dry signal, without a second
    full-length buffer (a 64-bar piece at a slow tempo is minutes of audio).
    """
    lags = [(int(seconds * RATE), level) for seconds, level in taps]
    end = len(buf)
    while end > 0:
        start = max(0, end - chunk)
        wet = buf[start:end].copy()
        for lag, level in lags:
            lo = max(start, lag)
            if lo < end:
                wet[lo - start :] += level * buf[lo - lag : end - lag]
        buf[start:end] = wet
        end = start


def render_song(song: _midi.Song, tension: str, rng: np.random.Generator, req: GenRequest) -> F64:
    spb = 60.0 / song.tempo
    end = round(song.beats * spb * RATE)
    tail = 0 if song.loop else int(2.5 * RATE)
    buf = np.zeros(end + int(3.5 * RATE))
    box = _synth.Voicebox(tension)
    kit = _synth.drum_kit(rng)
    for i, part in enumerate(song.parts):
        req.progress(0.3 + 0.5 * i / len(song.parts), f"Playing the {part.name}")
        gain = _PART_GAIN.get(part.name, 0.6)
        inst = _synth.INSTRUMENTS.get(part.instrument)
        for note in part.notes:
            at = round(note.start * spb * RATE)
            if inst is None:
                sample = kit[note.pitch] * (note.velocity / 127.0)
            else:
                sample = box.note(inst, note.pitch, note.length * spb, note.velocity)
            room = min(len(sample), len(buf) - at)
            buf[at : at + room] += gain * sample[:room]
    if tension != "low":
        # A small room: a few quiet reflections (more of them at high tension).
        taps = ((0.113, 0.22), (0.237, 0.13)) + (((0.371, 0.08), (0.529, 0.05)) if tension == "high" else ())
        _room(buf, taps)
    if song.loop:
        # Fold everything that rings past the end back onto the start, so the loop is seamless.
        k = min(len(buf) - end, end)
        buf[:k] += buf[end : end + k]
        looped: F64 = buf[:end]
        return looped
    out = buf[: end + tail]
    return _synth.fade(out, 0.0, 1.2)


def make(req: GenRequest) -> GenResult:
    req.progress(0.05, "Choosing the mood")
    rng = np.random.default_rng(words.derive_seed(req.seed, req.intent, "audio.music"))
    plan = plan_music(req, rng)
    req.progress(0.15, "Writing the tune")
    song = _midi.compose(
        mood=plan.mood,
        tonic=plan.tonic,
        tempo=plan.tempo,
        bars=plan.bars,
        drums=plan.drums,
        loop=plan.loop,
        lead=plan.lead,
        chords_inst=plan.chords,
        bass_inst=plan.bass,
        rng=rng,
    )
    midi_data = _midi.to_midi(song)
    audio = render_song(song, req.tension, rng, req)
    req.progress(0.9, "Making it sound nice")
    wav = _synth.wav_bytes(_synth.normalise(audio, 0.89))
    meta = {
        "mood": plan.mood,
        "mood_from": plan.mood_from,
        "key": song.key_name,
        "tonic": _midi.PC_NAMES[song.tonic],
        "mode": song.mode,
        "scale": [_midi.PC_NAMES[pc] for pc in song.scale],
        "tempo": song.tempo,
        "bars": song.bars,
        "beats_per_bar": 4,
        "loop": song.loop,
        "drums": plan.drums,
        "chords": song.roman(),
        "instruments": {p.name: p.instrument for p in song.parts},
        "duration_s": round(len(audio) / RATE, 3),
        "sample_rate": RATE,
    }
    stem = words.slug(req.intent, f"{plan.mood}-music")
    req.progress(1.0, "Your music is ready!")
    return GenResult(
        outputs=[
            Output(data=wav, mime=WAV, name=f"{stem}.wav", role="main", meta=meta),
            Output(data=midi_data, mime=MIDI, name=f"{stem}.mid", role="midi", meta=meta),
        ],
        meta=meta,
    )


ACTION = ActionSpec(
    id="music",
    name="Music",
    description="A short piece of music with chords, melody, bass and drums.",
    output="audio",
    deadline_s=45.0,
    params=(
        choice(
            "mood",
            "Mood",
            ("auto", "happy", "sad", "spooky", "epic", "calm"),
            "auto",
            "How the music feels. Auto reads it from your words.",
        ),
        choice(
            "key",
            "Key",
            ("auto", "C", "D", "E", "F", "G", "A", "B"),
            "auto",
            "The home note of the music.",
        ),
        integer("tempo", "Tempo", None, 40, 220, "Beats per minute. Leave empty to match the mood."),
        integer("bars", "Length", 16, 4, 64, "How many bars long (16 bars is about half a minute)."),
        boolean("drums", "Drums", True, "Add a drum beat."),
        boolean("loop", "Loop", True, "Make the end lead smoothly back to the start."),
    ),
    keywords=kw("music, song, tune, melody, soundtrack, jingle, beat, drum, theme"),
    make=make,
)
