"""Audio · Voice: Says your words out loud in a character voice.

A babble voice: one formant-shaped blip per syllable, with pauses at punctuation and a
question that rises; a 16-bit mono WAV.
"""

from __future__ import annotations

import math
import struct
import unicodedata
from dataclasses import dataclass, replace

import numpy as np

from limbs.craft import synth as _synth
from limbs.craft import words as words
from limbs.formats import OutputInvalid
from limbs.formats.wav import validate_wav
from limbs.params import choice, kw, number
from limbs.parts.audio._sound import F64, RATE, WAV
from limbs.parts.audio._voice import VOICES, Voice, choose_voice, spoken_text
from limbs.providers.tasks import TEXT_TO_SPEECH, SpeechAsk, Task
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output

_VOWELS = "aeiouy"
# Formant centres (Hz) of each vowel: what makes an "ah" differ from an "ee".
FORMANTS: dict[str, tuple[float, float, float]] = {
    "a": (800.0, 1200.0, 2500.0),
    "e": (500.0, 1900.0, 2500.0),
    "i": (300.0, 2300.0, 3000.0),
    "o": (500.0, 900.0, 2400.0),
    "u": (330.0, 800.0, 2300.0),
}
_SHORT_PAUSE = ",;:、，；：–—"  # noqa: RUF001 (full-width punctuation is intended)
_LONG_PAUSE = ".!?。！？…"  # noqa: RUF001
# Seconds per syllable at speed 1: syllable-timed languages run faster than English.
SYLLABLE_S = {
    "en": 0.11,
    "es": 0.095,
    "fr": 0.1,
    "de": 0.115,
    "it": 0.095,
    "pt": 0.1,
    "ja": 0.085,
    "zh": 0.13,
}


@dataclass(frozen=True)
class Syllable:
    vowel: str
    word_start: bool
    tone: int  # 0 = none; 1..4 Mandarin-like contours
    sentence: int


@dataclass(frozen=True)
class Pause:
    seconds: float


Item = Syllable | Pause


def _base_vowel(ch: str) -> str:
    return unicodedata.normalize("NFD", ch)[0].lower()


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x3040 <= o <= 0x30FF or 0x3400 <= o <= 0x9FFF or 0xAC00 <= o <= 0xD7AF


def _word_syllables(word: str, language: str) -> list[str]:
    """Vowel of each syllable: one per vowel group (English drops a silent final e)."""
    letters = [_base_vowel(c) for c in word]
    groups: list[str] = []
    prev = False
    for ch in letters:
        vowel = ch in _VOWELS
        if vowel and not prev:
            groups.append("i" if ch == "y" else ch)
        prev = vowel
    if (
        language == "en"
        and len(groups) > 1
        and len(letters) > 2
        and letters[-1] == "e"
        and letters[-2] not in _VOWELS
        and not (letters[-2] == "l" and letters[-3] not in _VOWELS)  # "ta-ble" keeps its e
    ):
        groups.pop()
    if not groups and any(c.isalnum() for c in word):
        groups = ["u"] * max(1, sum(c.isdigit() for c in word))  # "hmm", "7": a hum per beat
    return groups


def syllabify(text: str, language: str) -> tuple[list[Item], list[str]]:
    """Syllables and pauses in order, plus each sentence's end mark ("?", "!", "." or "")."""
    items: list[Item] = []
    marks: list[str] = [""]
    word = ""
    ended = False

    def add(syllable: Syllable) -> None:
        nonlocal ended
        if ended:  # the first syllable after a full stop starts the next sentence
            marks.append("")
            ended = False
        items.append(replace(syllable, sentence=len(marks) - 1))

    def flush() -> None:
        nonlocal word
        for i, vowel in enumerate(_word_syllables(word, language)):
            add(Syllable(vowel, i == 0, 0, 0))
        word = ""

    for ch in text:
        if _is_cjk(ch):
            flush()
            # Each CJK character is one syllable; its code point stands in for its vowel and tone.
            tone = 1 + ord(ch) % 4 if language == "zh" else 0
            add(Syllable("aeiou"[ord(ch) % 5], True, tone, 0))
        elif ch.isalnum() or ch in "'’":  # noqa: RUF001
            word += ch
        elif ch in _LONG_PAUSE or ch in _SHORT_PAUSE:
            flush()
            seconds = 0.42 if ch in _LONG_PAUSE else 0.22
            if items and isinstance(items[-1], Pause):
                items[-1] = Pause(max(items[-1].seconds, seconds))  # "?!" or "..." is one pause
            elif items:
                items.append(Pause(seconds))
            if ch in _LONG_PAUSE and items:
                mark = {"？": "?", "！": "!", "…": "."}.get(ch, ch)  # noqa: RUF001
                # In "really?!" the question still rises.
                marks[-1] = marks[-1] if marks[-1] == "?" else mark
                ended = True
        else:
            flush()
    flush()
    while items and isinstance(items[-1], Pause):
        items.pop()
    return items, marks


def _voiced_blip(
    voice: Voice,
    vowel: str,
    f_start: float,
    f_end: float,
    seconds: float,
    level: float,
    harmonics: int,
) -> F64:
    n = max(16, int(seconds * RATE))
    t = np.arange(n) / RATE
    semis = np.linspace(0.0, 12.0 * math.log2(f_end / f_start), n)
    freq = f_start * 2.0 ** (semis / 12.0)
    if voice.buzz == "creature":
        freq = freq * (1.0 + 0.05 * np.sin(2.0 * np.pi * 27.0 * t))  # a growly wobble
    phase = np.cumsum(freq / RATE)
    # Harmonic amplitudes: a buzzy source shaped by three formant resonances.
    f_mid = math.sqrt(f_start * f_end)
    k = np.arange(1, harmonics + 1, dtype=np.float64)
    k = k[k * f_mid < 5000.0]
    centres = np.array(FORMANTS.get(vowel, FORMANTS["a"])) * voice.formant_scale
    widths = np.array([90.0, 120.0, 170.0])
    heights = np.array([1.0, 0.6, 0.25])
    hz = k[:, None] * f_mid
    shape = (heights / (1.0 + ((hz - centres) / widths) ** 2)).sum(axis=1)
    amps = shape * (1.0 if voice.buzz == "robot" else 1.0 / np.sqrt(k))
    if voice.buzz == "robot":
        amps = np.where(k % 2 == 1, amps + 0.15, amps * 0.3)  # hollow, square-ish buzz
    table = np.sin(2.0 * np.pi * np.outer(np.arange(1024) / 1024.0, k)) @ amps
    wave_ = table[((phase * 1024.0) % 1024.0).astype(np.int64)]
    if voice.buzz == "robot":
        wave_ = wave_ * (0.65 + 0.35 * np.sin(2.0 * np.pi * 70.0 * t))
    attack, release = min(n // 3, int(0.008 * RATE)), min(n // 2, int(0.03 * RATE))
    env = np.ones(n)
    env[:attack] = np.linspace(0.0, 1.0, attack)
    env[n - release :] = np.linspace(1.0, 0.0, release)
    out: F64 = wave_ / max(float(np.max(np.abs(table))), 1e-9) * env * level
    return out


def make(req: GenRequest) -> GenResult:
    req.progress(0.05, "Reading your words")
    text = spoken_text(req.intent)
    language = str(req.params.get("language", "en"))
    speed = float(req.params.get("speed", 1.0))
    if not 0.25 <= speed <= 4.0:
        raise GeneratorInputError("speed", "Speed must be between 0.25 and 4.")
    voice_name, voice_from = choose_voice(req)
    voice = VOICES[voice_name]
    items, marks = syllabify(text, language)
    syllables = [it for it in items if isinstance(it, Syllable)]
    if not syllables:
        raise GeneratorInputError("intent", "There are no words to say. Type something to say out loud.")
    rng = np.random.default_rng(words.derive_seed(req.seed, req.intent, "audio.speech"))
    per_sentence: dict[int, int] = {}
    for s in syllables:
        per_sentence[s.sentence] = per_sentence.get(s.sentence, 0) + 1
    harmonics = {"low": 12, "medium": 24, "high": 40}.get(req.tension, 24)
    syl_s = SYLLABLE_S.get(language, 0.11) / speed
    gap_s, word_gap_s = 0.028 / speed, 0.07 / speed
    pieces: list[F64] = [np.zeros(int(0.06 * RATE))]
    position: dict[int, int] = {}
    pauses = 0
    req.progress(0.3, "Warming up the voice")
    for idx, item in enumerate(items):
        if isinstance(item, Pause):
            pieces.append(np.zeros(int(item.seconds / speed * RATE)))
            pauses += 1
            continue
        nth = position.get(item.sentence, 0)
        position[item.sentence] = nth + 1
        count = per_sentence[item.sentence]
        mark = marks[min(item.sentence, len(marks) - 1)]
        # Intonation: a gentle fall across a sentence; a question rises on its last two syllables.
        semis = -2.0 * nth / max(count - 1, 1) + float(rng.normal(0.0, voice.spread * 0.5))
        glide = -0.8
        if mark == "?" and nth >= count - 2:
            semis += 4.0 if nth == count - 2 else 7.0
            glide = 3.0
        if mark == "!":
            semis += 2.0
        if item.tone:
            semis += (0.0, 1.0, -1.0, -2.0, 2.0)[item.tone]
            glide = (0.0, 0.0, 4.0, -3.0, -6.0)[item.tone]
        if voice.buzz == "robot":
            semis, glide = (3.0 if mark == "?" and nth == count - 1 else 0.0), 0.0
        f_start = voice.f0 * 2.0 ** (semis / 12.0)
        f_end = f_start * 2.0 ** (glide / 12.0)
        length = syl_s * (1.25 if item.word_start else 1.0) * (1.4 if nth == count - 1 else 1.0)
        level = (1.0 if item.word_start else 0.8) * (1.15 if mark == "!" else 1.0)
        pieces.append(_voiced_blip(voice, item.vowel, f_start, f_end, length, level, harmonics))
        nxt = items[idx + 1] if idx + 1 < len(items) else None
        if isinstance(nxt, Syllable):
            pieces.append(np.zeros(int((word_gap_s if nxt.word_start else gap_s) * RATE)))
    pieces.append(np.zeros(int(0.1 * RATE)))
    req.progress(0.85, "Speaking")
    audio = _synth.normalise(np.concatenate(pieces), 0.89)
    data = _synth.wav_bytes(audio)
    meta = {
        "text": text,
        "voice": voice_name,
        "voice_from": voice_from,
        "language": language,
        "speed": speed,
        "syllables": len(syllables),
        "pauses": pauses,
        "duration_s": round(len(audio) / RATE, 3),
        "sample_rate": RATE,
        "method": "babble",
    }
    req.progress(1.0, "All said!")
    name = words.slug(text, "voice") + ".wav"
    return GenResult(outputs=[Output(data=data, mime=WAV, name=name, role="main", meta=meta)], meta=meta)


# --- a model's voice -------------------------------------------------------------------


def _ask(req: GenRequest) -> SpeechAsk:
    """The words to say and how, read exactly as the babble voice reads them."""
    voice, _ = choose_voice(req)
    return SpeechAsk(
        text=spoken_text(req.intent),
        voice=voice,
        language=str(req.params.get("language", "en")),
        speed=float(req.params.get("speed", 1.0)),
    )


def is_mp3(data: bytes) -> bool:
    """An ID3 tag or an MPEG audio frame sync: what MP3-only models send."""
    return data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


# What streaming WAV writers put in the size fields when they cannot know the length yet.
_PLACEHOLDER_SIZES = (0, 0xFFFFFFFF)


def _rewrap_wav(data: bytes) -> bytes:
    """A RIFF/WAVE whose data size is a placeholder (streamed writers cannot know the length
    up front), rewritten with the real sizes. Anything else, a truncated file included (its
    size is real, its body short), is returned unchanged for the validator to refuse."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return data
    offset, fmt = 12, b""
    while offset + 8 <= len(data):
        cid, size = struct.unpack_from("<4sI", data, offset)
        body = offset + 8
        if cid == b"fmt ":
            fmt = data[body : body + size]
        elif cid == b"data" and fmt:
            if size not in _PLACEHOLDER_SIZES:
                return data
            samples = data[body:]
            align = struct.unpack_from("<H", fmt, 12)[0] if len(fmt) >= 14 else 1
            samples = samples[: len(samples) - len(samples) % max(1, align)]
            chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(samples))
            chunks += samples + (b"\x00" if len(samples) % 2 else b"")
            return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks
        offset = body + size + (size & 1)
    return data


def _answer(req: GenRequest, audio: bytes, source: str) -> list[Output]:
    """A model's audio as the WAV the studio stores, checked like the babble voice's.

    MP3 is refused outright: without a decoder the studio cannot tell a voice from noise or
    silence, and it never stores audio it could not check.
    """
    ask = _ask(req)
    if is_mp3(audio):
        raise OutputInvalid("the audio is MP3, which the studio cannot check")
    try:
        info = validate_wav(audio)
    except OutputInvalid:
        audio = _rewrap_wav(audio)
        try:
            info = validate_wav(audio)
        except OutputInvalid as exc:
            raise OutputInvalid(f"the audio is not a usable WAV: {exc}") from exc
    meta = {
        "text": ask.text,
        "voice": ask.voice,
        "voice_from": choose_voice(req)[1],
        "language": ask.language,
        "speed": ask.speed,
        "duration_s": round(float(info["seconds"]), 3),
        "sample_rate": info["rate"],
        "method": "model",
        "source": source,
    }
    return [Output(data=audio, mime=WAV, name=words.slug(ask.text, "voice") + ".wav", role="main", meta=meta)]


TASK = Task(TEXT_TO_SPEECH, _ask, _answer)


ACTION = ActionSpec(
    id="speech",
    name="Voice",
    description="Says your words out loud in a character voice.",
    output="audio",
    ai_tiers=("cloudflare",),
    task=TASK.shape.name,
    params=(
        choice(
            "voice",
            "Voice",
            ("auto", "bright", "deep", "robot", "creature"),
            "auto",
            "Who is speaking.",
        ),
        number("speed", "Speed", 1.0, 0.5, 2.0, "1 is normal speed.", step=0.1),
        choice(
            "language",
            "Language",
            ("en", "es", "fr", "de", "it", "pt", "ja", "zh"),
            "en",
            "The language of the words.",
        ),
    ),
    keywords=kw("voice, speak, say, saying, speech, narrator, read aloud, talk"),
    make=make,
)
