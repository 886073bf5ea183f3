"""Procedural audio: sfxr-style sound effects, composed music, babble speech and sound analysis.

Every function takes a ``GenRequest`` and returns real files (16-bit PCM WAV, type-1 MIDI, JSON,
PNG). No network, no global random state, no clock: the same request gives the same bytes.
"""

from __future__ import annotations

import io
import json
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from limbs.craft import midi as _midi
from limbs.craft import synth as _synth
from limbs.craft import words as words
from limbs.formats import OutputInvalid
from limbs.formats.wav import read_wav
from limbs.spec import GeneratorInputError, GenRequest, GenResult, Output

F64 = npt.NDArray[np.float64]
RATE = _synth.RATE
WAV = "audio/wav"
MIDI = "audio/midi"

# ---------------------------------------------------------------------------------------
# Sound effects
# ---------------------------------------------------------------------------------------

SFXR_FIELDS = tuple(f for f in _synth.SfxrParams().as_dict() if f.startswith("p_"))
PRESETS = ("pickupCoin", "laserShoot", "explosion", "powerUp", "hitHurt", "jump", "blipSelect")

PRESET_WORDS: dict[str, tuple[str, ...]] = {
    "pickupCoin": (
        "coin", "pickup", "pick", "collect", "collectible", "gem", "jewel", "ring", "ding", "treasure",
        "money", "gold", "cash", "point", "score", "reward", "item", "star", "chime",
    ),
    "laserShoot": (
        "laser", "shoot", "shot", "shooting", "zap", "pew", "blaster", "gun", "ray", "beam", "bullet",
        "phaser", "projectile",
    ),
    "explosion": (
        "boom", "explosion", "explode", "exploding", "bomb", "blast", "kaboom", "crash", "bang", "thunder",
        "grenade", "destroy", "rumble", "dynamite", "firework",
    ),
    "powerUp": (
        "power", "powerup", "upgrade", "level", "levelup", "heal", "healing", "spell", "boost", "bonus",
        "buff", "charge", "potion", "grow",
    ),
    "hitHurt": (
        "hit", "hurt", "damage", "ouch", "punch", "pain", "smack", "slap", "kick", "attack", "bump", "oof",
        "injury", "owie",
    ),
    "jump": ("jump", "hop", "bounce", "boing", "leap", "spring", "jumping", "bouncy"),
    "blipSelect": (
        "blip", "select", "menu", "click", "beep", "button", "ui", "tick", "confirm", "cursor", "bleep",
        "notification", "alert",
    ),
}  # fmt: skip
_PRESET_OF = {w: preset for preset, ws in PRESET_WORDS.items() for w in ws}


def _tokens(text: str) -> list[str]:
    out = []
    for t in words.normalise(text).split():
        out.append(t)
        if len(t) > 3 and t.endswith("s"):
            out.append(t[:-1])  # "coins" -> "coin"
    return out


def _pick(rng: np.random.Generator, *options: str) -> str:
    return options[int(rng.integers(0, len(options)))]


def _coin(rng: np.random.Generator) -> dict[str, Any]:
    # Always a two-step rise: the arpeggio shortens the period partway through (the "ba-ding").
    return {
        "wave_type": _pick(rng, "square", "square", "sawtooth"),
        "p_base_freq": rng.uniform(0.42, 0.72),
        "p_env_sustain": rng.uniform(0.08, 0.18),
        "p_env_decay": rng.uniform(0.3, 0.5),
        "p_env_punch": rng.uniform(0.3, 0.6),
        "p_arp_speed": rng.uniform(0.5, 0.7),
        "p_arp_mod": rng.uniform(0.35, 0.6),
        "p_duty": rng.uniform(0.0, 0.5),
    }


def _laser(rng: np.random.Generator) -> dict[str, Any]:
    p: dict[str, Any] = {"wave_type": _pick(rng, "square", "sawtooth", "sine")}
    if rng.random() < 0.66:
        base = rng.uniform(0.55, 0.95)
        p.update(p_base_freq=base, p_freq_limit=max(0.2, base - 0.25 - rng.uniform(0.0, 0.3)))
        p["p_freq_ramp"] = -rng.uniform(0.18, 0.35)
    else:
        p.update(p_base_freq=rng.uniform(0.4, 0.85), p_freq_limit=rng.uniform(0.0, 0.1))
        p["p_freq_ramp"] = -rng.uniform(0.35, 0.6)
    if rng.random() < 0.5:
        p.update(p_duty=rng.uniform(0.0, 0.5), p_duty_ramp=rng.uniform(0.0, 0.2))
    else:
        p.update(p_duty=rng.uniform(0.4, 0.9), p_duty_ramp=-rng.uniform(0.0, 0.7))
    p.update(p_env_sustain=rng.uniform(0.1, 0.25), p_env_decay=rng.uniform(0.1, 0.35))
    if rng.random() < 0.5:
        p["p_env_punch"] = rng.uniform(0.0, 0.3)
    if rng.random() < 0.33:
        p.update(p_pha_offset=rng.uniform(0.0, 0.2), p_pha_ramp=-rng.uniform(0.0, 0.2))
    if rng.random() < 0.5:
        p["p_hpf_freq"] = rng.uniform(0.0, 0.3)
    return p


def _explosion(rng: np.random.Generator) -> dict[str, Any]:
    p: dict[str, Any] = {"wave_type": "noise"}
    if rng.random() < 0.5:
        p.update(p_base_freq=rng.uniform(0.3, 0.5) ** 2, p_freq_ramp=rng.uniform(-0.1, 0.15))
    else:
        p.update(p_base_freq=rng.uniform(0.3, 0.7) ** 2, p_freq_ramp=-rng.uniform(0.15, 0.3))
    if rng.random() < 0.33:
        p["p_repeat_speed"] = rng.uniform(0.3, 0.7)
    p.update(
        p_env_sustain=rng.uniform(0.1, 0.3),
        p_env_decay=rng.uniform(0.4, 0.6),
        p_env_punch=rng.uniform(0.3, 0.8),
    )
    if rng.random() < 0.5:
        p.update(p_pha_offset=rng.uniform(-0.3, 0.6), p_pha_ramp=-rng.uniform(0.0, 0.3))
    if rng.random() < 0.5:
        p.update(p_vib_strength=rng.uniform(0.0, 0.7), p_vib_speed=rng.uniform(0.0, 0.6))
    return p


def _power_up(rng: np.random.Generator) -> dict[str, Any]:
    p: dict[str, Any] = {"wave_type": "sawtooth"} if rng.random() < 0.5 else {"p_duty": rng.uniform(0, 0.6)}
    if rng.random() < 0.5:
        p.update(
            p_base_freq=rng.uniform(0.2, 0.45),
            p_freq_ramp=rng.uniform(0.12, 0.4),
            p_repeat_speed=rng.uniform(0.4, 0.75),
        )
    else:
        p.update(p_base_freq=rng.uniform(0.2, 0.45), p_freq_ramp=rng.uniform(0.08, 0.25))
        if rng.random() < 0.5:
            p.update(p_vib_strength=rng.uniform(0.0, 0.7), p_vib_speed=rng.uniform(0.0, 0.6))
    p.update(p_env_sustain=rng.uniform(0.1, 0.4), p_env_decay=rng.uniform(0.15, 0.45))
    return p


def _hit(rng: np.random.Generator) -> dict[str, Any]:
    wave_type = _pick(rng, "square", "sawtooth", "noise")
    p: dict[str, Any] = {"wave_type": wave_type}
    if wave_type == "square":
        p["p_duty"] = rng.uniform(0.0, 0.6)
    p.update(
        p_base_freq=rng.uniform(0.2, 0.7),
        p_freq_ramp=-rng.uniform(0.3, 0.65),
        p_env_sustain=rng.uniform(0.02, 0.1),
        p_env_decay=rng.uniform(0.12, 0.3),
    )
    if rng.random() < 0.5:
        p["p_hpf_freq"] = rng.uniform(0.0, 0.3)
    return p


def _jump(rng: np.random.Generator) -> dict[str, Any]:
    p: dict[str, Any] = {
        "wave_type": "square",
        "p_duty": rng.uniform(0.0, 0.6),
        "p_base_freq": rng.uniform(0.3, 0.55),
        "p_freq_ramp": rng.uniform(0.12, 0.3),
        "p_env_sustain": rng.uniform(0.1, 0.3),
        "p_env_decay": rng.uniform(0.1, 0.3),
    }
    if rng.random() < 0.5:
        p["p_hpf_freq"] = rng.uniform(0.0, 0.3)
    if rng.random() < 0.5:
        p["p_lpf_freq"] = rng.uniform(0.5, 1.0)
    return p


def _blip(rng: np.random.Generator) -> dict[str, Any]:
    return {
        "wave_type": _pick(rng, "square", "sawtooth"),
        "p_duty": rng.uniform(0.0, 0.6),
        "p_base_freq": rng.uniform(0.25, 0.6),
        "p_env_sustain": rng.uniform(0.08, 0.2),
        "p_env_decay": rng.uniform(0.05, 0.2),
        "p_hpf_freq": 0.1,
    }


PRESET_MAKERS: dict[str, Callable[[np.random.Generator], dict[str, Any]]] = {
    "pickupCoin": _coin,
    "laserShoot": _laser,
    "explosion": _explosion,
    "powerUp": _power_up,
    "hitHurt": _hit,
    "jump": _jump,
    "blipSelect": _blip,
}


def choose_preset(intent: str, preset: str, rng: np.random.Generator) -> tuple[str, str]:
    """(preset, why): the param wins, then the intent's words, then the seed."""
    if preset in PRESET_MAKERS:
        return preset, "param"
    scores: dict[str, int] = {}
    first: dict[str, int] = {}
    for i, token in enumerate(_tokens(intent)):
        hit = _PRESET_OF.get(token)
        if hit is not None:
            scores[hit] = scores.get(hit, 0) + 1
            first.setdefault(hit, i)
    if scores:
        return max(scores, key=lambda k: (scores[k], -first[k])), "words"
    return PRESETS[int(rng.integers(0, len(PRESETS)))], "seed"


def sfxr_settings(req: GenRequest) -> tuple[_synth.SfxrParams, str, str]:
    rng = np.random.default_rng(words.derive_seed(req.seed, req.intent, "audio.sfx"))
    preset, why = choose_preset(req.intent, str(req.params.get("preset", "auto")), rng)
    values = PRESET_MAKERS[preset](rng)
    for name in SFXR_FIELDS:
        if req.params.get(name) is not None:
            values[name] = float(req.params[name])
    wave_type = str(req.params.get("wave_type", "auto"))
    if wave_type != "auto":
        if wave_type not in _synth.WAVES:
            raise GeneratorInputError("wave_type", f"Unknown wave {wave_type!r}.")
        values["wave_type"] = wave_type
    return _synth.SfxrParams().with_overrides(values), preset, why


def sfx(req: GenRequest) -> GenResult:
    req.progress(0.05, "Picking a sound")
    params, preset, why = sfxr_settings(req)
    volume = float(req.params.get("sound_vol", 0.5))
    oversample = {"low": 4, "medium": 8, "high": 16}.get(req.tension, 8)
    noise_rng = np.random.default_rng(words.derive_seed(req.seed, req.intent, "audio.sfx.noise"))
    req.progress(0.3, "Making the sound")
    try:
        raw, oversample = _synth.render_sfxr(params, noise_rng, oversample)
    except _synth.SilentSettings as exc:
        raise GeneratorInputError(exc.field, str(exc)) from None
    x = _synth.dc_block(raw)
    if float(np.sqrt(np.mean(x * x))) < 1e-6:
        blame = (
            "p_lpf_freq"
            if params.p_lpf_freq < 0.05
            else "p_hpf_freq"
            if params.p_hpf_freq > 0.9
            else "preset"
        )
        raise GeneratorInputError(blame, "These settings make no sound at all. Try opening the filters.")
    # Volume is linear in loudness (sqrt of power), floored so a requested sound is always audible.
    peak = 0.97 * math.sqrt(max(0.05, min(1.0, volume)))
    x = _synth.fade(_synth.normalise(x, peak), 0.0, 0.002)
    data = _synth.wav_bytes(x)
    meta = {
        "preset": preset,
        "preset_from": why,
        "duration_s": round(len(x) / RATE, 4),
        "sample_rate": RATE,
        "peak_dbfs": round(20.0 * math.log10(peak), 2),
        "start_hz": round(_synth.base_hz(params.p_base_freq), 1),
        "oversample": oversample,
        "params": params.as_dict(),
    }
    req.progress(1.0, "Your sound is ready!")
    name = words.slug(req.intent, preset) + ".wav"
    return GenResult(outputs=[Output(data=data, mime=WAV, name=name, role="main", meta=meta)], meta=meta)


# ---------------------------------------------------------------------------------------
# Music
# ---------------------------------------------------------------------------------------

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
    tokens = _tokens(req.intent)
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


def music(req: GenRequest) -> GenResult:
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


# ---------------------------------------------------------------------------------------
# Speech: a syllable babble voice
# ---------------------------------------------------------------------------------------

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
class Voice:
    f0: float  # Hz
    spread: float  # semitones of random pitch per syllable
    formant_scale: float
    buzz: str  # "voice" | "robot" | "creature"


VOICES = {
    "bright": Voice(260.0, 3.0, 1.12, "voice"),
    "deep": Voice(105.0, 2.0, 0.86, "voice"),
    "robot": Voice(150.0, 0.0, 1.0, "robot"),
    "creature": Voice(185.0, 7.0, 0.95, "creature"),
}
VOICE_WORDS: dict[str, tuple[str, ...]] = {
    "robot": ("robot", "robotic", "bot", "android", "computer", "machine", "cyborg", "droid"),
    "creature": ("monster", "creature", "alien", "goblin", "beast", "troll", "orc", "zombie", "gremlin",
                 "critter", "dragon", "ogre", "slime"),
    "deep": ("deep", "giant", "old", "king", "grandpa", "dad", "father", "wizard", "man", "villain", "boss",
             "bear", "low"),
    "bright": ("girl", "boy", "kid", "child", "fairy", "squeaky", "high", "tiny", "little", "cute"),
}  # fmt: skip


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


def spoken_text(intent: str) -> str:
    """The words to say: quoted text, else what follows "saying", else the whole intent."""
    quoted = re.search(r"[\"“«「](.+?)[\"”»」]", intent)
    if quoted:
        return quoted.group(1).strip()
    after = re.search(
        r"\b(?:saying|says|say|said|speaks|speaking|tells|telling)\b[:,]?\s+(.+)$", intent, re.I
    )
    if after:
        return after.group(1).strip()
    return intent.strip()


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


def choose_voice(req: GenRequest) -> tuple[str, str]:
    voice = str(req.params.get("voice", "auto"))
    if voice in VOICES:
        return voice, "param"
    tokens = _tokens(req.intent)
    for name in ("robot", "creature", "deep", "bright"):
        if any(t in VOICE_WORDS[name] for t in tokens):
            return name, "words"
    return "bright", "default"


def speech(req: GenRequest) -> GenResult:
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


# ---------------------------------------------------------------------------------------
# Analysis
# ---------------------------------------------------------------------------------------


def _dbfs(value: float) -> float | None:
    return round(20.0 * math.log10(value), 2) if value > 0 else None


def dominant_frequency(mono: F64, rate: int) -> float | None:
    """The strongest frequency above 20 Hz, from an averaged (Welch) spectrum with peak interpolation."""
    size = 1 << max(8, min(15, int(math.log2(max(len(mono), 256)))))
    if len(mono) < size:
        mono = np.concatenate([mono, np.zeros(size - len(mono))])
    hop = size // 2
    starts = np.arange(0, len(mono) - size + 1, hop)[:64]  # at most 64 frames: enough, and bounded
    frames = np.stack([mono[s : s + size] for s in starts]) * np.hanning(size)
    power = np.mean(np.abs(np.fft.rfft(frames, axis=1)) ** 2, axis=0)
    low = math.ceil(20.0 * size / rate)
    if low >= len(power) - 1 or float(np.max(power[low:])) <= 0.0:
        return None
    i = low + int(np.argmax(power[low:]))
    shift = 0.0
    if 0 < i < len(power) - 1:
        a, b, c = (math.log(max(float(v), 1e-300)) for v in power[i - 1 : i + 2])
        denom = a - 2.0 * b + c
        shift = 0.5 * (a - c) / denom if denom != 0 else 0.0
    return round((i + shift) * rate / size, 2)


def waveform_png(mono: F64, width: int, label: str) -> bytes:
    """Min/max envelope per pixel column (cyan), RMS inside it (pale), clipped columns red."""
    height = max(120, min(400, width // 4))
    mid = (height - 1) / 2.0
    edges = np.linspace(0, len(mono), width + 1).astype(np.int64)
    starts = np.minimum(edges[:-1], len(mono) - 1)
    lo = np.minimum.reduceat(mono, starts)
    hi = np.maximum.reduceat(mono, starts)
    sq = np.add.reduceat(mono * mono, starts) / np.maximum(np.diff(edges), 1)
    rms = np.sqrt(sq)
    rows = np.arange(height)[:, None]
    top, bottom = mid - hi * mid, mid - lo * mid
    wave_mask = (rows >= np.floor(top)) & (rows <= np.ceil(bottom))
    rms_mask = (rows >= mid - rms * mid) & (rows <= mid + rms * mid)
    img = np.empty((height, width, 3), dtype=np.uint8)
    img[:] = (22, 24, 38)
    for level in (0.5, -0.5):
        img[round(mid - level * mid)] = (44, 48, 70)
    img[round(mid)] = (70, 76, 104)
    img[wave_mask] = (64, 196, 214)
    img[rms_mask & wave_mask] = (170, 238, 246)
    clipped = (np.maximum(np.abs(lo), np.abs(hi)) >= 0.999)[None, :] & wave_mask
    img[clipped] = (236, 72, 72)
    picture = Image.fromarray(img)
    draw = ImageDraw.Draw(picture)
    draw.text((6, 4), label, fill=(210, 214, 230))
    buf = io.BytesIO()
    picture.save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def analyze(req: GenRequest) -> GenResult:
    data = req.inputs.get("sound")
    if not data:
        raise GeneratorInputError("sound", "Please attach a sound (a WAV file) to measure.")
    try:
        wav = read_wav(data)
    except OutputInvalid as exc:
        raise GeneratorInputError(
            "sound", f"This sound cannot be read ({exc}). Please use a WAV file."
        ) from None
    req.progress(0.2, "Listening to your sound")
    width = int(req.params.get("waveform_width", 800))
    samples = wav.samples
    mono = samples.mean(axis=1)
    peak = float(np.max(np.abs(samples)))
    rms = float(np.sqrt(np.mean(samples * samples)))
    signs = np.signbit(mono[mono != 0.0])
    crossings = int(np.count_nonzero(signs[1:] != signs[:-1]))
    seconds = wav.frames / wav.rate
    report: dict[str, Any] = {
        "duration_s": round(seconds, 4),
        "sample_rate": wav.rate,
        "channels": wav.channels,
        "bits_per_sample": wav.bits,
        "sample_format": wav.format,
        "frames": wav.frames,
        "peak": round(peak, 6),
        "rms": round(rms, 6),
        "peak_dbfs": _dbfs(peak),
        "rms_dbfs": _dbfs(rms),
        "crest_factor_db": round(20.0 * math.log10(peak / rms), 2) if rms > 0 else None,
        "dc_offset": round(float(np.mean(mono)), 6),
        "clipped_samples": int(np.count_nonzero(np.abs(samples) >= 0.999)),
        "zero_crossings": crossings,
        "zero_crossing_rate_hz": round(crossings / seconds, 2),
        "dominant_hz": dominant_frequency(mono, wav.rate),
        "silent": rms < 0.001,
    }
    req.progress(0.6, "Drawing the sound wave")
    loud = report["peak_dbfs"]
    label = f"{seconds:.2f} s   peak {'-inf' if loud is None else loud} dBFS   {wav.rate} Hz"
    png = waveform_png(mono, width, label)
    req.progress(1.0, "Finished measuring!")
    return GenResult(
        outputs=[
            Output(
                data=json.dumps(report, indent=2, sort_keys=True).encode(),
                mime="application/json",
                name="sound-analysis.json",
                role="main",
                meta=report,
            ),
            Output(
                data=png, mime="image/png", name="sound-waveform.png", role="preview", meta={"width": width}
            ),
        ],
        meta=report,
    )
