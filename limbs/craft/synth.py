"""Sound synthesis shared by the audio generators: an sfxr-style engine, instruments and WAV output.

Everything is numpy and deterministic: randomness comes only from the ``Generator`` passed in.

The sfxr engine follows the classic parameter model (per-sample pitch slide, vibrato, arpeggio,
duty sweep, repeat, envelope; oversampled waveform, resonant low-pass, high-pass, phaser), but
instead of sfxr's per-sample loop it computes each stage over whole arrays. The two filters are
linear recurrences with time-varying coefficients, solved block-wise (see ``_scan1`` and
``_lowpass``) so Python loops run about sqrt(N) times instead of N.
"""

from __future__ import annotations

import io
import math
import wave
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
RATE = 44100

WAVES = ("square", "sawtooth", "sine", "noise")
# sfxr counts time in "supersamples": eight per output sample.
_SFXR_OVERSAMPLE = 8
# Upper bound on supersamples per render; long sounds oversample less to keep memory flat.
_MAX_SUPERSAMPLES = 1_200_000


@dataclass(frozen=True)
class SfxrParams:
    """The classic sfxr parameter set (names as in jsfxr); ranges 0..1 or -1..1."""

    wave_type: str = "square"
    p_env_attack: float = 0.0
    p_env_sustain: float = 0.3
    p_env_punch: float = 0.0
    p_env_decay: float = 0.4
    p_base_freq: float = 0.3
    p_freq_limit: float = 0.0
    p_freq_ramp: float = 0.0
    p_freq_dramp: float = 0.0
    p_vib_strength: float = 0.0
    p_vib_speed: float = 0.0
    p_arp_mod: float = 0.0
    p_arp_speed: float = 0.0
    p_duty: float = 0.0
    p_duty_ramp: float = 0.0
    p_repeat_speed: float = 0.0
    p_pha_offset: float = 0.0
    p_pha_ramp: float = 0.0
    p_lpf_freq: float = 1.0
    p_lpf_ramp: float = 0.0
    p_lpf_resonance: float = 0.0
    p_hpf_freq: float = 0.0
    p_hpf_ramp: float = 0.0

    def with_overrides(self, values: dict[str, Any]) -> SfxrParams:
        known = {f.name for f in fields(self)}
        return replace(self, **{k: v for k, v in values.items() if k in known})

    def as_dict(self) -> dict[str, Any]:
        return {
            f.name: (
                getattr(self, f.name) if f.name == "wave_type" else round(float(getattr(self, f.name)), 4)
            )
            for f in fields(self)
        }


def base_hz(p_base_freq: float) -> float:
    """The pitch sfxr's base-frequency knob stands for, in hertz."""
    return RATE * _SFXR_OVERSAMPLE * (p_base_freq * p_base_freq + 0.001) / 100.0


def _blocks(n: int) -> tuple[int, int]:
    block = max(32, math.isqrt(max(n, 1)) + 1)
    return block, -(-n // block)


def _columns(x: F64, block: int, count: int, fill: float) -> F64:
    """Lay x out as (block, count): row j holds sample j of every block, contiguous for the loop."""
    pad = block * count - len(x)
    if pad:
        x = np.concatenate([x, np.full(pad, fill)])
    return np.ascontiguousarray(x.reshape(count, block).T)


def _scan1(a: F64, u: F64) -> F64:
    """y[n] = a[n] * y[n-1] + u[n] with y[-1] = 0, for any time-varying a."""
    n = len(a)
    block, count = _blocks(n)
    a2, u2 = _columns(a, block, count, 1.0), _columns(u, block, count, 0.0)
    part = np.empty_like(u2)
    gain = np.empty_like(a2)
    y = np.zeros(count)
    g = np.ones(count)
    # Every block is solved from a zero start at once; g tracks how a start value would decay.
    for j in range(block):
        y = a2[j] * y + u2[j]
        g = a2[j] * g
        part[j] = y
        gain[j] = g
    starts = np.zeros(count)
    carry = 0.0
    for b in range(count):
        starts[b] = carry
        carry = float(gain[-1, b]) * carry + float(part[-1, b])
    return (part + gain * starts).T.reshape(-1)[:n]


def _lowpass(x: F64, w: F64, g: float) -> F64:
    """sfxr's resonant low-pass, a damped spring: v = g * (v + w * (x - p)); p += v.

    Solved like ``_scan1``: each block from rest, plus how a block's start state (p, v) carries
    through it, then the start states are chained block to block.
    """
    n = len(x)
    block, count = _blocks(n)
    xs, ws = _columns(x, block, count, 0.0), _columns(w, block, count, 0.0)
    out = np.empty_like(xs)
    # Responses to a unit start position (pp, pv) and a unit start velocity (vp, vv).
    rpp, rvp = np.empty_like(xs), np.empty_like(xs)
    p, v = np.zeros(count), np.zeros(count)
    pp, pv, vp, vv = np.ones(count), np.zeros(count), np.zeros(count), np.ones(count)
    for j in range(block):
        wj = ws[j]
        v = g * (v + wj * (xs[j] - p))
        p = p + v
        pv = g * (pv - wj * pp)
        pp = pp + pv
        vv = g * (vv - wj * vp)
        vp = vp + vv
        out[j], rpp[j], rvp[j] = p, pp, vp
    # The end velocity of each block is needed for chaining; it is p[-1] - p[-2] of each response.
    start_p, start_v = np.zeros(count), np.zeros(count)
    cp = cv = 0.0
    for b in range(count):
        start_p[b], start_v[b] = cp, cv
        end_p = float(out[-1, b]) + float(rpp[-1, b]) * cp + float(rvp[-1, b]) * cv
        prev_p = float(out[-2, b]) + float(rpp[-2, b]) * cp + float(rvp[-2, b]) * cv if block > 1 else cp
        cp, cv = end_p, end_p - prev_p
    full = out + rpp * start_p + rvp * start_v
    result: F64 = full.T.reshape(-1)[:n]
    return result


def _envelope(p: SfxrParams) -> F64:
    attack = int(p.p_env_attack**2 * 100000)
    sustain = int(p.p_env_sustain**2 * 100000)
    # A floor of 10 ms so that all-zero envelopes still make an audible blip.
    decay = max(int(p.p_env_decay**2 * 100000), 441 - attack - sustain, 1)
    parts = [
        np.arange(attack) / max(attack, 1),
        1.0 + (1.0 - np.arange(sustain) / max(sustain, 1)) * 2.0 * p.p_env_punch,
        1.0 - np.arange(decay) / decay,
    ]
    env: F64 = np.concatenate(parts)
    return env


class SilentSettings(ValueError):  # noqa: N818 (reads as a reason, like OutputInvalid)
    """The sfxr settings cannot make a sound; ``field`` names the parameter to blame."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _period_curve(p: SfxrParams, length: int) -> tuple[F64, int]:
    """Log of sfxr's period (in supersamples) for one repeat segment, and where the sound stops.

    Each sample multiplies the period by the slide (which itself drifts by the delta slide) and, once,
    by the arpeggio factor; the period is capped at the lowest pitch. That clamped running product
    is a clamped running sum of logs, which has a closed form with a running minimum.
    """
    t = np.arange(length, dtype=np.float64)
    slide = (1.0 - p.p_freq_ramp**3 * 0.01) - (t + 1.0) * (p.p_freq_dramp**3 * 0.000001)
    steps = np.log(np.maximum(slide, 1e-3))
    arp_limit = 0 if p.p_arp_speed >= 1.0 else int((1.0 - p.p_arp_speed) ** 2 * 20000 + 32)
    if 0 < arp_limit < length:
        factor = 1.0 - p.p_arp_mod**2 * 0.9 if p.p_arp_mod >= 0.0 else 1.0 + p.p_arp_mod**2 * 10.0
        steps[arp_limit] += math.log(factor)
    start = math.log(100.0 / (p.p_base_freq**2 + 0.001))
    ceiling = math.log(100.0 / (p.p_freq_limit**2 + 0.001))
    if p.p_freq_limit > 0.0 and start >= ceiling:
        raise SilentSettings(
            "p_freq_limit", "The lowest pitch is above the starting pitch, so nothing plays."
        )
    total = np.cumsum(steps)
    free = start + total
    stop = length
    if p.p_freq_limit > 0.0:
        over = np.nonzero(free > ceiling)[0]
        if len(over):
            stop = int(over[0])
    curve: F64 = total + np.minimum(start, np.minimum.accumulate(ceiling - total))
    return curve, stop


def render_sfxr(p: SfxrParams, rng: np.random.Generator, oversample: int = 8) -> tuple[F64, int]:
    """Render to mono float samples at 44.1 kHz (not normalised), with the oversampling used."""
    env = _envelope(p)
    length = len(env)
    repeat = 0 if p.p_repeat_speed <= 0.0 else int((1.0 - p.p_repeat_speed) ** 2 * 20000 + 32)
    segment = min(repeat, length) if repeat else length
    log_period, stop = _period_curve(p, segment)
    if stop < segment or not repeat:
        length = min(length, stop)
    n = np.arange(length)
    local = n % segment
    period = np.exp(log_period[local])
    if p.p_vib_strength > 0.0:
        period = period * (1.0 + np.sin((n + 1.0) * (p.p_vib_speed**2 * 0.01)) * p.p_vib_strength * 0.5)
    period = np.maximum(period, 8.0)
    duty = np.clip(0.5 - p.p_duty * 0.5 - (local + 1.0) * (p.p_duty_ramp * 0.00005), 0.0, 0.5)

    os_ = max(2, min(oversample, _MAX_SUPERSAMPLES // max(length, 1)))
    ratio = _SFXR_OVERSAMPLE / os_  # one of our supersamples spans this many of sfxr's
    phase = np.cumsum(np.repeat(ratio / period, os_))
    frac = phase - np.floor(phase)
    if p.wave_type == "square":
        x = np.where(frac < np.repeat(duty, os_), 0.5, -0.5)
    elif p.wave_type == "sawtooth":
        x = 1.0 - 2.0 * frac
    elif p.wave_type == "sine":
        x = np.sin(2.0 * np.pi * frac)
    else:
        # sfxr refills 32 random values every period and steps through them. The slot index only
        # ever grows, so each new slot draws one value: memory follows length, not pitch.
        slot = phase.astype(np.int64) * 32 + (frac * 32.0).astype(np.int64)
        fresh = np.concatenate([[True], slot[1:] != slot[:-1]])
        which = np.cumsum(fresh) - 1
        x = rng.uniform(-1.0, 1.0, int(which[-1]) + 1)[which]

    m = np.arange(len(x), dtype=np.float64)
    if p.p_lpf_freq < 1.0:
        w0 = p.p_lpf_freq**3 * 0.1
        damp = min(0.8, 5.0 / (1.0 + p.p_lpf_resonance**2 * 20.0) * (0.01 + w0))
        w = np.clip(w0 * np.exp((m + 1.0) * ratio * math.log1p(p.p_lpf_ramp * 0.0001)), 0.0, 0.1)
        # The filter is a damped spring; rescale stiffness and damping to our sample rate.
        w = np.minimum(w * ratio * ratio, 3.0)
        low = _lowpass(x, w, (1.0 - damp) ** ratio)
    else:
        low = x
    hp = np.clip(p.p_hpf_freq**2 * 0.1 * np.exp((n + 1.0) * math.log1p(p.p_hpf_ramp * 0.0003)), 0.00001, 0.1)
    keep = np.repeat((1.0 - hp) ** ratio, os_)
    y = _scan1(keep, keep * np.diff(low, prepend=0.0))
    if p.p_pha_offset != 0.0 or p.p_pha_ramp != 0.0:
        offset = math.copysign(p.p_pha_offset**2 * 1020.0, p.p_pha_offset)
        drift = math.copysign(p.p_pha_ramp**2, p.p_pha_ramp)
        delay_out = np.minimum(np.abs(np.trunc(offset + (n + 1.0) * drift)), 1023.0)
        delay = np.repeat(np.rint(delay_out / ratio).astype(np.int64), os_)
        src = np.arange(len(y)) - delay
        y = y + np.where(src >= 0, y[np.maximum(src, 0)], 0.0)
    y = y * np.repeat(env[:length], os_)
    out: F64 = y.reshape(length, os_).mean(axis=1)
    return out, os_


# ---------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------


def normalise(x: F64, peak: float) -> F64:
    """Scale so the loudest sample sits at ``peak`` (< 1, so nothing clips); remove DC first."""
    x = x - float(np.mean(x))
    top = float(np.max(np.abs(x))) if len(x) else 0.0
    if top <= 1e-12:
        return x
    x *= peak / top
    return x


def dc_block(x: F64, cutoff_hz: float = 20.0, rate: int = RATE) -> F64:
    """A gentle one-pole high-pass so lopsided waves (thin square duty) do not sit off-centre."""
    keep = math.exp(-2.0 * math.pi * cutoff_hz / rate)
    return _scan1(np.full(len(x), keep), np.diff(x, prepend=0.0))


def wav_bytes(x: F64, rate: int = RATE) -> bytes:
    """16-bit PCM mono WAV via the stdlib writer."""
    pcm = np.clip(np.rint(x * 32767.0), -32768, 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def fade(x: F64, start_s: float, end_s: float, rate: int = RATE) -> F64:
    """Short linear fades so a sound never starts or stops with a click."""
    y = x.copy()
    a, b = min(len(y), int(start_s * rate)), min(len(y), int(end_s * rate))
    if a:
        y[:a] *= np.linspace(0.0, 1.0, a, endpoint=False)
    if b:
        y[len(y) - b :] *= np.linspace(1.0, 0.0, b)
    return y


# ---------------------------------------------------------------------------------------
# Instruments for the music renderer
# ---------------------------------------------------------------------------------------

_TABLE = 2048


@dataclass(frozen=True)
class Instrument:
    """A wavetable voice: harmonic recipe plus an ADSR envelope (seconds, level)."""

    name: str
    harmonics: str  # "square" | "saw" | "triangle" | "sine" | "organ" | "bell"
    attack: float
    decay: float
    sustain: float
    release: float
    gain: float
    pluck: float = 0.0  # > 0: exponential fade while held, in seconds, like a struck string
    detune: float = 0.0  # cents; a second copy detuned by this much thickens pads


INSTRUMENTS: dict[str, Instrument] = {
    "chip_lead": Instrument("chip_lead", "square", 0.005, 0.08, 0.7, 0.05, 0.55),
    "chip_bass": Instrument("chip_bass", "triangle", 0.004, 0.05, 0.9, 0.04, 0.9),
    "piano": Instrument("piano", "organ", 0.004, 0.3, 0.35, 0.25, 0.7, pluck=0.9),
    "bell": Instrument("bell", "bell", 0.002, 0.4, 0.2, 0.5, 0.55, pluck=0.6),
    "strings": Instrument("strings", "saw", 0.12, 0.2, 0.8, 0.35, 0.35, detune=7.0),
    "pad": Instrument("pad", "triangle", 0.25, 0.3, 0.8, 0.6, 0.45, detune=5.0),
    "flute": Instrument("flute", "sine", 0.06, 0.1, 0.85, 0.12, 0.7),
    "brass": Instrument("brass", "saw", 0.04, 0.15, 0.75, 0.12, 0.4),
    "pluck_bass": Instrument("pluck_bass", "saw", 0.003, 0.2, 0.5, 0.08, 0.6, pluck=0.5),
    "sub_bass": Instrument("sub_bass", "triangle", 0.01, 0.1, 0.85, 0.1, 1.0),
}


def _wavetable(kind: str, harmonics: int) -> F64:
    t = np.arange(_TABLE) / _TABLE
    k = np.arange(1, harmonics + 1, dtype=np.float64)
    if kind == "square":
        amps = np.where(k % 2 == 1, 1.0 / k, 0.0)
    elif kind == "saw":
        amps = 1.0 / k
    elif kind == "triangle":
        amps = np.where(k % 2 == 1, 1.0 / (k * k), 0.0)
    elif kind == "organ":
        amps = 1.0 / k**1.6
    elif kind == "bell":
        # A struck bar rings with a few strong upper partials rather than a full series.
        weights = {1: 1.0, 2: 0.55, 3: 0.3, 5: 0.2, 8: 0.1}
        amps = np.array([weights.get(int(i), 0.0) for i in k])
    else:
        amps = np.where(k == 1, 1.0, 0.0)
    table: F64 = np.sin(2.0 * np.pi * np.outer(k, t)).T @ amps
    return table / float(np.max(np.abs(table)))


class Voicebox:
    """Renders notes for the instruments, caching identical notes (chords repeat a lot)."""

    def __init__(self, tension: str, rate: int = RATE) -> None:
        self.rate = rate
        self.harmonics = {"low": 4, "medium": 10, "high": 20}.get(tension, 10)
        self.tables: dict[str, F64] = {}
        self.cache: dict[tuple[str, int, int, int], F64] = {}

    def table(self, kind: str) -> F64:
        if kind not in self.tables:
            self.tables[kind] = _wavetable(kind, self.harmonics)
        return self.tables[kind]

    def note(self, inst: Instrument, pitch: int, seconds: float, velocity: int) -> F64:
        held = max(1, int(seconds * self.rate))
        key = (inst.name, pitch, held, velocity)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        total = held + int(inst.release * self.rate)
        hz = 440.0 * 2.0 ** ((pitch - 69) / 12.0)
        table = self.table(inst.harmonics)
        n = np.arange(total, dtype=np.float64)
        wave_: F64 = table[((n * (hz * _TABLE / self.rate)) % _TABLE).astype(np.int64)]
        if inst.detune:
            hz2 = hz * 2.0 ** (inst.detune / 1200.0)
            wave_ = 0.5 * (wave_ + table[((n * (hz2 * _TABLE / self.rate) + 517) % _TABLE).astype(np.int64)])
        env = self._adsr(inst, held, total)
        out: F64 = wave_ * env * (inst.gain * velocity / 127.0)
        self.cache[key] = out
        return out

    def _adsr(self, inst: Instrument, held: int, total: int) -> F64:
        t = np.arange(total) / self.rate
        a, d = max(inst.attack, 1e-4), max(inst.decay, 1e-4)
        level = np.where(t < a, t / a, inst.sustain + (1.0 - inst.sustain) * np.exp(-(t - a) / d * 3.0))
        if inst.pluck:
            level = level * np.exp(-t / inst.pluck)
        end = held / self.rate
        at_release = float(level[min(held, total - 1)])
        release = max(inst.release, 1e-3)
        tail = at_release * np.clip(1.0 - (t - end) / release, 0.0, 1.0)
        env: F64 = np.where(t < end, level, tail)
        return env


def drum_kit(rng: np.random.Generator, rate: int = RATE) -> dict[int, F64]:
    """One sample per General MIDI drum note the composer uses, made once per song."""

    def noise(seconds: float) -> F64:
        out: F64 = rng.uniform(-1.0, 1.0, int(seconds * rate))
        return out

    def t_of(seconds: float) -> F64:
        out: F64 = np.arange(int(seconds * rate)) / rate
        return out

    t = t_of(0.45)
    # Kick: a sine whose pitch drops fast, the thump of a bass drum.
    kick_phase = 2.0 * np.pi * (50.0 * t + (110.0 / 30.0) * (1.0 - np.exp(-30.0 * t)))
    kick = np.sin(kick_phase) * np.exp(-t * 9.0)
    ts = t_of(0.25)
    snare = (0.65 * noise(0.25) + 0.45 * np.sin(2 * np.pi * 185.0 * ts)) * np.exp(-ts * 22.0)
    th = t_of(0.08)
    hiss = np.diff(noise(0.08), prepend=0.0)  # differencing tilts noise toward the treble
    hat = hiss * np.exp(-th * 60.0) * 0.6
    to = t_of(0.4)
    open_hat = np.diff(noise(0.4), prepend=0.0) * np.exp(-to * 9.0) * 0.45
    tc = t_of(1.6)
    crash = np.diff(noise(1.6), prepend=0.0) * np.exp(-tc * 2.6) * 0.5
    tr = t_of(0.06)
    rim = np.sin(2 * np.pi * 1700.0 * tr) * np.exp(-tr * 90.0) * 0.5 + noise(0.06) * np.exp(-tr * 120) * 0.2
    tt = t_of(0.5)
    tom = np.sin(2 * np.pi * (100.0 * tt + 40.0 * (1 - np.exp(-8 * tt)) / 8)) * np.exp(-tt * 7.0)
    shaker = noise(0.07) * np.sin(np.pi * np.linspace(0, 1, int(0.07 * rate))) * 0.3
    return {36: kick, 38: snare, 42: hat, 46: open_hat, 49: crash, 37: rim, 45: tom, 70: shaker}
