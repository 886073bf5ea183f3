"""WAV (RIFF/WAVE) sound: ``read_wav`` is also the decoder the analyser and previews use,
so what the validator accepts and what they can read never drift apart."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from limbs.formats.base import Format, OutputInvalid

F64 = npt.NDArray[np.float64]

_FORMAT_PCM = 0x0001
_FORMAT_FLOAT = 0x0003
_FORMAT_EXTENSIBLE = 0xFFFE
# A sound quieter than -60 dBFS RMS is, for a game asset, silence.
SILENCE_RMS = 0.001
MAX_CHANNELS = 8


@dataclass(frozen=True)
class WavData:
    rate: int
    channels: int
    bits: int
    format: str  # "pcm" | "float"
    frames: int
    samples: F64  # shape (frames, channels), values in -1..1

    @property
    def seconds(self) -> float:
        return self.frames / self.rate


def _chunks(data: bytes) -> dict[bytes, bytes]:
    if len(data) < 12:
        raise OutputInvalid("WAV too short for a RIFF header")
    riff, size, wave = struct.unpack_from("<4sI4s", data, 0)
    if riff != b"RIFF" or wave != b"WAVE":
        raise OutputInvalid("not a WAV file (no RIFF/WAVE header)")
    # Writers pad the RIFF body to an even length; allow that one byte either way.
    if abs(size + 8 - len(data)) > 1:
        raise OutputInvalid(f"WAV header says {size + 8} bytes but the file has {len(data)}")
    found: dict[bytes, bytes] = {}
    offset = 12
    while offset + 8 <= len(data):
        cid, csize = struct.unpack_from("<4sI", data, offset)
        start = offset + 8
        if start + csize > len(data):
            raise OutputInvalid(f"WAV chunk {cid.decode('latin-1')!r} runs past the end of the file")
        found.setdefault(cid, data[start : start + csize])
        offset = start + csize + (csize & 1)
    return found


def read_wav(data: bytes) -> WavData:
    """Decode a PCM or IEEE-float WAV into float samples; raise OutputInvalid on any defect."""
    chunks = _chunks(data)
    fmt = chunks.get(b"fmt ")
    if fmt is None or len(fmt) < 16:
        raise OutputInvalid("WAV has no valid 'fmt ' chunk")
    tag, channels, rate, byte_rate, align, bits = struct.unpack_from("<HHIIHH", fmt, 0)
    if tag == _FORMAT_EXTENSIBLE:
        if len(fmt) < 26:
            raise OutputInvalid("WAV extensible format chunk is too short")
        tag = struct.unpack_from("<H", fmt, 24)[0]
    if tag not in (_FORMAT_PCM, _FORMAT_FLOAT):
        raise OutputInvalid(f"WAV sample format {tag:#06x} is not PCM or float")
    if not 1 <= channels <= MAX_CHANNELS:
        raise OutputInvalid(f"WAV has {channels} channels")
    if not 1000 <= rate <= 384000:
        raise OutputInvalid(f"WAV sample rate {rate} Hz is out of range")
    allowed = (8, 16, 24, 32) if tag == _FORMAT_PCM else (32, 64)
    if bits not in allowed:
        raise OutputInvalid(f"WAV has {bits}-bit samples, which this format does not allow")
    width = bits // 8
    if align != width * channels or byte_rate != rate * align:
        raise OutputInvalid("WAV block align or byte rate disagrees with channels and bit depth")
    body = chunks.get(b"data")
    if body is None:
        raise OutputInvalid("WAV has no 'data' chunk")
    if len(body) % align:
        raise OutputInvalid("WAV data length is not a whole number of frames")
    frames = len(body) // align
    if frames == 0:
        raise OutputInvalid("WAV holds no samples")
    raw = np.frombuffer(body, dtype=np.uint8)
    values: F64
    if tag == _FORMAT_FLOAT:
        values = np.frombuffer(body, dtype="<f4" if bits == 32 else "<f8").astype(np.float64)
        if not np.all(np.isfinite(values)):
            raise OutputInvalid("WAV float samples include NaN or infinity")
    elif bits == 8:
        values = (raw.astype(np.float64) - 128.0) / 128.0
    elif bits == 24:
        trip = raw.reshape(-1, 3).astype(np.int32)
        ints = trip[:, 0] | (trip[:, 1] << 8) | (trip[:, 2] << 16)
        ints = np.where(ints >= 1 << 23, ints - (1 << 24), ints)
        values = ints.astype(np.float64) / float(1 << 23)
    else:
        dtype = "<i2" if bits == 16 else "<i4"
        values = np.frombuffer(body, dtype=dtype).astype(np.float64) / float(1 << (bits - 1))
    return WavData(
        rate=rate,
        channels=channels,
        bits=bits,
        format="float" if tag == _FORMAT_FLOAT else "pcm",
        frames=frames,
        samples=values.reshape(frames, channels),
    )


def validate_wav(
    data: bytes,
    *,
    min_seconds: float | None = None,
    max_seconds: float | None = None,
    min_rms: float = SILENCE_RMS,
) -> dict[str, Any]:
    """Check a WAV's header against its body, its length bounds, and that it is not silent."""
    wav = read_wav(data)
    seconds = wav.seconds
    if min_seconds is not None and seconds < min_seconds:
        raise OutputInvalid(f"WAV lasts {seconds:.3f} s, shorter than {min_seconds} s")
    if max_seconds is not None and seconds > max_seconds:
        raise OutputInvalid(f"WAV lasts {seconds:.3f} s, longer than {max_seconds} s")
    rms = float(np.sqrt(np.mean(np.square(wav.samples))))
    if rms < min_rms:
        raise OutputInvalid(f"WAV is silent (RMS {rms:.6f} is below {min_rms})")
    peak = float(np.max(np.abs(wav.samples)))
    return {
        "seconds": round(seconds, 4),
        "rate": wav.rate,
        "channels": wav.channels,
        "bits": wav.bits,
        "format": wav.format,
        "frames": wav.frames,
        "rms": round(rms, 6),
        "peak": round(peak, 6),
    }


# Every name a WAV goes by (browsers and libraries disagree); the first is the one the studio writes.
MIMES = ("audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave")


def _validate(data: bytes) -> dict[str, Any]:
    return validate_wav(data)


def _sniff(data: bytes) -> bool:
    return len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WAVE"


FORMAT = Format(
    id="wav",
    name="WAV sound",
    mimes=MIMES,
    kind="audio",
    suffixes=(".wav",),
    validate=_validate,
    preview="wav",
    sniff=_sniff,
    read=read_wav,
)
