"""Audio · Sound effect: A retro game sound such as a coin, laser, jump or explosion.

Presets are sfxr-style parameter sets picked by the param, the intent's words or the seed;
the sound is a 16-bit mono WAV, the same bytes for the same request.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from limbs.craft import synth as _synth
from limbs.craft import words as words
from limbs.params import choice, kw, number
from limbs.parts.audio._sound import RATE, WAV, word_tokens
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output

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
    for i, token in enumerate(word_tokens(intent)):
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


def make(req: GenRequest) -> GenResult:
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


# The classic sfxr parameter set (names as in jsfxr), for fine control over sfx.
SFXR_PARAMS = (
    choice(
        "wave_type",
        "Wave",
        ("auto", "square", "sawtooth", "sine", "noise"),
        "auto",
        "The basic buzz of the sound. Auto uses the preset's wave.",
    ),
    number("p_env_attack", "Attack", None, 0.0, 1.0, "How slowly the sound fades in. Empty uses the preset."),
    number("p_env_sustain", "Sustain", None, 0.0, 1.0, "How long the sound stays loud."),
    number("p_env_punch", "Punch", None, 0.0, 1.0, "An extra kick at the start."),
    number("p_env_decay", "Decay", None, 0.0, 1.0, "How slowly the sound fades out."),
    number("p_base_freq", "Pitch", None, 0.0, 1.0, "How high the sound starts."),
    number("p_freq_limit", "Lowest pitch", None, 0.0, 1.0, "The sound stops if the pitch falls below this."),
    number("p_freq_ramp", "Slide", None, -1.0, 1.0, "Pitch slides up (positive) or down (negative)."),
    number("p_freq_dramp", "Delta slide", None, -1.0, 1.0, "Makes the slide speed up or slow down."),
    number("p_vib_strength", "Vibrato depth", None, 0.0, 1.0, "How much the pitch wobbles."),
    number("p_vib_speed", "Vibrato speed", None, 0.0, 1.0, "How fast the pitch wobbles."),
    number("p_arp_mod", "Change amount", None, -1.0, 1.0, "A sudden jump in pitch partway through."),
    number("p_arp_speed", "Change speed", None, 0.0, 1.0, "When the sudden jump happens."),
    number("p_duty", "Square duty", None, 0.0, 1.0, "Shape of the square wave (thin or fat buzz)."),
    number("p_duty_ramp", "Duty sweep", None, -1.0, 1.0, "Changes the square shape over time."),
    number("p_repeat_speed", "Repeat speed", None, 0.0, 1.0, "Replays the pitch slide again and again."),
    number("p_pha_offset", "Phaser offset", None, -1.0, 1.0, "A swooshy echo effect."),
    number("p_pha_ramp", "Phaser sweep", None, -1.0, 1.0, "Moves the swoosh over time."),
    number("p_lpf_freq", "Low-pass cutoff", None, 0.0, 1.0, "Lower values make it softer and muffled."),
    number("p_lpf_ramp", "Low-pass sweep", None, -1.0, 1.0, "Opens or closes the muffling over time."),
    number("p_lpf_resonance", "Low-pass resonance", None, 0.0, 1.0, "Adds a ringing edge to the muffling."),
    number("p_hpf_freq", "High-pass cutoff", None, 0.0, 1.0, "Higher values make it thinner and tinny."),
    number("p_hpf_ramp", "High-pass sweep", None, -1.0, 1.0, "Changes the thinness over time."),
)

ACTION = ActionSpec(
    id="sfx",
    name="Sound effect",
    description="A retro game sound such as a coin, laser, jump or explosion.",
    output="audio",
    needs_intent=True,
    params=(
        choice(
            "preset",
            "Preset",
            (
                "auto",
                "pickupCoin",
                "laserShoot",
                "explosion",
                "powerUp",
                "hitHurt",
                "jump",
                "blipSelect",
            ),
            "auto",
            "A starting sound. Auto picks one from your words.",
        ),
        number("sound_vol", "Volume", 0.5, 0.05, 1.0, "How loud the sound is.", step=0.05),
        *SFXR_PARAMS,
    ),
    keywords=kw(
        "sfx, sound effect, effect, boom, beep, bang, zap, pew, blip, whoosh, ding, explosion, "
        "laser, coin, jump, hit, hurt, power up, pickup"
    ),
    make=make,
)
