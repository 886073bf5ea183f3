"""Deterministic stand-ins for what a model would answer: the same prompt, the same bytes."""

from __future__ import annotations

import hashlib
import io
import re

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
