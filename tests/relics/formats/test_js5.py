from __future__ import annotations

import lzma
import os
import struct
import zlib
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relics.formats.errors import Cursor, RelicFormatError
from relics.formats.js5 import (
    MAX_SIZE,
    ZLB,
    BlobKind,
    Compression,
    GroupEntry,
    ReferenceTable,
    decode_blob,
    decode_container,
    decode_reference_table,
    decode_zlb,
    encode_big_smart,
    encode_blob,
    encode_container,
    encode_group,
    encode_reference_table,
    encode_zlb,
    js5_name_hash,
    read_big_smart,
    split_group,
)


def u16(v: int) -> bytes:
    return struct.pack(">H", v)


def u32(v: int) -> bytes:
    return struct.pack(">I", v)


def i32(v: int) -> bytes:
    return struct.pack(">i", v)


# --- smarts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (b"\x00\x00", 0),
        (b"\x00\x05", 5),
        (b"\x7f\xff", 0x7FFF),
        (b"\x80\x00\x80\x00", 0x8000),
        (b"\x80\x01\x11\x70", 70000),
        (b"\xff\xff\xff\xff", 0x7FFFFFFF),
    ],
)
def test_big_smarts_of_both_widths_read_and_write_as_hand_assembled(raw: bytes, value: int) -> None:
    cur = Cursor(raw + b"\xaa", "smart")
    assert read_big_smart(cur) == value
    assert cur.pos == len(raw)
    assert encode_big_smart(value) == raw


def test_a_four_byte_smart_holding_a_small_value_still_reads() -> None:
    assert read_big_smart(Cursor(b"\x80\x00\x00\x07", "smart")) == 7


def test_a_smart_cut_after_its_wide_marker_is_a_format_error() -> None:
    with pytest.raises(RelicFormatError) as info:
        read_big_smart(Cursor(b"\x00\x80\x00", "smart", pos=1))
    assert info.value.offset == 1


def test_smarts_refuse_values_they_cannot_hold() -> None:
    with pytest.raises(ValueError):
        encode_big_smart(-1)
    with pytest.raises(ValueError):
        encode_big_smart(1 << 31)


def test_name_hash_is_the_lower_case_java_string_hash() -> None:
    assert js5_name_hash("") == 0
    assert js5_name_hash("a") == 97
    assert js5_name_hash("AB") == 97 * 31 + 98
    # "hello world" overflows 32 bits; Java's String.hashCode gives 1794106052.
    assert js5_name_hash("hello world") == 1794106052
    assert js5_name_hash("polygenelubricants") == -(1 << 31)


# --- containers: hand-assembled fixtures ------------------------------------------------------

HELLO_GZIP = (
    bytes.fromhex("1f8b08000000000000ff")  # magic, deflate, no flags, mtime 0, xfl, unknown OS
    + b"\x01\x05\x00\xfa\xffhello"  # one final stored block of 5 bytes
    + bytes.fromhex("86a61036")  # crc32("hello") little-endian
    + b"\x05\x00\x00\x00"
)
# bzip2 level 1 of "hello" with its "BZh1" signature removed, as JS5 stores it.
HELLO_BZIP2 = bytes.fromhex("3141592653591931653d00000081000244a000219a68334d07338bb9229c28480c98b29e80")


def test_an_uncompressed_container_is_type_length_payload() -> None:
    got = decode_container(b"\x00" + u32(3) + b"abc")
    assert (got.compression, got.data, got.version) == (Compression.NONE, b"abc", None)


def test_a_trailing_two_byte_version_is_reported_not_mistaken_for_data() -> None:
    got = decode_container(b"\x00" + u32(3) + b"abc" + u16(513))
    assert got.data == b"abc"
    assert got.version == 513


def test_a_hand_built_gzip_container_decodes() -> None:
    blob = b"\x02" + u32(len(HELLO_GZIP)) + u32(5) + HELLO_GZIP
    assert decode_container(blob).data == b"hello"


def test_a_gzip_container_cut_before_its_trailer_is_refused() -> None:
    cut = HELLO_GZIP[:-8]
    err = _error(decode_container, b"\x02" + u32(len(cut)) + u32(5) + cut)
    assert err.expected == "a complete gzip stream"
    assert err.offset == 9 + len(cut)


def test_a_gzip_container_with_a_wrong_trailer_crc_is_refused() -> None:
    bad = HELLO_GZIP[:-8] + b"\x00\x00\x00\x00" + HELLO_GZIP[-4:]
    err = _error(decode_container, b"\x02" + u32(len(bad)) + u32(5) + bad)
    assert "gzip" in err.expected


def test_a_headerless_bzip2_container_decodes() -> None:
    blob = b"\x01" + u32(len(HELLO_BZIP2)) + u32(5) + HELLO_BZIP2
    assert decode_container(blob).data == b"hello"


def test_lzma_property_byte_and_little_endian_dictionary_size_are_honoured() -> None:
    # lc=0 lp=2 pb=0 is far from the usual 0x5d, so a reader ignoring the byte would fail.
    filters = [{"id": lzma.FILTER_LZMA1, "dict_size": 1 << 16, "lc": 0, "lp": 2, "pb": 0}]
    payload = b"lzma with odd properties " * 40
    raw = lzma.compress(payload, format=lzma.FORMAT_RAW, filters=filters)
    props = bytes([(0 * 5 + 2) * 9 + 0]) + (1 << 16).to_bytes(4, "little")
    blob = b"\x03" + u32(5 + len(raw)) + u32(len(payload)) + props + raw
    assert decode_container(blob).data == payload


def test_written_lzma_containers_carry_the_usual_properties_byte() -> None:
    blob = encode_container(b"x" * 100, Compression.LZMA)
    assert blob[0] == 3
    assert blob[9] == 0x5D  # lc=3 lp=0 pb=2
    assert int.from_bytes(blob[10:14], "little") == 4096


def test_an_lzma_stream_stops_at_the_declared_size_even_without_an_end_marker() -> None:
    payload = os.urandom(300)
    blob = encode_container(payload, Compression.LZMA)
    # Declaring fewer bytes than the stream holds is how Jagex ends marker-less streams.
    shorter = blob[:5] + u32(200) + blob[9:]
    assert decode_container(shorter).data == payload[:200]


def test_a_hand_built_zlb_blob_without_its_end_marker_decodes() -> None:
    # zlib header, then one NON-final stored block and nothing after: no final block, no adler32.
    blob = b"ZLB\x01" + u32(5) + b"\x78\x01" + b"\x00\x05\x00\xfa\xff" + b"hello"
    assert decode_zlb(blob) == b"hello"
    assert decode_blob(blob) == b"hello"


def test_a_hand_built_complete_zlb_blob_decodes() -> None:
    blob = b"ZLB\x01" + u32(5) + b"\x78\x01" + b"\x01\x05\x00\xfa\xffhello" + u32(0x062C0215)
    assert decode_zlb(blob) == b"hello"


def test_zlb_written_without_an_end_marker_really_lacks_one_and_still_reads() -> None:
    payload = b"no end marker here " * 50
    blob = encode_zlb(payload, end_marker=False)
    d = zlib.decompressobj()
    assert d.decompress(blob[8:]) == payload
    assert not d.eof
    assert decode_zlb(blob) == payload


# --- containers: round trips ------------------------------------------------------------------


@pytest.mark.parametrize("compression", list(Compression))
@pytest.mark.parametrize("payload", [b"", b"a", bytes(range(256)) * 3, b"z" * 70000])
def test_every_compression_type_round_trips(compression: Compression, payload: bytes) -> None:
    blob = encode_container(payload, compression)
    assert blob[0] == compression
    got = decode_container(blob)
    assert got.compression is compression
    assert got.data == payload


@pytest.mark.parametrize("kind", [*list(Compression), ZLB])
def test_blobs_of_every_kind_round_trip_through_decode_blob(kind: BlobKind) -> None:
    payload = b"blob payload " * 20
    assert decode_blob(encode_blob(payload, kind)) == payload


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from(list(Compression)), st.none() | st.integers(0, 0xFFFF))
def test_containers_round_trip_arbitrary_bytes(
    payload: bytes, compression: Compression, version: int | None
) -> None:
    got = decode_container(encode_container(payload, compression, version=version))
    assert (got.data, got.version) == (payload, version)


# --- containers: malformed ---------------------------------------------------------------------


def _error(fn: Callable[..., object], *args: object) -> RelicFormatError:
    with pytest.raises(RelicFormatError) as info:
        fn(*args)
    return info.value


def test_an_unknown_compression_type_is_named() -> None:
    err = _error(decode_container, b"\x04" + u32(0) + u32(0))
    assert err.offset == 0
    assert "compression type" in err.expected
    assert err.found == "4"


def test_a_truncated_container_header_is_a_format_error() -> None:
    assert _error(decode_container, b"\x02\x00\x00").offset == 1
    assert _error(decode_container, b"").offset == 0


def test_a_payload_shorter_than_declared_is_a_format_error() -> None:
    err = _error(decode_container, b"\x00" + u32(10) + b"abc")
    assert err.offset == 5
    assert "10 bytes" in err.expected


def test_unexplained_trailing_bytes_are_refused() -> None:
    err = _error(decode_container, b"\x00" + u32(1) + b"a" + b"xyz")
    assert "trailing" in err.found


@pytest.mark.parametrize("field_offset", [1, 5])
def test_sizes_beyond_256_mib_are_refused_before_anything_is_read(field_offset: int) -> None:
    blob = bytearray(b"\x02" + u32(10) + u32(10) + b"\x00" * 10)
    blob[field_offset : field_offset + 4] = u32(MAX_SIZE + 1)
    err = _error(decode_container, bytes(blob))
    assert err.offset == field_offset
    assert str(MAX_SIZE + 1) in err.found


def test_a_gzip_bomb_stops_one_byte_past_the_declared_size() -> None:
    bomb = encode_container(b"\x00" * 20_000_000, Compression.GZIP)
    lying = bomb[:5] + u32(100) + bomb[9:]
    err = _error(decode_container, lying)
    assert err.found == "more than 100 bytes"


@pytest.mark.parametrize("compression", [Compression.BZIP2, Compression.GZIP, Compression.LZMA])
def test_a_declared_size_larger_than_the_data_inflates_to_is_refused(compression: Compression) -> None:
    blob = encode_container(b"abcdef" * 10, compression)
    lying = blob[:5] + u32(61) + blob[9:]
    err = _error(decode_container, lying)
    assert "declared 61 bytes" in err.expected
    assert err.found == "60 bytes"


@pytest.mark.parametrize("compression", [Compression.BZIP2, Compression.GZIP])
def test_a_declared_size_smaller_than_a_self_terminating_stream_is_refused(compression: Compression) -> None:
    blob = encode_container(b"abcdef" * 10, compression)
    err = _error(decode_container, blob[:5] + u32(59) + blob[9:])
    assert err.found == "more than 59 bytes"


@pytest.mark.parametrize(
    ("compression", "word"),
    [(Compression.BZIP2, "bzip2"), (Compression.GZIP, "gzip"), (Compression.LZMA, "LZMA")],
)
def test_garbage_compressed_data_is_a_format_error_naming_the_codec(
    compression: Compression, word: str
) -> None:
    garbage = b"\xff\xfe\x00garbage!" * 4
    err = _error(decode_container, bytes([compression]) + u32(len(garbage)) + u32(100) + garbage)
    assert word in err.expected
    assert err.offset >= 9


def test_an_lzma_properties_byte_out_of_range_is_refused() -> None:
    err = _error(decode_container, b"\x03" + u32(6) + u32(1) + b"\xe1\x00\x10\x00\x00\x00")
    assert err.offset == 9
    assert err.found == "225"


def test_a_forged_huge_lzma_dictionary_does_not_allocate_it() -> None:
    blob = encode_container(b"small" * 10, Compression.LZMA)
    forged = blob[:10] + b"\xff\xff\xff\xff" + blob[14:]
    assert decode_container(forged).data == b"small" * 10


def test_zlb_blobs_check_signature_size_and_length() -> None:
    assert _error(decode_zlb, b"ZLB\x02" + u32(0)).offset == 0
    assert _error(decode_zlb, b"ZLB\x01" + u32(MAX_SIZE + 1)).offset == 4
    assert _error(decode_zlb, b"ZLB\x01\x00").offset == 4
    good = encode_zlb(b"hello")
    assert _error(decode_zlb, good[:4] + u32(4) + good[8:]).found == "more than 4 bytes"
    assert _error(decode_zlb, good[:8] + b"\x00\x00garbage").offset == 8


# --- reference tables: hand-assembled ---------------------------------------------------------


def test_a_hand_built_format_5_table_decodes_delta_coded_ids() -> None:
    raw = (
        b"\x05\x00"  # format 5 (no version), no flags
        + u16(2)  # two groups
        + u16(3)
        + u16(4)  # ids 3 and 7
        + u32(0xDEADBEEF)
        + u32(1)  # crcs
        + i32(10)
        + i32(-2)  # versions
        + u16(1)
        + u16(2)  # file counts
        + u16(0)  # group 3: file 0
        + u16(0)
        + u16(5)  # group 7: files 0 and 5
    )
    table = decode_reference_table(raw)
    assert (table.format, table.version, table.flags) == (5, None, 0)
    assert table.group_ids() == [3, 7]
    assert table.groups[3] == GroupEntry(id=3, crc=0xDEADBEEF, version=10, file_ids=(0,))
    assert table.groups[7] == GroupEntry(id=7, crc=1, version=-2, file_ids=(0, 5))
    assert encode_reference_table(table) == raw


def test_a_hand_built_format_7_table_uses_four_byte_smarts_for_large_ids() -> None:
    raw = (
        b"\x07"
        + i32(99)
        + b"\x00"
        + u16(2)  # group count as a short smart
        + u16(5)
        + b"\x80\x01\x11\x6b"  # ids 5 then 5 + 69995 = 70000 (a wide smart)
        + u32(7)
        + u32(8)
        + i32(1)
        + i32(2)
        + u16(1)
        + u16(1)
        + b"\x80\x00\x80\x00"  # group 5: file 32768
        + u16(0)  # group 70000: file 0
    )
    table = decode_reference_table(raw)
    assert table.version == 99
    assert table.group_ids() == [5, 70000]
    assert table.groups[5].file_ids == (32768,)
    assert encode_reference_table(table) == raw


def _hand_table(fmt: int, flags: int) -> tuple[bytes, ReferenceTable]:
    """One table per format and flag set, assembled field by field from the documented order."""
    ids = [1, 300]
    files = {1: (0, 2), 300: (7,)}
    digest = {1: bytes(range(64)), 300: bytes(range(64, 128))}

    def ident(v: int) -> bytes:
        return encode_big_smart(v) if fmt >= 7 else u16(v)

    raw = bytes([fmt]) + (i32(42) if fmt >= 6 else b"") + bytes([flags])
    raw += ident(2) + ident(1) + ident(299)
    if flags & 1:
        raw += i32(-5) + i32(6)
    raw += u32(0xAAAA0001) + u32(0xAAAA0002)
    if flags & 8:
        raw += u32(0xBBBB0001) + u32(0xBBBB0002)
    if flags & 2:
        raw += digest[1] + digest[300]
    if flags & 4:
        raw += u32(100) + u32(200) + u32(300) + u32(400)
    raw += i32(11) + i32(12)
    raw += ident(2) + ident(1)
    raw += ident(0) + ident(2) + ident(7)
    if flags & 1:
        raw += i32(-100) + i32(101) + i32(102)
    table = ReferenceTable(fmt, flags, 42 if fmt >= 6 else None)
    for n, gid in enumerate(ids):
        table.groups[gid] = GroupEntry(
            id=gid,
            crc=0xAAAA0001 + n,
            version=11 + n,
            file_ids=files[gid],
            name_hash=(-5, 6)[n] if flags & 1 else None,
            uncompressed_crc=0xBBBB0001 + n if flags & 8 else None,
            digest=digest[gid] if flags & 2 else None,
            compressed_length=(100, 300)[n] if flags & 4 else None,
            uncompressed_length=(200, 400)[n] if flags & 4 else None,
            file_name_hashes=((-100, 101), (102,))[n] if flags & 1 else None,
        )
    return raw, table


@pytest.mark.parametrize("fmt", [5, 6, 7])
@pytest.mark.parametrize("flags", range(16))
def test_every_format_and_flag_combination_matches_a_hand_assembled_table(fmt: int, flags: int) -> None:
    raw, expected = _hand_table(fmt, flags)
    assert decode_reference_table(raw) == expected
    assert encode_reference_table(expected) == raw


def test_format_6_tables_need_u16_ids_and_refuse_larger_gaps_on_write() -> None:
    table = ReferenceTable(6, 0, 1, {70000: GroupEntry(id=70000, crc=0, version=0, file_ids=(0,))})
    with pytest.raises(ValueError, match="u16"):
        encode_reference_table(table)
    table.format = 7
    assert decode_reference_table(encode_reference_table(table)) == table


def test_writing_a_flag_without_its_fields_is_refused() -> None:
    table = ReferenceTable(7, 1, 1, {0: GroupEntry(id=0, crc=0, version=0, file_ids=(0,))})
    with pytest.raises(ValueError, match="names"):
        encode_reference_table(table)
    table.flags = 0
    table.groups[0].crc = 1 << 32
    with pytest.raises(ValueError, match="out of range"):
        encode_reference_table(table)


group_entries = st.builds(
    lambda gid, fids, crc, ver: GroupEntry(id=gid, crc=crc, version=ver, file_ids=tuple(sorted(fids))),
    st.integers(0, 60000),
    st.sets(st.integers(0, 60000), min_size=1, max_size=5),
    st.integers(0, 0xFFFFFFFF),
    st.integers(-(1 << 31), (1 << 31) - 1),
)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from([5, 6, 7]), st.lists(group_entries, max_size=8, unique_by=lambda g: g.id), st.data())
def test_random_tables_round_trip_in_every_format(
    fmt: int, groups: list[GroupEntry], data: st.DataObject
) -> None:
    flags = data.draw(st.integers(0, 15))
    for g in groups:
        if flags & 1:
            g.name_hash = data.draw(st.integers(-(1 << 31), (1 << 31) - 1))
            g.file_name_hashes = tuple(data.draw(st.integers(-(1 << 31), (1 << 31) - 1)) for _ in g.file_ids)
        if flags & 2:
            g.digest = data.draw(st.binary(min_size=64, max_size=64))
        if flags & 4:
            g.compressed_length, g.uncompressed_length = data.draw(st.integers(0, 99999)), 5
        if flags & 8:
            g.uncompressed_crc = data.draw(st.integers(0, 0xFFFFFFFF))
    table = ReferenceTable(fmt, flags, 7 if fmt >= 6 else None, {g.id: g for g in groups})
    assert decode_reference_table(encode_reference_table(table)) == table


# --- reference tables: malformed -------------------------------------------------------------


def test_an_unknown_table_format_is_named() -> None:
    err = _error(decode_reference_table, b"\x08" + i32(0) + b"\x00" + u16(0))
    assert (err.offset, err.found) == (0, "8")


def test_unknown_table_flags_are_refused() -> None:
    err = _error(decode_reference_table, b"\x06" + i32(0) + b"\x10" + u16(0))
    assert (err.offset, err.found) == (5, "0x10")


def test_a_group_count_the_data_cannot_hold_is_refused_up_front() -> None:
    err = _error(decode_reference_table, b"\x07" + i32(0) + b"\x00" + b"\xff\xff\xff\xff" + b"\x00" * 20)
    assert err.offset == 6
    assert "group count" in err.expected


def test_a_repeated_group_id_is_refused() -> None:
    raw, _ = _hand_table(6, 0)
    bad = raw[:8] + u16(1) + u16(0) + raw[12:]
    err = _error(decode_reference_table, bad)
    assert "strictly increasing" in err.expected
    assert err.offset == 10


def test_a_truncated_table_reports_where_it_ran_out() -> None:
    raw, _ = _hand_table(7, 15)
    for cut in (1, 6, 20, len(raw) - 1):
        err = _error(decode_reference_table, raw[:cut])
        assert err.offset <= cut


def test_trailing_bytes_after_a_table_are_refused() -> None:
    raw, _ = _hand_table(5, 0)
    assert "trailing" in _error(decode_reference_table, raw + b"\x00").found


def test_a_group_with_no_files_is_refused() -> None:
    raw = b"\x05\x00" + u16(1) + u16(0) + u32(0) + i32(0) + u16(0)
    err = _error(decode_reference_table, raw)
    assert "at least one file" in err.expected


# --- NXT groups ------------------------------------------------------------------------------


def test_a_hand_built_three_file_group_splits_by_end_offsets() -> None:
    header = b"\x01" + u32(17) + u32(19) + u32(19) + u32(22)
    data = header + b"ab" + b"cde"
    assert split_group(data, [0, 4, 9]) == {0: b"ab", 4: b"", 9: b"cde"}
    assert encode_group({9: b"cde", 0: b"ab", 4: b""}) == data


def test_a_one_file_group_is_the_raw_blob_whatever_it_starts_with() -> None:
    assert split_group(b"\x01\x00\x00", [12]) == {12: b"\x01\x00\x00"}
    assert encode_group([b"\x01raw"]) == b"\x01raw"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=50), min_size=1, max_size=10))
def test_groups_of_any_file_count_round_trip(files: list[bytes]) -> None:
    ids = list(range(0, 3 * len(files), 3))
    assert split_group(encode_group(files), ids) == dict(zip(ids, files, strict=True))


@pytest.mark.parametrize(
    ("data", "offset", "words"),
    [
        (b"\x02" + u32(13) + u32(13) + u32(13), 0, "marker"),
        (b"\x01" + u32(17) + u32(13) + u32(13), 1, "first file at offset 13"),
        (b"\x01" + u32(13) + u32(14) + u32(13) + b"a", 9, "file 1 ending between 14"),
        (b"\x01" + u32(13) + u32(13) + u32(99), 9, "file 1 ending"),
        (b"\x01" + u32(13) + u32(13) + u32(13) + b"extra", 9, "the last file"),
        (b"\x01" + u32(13) + u32(13), 5, "2 u32 file end offsets"),
    ],
)
def test_broken_multi_file_groups_are_format_errors(data: bytes, offset: int, words: str) -> None:
    err = _error(split_group, data, [0, 1])
    assert err.offset == offset
    assert words in err.expected


# --- fuzzing: only RelicFormatError may escape ---------------------------------------------------

SAMPLES = [encode_container(b"sample payload " * 8, c, version=v) for c in Compression for v in (None, 3)] + [
    encode_zlb(b"zlb sample " * 8),
    encode_zlb(b"zlb sample", end_marker=False),
]


def _mutate(blob: bytes, data: st.DataObject) -> bytes:
    buf = bytearray(blob)
    for _ in range(data.draw(st.integers(1, 4))):
        if not buf:
            break
        i = data.draw(st.integers(0, len(buf) - 1))
        buf[i] = data.draw(st.integers(0, 255))
    return bytes(buf[: data.draw(st.integers(0, len(buf)))])


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_escape_the_blob_readers_with_other_errors(raw: bytes) -> None:
    for reader in (decode_container, decode_zlb, decode_blob, decode_reference_table):
        try:
            reader(raw)
        except RelicFormatError:
            pass


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SAMPLES), st.data())
def test_damaged_blobs_fail_only_with_format_errors(blob: bytes, data: st.DataObject) -> None:
    try:
        decode_blob(_mutate(blob, data))
    except RelicFormatError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([5, 6, 7]), st.integers(0, 15), st.data())
def test_damaged_tables_fail_only_with_format_errors(fmt: int, flags: int, data: st.DataObject) -> None:
    raw, _ = _hand_table(fmt, flags)
    try:
        decode_reference_table(_mutate(raw, data))
    except RelicFormatError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=80), st.integers(1, 6))
def test_random_groups_fail_only_with_format_errors(raw: bytes, n: int) -> None:
    try:
        split_group(raw, list(range(n)))
    except RelicFormatError:
        pass
