from __future__ import annotations

import bz2
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relics.formats import jag
from relics.formats.errors import RelicFormatError
from relics.formats.jag import JagArchive, name_hash, read_jag, read_jag_pair, write_jag

ENTRIES: dict[str | int, bytes] = {
    "string.dat": b"Iron Mace\x00A spiky mace\x00" * 20,
    "integer.dat": bytes(range(256)) * 3,
    "empty.dat": b"",
    0xDEADBEEF: b"raw hash key" * 7,
}


def _hash(key: str | int) -> int:
    return key if isinstance(key, int) else name_hash(key)


def _raw_archive(records: list[tuple[int, int, int]], body: bytes) -> bytes:
    out = bytearray(len(records).to_bytes(2, "big"))
    for h, size, packed in records:
        out += h.to_bytes(4, "big") + size.to_bytes(3, "big") + packed.to_bytes(3, "big")
    return bytes(out) + body


def _file(archive: bytes, size: int | None = None) -> bytes:
    size = len(archive) if size is None else size
    return size.to_bytes(3, "big") + len(archive).to_bytes(3, "big") + archive


def _headerless_bzip2(raw: bytes) -> bytes:
    return bz2.compress(raw, compresslevel=1)[4:]


def test_name_hash_follows_the_client_formula_and_ignores_case() -> None:
    assert name_hash("ab") == (ord("A") - 32) * 61 + ord("B") - 32
    assert name_hash("Index.DAT") == name_hash("index.dat")
    assert name_hash("") == 0


def test_name_hash_wraps_at_32_bits() -> None:
    long_name = "objects" * 40 + ".dat"
    expected = 0
    for c in long_name.upper():
        expected = (expected * 61 + ord(c) - 32) % 2**32
    assert name_hash(long_name) == expected
    assert 0 <= name_hash(long_name) < 2**32


@pytest.mark.parametrize("packing", ["whole", "entries"])
def test_it_round_trips_entries_through_the_writer_and_reader(packing: jag.Packing) -> None:
    data = write_jag(ENTRIES, packing=packing)
    archive = read_jag(data)
    assert archive.packing == packing
    assert list(archive.entries) == [_hash(k) for k in ENTRIES]
    assert list(archive.entries.values()) == list(ENTRIES.values())
    assert archive.get("STRING.DAT") == ENTRIES["string.dat"]
    assert "integer.dat" in archive
    assert "missing.dat" not in archive
    assert archive.get("missing.dat") is None


def test_whole_packing_compresses_the_archive_and_entries_packing_each_entry() -> None:
    whole = write_jag({"a.dat": b"x" * 500}, packing="whole")
    entries = write_jag({"a.dat": b"x" * 500}, packing="entries")
    # Whole: the file sizes differ. Entries: the file sizes match, the entry sizes differ.
    assert whole[0:3] != whole[3:6]
    assert entries[0:3] == entries[3:6]
    assert entries[6 + 6 : 6 + 9] != entries[6 + 9 : 6 + 12]


def test_names_found_lists_candidates_present_once_in_candidate_order() -> None:
    archive = read_jag(write_jag(ENTRIES, packing="whole"))
    found = archive.names_found(["nope.dat", "integer.dat", "STRING.dat", "string.dat", "empty.dat"])
    assert found == ["integer.dat", "STRING.dat", "empty.dat"]


def test_an_empty_archive_round_trips() -> None:
    for packing in ("whole", "entries"):
        assert read_jag(write_jag({}, packing=packing)).entries == {}


def test_a_repeated_hash_keeps_the_first_body_like_the_client_lookup() -> None:
    h = name_hash("a.dat")
    archive = read_jag(_file(_raw_archive([(h, 1, 1), (h, 1, 1)], b"AB")))
    assert archive.get("a.dat") == b"A"


def test_the_pair_looks_in_the_jag_before_the_mem() -> None:
    jag_file = write_jag({"both.dat": b"from jag", "jagonly.dat": b"j"}, packing="entries")
    mem_file = write_jag({"both.dat": b"from mem", "memonly.dat": b"m"}, packing="entries")
    pair = read_jag_pair(jag_file, mem_file)
    assert pair.get("both.dat") == b"from jag"
    assert pair.get("memonly.dat") == b"m"
    assert pair.get("jagonly.dat") == b"j"
    assert pair.get("none.dat") is None
    assert "memonly.dat" in pair
    assert pair.names_found(["memonly.dat", "none.dat", "both.dat"]) == ["memonly.dat", "both.dat"]
    assert read_jag_pair(None, mem_file).get("both.dat") == b"from mem"


def test_the_writer_refuses_keys_and_sizes_the_format_cannot_hold() -> None:
    with pytest.raises(ValueError, match="u32"):
        write_jag({-1: b""}, packing="whole")
    with pytest.raises(ValueError, match="u24"):
        write_jag({"big.dat": bytes(1 << 24)}, packing="whole")


@pytest.mark.parametrize("packing", ["whole", "entries"])
def test_it_rejects_a_truncated_archive_at_every_length(packing: jag.Packing) -> None:
    data = write_jag(ENTRIES, packing=packing)
    for cut in range(len(data)):
        with pytest.raises(RelicFormatError):
            read_jag(data[:cut])


def test_it_names_the_offset_and_expectation_of_a_short_header() -> None:
    with pytest.raises(RelicFormatError) as err:
        read_jag(b"\x00\x00\x05\x00", "media58.jag")
    assert err.value.what == "media58.jag"
    assert err.value.offset == 3
    assert "u24" in err.value.expected


def test_it_rejects_bytes_after_the_declared_body() -> None:
    with pytest.raises(RelicFormatError, match="to end after a body"):
        read_jag(write_jag(ENTRIES, packing="whole") + b"\x00")


def test_it_rejects_bytes_after_the_last_entry() -> None:
    archive = _raw_archive([(1, 2, 2)], b"abc")
    with pytest.raises(RelicFormatError, match="end after its last entry"):
        read_jag(_file(archive))


def test_it_rejects_an_entry_count_that_overruns_the_archive() -> None:
    with pytest.raises(RelicFormatError, match="entry records") as err:
        read_jag(_file(b"\x03\xe8" + b"\x00" * 30))
    assert err.value.offset == 8


def test_it_rejects_an_entry_body_that_overruns_the_archive() -> None:
    with pytest.raises(RelicFormatError, match="entry 0"):
        read_jag(_file(_raw_archive([(1, 100, 100)], b"short")))


def test_it_rejects_a_body_that_is_not_bzip2() -> None:
    archive = _raw_archive([], b"")
    with pytest.raises(RelicFormatError, match="bzip2") as err:
        read_jag(_file(b"not bzip2 at all", size=len(archive) + 5))
    assert err.value.offset == 6


def test_it_rejects_bzip2_that_yields_fewer_bytes_than_declared() -> None:
    archive = _raw_archive([(1, 3, 3)], b"abc")
    packed = _headerless_bzip2(archive)
    data = (len(archive) + 10).to_bytes(3, "big") + len(packed).to_bytes(3, "big") + packed
    with pytest.raises(RelicFormatError, match=f"{len(archive) + 10} bytes"):
        read_jag(data)


def test_it_rejects_bytes_after_a_compressed_entry_stream() -> None:
    packed = _headerless_bzip2(b"abc") + b"junk"
    with pytest.raises(RelicFormatError, match="4 more bytes") as err:
        read_jag(_file(_raw_archive([(1, 3, len(packed))], packed)))
    assert err.value.offset == 6 + 12 + len(packed) - 4


def test_it_stops_a_decompression_bomb_at_the_declared_size() -> None:
    bomb = _headerless_bzip2(bytes(8 * 1024 * 1024))
    archive = _raw_archive([(1, 16, len(bomb))], bomb)
    with pytest.raises(RelicFormatError, match="more than that"):
        read_jag(_file(archive))


def test_it_rejects_entries_beyond_the_decompression_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    data = write_jag({"a.dat": b"a" * 600, "b.dat": b"b" * 600}, packing="entries")
    monkeypatch.setattr(jag, "MAX_DECOMPRESSED", 1000)
    with pytest.raises(RelicFormatError, match="budget") as err:
        read_jag(data)
    assert "entry 1" in err.value.expected


def test_it_rejects_a_declared_size_above_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    data = write_jag({"a.dat": b"a" * 600}, packing="whole")
    monkeypatch.setattr(jag, "MAX_DECOMPRESSED", 100)
    with pytest.raises(RelicFormatError, match="at most 100 bytes"):
        read_jag(data)


_FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_SEEDS = [write_jag(ENTRIES, packing="whole"), write_jag(ENTRIES, packing="entries")]


def _read_or_reject(data: bytes) -> JagArchive | None:
    try:
        return read_jag(data)
    except RelicFormatError:
        return None


@_FUZZ
@given(
    seed=st.sampled_from(_SEEDS),
    edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
    cut=st.integers(0, 10**6),
)
def test_fuzzed_archives_only_ever_raise_relic_format_errors(
    seed: bytes, edits: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(seed)
    for pos, value in edits:
        data[pos % len(data)] = value
    _read_or_reject(bytes(data[: max(cut % (len(data) + 1), 0)]))
    _read_or_reject(bytes(data))


@_FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_only_ever_raise_relic_format_errors(data: bytes) -> None:
    _read_or_reject(data)


# --- the real client-204 cache --------------------------------------------------------------

WHOLE = ["config85.jag", "land63.jag", "land63.mem", "maps63.jag", "models36.jag", "sounds1.mem", "jagex.jag"]
PER_ENTRY = ["media58.jag", "entity24.jag", "entity24.mem", "textures17.jag"]


@pytest.mark.parametrize("name", WHOLE + PER_ENTRY + ["fonts1.jag", "filter2.jag", "maps63.mem"])
def test_every_real_archive_reads_with_the_documented_packing(rsc_cache_dir: Path, name: str) -> None:
    archive = read_jag((rsc_cache_dir / name).read_bytes(), name)
    assert len(archive.entries) > 0
    assert archive.packing == ("entries" if name in PER_ENTRY else "whole")


def test_the_real_config_holds_its_two_files(rsc_cache_dir: Path) -> None:
    archive = read_jag((rsc_cache_dir / "config85.jag").read_bytes())
    assert archive.names_found(["string.dat", "integer.dat", "nope.dat"]) == ["string.dat", "integer.dat"]


@pytest.mark.parametrize("name", ["media58.jag", "config85.jag"])
def test_a_real_archive_repacks_to_the_same_content(rsc_cache_dir: Path, name: str) -> None:
    original = read_jag((rsc_cache_dir / name).read_bytes())
    repacked = read_jag(write_jag(dict(original.entries), packing=original.packing))
    assert repacked.entries == original.entries
    assert repacked.packing == original.packing
