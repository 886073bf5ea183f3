"""One error type for every malformed relic, and a bounds-checked reading cursor."""

from __future__ import annotations

import struct


class RelicFormatError(ValueError):
    """The bytes are not a valid relic of the expected kind.

    ``offset`` is where the problem was found and ``expected`` says what should have
    been there, so a message reads like "config.string.dat at offset 812: expected a
    NUL-terminated string, found the end of the data".
    """

    def __init__(self, what: str, offset: int, expected: str, found: str = "") -> None:
        self.what = what
        self.offset = offset
        self.expected = expected
        self.found = found
        detail = f"{what} at offset {offset}: expected {expected}"
        if found:
            detail += f", found {found}"
        super().__init__(detail)

    def __reduce__(self) -> tuple[type[RelicFormatError], tuple[str, int, str, str]]:
        # Crosses back from the decoding process as itself (the default pickles only the message).
        return (type(self), (self.what, self.offset, self.expected, self.found))


_S16 = struct.Struct(">h")
_U16 = struct.Struct(">H")
_I32 = struct.Struct(">i")
_U32 = struct.Struct(">I")


class Cursor:
    """Reads big-endian fields from ``data`` and never reads past its end.

    Every read checks the remaining length first and raises ``RelicFormatError``
    (never ``IndexError`` or ``struct.error``) naming ``what`` and the offset.
    """

    __slots__ = ("data", "pos", "what")

    def __init__(self, data: bytes, what: str, pos: int = 0) -> None:
        self.data = data
        self.what = what
        self.pos = pos

    @property
    def remaining(self) -> int:
        return len(self.data) - self.pos

    def fail(self, expected: str, found: str = "", offset: int | None = None) -> RelicFormatError:
        return RelicFormatError(self.what, self.pos if offset is None else offset, expected, found)

    def need(self, n: int, expected: str) -> None:
        if n < 0 or self.pos + n > len(self.data):
            raise self.fail(expected, f"only {max(self.remaining, 0)} bytes left")

    def u8(self) -> int:
        self.need(1, "a u8")
        v = self.data[self.pos]
        self.pos += 1
        return v

    def s8(self) -> int:
        v = self.u8()
        return v - 256 if v > 127 else v

    def u16(self) -> int:
        self.need(2, "a u16")
        v: int = _U16.unpack_from(self.data, self.pos)[0]
        self.pos += 2
        return v

    def s16(self) -> int:
        self.need(2, "an s16")
        v: int = _S16.unpack_from(self.data, self.pos)[0]
        self.pos += 2
        return v

    def u24(self) -> int:
        self.need(3, "a u24")
        d, p = self.data, self.pos
        self.pos += 3
        return (d[p] << 16) | (d[p + 1] << 8) | d[p + 2]

    def u32(self) -> int:
        self.need(4, "a u32")
        v: int = _U32.unpack_from(self.data, self.pos)[0]
        self.pos += 4
        return v

    def i32(self) -> int:
        self.need(4, "an i32")
        v: int = _I32.unpack_from(self.data, self.pos)[0]
        self.pos += 4
        return v

    def take(self, n: int, expected: str = "") -> bytes:
        self.need(n, expected or f"{n} bytes")
        v = self.data[self.pos : self.pos + n]
        self.pos += n
        return v

    def cstring(self, encoding: str = "latin-1") -> str:
        end = self.data.find(b"\x00", self.pos)
        if end < 0:
            raise self.fail("a NUL-terminated string", "the end of the data")
        v = self.data[self.pos : end].decode(encoding, errors="replace")
        self.pos = end + 1
        return v

    def cstrings(self, n: int, encoding: str = "latin-1") -> list[str]:
        """``n`` consecutive NUL-terminated strings in one pass (config columns hold thousands)."""
        if n <= 0:
            return []
        parts = self.data[self.pos :].split(b"\x00", n)
        if len(parts) <= n:
            # Fewer than n terminators: point at the string that never ends.
            start = self.pos + sum(len(p) + 1 for p in parts[:-1])
            raise self.fail(
                f"{n} NUL-terminated strings", f"the end of the data in string {len(parts) - 1}", start
            )
        del parts[n]
        self.pos += sum(map(len, parts)) + n
        return [p.decode(encoding, errors="replace") for p in parts]
