from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relics.formats.config import (
    Animation,
    Decoration,
    GameConfig,
    GameObject,
    Item,
    Npc,
    Prayer,
    Roof,
    Spell,
    Texture,
    Tile,
    WallObject,
    config_to_json,
    decode_config,
    decode_decoration,
    encode_config,
    encode_rgb555,
    quirk_u32,
    read_config,
    rgb24,
    unquirk_u32,
    write_config,
)
from relics.formats.errors import RelicFormatError
from relics.formats.jag import Packing, read_jag, write_jag


def _sample() -> GameConfig:
    return GameConfig(
        items=[
            Item("Iron Mace", "A spiky mace", "", 0, 63, 1, 0, 16, 15654365, 0, 0),
            Item("Coins", "Lovely money!", "", 10, 1, 0, 0, 0, 0, 0, 0),
            Item("Rune stone", "Él ñ Latin-1", "Read", 65535, 2_000_000, 0, 0, 0xFFFF, 0xFFFFFF, 1, 1),
        ],
        npcs=[
            Npc(
                "Unicorn",
                "It's a unicorn",
                21,
                23,
                23,
                19,
                1,
                (130, 42, 255, 255, 255, 255, 0, 2, 255, 255, 46, 255),
                0,
                0,
                0,
                0,
                201,
                230,
                6,
                6,
                7,
                "",
            ),
            Npc(
                "Bob",
                "An axe seller",
                2,
                2,
                2,
                3,
                0,
                (255,) * 6 + (1,) + (255,) * 5,
                3158064,
                16711680,
                16711680,
                9461792,
                145,
                220,
                6,
                6,
                5,
                "Trade",
            ),
        ],
        textures=[Texture("wall", "door"), Texture("water", "")],
        animations=[Animation("head1", 1, 13, 1, 0, 0), Animation("fullhelm", 16737817, 0, 1, 1, 3)],
        objects=[GameObject("Tree", "A pointy tree", "Chop", "Examine", "tree2", 1, 1, 1, 0)],
        wall_objects=[
            WallObject("Wall", "", "WalkTo", "Examine", 192, 2, encode_rgb555(96, 64, 32), 1, 0),
            WallObject("Gap", "nothing", "", "", 0, 12345678, -1, 0, 1),
        ],
        roofs=[Roof(64, 6), Roof(255, 0)],
        tiles=[Tile(-16913, 1, 0), Tile(12345678, 3, 1), Tile(99999999, 0, 0)],
        projectile_sprites=7,
        spells=[
            Spell("Wind strike", "A strength 1 missile attack", 1, 2, 2, (33, 35), (1, 1)),
            Spell("Odd", "no runes", 99, 0, 0, (), ()),
        ],
        prayers=[Prayer("Thick skin", "Increases your defense by 5%", 1, 15)],
    )


def test_the_u32_quirk_turns_large_values_into_negatives() -> None:
    assert unquirk_u32(99999999) == 99999999
    assert unquirk_u32(100000004) == -5
    assert unquirk_u32(-7) == -7
    assert quirk_u32(-5) == 100000004
    assert quirk_u32(12345678) == 12345678
    for value in (-32768, -1, 0, 1, 12345678, 99999999):
        assert unquirk_u32(quirk_u32(value)) == value
    with pytest.raises(ValueError, match="cannot be stored"):
        quirk_u32(100000000)


def test_decorations_decode_as_rgb555_transparent_or_texture() -> None:
    assert decode_decoration(-1) == Decoration("colour", rgb=(0, 0, 0))
    assert decode_decoration(-(31 << 10) - 1) == Decoration("colour", rgb=(248, 0, 0))
    assert decode_decoration(-16913).rgb == (128, 128, 128)  # x = 0x4210
    assert decode_decoration(12345678) == Decoration("transparent")
    assert decode_decoration(0) == Decoration("texture", texture=0)
    assert decode_decoration(17) == Decoration("texture", texture=17)
    assert decode_decoration(encode_rgb555(96, 64, 32)).rgb == (96, 64, 32)
    assert rgb24(0x906020) == (0x90, 0x60, 0x20)


def test_a_synthetic_config_round_trips_through_both_files() -> None:
    config = _sample()
    strings, integers = encode_config(config)
    assert decode_config(strings, integers) == config


@pytest.mark.parametrize("packing", ["whole", "entries"])
def test_a_synthetic_config_archive_round_trips(packing: Packing) -> None:
    config = _sample()
    assert read_config(write_config(config, packing=packing)) == config


def test_an_empty_config_round_trips() -> None:
    assert decode_config(*encode_config(GameConfig())) == GameConfig()


def test_the_derived_helpers_read_the_sections() -> None:
    config = _sample()
    assert config.item_sprite_count == 65536
    assert config.items[1].is_stackable and not config.items[0].is_stackable
    assert config.model_names() == ["tree2"]


def test_the_json_form_is_plain_and_keeps_cache_order() -> None:
    config = _sample()
    out = json.loads(json.dumps(config_to_json(config)))
    assert [i["name"] for i in out["items"]] == ["Iron Mace", "Coins", "Rune stone"]
    assert out["npcs"][0]["animations"][0] == 130
    assert out["items"][1]["is_stackable"] is True
    assert out["projectile_sprites"] == 7
    assert out["spells"][0]["runes"] == [33, 35]
    assert set(out) == {f.name for f in dataclasses.fields(GameConfig)}


def test_it_rejects_a_truncated_integer_file_at_every_length() -> None:
    strings, integers = encode_config(_sample())
    for cut in range(len(integers)):
        with pytest.raises(RelicFormatError) as err:
            decode_config(strings, integers[:cut])
        assert "integer.dat" in err.value.what
        assert err.value.offset <= cut


def test_it_rejects_a_truncated_string_file_at_every_length() -> None:
    strings, integers = encode_config(_sample())
    for cut in range(len(strings)):
        with pytest.raises(RelicFormatError) as err:
            decode_config(strings[:cut], integers)
        assert "string.dat" in err.value.what
        assert "NUL-terminated" in err.value.expected


def test_it_reports_exactly_what_is_left_over() -> None:
    strings, integers = encode_config(_sample())
    with pytest.raises(RelicFormatError, match="3 more bytes") as err:
        decode_config(strings, integers + b"\x00\x01\x02")
    assert err.value.offset == len(integers)
    with pytest.raises(RelicFormatError, match="1 more bytes"):
        decode_config(strings + b"\x00", integers)


def test_it_names_the_section_whose_count_is_missing() -> None:
    strings, integers = encode_config(GameConfig())
    with pytest.raises(RelicFormatError, match="count of section textures") as err:
        decode_config(strings, integers[:4])
    assert err.value.offset == 4


def test_it_rejects_an_item_count_that_overruns_the_data() -> None:
    strings, integers = encode_config(GameConfig())
    with pytest.raises(RelicFormatError, match="NUL-terminated"):
        decode_config(strings, b"\xff\xff" + integers[2:])


def test_it_rejects_an_archive_without_the_config_files() -> None:
    with pytest.raises(RelicFormatError, match=r"integer\.dat"):
        read_config(write_jag({"string.dat": b""}, packing="whole"))


def test_the_encoder_refuses_values_the_format_cannot_hold() -> None:
    config = _sample()
    with pytest.raises(ValueError, match="out of range"):
        encode_config(dataclasses.replace(config, roofs=[Roof(256, 0)]))
    with pytest.raises(ValueError, match="12 animation ids"):
        encode_config(
            dataclasses.replace(config, npcs=[dataclasses.replace(config.npcs[0], animations=(1,))])
        )
    with pytest.raises(ValueError, match="NUL"):
        encode_config(dataclasses.replace(config, textures=[Texture("a\x00b", "")]))


_SEED = encode_config(_sample())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.sampled_from([0, 1]),
    edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=6),
    cut=st.integers(0, 10**6),
)
def test_fuzzed_config_files_only_ever_raise_relic_format_errors(
    which: int, edits: list[tuple[int, int]], cut: int
) -> None:
    files = [bytearray(_SEED[0]), bytearray(_SEED[1])]
    target = files[which]
    for pos, value in edits:
        target[pos % len(target)] = value
    if cut % 3 == 0:
        del target[cut % (len(target) + 1) :]
    try:
        decode_config(bytes(files[0]), bytes(files[1]))
    except RelicFormatError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200), st.binary(max_size=200))
def test_random_config_bytes_only_ever_raise_relic_format_errors(strings: bytes, integers: bytes) -> None:
    try:
        decode_config(strings, integers)
    except RelicFormatError:
        pass


# --- the real client-204 cache --------------------------------------------------------------


@pytest.fixture(scope="module")
def real_config(rsc_cache_dir: Path) -> GameConfig:
    return read_config((rsc_cache_dir / "config85.jag").read_bytes(), "config85.jag")


def test_the_real_config_matches_the_self_check_facts(real_config: GameConfig) -> None:
    assert real_config.items[0].name == "Iron Mace"
    assert real_config.npcs[0].name == "Unicorn"
    assert real_config.objects[0].name == "Tree"
    assert real_config.objects[0].model_name == "tree2"
    assert real_config.prayers[0].name == "Thick skin"


def test_every_real_section_decodes_with_plausible_counts(real_config: GameConfig) -> None:
    counts = {f.name: getattr(real_config, f.name) for f in dataclasses.fields(GameConfig)}
    assert {k: len(v) for k, v in counts.items() if isinstance(v, list)} == {
        "items": 1290,
        "npcs": 794,
        "textures": 55,
        "animations": 229,
        "objects": 1189,
        "wall_objects": 214,
        "roofs": 6,
        "tiles": 25,
        "spells": 48,
        "prayers": 14,
    }
    assert real_config.projectile_sprites == 7
    assert all(len(npc.animations) == 12 for npc in real_config.npcs)
    assert all(len(s.runes) == len(s.amounts) == s.rune_count for s in real_config.spells)


def test_the_real_config_files_are_consumed_exactly_and_re_encode_identically(rsc_cache_dir: Path) -> None:
    archive = read_jag((rsc_cache_dir / "config85.jag").read_bytes())
    strings, integers = archive.get("string.dat"), archive.get("integer.dat")
    assert strings is not None and integers is not None
    # decode_config raises on any leftover byte, so a clean decode means exact consumption.
    config = decode_config(strings, integers)
    assert encode_config(config) == (strings, integers)


def test_real_tile_and_wall_decorations_all_decode(real_config: GameConfig) -> None:
    values = [t.decoration for t in real_config.tiles]
    values += [v for w in real_config.wall_objects for v in (w.front_decoration, w.back_decoration)]
    kinds = {decode_decoration(v).kind for v in values}
    assert kinds == {"colour", "transparent", "texture"}
    textures = len(real_config.textures)
    for v in values:
        d = decode_decoration(v)
        if d.kind == "texture":
            assert d.texture is not None and d.texture < textures


def test_the_real_config_serialises_to_json(real_config: GameConfig) -> None:
    out = json.loads(json.dumps(config_to_json(real_config)))
    assert out["objects"][0]["model_name"] == "tree2"
    assert out["npcs"][0]["name"] == "Unicorn"
