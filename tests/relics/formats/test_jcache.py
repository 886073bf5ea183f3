from __future__ import annotations

import sqlite3
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relics.formats.errors import RelicFormatError
from relics.formats.jcache import JCacheIndex, build_jcache, write_jcache
from relics.formats.js5 import ZLB, BlobKind, Compression, decode_blob, decode_reference_table

GROUPS: dict[int, dict[int, bytes]] = {
    0: {0: b"zero", 1: b"one", 5: b"five"},
    3: {0: b"single file group"},
    40000: {2: b"", 3: b"\x01looks like a group marker"},
}


def collect(index: JCacheIndex) -> dict[int, dict[int, bytes]]:
    out: dict[int, dict[int, bytes]] = {}
    for gid, fid, data in index.iter_files():
        out.setdefault(gid, {})[fid] = data
    return out


def u16(v: int) -> bytes:
    return struct.pack(">H", v)


def u32(v: int) -> bytes:
    return struct.pack(">I", v)


def sqlite_bytes(statements: list[str], rows: dict[str, list[tuple[object, ...]]] | None = None) -> bytes:
    conn = sqlite3.connect(":memory:")
    for sql in statements:
        conn.execute(sql)
    for table, values in (rows or {}).items():
        conn.executemany(f"INSERT INTO {table} VALUES (?, ?, ?, ?)", values)
    conn.commit()
    data = conn.serialize()
    conn.close()
    return data


SCHEMA = [
    "CREATE TABLE cache (KEY INTEGER PRIMARY KEY, DATA BLOB, VERSION INTEGER, CRC INTEGER)",
    "CREATE TABLE cache_index (KEY INTEGER PRIMARY KEY, DATA BLOB, VERSION INTEGER, CRC INTEGER)",
]


def hand_built_cache() -> bytes:
    """A jcache put together row by row: uncompressed containers and a format 6 table written by hand."""
    group_7 = b"\x01" + u32(13) + u32(15) + u32(18) + b"hi" + b"you"  # files 0 and 4
    group_9 = b"solo"
    blob_7 = b"\x00" + u32(len(group_7)) + group_7
    blob_9 = b"ZLB\x01" + u32(4) + zlib.compress(group_9)
    table = (
        b"\x06"
        + struct.pack(">i", 5)
        + b"\x00"
        + u16(2)
        + u16(7)
        + u16(2)
        + u32(zlib.crc32(blob_7))
        + u32(zlib.crc32(blob_9))
        + struct.pack(">ii", 1, 1)
        + u16(2)
        + u16(1)
        + u16(0)
        + u16(4)
        + u16(0)
    )
    table_blob = b"\x00" + u32(len(table)) + table
    return sqlite_bytes(
        SCHEMA,
        {
            "cache": [(7, blob_7, 1, zlib.crc32(blob_7)), (9, blob_9, 1, zlib.crc32(blob_9))],
            "cache_index": [(1, table_blob, 5, zlib.crc32(table_blob))],
        },
    )


def test_a_hand_built_jcache_yields_its_files_through_the_reference_table() -> None:
    with JCacheIndex(hand_built_cache()) as index:
        assert index.table.version == 5
        assert index.group_ids() == [7, 9]
        assert index.files(7) == {0: b"hi", 4: b"you"}
        assert index.file(9, 0) == b"solo"
        assert collect(index) == {7: {0: b"hi", 4: b"you"}, 9: {0: b"solo"}}


@pytest.mark.parametrize("kind", [*list(Compression), ZLB])
@pytest.mark.parametrize("table_format", [5, 6, 7])
def test_every_blob_kind_and_table_format_round_trips_through_sqlite(
    kind: BlobKind, table_format: int
) -> None:
    built = build_jcache(GROUPS, compression=kind, table_compression=kind, table_format=table_format)
    with JCacheIndex(built) as index:
        assert index.table.format == table_format
        assert collect(index) == GROUPS


@pytest.mark.parametrize("flags", [0, 1, 4, 8, 13])
def test_written_tables_record_names_lengths_and_uncompressed_crcs_that_verify(flags: int) -> None:
    built = build_jcache(GROUPS, flags=flags, group_names={3: "Logo"})
    with JCacheIndex(built) as index:
        entry = index.table.groups[3]
        assert (entry.name_hash is not None) == bool(flags & 1)
        assert (entry.uncompressed_length is not None) == bool(flags & 4)
        assert (entry.uncompressed_crc == zlib.crc32(b"single file group")) == bool(flags & 8)
        assert collect(index) == GROUPS


def test_stored_rows_carry_each_blobs_crc_and_version(tmp_path: Path) -> None:
    path = write_jcache(tmp_path / "js5-19.jcache", GROUPS, group_versions={3: 77}, table_version=12)
    conn = sqlite3.connect(path)
    rows = {key: (data, version, crc) for key, data, version, crc in conn.execute("SELECT * FROM cache")}
    (table_row,) = conn.execute("SELECT KEY, DATA, VERSION FROM cache_index").fetchall()
    conn.close()
    assert set(rows) == set(GROUPS)
    assert rows[3][1] == 77
    assert all(zlib.crc32(data) == crc for data, _, crc in rows.values())
    assert table_row[0] == 1 and table_row[2] == 12
    assert decode_reference_table(decode_blob(table_row[1])).groups[3].version == 77


def test_a_file_on_disk_is_read_without_being_changed(tmp_path: Path) -> None:
    path = write_jcache(tmp_path / "js5-19.jcache", GROUPS)
    before = path.read_bytes()
    with JCacheIndex(path) as index:
        assert index.name == "js5-19.jcache"
        assert collect(index) == GROUPS
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["js5-19.jcache"]


def test_paths_with_uri_special_characters_open(tmp_path: Path) -> None:
    path = write_jcache(tmp_path / "odd name #1?%20.jcache", GROUPS)
    with JCacheIndex(str(path)) as index:
        assert collect(index) == GROUPS


def test_groups_the_table_lists_but_the_client_never_stored_are_skipped_or_reported() -> None:
    built = build_jcache(GROUPS)
    conn = sqlite3.connect(":memory:")
    conn.deserialize(built)
    conn.execute("DELETE FROM cache WHERE KEY = 3")
    conn.commit()
    partial = conn.serialize()
    conn.close()
    with JCacheIndex(partial) as index:
        assert not index.has_group(3)
        assert index.has_group(0)
        assert set(collect(index)) == {0, 40000}
        with pytest.raises(KeyError, match="listed but not stored"):
            index.files(3)
        with pytest.raises(KeyError):
            list(index.iter_files(skip_missing=False))


def test_asking_for_a_group_or_file_that_does_not_exist_is_a_key_error() -> None:
    with JCacheIndex(build_jcache(GROUPS)) as index:
        with pytest.raises(KeyError):
            index.files(1)
        with pytest.raises(KeyError):
            index.file(0, 2)


# --- malformed ---------------------------------------------------------------------------------


def test_a_non_sqlite_file_is_a_format_error_at_offset_zero(tmp_path: Path) -> None:
    path = tmp_path / "js5-2.jcache"
    path.write_bytes(b"this is not a database at all")
    with pytest.raises(RelicFormatError) as info:
        JCacheIndex(path)
    assert info.value.offset == 0
    assert "SQLite" in info.value.expected
    with pytest.raises(RelicFormatError):
        JCacheIndex(b"")


def test_a_missing_file_is_not_mistaken_for_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        JCacheIndex(tmp_path / "absent.jcache")


def test_a_valid_header_over_a_damaged_body_is_a_format_error() -> None:
    with pytest.raises(RelicFormatError, match="not a database"):
        JCacheIndex(b"SQLite format 3\x00" + b"\x00" * 200)


@pytest.mark.parametrize("keep", [SCHEMA[:1], SCHEMA[1:], []])
def test_a_database_missing_a_jcache_table_is_refused(keep: list[str]) -> None:
    with pytest.raises(RelicFormatError, match="a table named cache"):
        JCacheIndex(sqlite_bytes([*keep, "CREATE TABLE other (x)"]))


def test_a_table_missing_a_column_is_refused() -> None:
    schema = [SCHEMA[0], "CREATE TABLE cache_index (KEY INTEGER PRIMARY KEY, VERSION INTEGER, CRC INTEGER)"]
    with pytest.raises(RelicFormatError, match="no DATA"):
        JCacheIndex(sqlite_bytes(schema))


def test_a_missing_reference_table_row_is_reported() -> None:
    with JCacheIndex(sqlite_bytes(SCHEMA)) as index, pytest.raises(RelicFormatError, match="KEY 1"):
        _ = index.table


def test_data_stored_as_text_instead_of_a_blob_is_refused() -> None:
    index = JCacheIndex(sqlite_bytes(SCHEMA, {"cache_index": [(1, "text", 0, 0)]}))
    with pytest.raises(RelicFormatError, match="BLOB"):
        _ = index.table
    index.close()


def _tamper(built: bytes, sql: str, *params: object) -> bytes:
    conn = sqlite3.connect(":memory:")
    conn.deserialize(built)
    conn.execute(sql, params)
    conn.commit()
    out = conn.serialize()
    conn.close()
    return out


def test_a_group_whose_bytes_do_not_match_the_table_crc_is_refused_unless_verification_is_off() -> None:
    built = build_jcache(GROUPS, compression=Compression.NONE)
    swapped = b"\x00" + u32(9) + b"different"
    bad = _tamper(built, "UPDATE cache SET DATA = ? WHERE KEY = 3", swapped)
    with JCacheIndex(bad) as index, pytest.raises(RelicFormatError, match="CRC"):
        index.files(3)
    with JCacheIndex(bad, verify=False) as index:
        assert index.files(3) == {0: b"different"}


def test_a_group_decoding_to_the_wrong_length_is_refused_when_lengths_are_recorded() -> None:
    built = build_jcache({0: {0: b"abc"}}, compression=Compression.NONE, flags=4)
    with JCacheIndex(built) as index:
        index.table.groups[0].uncompressed_length = 4
        with pytest.raises(RelicFormatError, match="4 bytes once decoded"):
            index.files(0)


def test_a_corrupt_reference_table_is_a_format_error_naming_the_file(tmp_path: Path) -> None:
    bad = _tamper(
        build_jcache(GROUPS), "UPDATE cache_index SET DATA = ? WHERE KEY = 1", b"\x00" + u32(1) + b"\x09"
    )
    with JCacheIndex(bad, name="js5-18.jcache") as index, pytest.raises(RelicFormatError) as info:
        _ = index.table
    assert "js5-18.jcache reference table" in str(info.value)


# --- fuzzing ---------------------------------------------------------------------------------

SMALL = build_jcache({0: {0: b"a", 1: b"b"}, 1: {0: b"c"}})


def _read_everything(raw: bytes) -> None:
    try:
        with JCacheIndex(raw) as index:
            collect(index)
    except (RelicFormatError, KeyError):
        pass


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_never_escape_as_sqlite_errors(raw: bytes) -> None:
    _read_everything(b"SQLite format 3\x00" + raw)
    _read_everything(raw)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(SMALL) - 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_a_damaged_database_fails_only_with_format_or_key_errors(flips: list[tuple[int, int]]) -> None:
    buf = bytearray(SMALL)
    for at, value in flips:
        buf[at] = value
    _read_everything(bytes(buf))
