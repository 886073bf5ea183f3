"""What an output format is: its MIME types, the kind of asset it makes, how it is checked,
scored, recognised by its first bytes, and which preview shows it (pure Python)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

# The kinds of asset a person browses by (the library's filter, the thumbnails' icons).
KINDS = ("image", "model", "audio", "text", "code", "json", "archive", "data")


class OutputInvalid(ValueError):  # noqa: N818 (the name other modules import)
    """A file is not a valid file of its declared type."""


def _always_sure(data: bytes) -> float:
    return 1.0


@dataclass(frozen=True)
class Format:
    """One file format. ``mimes[0]`` is the one the studio writes; the others are aliases
    people and browsers send. ``validate`` decodes the whole file and raises ``OutputInvalid``
    naming the first problem; it returns facts about the file (size, length, counts)."""

    id: str
    name: str
    mimes: tuple[str, ...]
    kind: str
    suffixes: tuple[str, ...]
    validate: Callable[[bytes], dict[str, Any]]
    # Which preview shows it: image, model, wav, midi, audio, code, file; JSON decides per
    # document (``preview_of``).
    preview: str = "file"
    # How sure the studio is that a valid file is a real answer, 0..1 (a blank picture is a
    # valid PNG).
    confidence: Callable[[bytes], float] = _always_sure
    # True when the first bytes say the file is of this format (None: no signature).
    sniff: Callable[[bytes], bool] | None = None
    # Per-file preview choice (JSON documents: quest, entity...).
    preview_of: Callable[[bytes], str] | None = None
    # Decodes the file for previews and analysis (WAV samples, a parsed document...).
    read: Callable[[bytes], Any] | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)


def text_of(data: bytes | str) -> str:
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise OutputInvalid(f"not UTF-8 text: {exc}") from None
    return data


def parse_json(data: bytes | str, what: str) -> Any:
    """The JSON in ``data``. Nesting deeper than Python's stack allows (``[[[[...``) is an
    invalid file too, never a RecursionError."""
    try:
        return json.loads(data)
    except ValueError as exc:
        raise OutputInvalid(f"{what} does not parse: {exc}") from None
    except RecursionError:
        raise OutputInvalid(f"{what} does not parse: it is nested too deeply") from None


def nesting_limited(what: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """For checkers that walk a document recursively: a document nested deeper than Python's
    stack allows is refused as invalid instead of escaping as a RecursionError."""

    def decorate(check: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(check)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return check(*args, **kwargs)
            except RecursionError:
                raise OutputInvalid(f"{what} is nested too deeply to check") from None

        return checked

    return decorate


def json_of(data: bytes | str | Mapping[str, Any], what: str) -> dict[str, Any]:
    if isinstance(data, Mapping):
        return dict(data)
    doc = parse_json(data, f"{what} JSON")
    if not isinstance(doc, dict):
        raise OutputInvalid(f"{what} must be a JSON object")
    return doc


def require(obj: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise OutputInvalid(f"{where}: '{key}' is missing or has the wrong type")
    return value


def plain_text(data: bytes) -> dict[str, Any]:
    """UTF-8 text with no NUL bytes (a binary file is not text whatever its name)."""
    text = text_of(data)
    if "\x00" in text:
        raise OutputInvalid("text holds NUL bytes, so it is not a text file")
    return {"bytes": len(data), "lines": text.count("\n") + (1 if text and not text.endswith("\n") else 0)}


def signature(*prefixes: bytes) -> Callable[[bytes], bool]:
    """A sniffer: the file starts with one of ``prefixes``."""

    def sniff(data: bytes) -> bool:
        return data.startswith(prefixes)

    return sniff
