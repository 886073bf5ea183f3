from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from relics.formats.config import Animation, GameConfig, Npc, Texture, read_config
from relics.formats.errors import RelicFormatError
from relics.formats.jag import JagArchive, name_hash, read_jag, read_jag_pair, write_jag
from relics.formats.sprites import (
    DEFAULT_SKIN,
    ENTITY_SLOTS,
    INDEX_DAT,
    Sprite,
    SpriteFrame,
    SpriteSource,
    encode_sprite,
    encode_sprite_entries,
    entity_frames,
    infer_frame_count,
    item_sprite,
    palette_rgba,
    read_sprite,
    render_frame,
    sprite_from_rgba,
    texture_rgba,
    to_png,
)

RGBA = npt.NDArray[np.uint8]


def _canvas(h: int, w: int) -> RGBA:
    return np.zeros((h, w, 4), dtype=np.uint8)


def _box(h: int, w: int, box: tuple[int, int, int, int], rgb: tuple[int, int, int]) -> RGBA:
    """A transparent canvas with one opaque rectangle (y0, x0, y1, x1)."""
    out = _canvas(h, w)
    y0, x0, y1, x1 = box
    out[y0:y1, x0:x1] = (*rgb, 255)
    return out


def _random_frames(seed: int, n: int, h: int = 20, w: int = 16) -> list[RGBA]:
    rng = np.random.default_rng(seed)
    colours = rng.integers(0, 256, size=(12, 3), dtype=np.uint8)
    frames = []
    for _ in range(n):
        frame = _canvas(h, w)
        y0, x0 = rng.integers(0, h // 2), rng.integers(0, w // 2)
        pick = rng.integers(0, len(colours), size=(h, w))
        inside = np.zeros((h, w), dtype=bool)
        inside[y0 : y0 + h // 2, x0 : x0 + w // 2] = rng.random((h // 2, w // 2)) > 0.3
        frame[inside, :3] = colours[pick[inside]]
        frame[inside, 3] = 255
        frames.append(frame)
    return frames


def _source(sprites: dict[str, Sprite], what: str = "sprites") -> SpriteSource:
    return SpriteSource(read_jag(write_jag(encode_sprite_entries(sprites), packing="entries")), what)


# --- synthetic round trips ------------------------------------------------------------------


@pytest.mark.parametrize("order", [0, 1])
def test_sprites_round_trip_through_an_archive_in_both_pixel_orders(order: int) -> None:
    frames = _random_frames(order, 4)
    source = _source({"thing": sprite_from_rgba(frames, order=order)})
    decoded = source.require("thing")
    assert len(decoded.frames) == 4
    assert all(f.order == order for f in decoded.frames)
    for original, rendered in zip(frames, decoded.rgba_frames(), strict=True):
        assert np.array_equal(rendered, original)
        assert np.array_equal(decoded.rgba(0), decoded.rgba_frames()[0])


def test_the_frame_count_is_inferred_from_the_pixel_bytes() -> None:
    entries = encode_sprite_entries(
        {"a": sprite_from_rgba(_random_frames(1, 3)), "b": sprite_from_rgba(_random_frames(2, 5))}
    )
    assert infer_frame_count(entries["a.dat"], entries[INDEX_DAT]) == 3
    assert infer_frame_count(entries["b.dat"], entries[INDEX_DAT]) == 5


def test_an_explicit_frame_count_may_leave_pixel_bytes_unused() -> None:
    entries = encode_sprite_entries({"a": sprite_from_rgba(_random_frames(3, 3))})
    full = read_sprite(entries["a.dat"], entries[INDEX_DAT])
    part = read_sprite(entries["a.dat"], entries[INDEX_DAT], frames=2)
    assert len(part.frames) == 2
    assert part.unused_bytes == full.frames[2].width * full.frames[2].height
    assert full.unused_bytes == 0


def test_column_major_frames_are_transposed_into_place() -> None:
    pixels = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.uint8)
    palette = np.zeros((7, 3), dtype=np.uint8)
    sprite = Sprite(3, 2, palette, (SpriteFrame(0, 0, 3, 2, 1, pixels),))
    dat, head = encode_sprite(sprite, 0)
    # Stored column by column: 1 4 2 5 3 6.
    assert dat[2:] == bytes([1, 4, 2, 5, 3, 6])
    assert np.array_equal(read_sprite(dat, head).frames[0].pixels, pixels)


def test_frames_are_drawn_at_their_offsets_on_the_full_canvas() -> None:
    palette = np.array([[255, 0, 255], [10, 20, 30]], dtype=np.uint8)
    sprite = Sprite(6, 5, palette, (SpriteFrame(2, 3, 2, 1, 0, np.ones((1, 2), np.uint8)),))
    dat, head = encode_sprite(sprite, 0)
    out = read_sprite(dat, head).rgba()
    assert out.shape == (5, 6, 4)
    assert out[3, 2].tolist() == [10, 20, 30, 255]
    assert out[3, 3].tolist() == [10, 20, 30, 255]
    assert int(out[..., 3].sum()) == 2 * 255


def test_a_frame_drawn_over_an_existing_canvas_leaves_it_showing_through_slot_zero() -> None:
    palette = np.array([[255, 0, 255], [10, 20, 30]], dtype=np.uint8)
    pixels = np.array([[1, 0]], dtype=np.uint8)
    sprite = Sprite(3, 2, palette, (SpriteFrame(1, 1, 2, 1, 0, pixels),))
    canvas = np.full((2, 3, 4), 7, dtype=np.uint8)
    out = render_frame(sprite, 0, palette_rgba(palette), canvas)
    assert out is canvas
    assert out[1, 1].tolist() == [10, 20, 30, 255]
    assert out[1, 2].tolist() == [7, 7, 7, 7]
    assert int((out != 7).any(axis=2).sum()) == 1


def test_palette_slot_zero_is_transparent_even_when_not_magenta() -> None:
    pal = palette_rgba(np.array([[1, 2, 3], [255, 0, 255]], dtype=np.uint8))
    assert pal[0].tolist() == [0, 0, 0, 0]
    assert pal[1].tolist() == [255, 0, 255, 255]


def test_the_tint_multiplies_grey_and_the_skin_multiplies_red_keyed_entries() -> None:
    palette = np.array(
        [[255, 0, 255], [100, 100, 100], [255, 120, 120], [255, 255, 255], [9, 8, 7]], np.uint8
    )
    pal = palette_rgba(palette, tint=0xFF8000, skin=0x906020)
    assert pal[1, :3].tolist() == [100 * 255 >> 8, 100 * 128 >> 8, 0]
    assert pal[2, :3].tolist() == [255 * 0x90 >> 8, 120 * 0x60 >> 8, 120 * 0x20 >> 8]
    # White is grey first: it takes the tint, not the skin.
    assert pal[3, :3].tolist() == [255 * 255 >> 8, 255 * 128 >> 8, 0]
    assert pal[4, :3].tolist() == [9, 8, 7]
    untinted = palette_rgba(palette)
    assert untinted[1:, :3].tolist() == palette[1:].tolist()


def _item_media() -> tuple[SpriteSource, list[tuple[int, int, int]]]:
    colours = [(i * 4 % 256, 100, 200 - i) for i in range(45)]
    sheets = {}
    for file_no, ids in ((1, range(0, 30)), (2, range(30, 45))):
        frames = [_box(8, 8, (1, 1, 6, 7), colours[k]) for k in ids]
        sheets[f"objects{file_no}"] = sprite_from_rgba(frames)
    return _source(sheets, "media"), colours


def test_item_sprite_k_is_frame_k_mod_30_of_objects_k_div_30_plus_1() -> None:
    media, colours = _item_media()
    for k in (0, 29, 30, 44):
        out = item_sprite(media, k)
        assert out[3, 3, :3].tolist() == list(colours[k])
    with pytest.raises(RelicFormatError, match="frame 15 in objects2"):
        item_sprite(media, 45)
    with pytest.raises(RelicFormatError, match=r"objects3\.dat"):
        item_sprite(media, 60)


def test_the_item_mask_tints_grey_pixels_only() -> None:
    frame = _box(4, 4, (0, 0, 2, 4), (200, 200, 200))
    frame[2:4, :] = (200, 10, 10, 255)
    media = _source({"objects1": sprite_from_rgba([frame])}, "media")
    out = item_sprite(media, 0, mask=0x8040FF)
    assert out[0, 0, :3].tolist() == [200 * 0x80 >> 8, 200 * 0x40 >> 8, 200 * 0xFF >> 8]
    assert out[3, 3, :3].tolist() == [200, 10, 10]
    assert item_sprite(media, 0, mask=0)[0, 0, :3].tolist() == [200, 200, 200]


def _entity_archives() -> tuple[bytes, bytes]:
    body = [_box(10, 8, (1, 1, 9, 7), (128, 128, 128)) for _ in range(15)]
    for i, f in enumerate(body):
        f[1, 1] = (255, 100, 100, 255)  # a skin pixel
        f[8, 6] = (i * 10, 0, 5, 255)  # a pixel that keeps its colour and tells frames apart
    combat = [_box(10, 8, (0, 0, 3, 3), (60, 60, 60)) for _ in range(3)]
    extra = [_box(10, 8, (5, 5, 7, 7), (30, 30, 30)) for _ in range(9)]
    jag_file = write_jag(
        encode_sprite_entries(
            {
                "body": sprite_from_rgba(body),
                "bodya": sprite_from_rgba(combat),
                "bodyf": sprite_from_rgba(extra),
            }
        ),
        packing="entries",
    )
    mem_file = write_jag(
        encode_sprite_entries({"bat": sprite_from_rgba(body[:1] * 15), "bata": sprite_from_rgba(combat)}),
        packing="entries",
    )
    return jag_file, mem_file


def test_entity_frames_fill_27_slots_with_walk_combat_and_extra_frames() -> None:
    jag_file, mem_file = _entity_archives()
    entity = SpriteSource(read_jag_pair(jag_file, mem_file), "entity")
    slots = entity_frames(entity, Animation("body", 0xFF0000, 0, 1, 1, 0), skin=0x906020)
    assert len(slots) == ENTITY_SLOTS and all(s is not None for s in slots)
    walk, combat, extra = slots[0], slots[15], slots[18]
    assert walk is not None and combat is not None and extra is not None
    assert walk[4, 4].tolist() == [128 * 255 >> 8, 0, 0, 255]
    assert walk[1, 1].tolist() == [255 * 0x90 >> 8, 100 * 0x60 >> 8, 100 * 0x20 >> 8, 255]
    assert [int(s[8, 6, 0]) for s in slots[:15] if s is not None] == [i * 10 for i in range(15)]
    assert combat[1, 1].tolist() == [60 * 255 >> 8, 0, 0, 255]
    assert extra[6, 6].tolist() == [30 * 255 >> 8, 0, 0, 255]


def test_entity_names_found_only_in_the_mem_use_the_mem_index() -> None:
    jag_file, mem_file = _entity_archives()
    entity = SpriteSource(read_jag_pair(jag_file, mem_file), "entity")
    slots = entity_frames(entity, Animation("bat", 0, 0, 1, 0, 0))
    assert sum(s is not None for s in slots) == 18
    first = slots[0]
    assert first is not None and first[4, 4].tolist() == [128, 128, 128, 255]
    assert first[1, 1].tolist() == [255 * 0xEC >> 8, 100 * 0xDE >> 8, 100 * 0xD0 >> 8, 255]
    assert DEFAULT_SKIN == 0xECDED0
    assert all(s is None for s in entity_frames(entity, Animation("ghost", 0, 0, 1, 1, 0)))


def test_npc_colour_codes_pick_hair_top_and_bottom() -> None:
    jag_file, mem_file = _entity_archives()
    entity = SpriteSource(read_jag_pair(jag_file, mem_file), "entity")
    npc = Npc(
        "Bob", "", 1, 1, 1, 1, 0, (255,) * 12, 0x00FF00, 0x0000FF, 0xFF0000, 0x808080, 1, 1, 0, 0, 0, ""
    )
    top = entity_frames(entity, Animation("body", 2, 0, 1, 1, 0), npc=npc)[0]
    assert top is not None
    assert top[4, 4].tolist() == [0, 0, 128 * 255 >> 8, 255]
    assert top[1, 1].tolist() == [255 * 0x80 >> 8, 100 * 0x80 >> 8, 100 * 0x80 >> 8, 255]


def test_textures_draw_the_sub_sprite_on_top_and_cut_out_pure_green() -> None:
    base = _box(4, 4, (0, 0, 4, 4), (200, 10, 10))
    base[0, 0] = (0, 255, 0, 255)
    door = _box(4, 4, (2, 2, 4, 4), (10, 10, 200))
    door[3, 3] = (0, 255, 0, 255)
    textures = _source({"wall": sprite_from_rgba([base]), "door": sprite_from_rgba([door])}, "textures")
    plain = texture_rgba(textures, Texture("wall", ""))
    assert plain[0, 0].tolist() == [0, 0, 0, 0]
    assert plain[1, 1].tolist() == [200, 10, 10, 255]
    doored = texture_rgba(textures, Texture("wall", "door"))
    assert doored[2, 2].tolist() == [10, 10, 200, 255]
    assert doored[1, 1].tolist() == [200, 10, 10, 255]
    assert doored[3, 3, 3] == 0 and doored[0, 0, 3] == 0
    with pytest.raises(RelicFormatError, match=r"missing\.dat"):
        texture_rgba(textures, Texture("missing", ""))


def test_to_png_encodes_the_pixels_losslessly() -> None:
    frame = _random_frames(9, 1)[0]
    with Image.open(io.BytesIO(to_png(frame))) as img:
        assert img.mode == "RGBA"
        assert np.array_equal(np.asarray(img), frame)
    with pytest.raises(ValueError, match="H, W, 4"):
        to_png(np.zeros((2, 2, 3), dtype=np.uint8))


# --- malformed input ------------------------------------------------------------------------


def _valid() -> tuple[bytes, bytes]:
    entries = encode_sprite_entries({"a": sprite_from_rgba(_random_frames(4, 3), order=1)})
    return entries["a.dat"], entries[INDEX_DAT]


def test_it_rejects_a_truncated_sprite_file_at_every_length() -> None:
    dat, index = _valid()
    for cut in range(len(dat)):
        with pytest.raises(RelicFormatError):
            read_sprite(dat[:cut], index, frames=3)
    # Inference cannot tell a file cut exactly between frames from a shorter sprite; any
    # other cut must be refused.
    areas = [f.width * f.height for f in read_sprite(dat, index).frames]
    boundaries = {2 + sum(areas[: i + 1]): i + 1 for i in range(len(areas))}
    for cut in range(len(dat)):
        if cut in boundaries:
            assert len(read_sprite(dat[:cut], index).frames) == boundaries[cut]
        else:
            with pytest.raises(RelicFormatError):
                read_sprite(dat[:cut], index)


def test_it_rejects_a_truncated_index_at_every_length() -> None:
    dat, index = _valid()
    for cut in range(len(index)):
        with pytest.raises(RelicFormatError) as err:
            read_sprite(dat, index[:cut], frames=3)
        assert "index.dat" in err.value.what


def test_it_rejects_an_index_offset_past_the_index() -> None:
    dat, index = _valid()
    with pytest.raises(RelicFormatError, match=r"inside index\.dat") as err:
        read_sprite(b"\x40\x00" + dat[2:], index)
    assert err.value.offset == 0x4000


def _one_frame(
    width: int, height: int, order: int = 0, colours: int = 2, full: tuple[int, int] = (4, 4)
) -> bytes:
    head = (
        full[0].to_bytes(2, "big")
        + full[1].to_bytes(2, "big")
        + bytes([colours])
        + b"\x01\x02\x03" * (colours - 1)
    )
    return head + bytes([0, 0]) + width.to_bytes(2, "big") + height.to_bytes(2, "big") + bytes([order])


def test_it_rejects_a_zero_colour_count() -> None:
    with pytest.raises(RelicFormatError, match="colour count") as err:
        read_sprite(b"\x00\x00\x01", _one_frame(1, 1, colours=0), frames=1)
    assert err.value.offset == 4


def test_it_rejects_an_unknown_pixel_order() -> None:
    with pytest.raises(RelicFormatError, match="order 0 or 1"):
        read_sprite(b"\x00\x00\x01", _one_frame(1, 1, order=2), frames=1)


def test_it_rejects_a_frame_outside_its_canvas() -> None:
    with pytest.raises(RelicFormatError, match="inside the 4 x 4 canvas"):
        read_sprite(b"\x00\x00" + bytes(25), _one_frame(5, 5), frames=1)


def test_it_rejects_a_palette_index_beyond_the_palette() -> None:
    with pytest.raises(RelicFormatError, match="palette index below 2") as err:
        read_sprite(b"\x00\x00\x01\x01\x07\x00", _one_frame(2, 2), frames=1)
    assert err.value.offset == 4


def test_it_rejects_a_huge_canvas_before_allocating_it() -> None:
    with pytest.raises(RelicFormatError, match="canvas of at most"):
        read_sprite(b"\x00\x00\x01", _one_frame(1, 1, full=(65535, 65535)), frames=1)


def test_it_rejects_many_empty_frames_on_a_large_canvas() -> None:
    head = _one_frame(0, 0, full=(2048, 2048))[:-7] + bytes(7) * 8
    with pytest.raises(RelicFormatError, match="canvas pixels over all frames"):
        read_sprite(b"\x00\x00", head, frames=8)
    assert len(read_sprite(b"\x00\x00", head, frames=4).frames) == 4


def test_it_rejects_frame_areas_that_never_match_the_pixel_bytes() -> None:
    with pytest.raises(RelicFormatError, match="add up to the 3 pixel bytes"):
        infer_frame_count(b"\x00\x00\x01\x01\x01", _one_frame(2, 2))
    with pytest.raises(RelicFormatError, match="4 pixel bytes for frame 0"):
        read_sprite(b"\x00\x00\x01", _one_frame(2, 2), frames=1)


def test_it_rejects_more_frames_than_the_index_holds() -> None:
    with pytest.raises(RelicFormatError, match="5 frame headers"):
        read_sprite(b"\x00\x00\x01", _one_frame(1, 1), frames=5)


_FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FUZZ
@given(
    target=st.sampled_from(["dat", "index"]),
    edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=6),
    cut=st.integers(0, 10**6),
    frames=st.one_of(st.none(), st.integers(0, 6)),
)
def test_fuzzed_sprites_only_ever_raise_relic_format_errors(
    target: str, edits: list[tuple[int, int]], cut: int, frames: int | None
) -> None:
    dat, index = (bytearray(b) for b in _valid())
    data = dat if target == "dat" else index
    for pos, value in edits:
        data[pos % len(data)] = value
    if cut % 4 == 0:
        del data[cut % (len(data) + 1) :]
    try:
        sprite = read_sprite(bytes(dat), bytes(index), frames)
        sprite.rgba_frames()
    except RelicFormatError:
        pass


@_FUZZ
@given(st.binary(max_size=120), st.binary(max_size=120), st.one_of(st.none(), st.integers(0, 4)))
def test_random_sprite_bytes_only_ever_raise_relic_format_errors(
    dat: bytes, index: bytes, frames: int | None
) -> None:
    try:
        read_sprite(dat, index, frames).rgba_frames()
    except RelicFormatError:
        pass


# --- the real client-204 cache --------------------------------------------------------------


class RealCache:
    def __init__(self, root: Path) -> None:
        self.config: GameConfig = read_config((root / "config85.jag").read_bytes())
        self.media_archive = read_jag((root / "media58.jag").read_bytes(), "media58.jag")
        self.texture_archive = read_jag((root / "textures17.jag").read_bytes(), "textures17.jag")
        self.entity_pair = read_jag_pair(
            (root / "entity24.jag").read_bytes(), (root / "entity24.mem").read_bytes(), "entity24"
        )
        self.media = SpriteSource(self.media_archive, "media")
        self.textures = SpriteSource(self.texture_archive, "textures")
        self.entity = SpriteSource(self.entity_pair, "entity")


@pytest.fixture(scope="module")
def real(rsc_cache_dir: Path) -> RealCache:
    return RealCache(rsc_cache_dir)


def _sprite_entries(archive: JagArchive) -> list[tuple[int, bytes]]:
    return [(h, data) for h, data in archive.entries.items() if h != name_hash(INDEX_DAT)]


def test_every_real_sprite_entry_decodes_with_an_inferred_frame_count(real: RealCache) -> None:
    archives = [real.media_archive, real.texture_archive, *real.entity_pair.archives]
    total = 0
    for archive in archives:
        index = archive.get(INDEX_DAT)
        assert index is not None
        for _, data in _sprite_entries(archive):
            sprite = read_sprite(data, index)
            assert sprite.unused_bytes == 0
            total += len(sprite.rgba_frames())
    assert total == 1685


def test_inferred_frame_counts_match_what_the_client_knows(real: RealCache) -> None:
    for i in range(1, 16):
        assert len(real.media.require(f"objects{i}").frames) == 30
    assert len(real.media.require("projectile").frames) == real.config.projectile_sprites
    for texture in real.config.textures:
        for name in filter(None, (texture.name, texture.sub_name)):
            assert len(real.textures.require(name).frames) == 1
    for anim in real.config.animations:
        assert len(real.entity.require(anim.name).frames) == 15
        if anim.has_a:
            assert len(real.entity.require(anim.name + "a").frames) == 3
        if anim.has_f:
            assert len(real.entity.require(anim.name + "f").frames) == 9


def test_every_item_sprite_named_by_config_decodes(real: RealCache) -> None:
    assert real.config.item_sprite_count == 435
    for item in real.config.items:
        out = item_sprite(real.media, item.sprite, item.mask)
        assert out.shape == (32, 48, 4)
        assert out[..., 3].any()


def test_the_iron_mace_sprite_carries_its_item_tint(real: RealCache) -> None:
    mace = real.config.items[0]
    sheet = real.media.require("objects1")
    plain = item_sprite(real.media, mace.sprite)
    tinted = item_sprite(real.media, mace.sprite, mace.mask)
    rgb = plain[..., :3].astype(int)
    grey = (plain[..., 3] > 0) & (rgb[..., 0] == rgb[..., 1]) & (rgb[..., 1] == rgb[..., 2])
    assert grey.sum() > 20
    mask = np.array([(mace.mask >> 16) & 255, (mace.mask >> 8) & 255, mace.mask & 255])
    assert np.array_equal(tinted[grey][:, :3], (rgb[grey] * mask) >> 8)
    assert np.array_equal(tinted[~grey], plain[~grey])
    assert sheet.palette[0].tolist() == [255, 0, 255]


def test_every_entity_animation_named_by_config_decodes(real: RealCache) -> None:
    frames = 0
    for anim in real.config.animations[::3]:
        slots = entity_frames(real.entity, anim)
        assert all(s is not None for s in slots[:15])
        assert (slots[15] is not None) == bool(anim.has_a)
        assert (slots[18] is not None) == bool(anim.has_f)
        frames += sum(s is not None for s in slots)
    assert frames > 1000


def test_a_paper_doll_body_frame_takes_the_npc_top_and_skin_colours(real: RealCache) -> None:
    bob = real.config.npcs[1]
    assert bob.name == "Bob"
    body = real.config.animations[bob.animations[1]]
    assert body.name == "body1" and body.colour == 2
    plain = real.entity.require("body1").rgba(0)
    dressed = entity_frames(real.entity, body, npc=bob)[0]
    assert dressed is not None
    rgb = plain[..., :3].astype(int)
    opaque = plain[..., 3] > 0
    grey = opaque & (rgb[..., 0] == rgb[..., 1]) & (rgb[..., 1] == rgb[..., 2])
    skin = opaque & (rgb[..., 0] == 255) & (rgb[..., 1] == rgb[..., 2]) & ~grey
    assert grey.sum() > 50 and skin.sum() > 5
    # Bob's top is pure red: the shirt keeps only its red channel.
    assert bob.top_colour == 0xFF0000
    assert np.array_equal(dressed[grey][:, 0], (rgb[grey][:, 0] * 255) >> 8)
    assert not dressed[grey][:, 1:3].any()
    skin_rgb = np.array([(bob.skin_colour >> 16) & 255, (bob.skin_colour >> 8) & 255, bob.skin_colour & 255])
    assert np.array_equal(dressed[skin][:, :3], (rgb[skin] * skin_rgb) >> 8)
    assert np.array_equal(dressed[..., 3], plain[..., 3])


def test_every_texture_named_by_config_decodes(real: RealCache) -> None:
    for texture in real.config.textures:
        out = texture_rgba(real.textures, texture)
        assert out.shape in ((64, 64, 4), (128, 128, 4))
        assert not ((out[..., 0] == 0) & (out[..., 1] == 255) & (out[..., 2] == 0)).any()
    door = texture_rgba(real.textures, Texture("wall", "door"))
    wall = texture_rgba(real.textures, Texture("wall", ""))
    assert not np.array_equal(door, wall)


def test_the_whole_real_cache_of_sprites_decodes_quickly(rsc_cache_dir: Path) -> None:
    raw = {
        n: (rsc_cache_dir / n).read_bytes()
        for n in ("media58.jag", "entity24.jag", "entity24.mem", "textures17.jag")
    }
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for name, data in raw.items():
            archive = read_jag(data, name)
            index = archive.get(INDEX_DAT)
            assert index is not None
            for _, entry in _sprite_entries(archive):
                read_sprite(entry, index).rgba_frames()
        best = min(best, time.perf_counter() - start)
    # About 0.08 s on the development machine; the bound only catches a gross regression.
    assert best < 1.0
