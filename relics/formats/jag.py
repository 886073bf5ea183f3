"""RuneScape Classic cache archives (``.jag`` and ``.mem``): reader, writer, name hashes.

An archive file is ``u24 size``, ``u24 compressed_size`` and a body. When the two sizes
differ the body is bzip2 without its 4-byte ``BZh1`` stream header. The (decompressed)
archive is ``u16 n``, n records of ``u32 name_hash, u24 size, u24 compressed_size``, then
the entry bodies back to back; an entry whose sizes differ is bzip2'd on its own.
"""

from __future__ import annotations

import bz2
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from relics.formats.errors import Cursor, RelicFormatError

Packing = Literal["whole", "entries"]

BZIP2_HEADER = b"BZh1"
# Total decompressed bytes one archive may produce. The u24 sizes already cap a single
# body at 16 MiB; the budget also stops 65535 small bombs adding up to a terabyte.
MAX_DECOMPRESSED = 64 * 1024 * 1024
U24_MAX = (1 << 24) - 1


def name_hash(name: str) -> int:
    """The archive hash of an entry name (case-insensitive, as the client computes it)."""
    h = 0
    for c in name.upper():
        h = (h * 61 + ord(c) - 32) & 0xFFFFFFFF
    return h


def name_hashes(names: Iterable[str]) -> list[int]:
    """``[name_hash(n) for n in names]``, vectorised: resolving names means hashing thousands.

    Names of one length are hashed together, one numpy step per character, in 64-bit
    lanes; wrapping mod 2**64 then masking equals the per-step mod 2**32.
    """
    listed = list(names)
    out = np.zeros(len(listed), dtype=np.uint64)
    by_length: dict[int, list[int]] = {}
    for i, name in enumerate(listed):
        by_length.setdefault(len(name), []).append(i)
    for length, where in by_length.items():
        joined = "".join([listed[i] for i in where])
        upper = joined.upper()
        if len(upper) != len(joined):
            # Upper-casing lengthened a character (e.g. "ß" -> "SS"): hash those one by one.
            out[where] = [name_hash(listed[i]) for i in where]
            continue
        if not length:
            continue
        text = upper.encode("utf-32-le", errors="surrogatepass")
        codes = np.frombuffer(text, dtype="<u4").reshape(len(where), length).astype(np.uint64)
        h = np.zeros(len(where), dtype=np.uint64)
        for col in range(length):
            h = (h * np.uint64(61) + codes[:, col] - np.uint64(32)) & np.uint64(0xFFFFFFFF)
        out[where] = h
    hashes: list[int] = out.tolist()
    return hashes


def _bunzip(body: bytes, declared: int, what: str, offset: int) -> bytes:
    """Decompress a header-less bzip2 body that must yield exactly ``declared`` bytes."""
    if declared > MAX_DECOMPRESSED:
        raise RelicFormatError(what, offset, f"a size of at most {MAX_DECOMPRESSED} bytes", str(declared))
    dec = bz2.BZ2Decompressor()
    try:
        # One byte over the declared size is enough to notice a lie without a bomb.
        out = dec.decompress(BZIP2_HEADER + body, max_length=declared + 1)
    except (OSError, EOFError, ValueError) as exc:
        raise RelicFormatError(what, offset, "a valid bzip2 stream", str(exc)) from None
    if len(out) > declared:
        raise RelicFormatError(what, offset, f"bzip2 data of {declared} bytes", "more than that")
    if not dec.eof:
        raise RelicFormatError(
            what, offset, f"a complete bzip2 stream of {declared} bytes", f"{len(out)} bytes and no end"
        )
    if len(out) != declared:
        raise RelicFormatError(what, offset, f"bzip2 data of {declared} bytes", f"{len(out)} bytes")
    if dec.unused_data:
        # Real caches never pad a stream; trailing bytes mean a wrong compressed size.
        end = offset + len(body) - len(dec.unused_data)
        raise RelicFormatError(
            what, end, "the bzip2 body to end with its stream", f"{len(dec.unused_data)} more bytes"
        )
    return out


def _bzip(raw: bytes) -> bytes:
    packed = bz2.compress(raw, compresslevel=1)
    if not packed.startswith(BZIP2_HEADER):
        raise AssertionError("bz2 level 1 streams start with BZh1")
    return packed[len(BZIP2_HEADER) :]


@dataclass
class JagArchive:
    """A decoded archive: entry name hash -> decompressed bytes, in archive order.

    A hash that occurs twice keeps its first body, which is what the client's linear
    lookup finds.
    """

    entries: dict[int, bytes] = field(default_factory=dict)
    packing: Packing = "whole"

    def get(self, name: str) -> bytes | None:
        return self.entries.get(name_hash(name))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name_hash(name) in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[int]:
        return iter(self.entries)

    def names_found(self, candidates: Iterable[str]) -> list[str]:
        """The candidate names that have an entry here (each once, in candidate order)."""
        seen: set[int] = set()
        found: list[str] = []
        for name in candidates:
            h = name_hash(name)
            if h in self.entries and h not in seen:
                seen.add(h)
                found.append(name)
        return found


def read_jag(data: bytes, what: str = "archive") -> JagArchive:
    """Decode a ``.jag``/``.mem`` file; raise ``RelicFormatError`` for anything malformed."""
    head = Cursor(data, what)
    size = head.u24()
    packed_size = head.u24()
    if head.remaining < packed_size:
        raise head.fail(f"a body of {packed_size} bytes", f"only {head.remaining} bytes")
    if head.remaining > packed_size:
        raise head.fail(
            f"the file to end after a body of {packed_size} bytes", f"{head.remaining - packed_size} more"
        )
    packing: Packing
    if size != packed_size:
        body = _bunzip(data[6:], size, what, 6)
        packing = "whole"
        budget = MAX_DECOMPRESSED - size
        # Offsets past this point count from the start of the decompressed archive.
        arc = Cursor(body, f"{what} (decompressed)")
    else:
        packing = "entries"
        budget = MAX_DECOMPRESSED
        arc = Cursor(data, what, 6)
    count = arc.u16()
    arc.need(10 * count, f"{count} entry records of 10 bytes")
    records = [(arc.u32(), arc.u24(), arc.u24()) for _ in range(count)]
    entries: dict[int, bytes] = {}
    for i, (h, esize, epacked) in enumerate(records):
        start = arc.pos
        chunk = arc.take(epacked, f"entry {i} ({epacked} bytes)")
        if esize != epacked:
            if esize > budget:
                raise arc.fail(
                    f"entry {i} to fit the {MAX_DECOMPRESSED}-byte archive budget", f"{esize} bytes", start
                )
            chunk = _bunzip(chunk, esize, f"{arc.what} entry {i}", start)
            budget -= esize
        entries.setdefault(h, chunk)
    if arc.remaining:
        raise arc.fail("the archive to end after its last entry", f"{arc.remaining} more bytes")
    return JagArchive(entries, packing)


def _key_hash(key: str | int) -> int:
    if isinstance(key, int):
        if not 0 <= key <= 0xFFFFFFFF:
            raise ValueError(f"entry hash {key} is not a u32")
        return key
    return name_hash(key)


def write_jag(
    entries: Mapping[str, bytes] | Mapping[int, bytes] | Mapping[str | int, bytes], *, packing: Packing
) -> bytes:
    """Encode entries (keyed by name or raw hash) as an archive file; inverse of ``read_jag``.

    ``"whole"`` bzip2s the archive and stores entries raw; ``"entries"`` stores the archive
    raw and bzip2s each entry. A compressed body that happens to be exactly as long as the
    raw one is stored raw instead, since equal sizes mean "not compressed" to a reader.
    """
    if packing not in ("whole", "entries"):
        raise ValueError(f"unknown packing {packing!r}")
    if len(entries) > 0xFFFF:
        raise ValueError(f"{len(entries)} entries do not fit a u16 count")
    records = bytearray(len(entries).to_bytes(2, "big"))
    bodies: list[bytes] = []
    for key, raw in entries.items():
        stored = raw
        if packing == "entries":
            packed = _bzip(raw)
            if len(packed) != len(raw):
                stored = packed
        if len(raw) > U24_MAX or len(stored) > U24_MAX:
            raise ValueError(f"entry {key!r} of {len(raw)} bytes does not fit a u24 size")
        records += _key_hash(key).to_bytes(4, "big")
        records += len(raw).to_bytes(3, "big") + len(stored).to_bytes(3, "big")
        bodies.append(stored)
    archive = bytes(records) + b"".join(bodies)
    body = archive
    if packing == "whole":
        packed = _bzip(archive)
        if len(packed) != len(archive):
            body = packed
    if len(archive) > U24_MAX or len(body) > U24_MAX:
        raise ValueError(f"an archive of {len(archive)} bytes does not fit a u24 size")
    return len(archive).to_bytes(3, "big") + len(body).to_bytes(3, "big") + body


@dataclass
class JagPair:
    """A ``.jag`` with its optional ``.mem`` companion: lookups try the ``.jag`` first."""

    jag: JagArchive | None
    mem: JagArchive | None

    @property
    def archives(self) -> list[JagArchive]:
        return [a for a in (self.jag, self.mem) if a is not None]

    def get(self, name: str) -> bytes | None:
        for archive in self.archives:
            found = archive.get(name)
            if found is not None:
                return found
        return None

    def __contains__(self, name: object) -> bool:
        return any(name in archive for archive in self.archives)

    def names_found(self, candidates: Iterable[str]) -> list[str]:
        names = list(candidates)
        seen: set[int] = set()
        found: list[str] = []
        for name in names:
            h = name_hash(name)
            if h not in seen and name in self:
                seen.add(h)
                found.append(name)
        return found


def read_jag_pair(jag: bytes | None, mem: bytes | None, what: str = "archive") -> JagPair:
    """Decode a ``.jag``/``.mem`` pair (either may be missing) for ``.jag``-first lookups."""
    return JagPair(
        read_jag(jag, f"{what}.jag") if jag is not None else None,
        read_jag(mem, f"{what}.mem") if mem is not None else None,
    )
