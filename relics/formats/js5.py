"""JS5 containers, ZLB blobs, reference tables and NXT multi-file groups (RS3 modern cache).

Readers take bytes and raise :class:`RelicFormatError` naming the offset and what was
expected; writers build the same structures from Python values so that tests can
round-trip synthetic caches. Layouts follow ``docs/RELIC-FORMATS.md``, "RS3 modern cache".
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import struct
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Literal

from relics.formats.errors import Cursor, RelicFormatError

__all__ = [
    "FLAG_DIGESTS",
    "FLAG_LENGTHS",
    "FLAG_NAMES",
    "FLAG_UNCOMPRESSED_CRCS",
    "MAX_SIZE",
    "ZLB",
    "ZLB_MAGIC",
    "BlobKind",
    "Compression",
    "Container",
    "GroupEntry",
    "ReferenceTable",
    "decode_blob",
    "decode_container",
    "decode_reference_table",
    "decode_zlb",
    "encode_big_smart",
    "encode_blob",
    "encode_container",
    "encode_group",
    "encode_reference_table",
    "encode_zlb",
    "js5_name_hash",
    "read_big_smart",
    "split_group",
]

#: No container, group or file in a real cache comes near this; larger claims are corrupt.
MAX_SIZE = 256 * 1024 * 1024
ZLB_MAGIC = b"ZLB\x01"
#: ``encode_blob`` kind for a ``ZLB\x01`` blob rather than a JS5 container.
ZLB: Literal["zlb"] = "zlb"

FLAG_NAMES = 0x01
FLAG_DIGESTS = 0x02
FLAG_LENGTHS = 0x04
FLAG_UNCOMPRESSED_CRCS = 0x08
ALL_FLAGS = FLAG_NAMES | FLAG_DIGESTS | FLAG_LENGTHS | FLAG_UNCOMPRESSED_CRCS
DIGEST_SIZE = 64
SMART_MAX = 0x7FFFFFFF
_SHORT_SMART_MAX = 0x7FFF

_BZIP2_HEADER = b"BZh1"
_LZMA_PROPS_SIZE = 5
_LZMA_MIN_DICT = 4096


class Compression(IntEnum):
    NONE = 0
    BZIP2 = 1
    GZIP = 2
    LZMA = 3


BlobKind = Compression | Literal["zlb"]


# --- smarts ---------------------------------------------------------------------------------


def read_big_smart(cur: Cursor) -> int:
    """A 2-byte id when the top bit of the first byte is clear, else a 4-byte id with that bit masked."""
    cur.need(1, "a 2-or-4-byte smart")
    if cur.data[cur.pos] & 0x80:
        return cur.u32() & SMART_MAX
    return cur.u16()


def encode_big_smart(value: int) -> bytes:
    if value < 0 or value > SMART_MAX:
        raise ValueError(f"a smart holds 0..{SMART_MAX}, not {value}")
    if value <= _SHORT_SMART_MAX:
        return value.to_bytes(2, "big")
    return (value | 0x80000000).to_bytes(4, "big")


def js5_name_hash(name: str) -> int:
    """The signed 32-bit hash the client stores for group and file names (31 * h + byte, lower case)."""
    h = 0
    for byte in name.lower().encode("cp1252"):
        h = (h * 31 + byte) & 0xFFFFFFFF
    return h - (1 << 32) if h & 0x80000000 else h


# --- containers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Container:
    compression: Compression
    data: bytes
    #: The optional 2-byte version some stores append after the payload.
    version: int | None = None


def _check_size(cur: Cursor, value: int, offset: int, label: str) -> None:
    if value > MAX_SIZE:
        raise cur.fail(f"{label} of at most {MAX_SIZE} bytes", f"{value}", offset=offset)


def _length_verdict(cur: Cursor, offset: int, expected: int, got: int, kind: str) -> RelicFormatError:
    return cur.fail(
        f"{kind} data inflating to the declared {expected} bytes",
        f"more than {expected} bytes" if got > expected else f"{got} bytes",
        offset=offset,
    )


def _inflate_zlib(
    cur: Cursor, payload: bytes, offset: int, expected: int, wbits: int, kind: str, *, need_end: bool
) -> bytes:
    """Inflate with a decompress object, producing at most one byte past the declared size.

    ZLB blobs may stop short of the end marker (``need_end=False``); gzip streams must reach
    their trailer, whose CRC zlib then checks. Any output length but the declared one is refused.
    """
    d = zlib.decompressobj(wbits)
    try:
        out = d.decompress(payload, expected + 1)
    except zlib.error as exc:
        raise cur.fail(f"valid {kind} data", str(exc), offset=offset) from None
    if len(out) != expected:
        raise _length_verdict(cur, offset, expected, len(out), kind)
    if need_end and not d.eof:
        raise cur.fail(f"a complete {kind} stream", "no end marker", offset=offset + len(payload))
    if d.eof and d.unused_data:
        raise cur.fail(f"the end of the {kind} stream", f"{len(d.unused_data)} trailing bytes", offset=offset)
    return out


def _inflate_bzip2(cur: Cursor, payload: bytes, offset: int, expected: int) -> bytes:
    d = bz2.BZ2Decompressor()
    try:
        # The container omits the "BZh1" signature; the stream itself starts at the first block.
        out = d.decompress(_BZIP2_HEADER + payload, expected + 1)
    except (OSError, EOFError, ValueError) as exc:
        raise cur.fail("valid bzip2 data", str(exc) or type(exc).__name__, offset=offset) from None
    if len(out) != expected:
        raise _length_verdict(cur, offset, expected, len(out), "bzip2")
    if d.eof and d.unused_data:
        raise cur.fail("the end of the bzip2 stream", f"{len(d.unused_data)} trailing bytes", offset=offset)
    return out


def _inflate_lzma(cur: Cursor, payload: bytes, offset: int, expected: int) -> bytes:
    if len(payload) < _LZMA_PROPS_SIZE:
        raise cur.fail("5 LZMA property bytes", f"{len(payload)} bytes", offset=offset)
    props = payload[0]
    if props >= 9 * 5 * 5:
        raise cur.fail("an LZMA properties byte below 225", str(props), offset=offset)
    lc, rest = props % 9, props // 9
    lp, pb = rest % 5, rest // 5
    dict_size = int.from_bytes(payload[1:5], "little")
    # Output never exceeds ``expected``, so a larger window is never referenced; capping it
    # keeps a forged dictionary size from allocating gigabytes.
    dict_size = max(_LZMA_MIN_DICT, min(dict_size, expected))
    filters = [{"id": lzma.FILTER_LZMA1, "dict_size": dict_size, "lc": lc, "lp": lp, "pb": pb}]
    try:
        d = lzma.LZMADecompressor(format=lzma.FORMAT_RAW, filters=filters)
        # Jagex streams carry no end marker: the declared size is what ends them, so stop there.
        out = d.decompress(payload[_LZMA_PROPS_SIZE:], expected)
    except (lzma.LZMAError, EOFError, ValueError) as exc:
        raise cur.fail("valid LZMA data", str(exc) or type(exc).__name__, offset=offset + 5) from None
    if len(out) != expected:
        raise _length_verdict(cur, offset, expected, len(out), "LZMA")
    return out


def decode_container(data: bytes, what: str = "JS5 container") -> Container:
    """Decode ``u8 type, u32 compressed_len, [u32 uncompressed_len], payload, [u16 version]``."""
    cur = Cursor(data, what)
    kind = cur.u8()
    if kind > Compression.LZMA:
        raise cur.fail("a compression type 0-3", str(kind), offset=0)
    compression = Compression(kind)
    packed_len = cur.u32()
    _check_size(cur, packed_len, 1, "a compressed length")
    expected = packed_len
    if compression is not Compression.NONE:
        expected = cur.u32()
        _check_size(cur, expected, 5, "an uncompressed length")
    start = cur.pos
    payload = cur.take(packed_len, f"{packed_len} bytes of payload")
    version: int | None = None
    if cur.remaining == 2:
        version = cur.u16()
    elif cur.remaining:
        raise cur.fail("the end of the container or a 2-byte version", f"{cur.remaining} trailing bytes")
    if compression is Compression.NONE:
        out = payload
    elif compression is Compression.BZIP2:
        out = _inflate_bzip2(cur, payload, start, expected)
    elif compression is Compression.GZIP:
        out = _inflate_zlib(cur, payload, start, expected, 16 + zlib.MAX_WBITS, "gzip", need_end=True)
    else:
        out = _inflate_lzma(cur, payload, start, expected)
    return Container(compression, out, version)


def decode_zlb(data: bytes, what: str = "ZLB blob") -> bytes:
    """Decode ``ZLB\\x01``, ``u32`` uncompressed size, then a zlib stream (end marker optional)."""
    cur = Cursor(data, what)
    magic = cur.take(4, "the ZLB\\x01 signature")
    if magic != ZLB_MAGIC:
        raise cur.fail("the ZLB\\x01 signature", magic.hex(), offset=0)
    size = cur.u32()
    _check_size(cur, size, 4, "an uncompressed size")
    return _inflate_zlib(cur, data[8:], 8, size, zlib.MAX_WBITS, "zlib", need_end=False)


def decode_blob(data: bytes, what: str = "cache blob") -> bytes:
    """Decode a stored blob of either kind, telling them apart by the ZLB signature."""
    if data[:4] == ZLB_MAGIC:
        return decode_zlb(data, what)
    return decode_container(data, what).data


def _lzma_props(lc: int, lp: int, pb: int, dict_size: int) -> bytes:
    return bytes([(pb * 5 + lp) * 9 + lc]) + struct.pack("<I", dict_size)


def encode_container(data: bytes, compression: Compression, *, version: int | None = None) -> bytes:
    """Build a JS5 container holding ``data`` compressed as ``compression``."""
    if len(data) > MAX_SIZE:
        raise ValueError(f"{len(data)} bytes is more than a container may hold")
    if compression is Compression.NONE:
        head = struct.pack(">BI", 0, len(data))
        body = data
    else:
        if compression is Compression.BZIP2:
            stream = bz2.compress(data, 1)
            if not stream.startswith(_BZIP2_HEADER):
                raise AssertionError("bzip2 at level 1 always starts BZh1")
            body = stream[len(_BZIP2_HEADER) :]
        elif compression is Compression.GZIP:
            body = gzip.compress(data, compresslevel=9, mtime=0)
        else:
            # Smallest power-of-two window covering the data; liblzma's floor is 4 KiB.
            dict_size = min(max(_LZMA_MIN_DICT, 1 << max(len(data) - 1, 1).bit_length()), 1 << 22)
            lc, lp, pb = 3, 0, 2
            filters = [{"id": lzma.FILTER_LZMA1, "dict_size": dict_size, "lc": lc, "lp": lp, "pb": pb}]
            raw = lzma.compress(data, format=lzma.FORMAT_RAW, filters=filters)
            body = _lzma_props(lc, lp, pb, dict_size) + raw
        head = struct.pack(">BII", int(compression), len(body), len(data))
    tail = b"" if version is None else struct.pack(">H", version)
    return head + body + tail


def encode_zlb(data: bytes, *, end_marker: bool = True) -> bytes:
    """Build a ZLB blob; ``end_marker=False`` stops after a sync flush as some client writes do."""
    packer = zlib.compressobj(9)
    stream = packer.compress(data) + packer.flush(zlib.Z_FINISH if end_marker else zlib.Z_SYNC_FLUSH)
    return ZLB_MAGIC + len(data).to_bytes(4, "big") + stream


def encode_blob(data: bytes, kind: BlobKind) -> bytes:
    if kind == ZLB:
        return encode_zlb(data)
    return encode_container(data, Compression(kind))


# --- reference tables -----------------------------------------------------------------------


@dataclass
class GroupEntry:
    id: int
    crc: int
    version: int
    file_ids: tuple[int, ...]
    name_hash: int | None = None
    uncompressed_crc: int | None = None
    digest: bytes | None = None
    compressed_length: int | None = None
    uncompressed_length: int | None = None
    file_name_hashes: tuple[int, ...] | None = None


@dataclass
class ReferenceTable:
    format: int
    flags: int
    #: Absent (None) in format 5 tables.
    version: int | None
    groups: dict[int, GroupEntry] = field(default_factory=dict)

    def group_ids(self) -> list[int]:
        return sorted(self.groups)


def _read_id(cur: Cursor, smart: bool) -> int:
    return read_big_smart(cur) if smart else cur.u16()


def _read_count(cur: Cursor, smart: bool, each: int, label: str) -> int:
    """A count whose entries need at least ``each`` bytes; refuse counts the data cannot hold."""
    at = cur.pos
    n = _read_id(cur, smart)
    if n * each > cur.remaining:
        raise cur.fail(f"{label} that fits the {cur.remaining} remaining bytes", str(n), offset=at)
    return n


def _read_deltas(cur: Cursor, smart: bool, n: int, label: str) -> list[int]:
    ids: list[int] = []
    current = 0
    for index in range(n):
        at = cur.pos
        delta = _read_id(cur, smart)
        if index and delta == 0:
            raise cur.fail(f"strictly increasing {label} ids", f"a repeat of {current}", offset=at)
        current += delta
        ids.append(current)
    return ids


def decode_reference_table(data: bytes, what: str = "reference table") -> ReferenceTable:
    """Decode a (decompressed) reference table of format 5, 6 or 7."""
    cur = Cursor(data, what)
    fmt = cur.u8()
    if fmt not in (5, 6, 7):
        raise cur.fail("reference table format 5, 6 or 7", str(fmt), offset=0)
    version = cur.i32() if fmt >= 6 else None
    flags = cur.u8()
    if flags & ~ALL_FLAGS:
        raise cur.fail("flags within 0x0f", f"0x{flags:02x}", offset=cur.pos - 1)
    smart = fmt >= 7
    width = 2  # every id, delta and count takes at least two bytes
    per_group = width + 4 + 4 + width
    if flags & FLAG_NAMES:
        per_group += 4
    if flags & FLAG_UNCOMPRESSED_CRCS:
        per_group += 4
    if flags & FLAG_DIGESTS:
        per_group += DIGEST_SIZE
    if flags & FLAG_LENGTHS:
        per_group += 8
    count = _read_count(cur, smart, per_group, "a group count")
    ids = _read_deltas(cur, smart, count, "group")
    names = [cur.i32() for _ in ids] if flags & FLAG_NAMES else None
    crcs = [cur.u32() for _ in ids]
    ucrcs = [cur.u32() for _ in ids] if flags & FLAG_UNCOMPRESSED_CRCS else None
    digests = [cur.take(DIGEST_SIZE, "a 64-byte digest") for _ in ids] if flags & FLAG_DIGESTS else None
    lengths = [(cur.u32(), cur.u32()) for _ in ids] if flags & FLAG_LENGTHS else None
    versions = [cur.i32() for _ in ids]
    file_counts = []
    for gid in ids:
        at = cur.pos
        n = _read_count(cur, smart, width, f"a file count for group {gid}")
        if n == 0:
            raise cur.fail(f"at least one file in group {gid}", "0", offset=at)
        file_counts.append(n)
    file_ids = [
        _read_deltas(cur, smart, n, f"group {gid} file") for gid, n in zip(ids, file_counts, strict=True)
    ]
    file_names: list[tuple[int, ...]] | None = None
    if flags & FLAG_NAMES:
        file_names = [tuple(cur.i32() for _ in fids) for fids in file_ids]
    if cur.remaining:
        raise cur.fail("the end of the reference table", f"{cur.remaining} trailing bytes")
    table = ReferenceTable(fmt, flags, version)
    for i, gid in enumerate(ids):
        table.groups[gid] = GroupEntry(
            id=gid,
            crc=crcs[i],
            version=versions[i],
            file_ids=tuple(file_ids[i]),
            name_hash=None if names is None else names[i],
            uncompressed_crc=None if ucrcs is None else ucrcs[i],
            digest=None if digests is None else digests[i],
            compressed_length=None if lengths is None else lengths[i][0],
            uncompressed_length=None if lengths is None else lengths[i][1],
            file_name_hashes=None if file_names is None else file_names[i],
        )
    return table


class _TableWriter:
    """Accumulates the big-endian fields of one reference table."""

    def __init__(self, fmt: int) -> None:
        self.fmt = fmt
        self.parts: list[bytes] = []

    def ident(self, value: int, label: str) -> None:
        if self.fmt >= 7:
            self.parts.append(encode_big_smart(value))
        elif 0 <= value <= 0xFFFF:
            self.parts.append(struct.pack(">H", value))
        else:
            raise ValueError(f"format {self.fmt} stores {label} in a u16; {value} does not fit")

    def deltas(self, values: Iterable[int], label: str) -> None:
        previous = 0
        for value in values:
            self.ident(value - previous, f"{label} id gaps")
            previous = value

    def words(self, values: Iterable[int], signed: bool) -> None:
        fmt = ">i" if signed else ">I"
        self.parts.extend(struct.pack(fmt, v) for v in values)


def _required(values: Sequence[object | None], flag_name: str) -> None:
    if any(v is None for v in values):
        raise ValueError(f"the {flag_name} flag is set, so every group needs its {flag_name} field")


def encode_reference_table(table: ReferenceTable) -> bytes:
    """Write ``table`` in its own format and flags; the fields each flag names must be filled in."""
    try:
        return _encode_reference_table(table)
    except struct.error as exc:
        raise ValueError(f"reference table field out of range: {exc}") from None


def _encode_reference_table(table: ReferenceTable) -> bytes:
    if table.format not in (5, 6, 7):
        raise ValueError(f"reference table format must be 5, 6 or 7, not {table.format}")
    if table.flags & ~ALL_FLAGS:
        raise ValueError(f"unknown reference table flags 0x{table.flags:02x}")
    groups = [table.groups[k] for k in sorted(table.groups)]
    w = _TableWriter(table.format)
    w.parts.append(bytes([table.format]))
    if table.format >= 6:
        w.words([table.version or 0], signed=True)
    w.parts.append(bytes([table.flags]))
    w.ident(len(groups), "the group count")
    w.deltas((g.id for g in groups), "group")
    if table.flags & FLAG_NAMES:
        _required([g.name_hash for g in groups], "names")
        w.words((g.name_hash or 0 for g in groups), signed=True)
    w.words((g.crc for g in groups), signed=False)
    if table.flags & FLAG_UNCOMPRESSED_CRCS:
        _required([g.uncompressed_crc for g in groups], "uncompressed_crc")
        w.words((g.uncompressed_crc or 0 for g in groups), signed=False)
    if table.flags & FLAG_DIGESTS:
        for g in groups:
            if g.digest is None or len(g.digest) != DIGEST_SIZE:
                raise ValueError(f"group {g.id} needs a {DIGEST_SIZE}-byte digest")
            w.parts.append(g.digest)
    if table.flags & FLAG_LENGTHS:
        _required([g.compressed_length for g in groups], "compressed_length")
        _required([g.uncompressed_length for g in groups], "uncompressed_length")
        for g in groups:
            w.words([g.compressed_length or 0, g.uncompressed_length or 0], signed=False)
    w.words((g.version for g in groups), signed=True)
    for g in groups:
        if not g.file_ids:
            raise ValueError(f"group {g.id} has no files")
        w.ident(len(g.file_ids), "file counts")
    for g in groups:
        if list(g.file_ids) != sorted(set(g.file_ids)):
            raise ValueError(f"group {g.id} file ids must be unique and ascending")
        w.deltas(g.file_ids, "file")
    if table.flags & FLAG_NAMES:
        for g in groups:
            hashes = g.file_name_hashes
            if hashes is None or len(hashes) != len(g.file_ids):
                raise ValueError(f"group {g.id} needs one file name hash per file")
            w.words(hashes, signed=True)
    return b"".join(w.parts)


# --- NXT multi-file groups ------------------------------------------------------------------


def split_group(data: bytes, file_ids: Sequence[int], what: str = "group") -> dict[int, bytes]:
    """Cut a decoded group into its files, in the order of ``file_ids`` from the reference table."""
    if len(file_ids) == 1:
        return {file_ids[0]: data}
    cur = Cursor(data, what)
    marker = cur.u8()
    if marker != 1:
        raise cur.fail("the multi-file group marker 1", str(marker), offset=0)
    first = cur.u32()
    header = 5 + 4 * len(file_ids)
    if first != header:
        raise cur.fail(
            f"the first file at offset {header} ({len(file_ids)} files)", f"offset {first}", offset=1
        )
    cur.need(4 * len(file_ids), f"{len(file_ids)} u32 file end offsets")
    files: dict[int, bytes] = {}
    start = first
    for fid in file_ids:
        at = cur.pos
        end = cur.u32()
        if end < start or end > len(data):
            raise cur.fail(f"file {fid} ending between {start} and {len(data)}", f"{end}", offset=at)
        files[fid] = data[start:end]
        start = end
    if start != len(data):
        raise cur.fail(
            "the last file to end at the end of the group", f"it ends at {start}", offset=cur.pos - 4
        )
    return files


def encode_group(files: Sequence[bytes] | Mapping[int, bytes]) -> bytes:
    """Pack files (ordered by id when a mapping) into one group: raw when one file, NXT form otherwise."""
    blobs = [files[k] for k in sorted(files)] if isinstance(files, Mapping) else list(files)
    if not blobs:
        raise ValueError("a group holds at least one file")
    if len(blobs) == 1:
        return blobs[0]
    header_size = 5 + 4 * len(blobs)
    ends: list[int] = []
    position = header_size
    for blob in blobs:
        position += len(blob)
        ends.append(position)
    if position > 0xFFFFFFFF:
        raise ValueError("group too large for 32-bit file offsets")
    return b"\x01" + struct.pack(f">I{len(ends)}I", header_size, *ends) + b"".join(blobs)
