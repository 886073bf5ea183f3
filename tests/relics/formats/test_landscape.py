"""RuneScape Classic landscape sectors: .hei/.dat/.loc codecs, exact consumption, rendering."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from relics.formats.errors import RelicFormatError
from relics.formats.jag import name_hash, read_jag
from relics.formats.landscape import (
    EXTENSIONS,
    TILES,
    Sector,
    Terrain,
    Walls,
    all_sector_names,
    decode_dat,
    decode_hei,
    decode_loc,
    encode_dat,
    encode_hei,
    encode_loc,
    encode_sector,
    load_sector,
    render_sector_png,
    sector_name,
)


def runs(n: int) -> bytes:
    """Run bytes covering n tiles (at most 127 each)."""
    return bytes([255] * (n // 127) + ([128 + n % 127] if n % 127 else []))


def tile_index(x: int, y: int) -> int:
    return x * 48 + y


def random_sector(seed: int) -> Sector:
    """Smooth-ish random terrain and sparse features, like real sectors (so runs occur)."""
    rng = np.random.default_rng(seed)

    def sparse(high: int, density: float) -> np.ndarray:
        return np.where(rng.random(TILES) < density, rng.integers(1, high, TILES), 0).astype(np.uint8)

    def lumpy(high: int) -> np.ndarray:
        coarse = rng.integers(0, high // 2, (7, 7))
        return (np.kron(coarse, np.ones((7, 7), dtype=np.int64))[:48, :48].ravel() * 2).astype(np.uint8)

    terrain = Terrain(lumpy(255), lumpy(255))
    walls = Walls(
        sparse(256, 0.05),
        sparse(256, 0.05),
        sparse(256, 0.02),
        sparse(256, 0.02),
        sparse(128, 0.3),
        np.repeat(rng.integers(0, 128, TILES // 48), 48).astype(np.uint8),
        sparse(8, 0.2),
    )
    plane, x, y = (int(v) for v in rng.integers((0, 40, 30), (4, 70, 60)))
    return Sector(plane, x, y, terrain, walls, sparse(128, 0.03))


# --- known bytes ----------------------------------------------------------------------------


def test_flat_height_data_decodes_to_the_documented_starting_values() -> None:
    # Every delta is 0: heights stay at 64 * 2 and colours at 35 * 2. The first run of each
    # block repeats the implicit last literal (0) before any literal was read.
    terrain = decode_hei(runs(TILES) + runs(TILES))
    assert (terrain.height == 128).all()
    assert (terrain.colour == 70).all()
    assert encode_hei(terrain) == runs(TILES) + runs(TILES)


def test_height_deltas_accumulate_with_y_outer_and_x_inner_modulo_128() -> None:
    raw = np.zeros(TILES, dtype=np.uint8)
    raw[tile_index(0, 0)] = 10  # first visited tile: 64 + 10
    raw[tile_index(1, 0)] = 100  # next in x: (74 + 100) & 127 = 46
    raw[tile_index(0, 1)] = 3  # first of row y=1 follows the last of row y=0: 46 + 3
    data = bytes(raw.tolist()) + bytes([0] * TILES)
    terrain = decode_hei(data)
    assert terrain.height[tile_index(0, 0)] == 148
    assert terrain.height[tile_index(1, 0)] == 92
    assert terrain.height[tile_index(47, 0)] == 92
    assert terrain.height[tile_index(0, 1)] == 98
    assert (terrain.colour == 70).all()
    assert decode_hei(encode_hei(terrain)) == terrain


def test_dat_blocks_keep_the_diagonal_lane_rules_and_run_length_flavours() -> None:
    blocks = [bytearray(TILES) for _ in range(4)]
    blocks[0][tile_index(3, 4)] = 7
    blocks[2][tile_index(5, 5)] = 2
    blocks[2][tile_index(6, 6)] = 9
    blocks[3][tile_index(6, 6)] = 4  # "\" overrides "/" in the lane as v + 12000
    roofs = bytes([5]) + runs(TILES - 1)  # literal 5, then runs of zeros
    overlays = bytes([2, 128 + 100, 0]) + runs(TILES - 102)  # 101 twos (repeat the last), then zeros
    directions = runs(TILES - 4) + bytes([1, 2, 3, 0])
    walls = decode_dat(b"".join(bytes(b) for b in blocks) + roofs + overlays + directions)
    assert walls.vertical[tile_index(3, 4)] == 7
    assert walls.roofs[0] == 5 and walls.roofs[1:].sum() == 0
    assert (walls.overlays[:101] == 2).all() and (walls.overlays[101:] == 0).all()
    assert walls.directions[2300:].tolist() == [1, 2, 3, 0]
    loc = runs(tile_index(7, 7)) + bytes([12]) + runs(TILES - 1 - tile_index(7, 7))
    sector = Sector(0, 50, 50, None, walls, decode_loc(loc))
    lane = sector.diagonal_lane()
    assert lane[tile_index(5, 5)] == 2
    assert lane[tile_index(6, 6)] == 12004
    assert lane[tile_index(7, 7)] == 48012
    assert sector.object_ids()[tile_index(7, 7)] == 11
    assert (sector.object_ids() >= 0).sum() == 1


def test_sector_names_follow_the_plane_x_y_pattern() -> None:
    assert sector_name(0, 50, 50, "hei") == "m05050.hei"
    assert sector_name(3, 7, 9, "loc") == "m30709.loc"
    with pytest.raises(ValueError):
        sector_name(0, 100, 0, "dat")
    names = list(all_sector_names(range(1)))
    assert len(names) == 10_000 and names[5050 // 100 * 100 + 50][3] == "m05050"


# --- round trips ----------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_random_sectors_survive_encode_then_decode(seed: int) -> None:
    sector = random_sector(seed)
    entries = encode_sector(sector)
    assert set(entries) == {f"{sector.name}.{ext}" for ext in EXTENSIONS}
    again = load_sector(entries.get, sector.plane, sector.x, sector.y)
    assert again == sector


def test_the_dict_form_is_json_and_round_trips() -> None:
    sector = random_sector(7)
    text = json.dumps(sector.to_dict())
    back = Sector.from_dict(json.loads(text))
    assert back == sector
    assert json.loads(text)["index"] == "x*48+y"
    partial = Sector(1, 2, 3, sector.terrain)
    assert Sector.from_dict(json.loads(json.dumps(partial.to_dict()))) == partial
    assert back != partial


def test_a_sector_absent_from_every_archive_loads_as_none() -> None:
    assert load_sector(lambda name: None, 0, 1, 2) is None


def test_encoders_refuse_values_the_format_cannot_hold() -> None:
    sector = random_sector(1)
    assert sector.terrain is not None and sector.walls is not None
    odd = Terrain(sector.terrain.height + 1, sector.terrain.colour)
    with pytest.raises(ValueError):
        encode_hei(odd)
    with pytest.raises(ValueError):
        encode_dat(replace(sector.walls, roofs=np.full(TILES, 200, dtype=np.uint8)))


# --- exact consumption and malformed input --------------------------------------------------


def test_every_decoder_rejects_leftover_bytes_at_the_offset_where_they_start() -> None:
    sector = random_sector(3)
    for ext, decode in (("hei", decode_hei), ("dat", decode_dat), ("loc", decode_loc)):
        data = encode_sector(sector)[f"{sector.name}.{ext}"]
        with pytest.raises(RelicFormatError) as info:
            decode(data + b"\x05")
        assert info.value.offset == len(data), ext
        assert "leftover" in info.value.found


def test_every_decoder_rejects_missing_bytes_naming_the_block() -> None:
    sector = random_sector(4)
    for ext, decode, block in (
        ("hei", decode_hei, "colour"),
        ("dat", decode_dat, "direction"),
        ("loc", decode_loc, "object"),
    ):
        data = encode_sector(sector)[f"{sector.name}.{ext}"]
        with pytest.raises(RelicFormatError) as info:
            decode(data[:-1])
        assert block in info.value.expected, ext
        assert info.value.offset == len(data) - 1
    with pytest.raises(RelicFormatError) as info:
        decode_dat(bytes(3 * TILES + 10))
    assert "'\\' wall" in info.value.expected


def test_a_run_that_overshoots_the_last_tile_is_rejected_at_the_run_byte() -> None:
    data = bytes([1] * 2300) + bytes([128 + 10])
    with pytest.raises(RelicFormatError) as info:
        decode_hei(data + bytes(TILES))
    assert info.value.offset == 2300
    assert "reaching tile 2310" in info.value.found


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=6000), st.sampled_from([decode_hei, decode_dat, decode_loc]))
def test_random_bytes_raise_only_relic_format_errors(data: bytes, decode: object) -> None:
    try:
        decode(data)  # type: ignore[operator]
    except RelicFormatError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 100), st.integers(0, 20_000), st.integers(0, 255), st.sampled_from(EXTENSIONS))
def test_corrupted_sector_entries_raise_only_relic_format_errors(
    seed: int, where: int, value: int, ext: str
) -> None:
    sector = random_sector(seed)
    data = bytearray(encode_sector(sector)[f"{sector.name}.{ext}"])
    data[where % len(data)] = value
    decode = {"hei": decode_hei, "dat": decode_dat, "loc": decode_loc}[ext]
    try:
        decode(bytes(data))
    except RelicFormatError:
        pass


# --- rendering ------------------------------------------------------------------------------


def test_a_rendered_sector_shows_walls_overlays_roofs_and_objects_where_they_are() -> None:
    sector = random_sector(5)
    assert sector.walls is not None
    walls = Walls(*(np.zeros(TILES, dtype=np.uint8) for _ in range(7)))
    walls.overlays[tile_index(10, 20)] = 2
    walls.horizontal[tile_index(30, 5)] = 1
    walls.roofs[tile_index(40, 40)] = 1
    objects = np.zeros(TILES, dtype=np.uint8)
    objects[tile_index(20, 30)] = 1
    flat = Terrain(np.full(TILES, 100, dtype=np.uint8), np.full(TILES, 60, dtype=np.uint8))
    png = render_sector_png(Sector(0, 50, 50, flat, walls, objects), {2: (0, 0, 255)}, scale=8)
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    assert img.shape == (384, 384, 3)

    def at(x: float, y: float) -> tuple[int, ...]:
        # North up, west left: tile x sits at column 47 - x.
        return tuple(img[int(y * 8), int((47 - x) * 8 + 4)])

    ground = at(0, 0)
    assert ground[1] > ground[0] and ground[1] > ground[2]  # a flat, green field
    assert at(10, 20.5) == (0, 0, 255)
    wall = img[5 * 8, (47 - 30) * 8 + 4]
    assert wall.sum() < 120  # dark line on the tile's north edge
    assert at(40, 40.5)[0] > ground[0]  # roofs are tinted red-brown
    marker = at(20, 30.5)
    assert marker[0] > 150 and marker[1] < 80


def test_overlays_the_caller_marks_as_none_leave_the_ground_visible() -> None:
    walls = Walls(*(np.zeros(TILES, dtype=np.uint8) for _ in range(7)))
    walls.overlays[:] = 8
    flat = Terrain(np.full(TILES, 100, dtype=np.uint8), np.full(TILES, 60, dtype=np.uint8))
    hidden = np.asarray(
        Image.open(io.BytesIO(render_sector_png(Sector(0, 1, 1, flat, walls), {8: None}, scale=2)))
    )
    bare = np.asarray(Image.open(io.BytesIO(render_sector_png(Sector(0, 1, 1, flat), scale=2))))
    assert np.array_equal(hidden, bare)
    with pytest.raises(ValueError):
        render_sector_png(Sector(0, 1, 1, flat), scale=0)


# --- the real cache -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_entries(rsc_cache_dir: Path) -> dict[str, bytes]:
    """Every land/maps entry by name, .jag before .mem, with every hash resolved to a name."""
    names = {
        name_hash(f"{base}.{ext}"): f"{base}.{ext}"
        for _, _, _, base in all_sector_names()
        for ext in EXTENSIONS
    }
    found: dict[str, bytes] = {}
    for file in ("land63.jag", "land63.mem", "maps63.jag", "maps63.mem"):
        archive = read_jag((rsc_cache_dir / file).read_bytes(), file)
        unknown = [h for h in archive.entries if h not in names]
        assert not unknown, f"{file} has entries that are not sector names: {unknown[:5]}"
        for h, data in archive.entries.items():
            found.setdefault(names[h], data)
    return found


def test_every_real_sector_entry_decodes_consuming_it_exactly(
    real_entries: dict[str, bytes],
) -> None:
    decoders = {"hei": decode_hei, "dat": decode_dat, "loc": decode_loc}
    assert len(real_entries) > 500
    # How fast is bench/relics.py's business (docs/benchmarks.md), never a test's.
    decoded = {name: decoders[name[-3:]](data, name) for name, data in real_entries.items()}
    # Exact consumption is enforced by the decoders; re-encoding even reproduces Jagex's bytes.
    encoders = {"hei": encode_hei, "dat": encode_dat, "loc": encode_loc}
    for name, value in decoded.items():
        assert encoders[name[-3:]](value) == real_entries[name], name  # type: ignore[operator]


def test_lumbridge_renders_as_a_recognisable_map(real_entries: dict[str, bytes]) -> None:
    sector = load_sector(real_entries.get, 0, 50, 50)
    assert sector is not None and sector.terrain is not None and sector.walls is not None
    assert sector.walls.vertical.any() and (sector.walls.overlays == 2).any()  # walls and the river
    img = np.asarray(Image.open(io.BytesIO(render_sector_png(sector, scale=4))).convert("RGB")).reshape(-1, 3)
    colours = np.unique(img, axis=0)
    assert len(colours) > 50
    greenish = (img[:, 1] > img[:, 0]) & (img[:, 1] > img[:, 2])
    blue = (img[:, 2] > 150) & (img[:, 0] < 80)
    assert 0.3 < greenish.mean() < 0.9
    assert 0.02 < blue.mean() < 0.3


def test_every_real_sector_loads_and_renders(real_entries: dict[str, bytes]) -> None:
    bases = sorted({name[:-4] for name in real_entries})
    for base in bases[::10]:
        sector = load_sector(real_entries.get, int(base[1]), int(base[2:4]), int(base[4:6]))
        assert sector is not None
        Image.open(io.BytesIO(render_sector_png(sector, scale=1))).verify()
