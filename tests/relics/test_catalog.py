"""The catalogue: every entry of a cache listed once, and rendered the way the client draws it."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from relics.catalog import (
    DOLL_FACING,
    ClassicCatalog,
    ModernCatalog,
    detect_era,
    normalise_name,
    open_catalog,
)
from relics.formats.errors import RelicFormatError
from tests.relics import synth


def _rgba(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


@pytest.fixture(scope="module")
def classic() -> ClassicCatalog:
    catalog = open_catalog(synth.classic_files())
    assert isinstance(catalog, ClassicCatalog)
    return catalog


def test_it_tells_the_eras_apart_by_file_names() -> None:
    assert detect_era(["config85.jag", "media58.jag"]) == "classic"
    assert detect_era(["js5-19.jcache"]) == "modern"
    with pytest.raises(RelicFormatError, match="config"):
        detect_era(["readme.txt"])


def test_it_lists_every_synthetic_entry_in_cache_order(classic: ClassicCatalog) -> None:
    entries = list(classic.entries())
    by_kind: dict[str, list[str]] = {}
    for e in entries:
        by_kind.setdefault(e.kind, []).append(e.name)
    assert by_kind["items"] == ["Iron Mace", "Coins"]
    assert by_kind["npcs"] == ["Man", "Ghost"]
    assert by_kind["models"] == ["tree2"]
    assert by_kind["sectors"] == ["m05050"]
    assert by_kind["sounds"] == ["advance"]
    assert by_kind["spells"] == ["Wind strike"] and by_kind["prayers"] == ["Thick skin"]
    ghost = next(e for e in entries if e.name == "Ghost")
    assert ghost.preview == ""  # no layers: nothing to draw, and the viewer says so
    sign = next(e for e in entries if e.name == "Sign")
    assert sign.preview == ""  # model "na"
    man = next(e for e in entries if e.name == "Man")
    assert man.fields["layers"][:3] == ["head1", "body1", "legs1"] and man.fields["hair_rgb"] == "#ff0000"
    spell = next(e for e in entries if e.kind == "spells")
    assert spell.fields["rune_list"][0] == {"item": 1, "name": "Coins", "amount": 1}


def test_an_item_sprite_is_tinted_by_its_mask(classic: ClassicCatalog) -> None:
    rendered = classic.render("items", "0")
    assert rendered is not None and rendered.mime == "image/png"
    img = _rgba(rendered.data)
    assert img.shape == (32, 48, 4)
    # Grey 128 times mask 0x8040ff, channel by channel, >> 8.
    assert tuple(img[16, 20]) == (64, 32, 127, 255)
    assert img[0, 0, 3] == 0  # the key colour is transparent


def test_the_npc_paper_doll_layers_body_parts_in_the_clients_order_and_colours(
    classic: ClassicCatalog,
) -> None:
    rendered = classic.render("npcs", "0")
    assert rendered is not None
    img = _rgba(rendered.data)
    assert img.shape == (102, 64, 4)
    top, bottom = (0, 127, 0, 255), (0, 0, 127, 255)
    assert tuple(img[30, 30]) == top  # body alone
    assert tuple(img[80, 30]) == bottom  # legs alone
    # Facing 0 paints the legs (layer 2) before the body (layer 1): the body wins the overlap.
    assert DOLL_FACING == 0
    assert tuple(img[58, 30]) == top
    # Skin pixels (r == 255, g == b) take the NPC's skin colour 0xffc0a0.
    assert tuple(img[1, 25]) == (254, 96, 80, 255)
    # The head's grey takes the hair colour.
    assert tuple(img[10, 30]) == (127, 0, 0, 255)


def test_mirrored_facings_flip_the_frame(classic: ClassicCatalog) -> None:
    npc = classic.config.npcs[0]
    right, left = classic.npc_doll(npc, facing=3), classic.npc_doll(npc, facing=5)
    assert right is not None and left is not None
    assert np.array_equal(right[:, ::-1], left)


def test_models_and_objects_become_glb(classic: ClassicCatalog) -> None:
    model, obj = classic.render("models", "tree2"), classic.render("objects", "0")
    assert model is not None and obj is not None
    assert model.data[:4] == b"glTF" and model.data == obj.data
    assert classic.render("objects", "1") is None  # "na": no model


def test_sectors_sounds_textures_and_swatches_render(classic: ClassicCatalog) -> None:
    sector = classic.render("sectors", "m05050")
    assert sector is not None and _rgba(sector.data).shape == (384, 384, 4)
    sound = classic.render("sounds", "advance")
    assert sound is not None
    with wave.open(io.BytesIO(sound.data)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getnframes()) == (8000, 1, 4000)
    texture = classic.render("textures", "1")
    assert texture is not None
    img = _rgba(texture.data)
    assert img[10, 10, 3] == 0 and tuple(img[10, 50]) == (120, 90, 60, 255)  # green cut out
    tile = classic.render("tiles", "0")
    assert tile is not None and tuple(_rgba(tile.data)[5, 5]) == (40, 80, 200, 255)
    assert classic.render("spells", "0") is None
    assert classic.render("items", "99") is None


def test_a_modern_folder_lists_items_and_npcs() -> None:
    catalog = open_catalog(synth.modern_files())
    assert isinstance(catalog, ModernCatalog)
    entries = list(catalog.entries())
    assert [(e.kind, e.key, e.name) for e in entries] == [
        ("items", "0", "Dwarf remains"),
        ("items", "1", "Iron mace"),
        ("items", "300", "Coins"),
        ("npcs", "0", "Unicorn"),
        ("npcs", "1", "Man"),
    ]
    assert entries[1].fields["inventory_options"][1] == "Wield"
    assert catalog.render("items", "1") is None


def test_a_broken_jcache_names_the_file() -> None:
    with pytest.raises(RelicFormatError, match=r"js5-19\.jcache at offset 0"):
        open_catalog({"js5-19.jcache": b"not a database at all"})


def test_names_normalise_across_eras() -> None:
    assert normalise_name("Iron Mace") == normalise_name("iron  mace!") == "iron mace"
    assert normalise_name("Café") == "cafe"


# --- the real client-204 cache ---------------------------------------------------------------


@pytest.fixture(scope="module")
def real(rsc_cache_dir: Path) -> ClassicCatalog:
    catalog = open_catalog({p.name: p.read_bytes() for p in rsc_cache_dir.iterdir()})
    assert isinstance(catalog, ClassicCatalog)
    return catalog


def test_the_real_cache_lists_everything(real: ClassicCatalog) -> None:
    entries = list(real.entries())
    counts: dict[str, int] = {}
    for e in entries:
        counts[e.kind] = counts.get(e.kind, 0) + 1
    assert counts["items"] == 1290 and counts["npcs"] == 794 and counts["sounds"] == 37
    assert counts["models"] >= 409 and counts["sectors"] > 300
    assert entries[0].name == "Iron Mace"


def test_real_npcs_wear_their_own_layers(real: ClassicCatalog) -> None:
    # The 12 layers are stored per NPC; read column-major the unicorn grew a human head.
    anims = real.config.animations
    unicorn, man = real.config.npcs[0], next(n for n in real.config.npcs if n.name == "Man")
    assert [anims[a].name for a in unicorn.animations if a != 255] == ["unicorn"]
    assert [anims[a].name for a in man.animations if a != 255][:3] == ["head1", "body1", "legs1"]


def test_real_previews_render(real: ClassicCatalog) -> None:
    doll = real.render("npcs", "0")
    assert doll is not None and (_rgba(doll.data)[..., 3] > 0).sum() > 500
    item = real.render("items", "0")
    assert item is not None and _rgba(item.data).shape == (32, 48, 4)
    tree = real.render("objects", "0")
    assert tree is not None and tree.data[:4] == b"glTF"
    sector = real.render("sectors", "m05050")
    assert sector is not None
