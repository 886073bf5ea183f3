"""Files the format tests build byte by byte or with a library: pictures, animations, sounds
and Ogg pages made here, not by a limb."""

from __future__ import annotations

import io
import struct
import wave
from typing import Any

import mido  # type: ignore[import-untyped]
import numpy as np
from PIL import Image


def encode(im: Image.Image, fmt: str = "PNG", **kw: Any) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def sine_wav(
    seconds: float = 0.5, amplitude: float = 0.5, rate: int = 44100, channels: int = 1, width: int = 2
) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    x = amplitude * np.sin(2 * np.pi * 440.0 * t)
    frames = np.repeat(x[:, None], channels, axis=1)
    if width == 1:
        raw = np.clip(np.rint(frames * 127 + 128), 0, 255).astype(np.uint8).tobytes()
    elif width == 2:
        raw = np.rint(frames * 32767).astype("<i2").tobytes()
    else:
        ints = np.rint(frames * 8388607).astype("<i4").reshape(-1)
        raw = b"".join(int(v).to_bytes(3, "little", signed=True) for v in ints)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(raw)
    return buf.getvalue()


def float_wav(x: np.ndarray, rate: int = 22050) -> bytes:
    body = x.astype("<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(body)) + body
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def frames(count: int = 5, size: int = 24) -> list[Image.Image]:
    out = []
    for i in range(count):
        arr = np.zeros((size, size, 3), np.uint8)
        arr[:, :] = (40 * i % 256, 90, 200)
        arr[i : i + 6, 4:10] = (255, 255, 255)
        out.append(Image.fromarray(arr))
    return out


def gif(count: int = 5, **kw: Any) -> bytes:
    f = frames(count)
    return encode(f[0], "GIF", save_all=True, append_images=f[1:], duration=70, loop=0, **kw)


def webp(count: int = 5) -> bytes:
    f = frames(count)
    return encode(f[0], "WEBP", save_all=True, append_images=f[1:], duration=50, loop=0, lossless=True)


def midi_bytes(*, notes: bool = True, close: bool = True) -> bytes:
    mid = mido.MidiFile(type=1)
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("set_tempo", tempo=500000, time=0))
    if notes:
        track.append(mido.Message("note_on", note=60, velocity=90, time=0))
        if close:
            track.append(mido.Message("note_off", note=60, velocity=0, time=480))
    mid.tracks.append(track)
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()


# Ogg ---------------------------------------------------------------------------------------

BOS, EOS, CONTINUED = 0x02, 0x04, 0x01

VORBIS_ID = b"\x01vorbis" + struct.pack("<IBIiiiBB", 0, 2, 44100, 0, 128000, 0, 0xB8, 1)
OPUS_HEAD = b"OpusHead" + struct.pack("<BBHIhB", 1, 2, 312, 48000, 0, 0)
FLAC_HEAD = b"\x7fFLAC\x01\x00\x00\x01fLaC" + b"\x00" * 38
SPEEX_HEAD = b"Speex   1.2" + b"\x00" * 69


def crc32_ogg(data: bytes) -> int:
    """CRC-32 as Ogg defines it (polynomial 0x04C11DB7, initial 0, no reflection, no final
    xor), bit by bit: slow and obviously right."""
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def lacing(size: int, *, whole: bool = True) -> bytes:
    """The segment table of one packet: 255s, then the rest (0 when it divides). A packet
    that is not ``whole`` (it goes on in the next page) ends on a 255 instead."""
    values = [255] * (size // 255) + [size % 255]
    return bytes(values if whole else values[:-1])


def ogg_page(
    *packets: bytes,
    serial: int = 7,
    sequence: int = 0,
    kind: int = 0,
    granule: int = 0,
    version: int = 0,
    last_goes_on: bool = False,
) -> bytes:
    table = b"".join(
        lacing(len(p), whole=not (last_goes_on and n == len(packets) - 1)) for n, p in enumerate(packets)
    )
    header = struct.pack("<4sBBqIIIB", b"OggS", version, kind, granule, serial, sequence, 0, len(table))
    raw = header + table + b"".join(packets)
    return raw[:22] + struct.pack("<I", crc32_ogg(raw)) + raw[26:]


def ogg_stream(first: bytes = VORBIS_ID, *, serial: int = 7, pages: int = 3) -> bytes:
    """A whole logical stream: the identification packet, audio pages, a last page."""
    out = ogg_page(first, serial=serial, kind=BOS)
    for n in range(1, pages):
        kind = EOS if n == pages - 1 else 0
        out += ogg_page(bytes(range(n, n + 40)) * 3, serial=serial, sequence=n, granule=n * 1024, kind=kind)
    return out
