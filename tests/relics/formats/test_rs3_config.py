from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relics.formats.errors import RelicFormatError
from relics.formats.jcache import JCacheIndex, build_jcache
from relics.formats.js5 import ZLB, Compression
from relics.formats.rs3_config import (
    ITEMS_PER_GROUP,
    NPCS_PER_GROUP,
    ItemConfig,
    NpcConfig,
    Rs3Index,
    decode_item,
    decode_items,
    decode_npc,
    decode_npcs,
    encode_item,
    encode_items,
    encode_npc,
    encode_npcs,
)

# Every item opcode the docs list, assembled byte by byte.
FULL_ITEM = (
    b"\x01\x80\x01\x11\x70"  # model 70000 as a wide smart
    + b"\x02Caf\xe9 \x80\x00"  # name "Café €" in cp1252
    + b"\x0c\xff\xff\xff\xfe"  # value -2
    + b"\x10"  # members
    + b"\x1eTake\x00"  # ground option 0
    + b"\x22Light\x00"  # ground option 4
    + b"\x23Wield\x00"  # inventory option 0
    + b"\x27Drop\x00"  # inventory option 4
    + b"\x28\x02\x00\x01\x00\x02\x00\x03\x00\x04"  # recolour (1->2), (3->4)
    + b"\x29\x01\xff\xff\x00\x00"  # retexture (65535->0)
    + b"\x84\x03\x00\x07\x00\x08\x01\x00"  # campaigns 7, 8, 256
    + b"\xf9\x02"  # two params
    + b"\x00\x00\x01\x2c\x00\x00\x00\x2a"  # int param 300 = 42
    + b"\x01\xff\xff\xff"
    + b"text\x00"  # string param 16777215 = "text"
    + b"\x00"
)

FULL_ITEM_FIELDS = ItemConfig(
    id=4151,
    name="Café €",
    model=70000,
    value=-2,
    members=True,
    ground_options=["Take", None, None, None, "Light"],
    inventory_options=["Wield", None, None, None, "Drop"],
    recolour=[(1, 2), (3, 4)],
    retexture=[(65535, 0)],
    campaigns=[7, 8, 256],
    params={300: 42, 0xFFFFFF: "text"},
)


def test_a_hand_built_item_with_every_documented_opcode_decodes() -> None:
    assert decode_item(4151, FULL_ITEM) == FULL_ITEM_FIELDS


def test_the_item_encoder_writes_the_same_bytes_as_the_hand_built_record() -> None:
    assert encode_item(FULL_ITEM_FIELDS) == FULL_ITEM


def test_item_models_may_be_narrow_smarts() -> None:
    assert decode_item(1, b"\x01\x12\x34\x00").model == 0x1234
    assert encode_item(ItemConfig(1, model=0x1234)) == b"\x01\x12\x34\x00"


def test_an_empty_record_is_an_item_with_nothing_set() -> None:
    assert decode_item(9, b"\x00") == ItemConfig(9)
    assert encode_item(ItemConfig(9)) == b"\x00"


def test_later_repeats_of_an_opcode_replace_earlier_values() -> None:
    assert decode_item(1, b"\x02a\x00\x02b\x00\x00").name == "b"


def test_a_hand_built_npc_decodes_models_of_both_smart_widths() -> None:
    raw = b"\x01\x03\x00\x10\x80\x00\xff\xff\x7f\xff" + b"\x02Guard\x00" + b"\x5f\x00\x15" + b"\x00"
    npc = decode_npc(3, raw)
    assert npc == NpcConfig(3, name="Guard", models=[16, 0xFFFF, 0x7FFF], combat_level=21)
    assert encode_npc(npc) == raw


# --- malformed records -------------------------------------------------------------------------


def test_an_unknown_item_opcode_stops_the_record_naming_opcode_and_offset() -> None:
    with pytest.raises(RelicFormatError) as info:
        decode_item(4151, b"\x02Whip\x00\x4d\x00\x00")
    err = info.value
    assert (err.what, err.offset, err.found) == ("item 4151", 6, "opcode 77")
    assert str(err) == "item 4151 at offset 6: expected a known item opcode, found opcode 77"


def test_an_unknown_npc_opcode_stops_the_record() -> None:
    with pytest.raises(
        RelicFormatError, match="npc 2 at offset 0: expected a known npc opcode, found opcode 3"
    ):
        decode_npc(2, b"\x03\x00")


@pytest.mark.parametrize(
    ("raw", "offset", "words"),
    [
        (b"", 0, "another opcode"),
        (b"\x10", 1, "another opcode"),
        (b"\x02abc", 1, "NUL-terminated"),
        (b"\x0c\x00\x00", 1, "i32"),
        (b"\x28\x05\x00\x01\x00\x02", 2, "5 pairs of u16"),
        (b"\x84\x02\x00\x01", 2, "2 u16 campaign ids"),
        (b"\xf9\x01\x02\x00\x00\x01\x00\x00\x00\x00\x00", 2, "param kind"),
        (b"\xf9\x02\x00\x00\x00\x01\x00\x00\x00\x05", 10, "u8"),
        (b"\x01\x80\x00", 1, "u32"),
        (b"\x00\x00", 1, "end of the record"),
    ],
)
def test_broken_item_records_are_format_errors_with_offsets(raw: bytes, offset: int, words: str) -> None:
    with pytest.raises(RelicFormatError) as info:
        decode_item(1, raw)
    assert info.value.offset == offset
    assert words in info.value.expected


def test_an_npc_model_count_overrunning_the_record_is_refused() -> None:
    with pytest.raises(RelicFormatError, match="9 model smarts"):
        decode_npc(1, b"\x01\x09\x00\x01\x00")


# --- whole indices ------------------------------------------------------------------------------


def test_item_ids_are_group_times_256_plus_file_across_a_jcache() -> None:
    items = [ItemConfig(0, name="Dwarf remains"), ItemConfig(255, value=5), ItemConfig(256), FULL_ITEM_FIELDS]
    groups = encode_items(items)
    assert set(groups) == {0, 1, 4151 // 256}
    assert set(groups[16]) == {4151 % 256}
    with JCacheIndex(build_jcache(groups, compression=ZLB)) as index:
        assert decode_items(index) == items


def test_npc_ids_are_group_times_128_plus_file_across_a_jcache() -> None:
    npcs = [NpcConfig(127, name="a"), NpcConfig(128, combat_level=3), NpcConfig(1000, models=[1, 2])]
    groups = encode_npcs(npcs)
    assert {g: sorted(f) for g, f in groups.items()} == {0: [127], 1: [0], 7: [1000 - 7 * 128]}
    with JCacheIndex(build_jcache(groups, compression=Compression.LZMA)) as index:
        assert decode_npcs(index) == npcs


def test_a_bad_record_aborts_the_index_unless_an_error_handler_collects_it() -> None:
    groups = encode_items([ItemConfig(1, name="fine"), ItemConfig(2, name="also fine")])
    groups[0][1] = b"\x02broken\x00\x63\x00"
    with JCacheIndex(build_jcache(groups)) as index:
        with pytest.raises(RelicFormatError, match="item 1 at offset 8"):
            decode_items(index)
        errors: list[RelicFormatError] = []
        assert decode_items(index, on_error=errors.append) == [ItemConfig(2, name="also fine")]
    assert [e.found for e in errors] == ["opcode 99"]


def test_a_file_id_past_the_group_size_is_refused_rather_than_colliding() -> None:
    with JCacheIndex(build_jcache({0: {NPCS_PER_GROUP: b"\x00"}})) as index:
        with pytest.raises(RelicFormatError, match="file ids below 128"):
            decode_npcs(index)
        assert decode_items(index) == [ItemConfig(NPCS_PER_GROUP)]


def test_records_become_plain_json() -> None:
    item = FULL_ITEM_FIELDS.to_dict()
    assert json.loads(json.dumps(item)) == item
    assert item["recolour"] == [[1, 2], [3, 4]]
    assert item["params"] == {"300": 42, "16777215": "text"}
    npc = NpcConfig(5, name="Man", models=[1], combat_level=2).to_dict()
    assert json.loads(json.dumps(npc)) == {"id": 5, "name": "Man", "models": [1], "combat_level": 2}


def test_index_numbers_and_group_sizes_match_the_docs() -> None:
    assert (Rs3Index.CONFIG, Rs3Index.NPCS, Rs3Index.ITEMS, Rs3Index.MODELS) == (2, 18, 19, 47)
    assert (ITEMS_PER_GROUP, NPCS_PER_GROUP) == (256, 128)


def test_encoders_refuse_values_the_format_cannot_hold() -> None:
    with pytest.raises(ValueError):
        encode_item(ItemConfig(1, name="nul\x00inside"))
    with pytest.raises(ValueError):
        encode_item(ItemConfig(1, name="not cp1252 \u4e00"))
    with pytest.raises(ValueError):
        encode_item(ItemConfig(1, params={1 << 24: 1}))
    with pytest.raises(ValueError):
        encode_npc(NpcConfig(1, models=list(range(256))))
    with pytest.raises(ValueError):
        encode_item(ItemConfig(1, value=1 << 31))
    with pytest.raises(ValueError):
        encode_npc(NpcConfig(1, combat_level=70000))


# --- property tests -----------------------------------------------------------------------------

cp1252_text = st.text(
    alphabet=st.characters(codec="cp1252", exclude_characters="\x00"),
    max_size=12,
)
i32s = st.integers(-(1 << 31), (1 << 31) - 1)
u16s = st.integers(0, 0xFFFF)
items = st.builds(
    ItemConfig,
    id=st.integers(0, 100000),
    name=st.none() | cp1252_text,
    model=st.none() | st.integers(0, 0x7FFFFFFF),
    value=st.none() | i32s,
    members=st.booleans(),
    ground_options=st.lists(st.none() | cp1252_text, min_size=5, max_size=5),
    inventory_options=st.lists(st.none() | cp1252_text, min_size=5, max_size=5),
    recolour=st.lists(st.tuples(u16s, u16s), max_size=4),
    retexture=st.lists(st.tuples(u16s, u16s), max_size=4),
    campaigns=st.lists(u16s, max_size=4),
    params=st.dictionaries(st.integers(0, 0xFFFFFF), i32s | cp1252_text, max_size=4),
)


@settings(max_examples=150, deadline=None)
@given(items)
def test_any_encodable_item_round_trips(item: ItemConfig) -> None:
    assert decode_item(item.id, encode_item(item)) == item


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 5000),
    st.none() | cp1252_text,
    st.lists(st.integers(0, 0x7FFFFFFF), max_size=6),
    st.none() | u16s,
)
def test_any_encodable_npc_round_trips(
    npc_id: int, name: str | None, models: list[int], level: int | None
) -> None:
    npc = NpcConfig(npc_id, name=name, models=models, combat_level=level)
    assert decode_npc(npc_id, encode_npc(npc)) == npc


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=120))
def test_random_bytes_fail_only_with_format_errors(raw: bytes) -> None:
    for decode in (decode_item, decode_npc):
        try:
            decode(1, raw)
        except RelicFormatError:
            pass


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(FULL_ITEM) - 1), st.integers(0, 255), st.integers(0, len(FULL_ITEM)))
def test_damaged_item_records_fail_only_with_format_errors(at: int, value: int, cut: int) -> None:
    raw = bytearray(FULL_ITEM)
    raw[at] = value
    try:
        decode_item(1, bytes(raw[:cut]))
    except RelicFormatError:
        pass
