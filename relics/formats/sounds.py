"""RuneScape Classic sounds: ``<name>.pcm`` entries of raw G.711 mu-law, 8 kHz mono.

Decoding follows the G.711 mu-law expansion (bias 0x84, 3-bit exponent, 4-bit mantissa,
bits stored inverted) to signed 16-bit samples; :func:`to_wav` wraps them in a WAV file.
Every byte string is valid mu-law, so the only malformed entry is an empty one.
"""

from __future__ import annotations

import io
import wave

import numpy as np
from numpy.typing import NDArray

from relics.formats.errors import RelicFormatError

SAMPLE_RATE = 8000
BIAS = 0x84
CLIP = 32635

# Client 204's sound names (the archive stores only hashes of "<name>.pcm").
SOUND_NAMES = (
    "advance", "anvil", "chisel", "click", "closedoor", "coins", "combat1a", "combat1b",
    "combat2a", "combat2b", "combat3a", "combat3b", "cooking", "death", "dropobject", "eat",
    "filljug", "fish", "foundgem", "mechanical", "mine", "mix", "opendoor", "outofammo",
    "potato", "prayeroff", "prayeron", "prospect", "recharge", "retreat", "secretdoor",
    "shoot", "spellfail", "spellok", "takeobject", "underattack", "victory",
)  # fmt: skip


def _expansion_table() -> NDArray[np.int16]:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent = (codes >> 4) & 7
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + BIAS) << exponent) - BIAS
    return np.where(codes & 0x80, -magnitude, magnitude).astype(np.int16)


_DECODE = _expansion_table()


def decode_mulaw(data: bytes, what: str = "sound") -> NDArray[np.int16]:
    """Signed 16-bit samples (one per byte) for mu-law ``data``."""
    if not data:
        raise RelicFormatError(what, 0, "at least one mu-law sample", "an empty entry")
    return _DECODE[np.frombuffer(data, dtype=np.uint8)]


def encode_mulaw(samples: NDArray[np.int16] | NDArray[np.int32]) -> bytes:
    """Mu-law bytes for 16-bit samples (the standard compressor, clipping at +-32635)."""
    s = np.asarray(samples, dtype=np.int32)
    sign = np.where(s < 0, 0x80, 0)
    magnitude = np.minimum(np.abs(s), CLIP) + BIAS
    # The exponent is the position of the highest set bit above bit 7 (0..7).
    exponent = np.clip(np.frexp(magnitude)[1].astype(np.int32) - 8, 0, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    codes: NDArray[np.uint8] = (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8)
    return codes.tobytes()


def to_wav(pcm: NDArray[np.int16], sample_rate: int = SAMPLE_RATE) -> bytes:
    """A mono 16-bit little-endian WAV file of ``pcm``."""
    samples = np.asarray(pcm, dtype=np.int16)
    if samples.ndim != 1:
        raise ValueError("pcm must be a one-dimensional array of mono samples")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(samples.astype("<i2").tobytes())
    return buf.getvalue()


def pcm_entry_to_wav(data: bytes, what: str = "sound") -> bytes:
    """Convenience: a ``.pcm`` cache entry straight to WAV bytes."""
    return to_wav(decode_mulaw(data, what))
