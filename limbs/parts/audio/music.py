"""Audio · Music: A short piece of music with chords, melody, bass and drums."""

from __future__ import annotations

from limbs.generators.audio import music as make
from limbs.params import boolean, choice, integer, kw
from limbs.spec import ActionSpec

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
