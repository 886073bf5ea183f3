"""Wavefront ``.obj`` models: every statement known, numbers finite, faces pointing at
vertices, texture coordinates and normals that exist (indices count from 1, or back from
the end when negative)."""

from __future__ import annotations

import math
from typing import Any

from limbs.formats.base import Format, OutputInvalid, text_of

MAX_LINES = 5_000_000
# Statements of the format the studio accepts; free-form curves and surfaces are rare in
# game models and are refused rather than half understood.
_KNOWN = frozenset({"v", "vt", "vn", "vp", "f", "l", "p", "o", "g", "s", "mtllib", "usemtl", "mg"})


def _numbers(parts: list[str], lo: int, hi: int, where: str) -> None:
    if not lo <= len(parts) <= hi:
        raise OutputInvalid(f"{where} needs {lo} to {hi} numbers, found {len(parts)}")
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            raise OutputInvalid(f"{where}: '{part[:20]}' is not a number") from None
        if not math.isfinite(value):
            raise OutputInvalid(f"{where}: '{part[:20]}' is not a finite number")


def _index(text: str, count: int, what: str, where: str) -> None:
    try:
        value = int(text)
    except ValueError:
        raise OutputInvalid(f"{where}: '{text[:20]}' is not a {what} index") from None
    if value == 0 or not -count <= value <= count:
        raise OutputInvalid(f"{where} refers to {what} {value}, but only {count} exist so far")


def validate_obj(data: bytes) -> dict[str, Any]:
    text = text_of(data)
    if "\x00" in text:
        raise OutputInvalid("OBJ holds NUL bytes, so it is not a text model")
    counts = {"v": 0, "vt": 0, "vn": 0}
    faces = 0
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise OutputInvalid(f"OBJ has more than {MAX_LINES} lines")
    for n, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        keyword, *parts = line.split()
        where = f"OBJ line {n}"
        if keyword not in _KNOWN:
            raise OutputInvalid(f"{where} starts with '{keyword[:20]}', which is not an OBJ statement")
        if keyword == "v":
            _numbers(parts, 3, 7, where)  # x y z, optional w or r g b
        elif keyword == "vt":
            _numbers(parts, 1, 3, where)
        elif keyword in ("vn", "vp"):
            _numbers(parts, 3 if keyword == "vn" else 1, 3, where)
        elif keyword in ("f", "l", "p"):
            least = {"f": 3, "l": 2, "p": 1}[keyword]
            if len(parts) < least:
                raise OutputInvalid(f"{where}: a '{keyword}' needs at least {least} corners")
            for corner in parts:
                refs = corner.split("/")
                if len(refs) > 3 or not refs[0]:
                    raise OutputInvalid(f"{where}: '{corner[:20]}' is not a corner")
                _index(refs[0], counts["v"], "vertex", where)
                if len(refs) > 1 and refs[1]:
                    _index(refs[1], counts["vt"], "texture coordinate", where)
                if len(refs) > 2 and refs[2]:
                    _index(refs[2], counts["vn"], "normal", where)
            faces += keyword == "f"
        if keyword in counts:
            counts[keyword] += 1
    if counts["v"] == 0:
        raise OutputInvalid("OBJ has no vertices")
    return {"vertices": counts["v"], "uvs": counts["vt"], "normals": counts["vn"], "faces": faces}


def sniff_obj(data: bytes) -> bool:
    """Plain text whose first statements are OBJ statements, with a vertex among them."""
    head = data[:4096]
    if b"\x00" in head:
        return False
    lines = head.decode("utf-8", errors="replace").splitlines()
    if len(data) > len(head):
        lines = lines[:-1]  # cut off mid-line
    words = [ln.split()[0] for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    return bool(words) and "v" in words and all(w in _KNOWN for w in words[:50])


FORMAT = Format(
    id="obj",
    name="Wavefront OBJ model",
    mimes=("model/obj", "text/x-obj", "application/x-tgif"),
    kind="model",
    suffixes=(".obj",),
    validate=validate_obj,
    preview="code",
    sniff=sniff_obj,
)
