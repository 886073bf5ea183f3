"""Canonical JSON bytes: the contract every ledger hash and signature rests on.

`canonical_json(value)` turns a JSON value into one exact byte string. Entry
hashes, signatures and (later) Merkle leaves and C2PA assertions are computed
over these bytes, so the rules below must never change. A new encoding would
need a new function and a version marker in whatever record uses it.

The rules:

1. Accepted types, and nothing else: ``dict`` with ``str`` keys, ``list``,
   ``str``, ``int``, ``float``, ``bool`` and ``None`` (subclasses count as
   their base type). Anything else, including tuples, sets, bytes,
   ``Decimal``, datetimes and non-``str`` keys, raises ``TypeError``, so a
   value never changes shape silently on its way in.
2. Output is UTF-8 with no whitespace at all: ``,`` between items, ``:``
   between key and value.
3. Object members are sorted by key, comparing keys code point by code point
   (Python's ``str`` ordering). Keys are strings, so there are no duplicates.
4. ``true``, ``false`` and ``null`` are written as such.
5. Strings are written between ``"``. Only these are escaped: ``"`` as
   ``\\"``, ``\\`` as ``\\\\``, U+0008/0009/000A/000C/000D as ``\\b \\t \\n
   \\f \\r``, and every other code point below U+0020 as ``\\u00xx`` with
   lowercase hex. Every other character, including ``/``, DEL and non-ASCII,
   is written as itself in UTF-8. A lone surrogate cannot be encoded and
   raises ``ValueError``.
6. Numbers are written by value, in plain positional notation, never with an
   exponent:

   - an ``int`` as its decimal digits, with ``-`` if negative;
   - a ``float`` must be finite (NaN and infinities raise ``ValueError``). It
     is first turned into the shortest decimal that reads back as the same
     IEEE 754 double (Python's ``repr``, as in ECMAScript and RFC 8785), then
     written without exponent, without trailing fractional zeros, and without
     a fractional part at all when the value is whole. So ``1.0`` is ``1``,
     ``-0.0`` is ``0``, ``1e-07`` is ``0.0000001`` and ``1e21`` is
     ``1000000000000000000000``.

   Why by value: stored bodies come back from the database before they are
   verified, and PostgreSQL ``jsonb`` keeps numbers as ``numeric``, which
   returns ``1e21`` as ``1000000000000000000000`` and so as a Python ``int``.
   Writing numbers by value makes the bytes the same whichever way a number
   went through the database. This is the one place we differ from RFC 8785,
   which uses exponents for very large and very small numbers.
"""

from __future__ import annotations

import math
from decimal import Context, Decimal

__all__ = ["canonical_json"]

_SHORT_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_ESCAPES = str.maketrans(
    {chr(code): _SHORT_ESCAPES.get(chr(code), f"\\u{code:04x}") for code in range(0x20)}
    | {'"': '\\"', "\\": "\\\\"}
)
# Wide enough for any shortest-repr double (17 significant digits) so that
# normalize() never rounds, whatever the thread's decimal context says.
_EXACT = Context(prec=64)


def canonical_json(value: object) -> bytes:
    """Return the canonical UTF-8 bytes of a JSON value (rules in the module docstring)."""
    parts: list[str] = []
    _write(value, parts)
    text = "".join(parts)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"canonical JSON: string contains a lone surrogate at offset {exc.start}") from exc


def _write(value: object, parts: list[str]) -> None:
    # bool is checked before int because it is a subclass of int.
    if value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, str):
        parts.append(_string(value))
    elif isinstance(value, int):
        parts.append(int.__repr__(value))
    elif isinstance(value, float):
        parts.append(_float(value))
    elif isinstance(value, dict):
        _write_object(value, parts)
    elif isinstance(value, list):
        parts.append("[")
        for index, item in enumerate(value):
            if index:
                parts.append(",")
            _write(item, parts)
        parts.append("]")
    else:
        raise TypeError(f"canonical JSON: {type(value).__name__} is not a JSON type")


def _write_object(value: dict[object, object], parts: list[str]) -> None:
    keys: list[str] = []
    for key in value:
        if not isinstance(key, str):
            raise TypeError(f"canonical JSON: object keys must be str, not {type(key).__name__}")
        keys.append(key)
    parts.append("{")
    for index, key in enumerate(sorted(keys)):
        if index:
            parts.append(",")
        parts.append(_string(key))
        parts.append(":")
        _write(value[key], parts)
    parts.append("}")


def _string(value: str) -> str:
    return '"' + str.translate(value, _ESCAPES) + '"'


def _float(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"canonical JSON: {value!r} is not a finite number")
    if value == 0:
        return "0"
    shortest = Decimal(float.__repr__(value)).normalize(_EXACT)
    return format(shortest, "f")
