"""Deterministic stand-ins for what a model would answer: the same prompt, the same bytes."""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import struct
import wave

from PIL import Image, ImageDraw


def _digest(prompt: str) -> bytes:
    return hashlib.sha256(prompt.encode("utf-8")).digest()


def image(prompt: str, width: int, height: int, fmt: str = "PNG") -> bytes:
    """A small real picture (gradient sky, a sun, a hill) coloured by the prompt's hash."""
    d = _digest(prompt)
    top, bottom, accent = d[0:3], d[3:6], d[6:9]
    im = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(im)
    for y in range(height):
        t = y / max(1, height - 1)
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    r = max(2, min(width, height) // 6)
    cx, cy = r + d[9] % max(1, width - 2 * r), r + d[10] % max(1, height // 2)
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=tuple(accent))
    draw.polygon(
        [(0, height), (width // 3, height * 2 // 3), (width, height * 4 // 5), (width, height)],
        fill=(d[11] // 2, 96 + d[12] // 3, d[13] // 2),
    )
    buf = io.BytesIO()
    im.save(buf, format=fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    return buf.getvalue()


_OPENINGS = ("Once upon a time,", "In a land far away,", "Long ago,", "Deep in the forest,")


def text(prompt: str) -> str:
    """A short sentence about the prompt's words."""
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", prompt)[:8] or ["nothing"]
    opening = _OPENINGS[_digest(prompt)[0] % len(_OPENINGS)]
    return f"{opening} there was {' '.join(words).lower()}. The end."


def tokens(prompt: str) -> list[str]:
    """The text cut the way models stream it: each word with its leading space."""
    return re.findall(r"\s*\S+", text(prompt))


def vector(text: str, dims: int = 768) -> list[float]:
    """An embedding: ``dims`` numbers of unit length, from the text's hash (the same text,
    the same vector; different texts, unrelated ones)."""
    raw = b"".join(_digest(f"{n}:{text}") for n in range((dims + 31) // 32))[:dims]
    values = [(b - 127.5) / 127.5 for b in raw]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [round(v / norm, 6) for v in values]


# --- world bibles -------------------------------------------------------------------

WORLD_BIBLE_MARK = '"format":"pog.world_bible/1"'
_WB_INTENT = re.compile(r'world bible for: "(.*?)"\. Genre: ([\w-]+)\.', re.S)
_WB_COUNTS = re.compile(r"exactly (\d+) factions, (\d+) places, (\d+) eras")


def is_world_bible_prompt(prompt: str) -> bool:
    return WORLD_BIBLE_MARK in prompt


def world_bible(prompt: str) -> str:
    """A model's answer to a world bible prompt: the JSON the procedural generator would make
    for the intent, genre and counts read back out of the prompt, on one line."""
    from limbs.parts.divine.world_bible import make as make_world_bible
    from limbs.spec import GenRequest

    found = _WB_INTENT.search(prompt)
    intent, genre = (found.group(1), found.group(2)) if found else ("a world", "auto")
    counts = _WB_COUNTS.search(prompt)
    factions, places, eras = (int(n) for n in counts.groups()) if counts else (3, 5, 3)
    params = {"genre": genre, "factions": factions, "places": places, "eras": eras}
    seed = int.from_bytes(_digest(prompt)[:4], "big")
    result = make_world_bible(GenRequest(intent=intent, params=params, seed=seed))
    data = next(o.data for o in result.outputs if o.mime == "application/json")
    return json.dumps(json.loads(data), ensure_ascii=False)


def broken_world_bible(prompt: str) -> str:
    """Well-formed JSON in the right shape that must still fail: a faction is its own ally."""
    doc = json.loads(world_bible(prompt))
    first = doc["factions"][0]
    first["allies"].append(first["id"])
    return json.dumps(doc, ensure_ascii=False)


ANSWER_STYLES = ("plain", "fenced", "chatter")


def styled(text: str, style: str) -> str:
    """Wrap an answer the way chatty models do (``plain`` leaves it alone)."""
    if style == "fenced":
        return f"```json\n{text}\n```"
    if style == "chatter":
        # Braces in the chatter are balanced but not JSON: a reader must step over them.
        return (
            "Sure! Here is the {world} you asked for:\n\n```json\n"
            f"{text}\n```\n\nI hope the {{children}} enjoy exploring it!"
        )
    return text


def chunks(text: str, size: int = 24) -> list[str]:
    """Text cut into stream-sized pieces (JSON is streamed in fragments, not words)."""
    return [text[i : i + size] for i in range(0, len(text), size)]


# --- speech ---------------------------------------------------------------------------------


def wav(prompt: str, rate: int = 24000, seconds: float = 0.6) -> bytes:
    """A short 16-bit mono WAV: two soft tones whose pitches come from the prompt's hash."""
    d = _digest(prompt)
    low, high = 180.0 + d[0], 320.0 + d[1] * 2
    frames = int(rate * seconds)
    samples = bytearray()
    for n in range(frames):
        t = n / rate
        envelope = min(1.0, n / (0.02 * rate), (frames - n) / (0.02 * rate))
        value = 0.35 * envelope * (math.sin(2 * math.pi * low * t) + 0.5 * math.sin(2 * math.pi * high * t))
        samples += struct.pack("<h", max(-32767, min(32767, round(value * 32767))))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(samples))
    return buf.getvalue()


# MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, mono, no CRC: 417-byte frames. An all-zero side
# info and body decode as silence, so these are real (if quiet) MP3 frames.
_MP3_FRAME = bytes([0xFF, 0xFB, 0x90, 0xC0]) + bytes(413)


def mp3(prompt: str, frames: int = 12) -> bytes:
    """What an MP3-only speech model sends: an empty ID3v2.4 tag, then silent MPEG frames."""
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + _MP3_FRAME * max(1, frames + _digest(prompt)[0] % 4)
