"""Every file format the studio writes or accepts, one module each, collected here.

Validation, asset kinds, confidence scores, previews and upload sniffing all come from
these modules; nothing else keeps a list of MIME types. Pure Python (no Django).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from limbs.formats import (
    gif,
    glb,
    glsl,
    jpeg,
    json,
    mermaid,
    midi,
    obj,
    ogg,
    png,
    text,
    vox,
    wav,
    webp,
    yarn,
    zip,
)
from limbs.formats.base import KINDS, Format, OutputInvalid

FORMATS: tuple[Format, ...] = (
    png.FORMAT,
    jpeg.FORMAT,
    gif.FORMAT,
    webp.FORMAT,
    glb.FORMAT,
    obj.FORMAT,
    vox.FORMAT,
    wav.FORMAT,
    ogg.FORMAT,
    midi.FORMAT,
    json.FORMAT,
    yarn.FORMAT,
    mermaid.FORMAT,
    glsl.FORMAT,
    *text.FORMATS,
    zip.FORMAT,
)
_BY_MIME = {mime: f for f in FORMATS for mime in f.mimes}
_BY_ID = {f.id: f for f in FORMATS}

__all__ = ["FORMATS", "KINDS", "Format", "OutputInvalid"]


def base_mime(mime: str) -> str:
    """``image/PNG; charset=x`` -> ``image/png``."""
    return mime.split(";", 1)[0].strip().lower()


def for_mime(mime: str) -> Format | None:
    return _BY_MIME.get(base_mime(mime))


def by_id(format_id: str) -> Format | None:
    return _BY_ID.get(format_id)


def for_suffix(name: str) -> Format | None:
    lower = name.lower()
    return next((f for f in FORMATS if lower.endswith(f.suffixes)), None)


def kind_for_mime(mime: str) -> str:
    found = for_mime(mime)
    return found.kind if found is not None else "data"


def sniff(data: bytes) -> Format | None:
    """The format the first bytes say the file is (formats with a signature only)."""
    return next((f for f in FORMATS if f.sniff is not None and f.sniff(data)), None)


def validate_output(mime: str, data: bytes) -> dict[str, Any]:
    """Validate one file by its MIME type; text of an unknown text type must still be UTF-8."""
    found = for_mime(mime)
    if found is not None:
        return found.validate(data)
    if base_mime(mime).startswith("text/"):
        return text.PLAIN.validate(data)
    return {}


def validate_outputs(outputs: Sequence[Any], check: Callable[[Sequence[Any]], None] | None = None) -> None:
    """A tier's whole answer: at least one output, each valid for its type, and valid together
    (``check``: the action's own rule for its outputs as a set)."""
    if not outputs:
        raise OutputInvalid("the tier returned no output")
    for output in outputs:
        validate_output(output.mime, output.data)
    if check is not None:
        check(outputs)


def confidence(mime: str, data: bytes) -> float:
    """How sure the studio is that a structurally valid output is a real answer, 0..1."""
    found = for_mime(mime)
    return found.confidence(data) if found is not None else 1.0


def main_confidence(outputs: Sequence[Any]) -> float:
    """The score a person's threshold is held against: the lowest of the main outputs
    (a flat roughness map beside a picture is a right answer that scores low)."""
    scored = [o for o in outputs if o.role == "main"] or outputs
    return min(confidence(o.mime, o.data) for o in scored)


def preview_kind(mime: str, read: Callable[[], bytes]) -> str:
    """Which picture fits a file: image, model, wav, midi, audio, quest, entity, code or file.
    ``read`` gives the bytes, asked for only when the format decides per file (JSON)."""
    found = for_mime(mime)
    if found is None:
        lower = base_mime(mime)
        if lower.startswith("image/"):
            return "image"
        if lower.startswith("audio/"):
            return "audio"
        return "code" if lower.startswith("text/") or lower.endswith("+json") else "file"
    if found.preview_of is not None:
        return found.preview_of(read())
    return found.preview
