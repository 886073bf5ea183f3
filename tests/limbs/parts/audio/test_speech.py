"""audio.speech: a babble voice with one blip per syllable, pauses at punctuation and rising questions."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from limbs.formats.wav import validate_wav
from limbs.parts.audio.speech import Pause, syllabify
from limbs.parts.audio.speech import make as make_speech
from limbs.spec import GeneratorInputError, GenRequest, GenResult
from tests.limbs.parts.audio.helpers import RATE, params_for, samples


def speech(intent: str, seed: int = 1, **params: Any) -> GenResult:
    return make_speech(GenRequest(intent, params_for("speech", **params), seed))


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
    items, _ = syllabify(text, "en")
    assert len(items) == count


def test_runs_of_punctuation_make_one_pause_and_keep_the_question() -> None:
    items, marks = syllabify("wait... what?!", "en")
    pauses = [it for it in items if isinstance(it, Pause)]
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
