"""Small but complete caches built with the project's own writers, for tests that always run."""

from __future__ import annotations

import functools

import numpy as np

from relics.formats.config import (
    Animation,
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
    encode_rgb555,
    write_config,
)
from relics.formats.jag import write_jag
from relics.formats.jcache import build_jcache
from relics.formats.landscape import TILES, Sector, Terrain, Walls, encode_sector
from relics.formats.ob3 import Ob3Face, Ob3Model, encode_ob3, rgb_to_fill
from relics.formats.rs3_config import ItemConfig, NpcConfig, encode_items, encode_npcs
from relics.formats.sounds import encode_mulaw
from relics.formats.sprites import encode_sprite_entries, sprite_from_rgba

GREY = (128, 128, 128)
SKIN = (255, 128, 128)  # r == 255 and g == b: takes the skin colour
HAIR, TOP, BOTTOM, SKIN_COLOUR = 0xFF0000, 0x00FF00, 0x0000FF, 0xFFC0A0
ITEM_MASK = 0x8040FF


def _canvas(w: int, h: int) -> np.ndarray:
    return np.zeros((h, w, 4), dtype=np.uint8)


def _block(w: int, h: int, rect: tuple[int, int, int, int], rgb: tuple[int, int, int]) -> np.ndarray:
    img = _canvas(w, h)
    x0, y0, x1, y1 = rect
    img[y0:y1, x0:x1, :3] = rgb
    img[y0:y1, x0:x1, 3] = 255
    return img


def config() -> GameConfig:
    return GameConfig(
        items=[
            Item("Iron Mace", "A spiky mace", "", 0, 63, 1, 0, 16, ITEM_MASK, 0, 0),
            Item("Coins", "Lovely money", "", 1, 1, 0, 0, 0, 0, 0, 0),
        ],
        npcs=[
            Npc(
                "Man",
                "One of the locals",
                5,
                5,
                7,
                5,
                1,
                (0, 1, 2, *([255] * 9)),
                HAIR,
                TOP,
                BOTTOM,
                SKIN_COLOUR,
                145,
                220,
                6,
                6,
                5,
                "Talk-to",
            ),
            Npc("Ghost", "Boo", 1, 1, 1, 1, 0, (255,) * 12, 0, 0, 0, 0, 100, 100, 6, 6, 5, ""),
        ],
        textures=[Texture("wall", ""), Texture("wall", "ivy")],
        animations=[
            Animation("head1", 1, 13, 0, 0, 0),
            Animation("body1", 2, 6, 0, 0, 0),
            Animation("legs1", 3, 15, 0, 0, 0),
        ],
        objects=[
            GameObject("Tree", "A pointy tree", "Chop", "Examine", "tree2", 1, 1, 1, 0),
            GameObject("Sign", "", "WalkTo", "Examine", "na", 1, 1, 0, 0),
        ],
        wall_objects=[WallObject("Wall", "", "WalkTo", "Examine", 192, 0, encode_rgb555(200, 40, 40), 1, 0)],
        roofs=[Roof(1, 4)],
        tiles=[Tile(encode_rgb555(40, 80, 200), 1, 1), Tile(1, 3, 0)],
        projectile_sprites=2,
        spells=[Spell("Wind strike", "A strength 1 missile attack", 1, 2, 2, (1, 0), (1, 2))],
        prayers=[Prayer("Thick skin", "Increases your defense by 5%", 1, 15)],
    )


def _entity_sprite(rect: tuple[int, int, int, int], colours: list[tuple[int, int, int]]) -> list[np.ndarray]:
    frames = []
    for i in range(15):
        img = _block(64, 102, rect, colours[0])
        x0, y0, _, y1 = rect
        if len(colours) > 1:
            img[y0 : y0 + 4, x0 : x0 + 4, :3] = colours[1]  # a patch of skin
        img[y1 - 1, x0 + (i % 3), :3] = (1, 2, 3)  # each frame a little different
        frames.append(img)
    return frames


def classic_files() -> dict[str, bytes]:
    """``{file name: bytes}`` of a Classic cache with one of everything the museum shows."""
    return dict(_classic_files())


@functools.cache
def _classic_files() -> dict[str, bytes]:
    media = encode_sprite_entries(
        {
            "objects1": sprite_from_rgba(
                [_block(48, 32, (8, 8, 40, 24), GREY), _block(48, 32, (4, 4, 20, 20), (200, 180, 0))]
            )
        }
    )
    entity = encode_sprite_entries(
        {
            "head1": sprite_from_rgba(_entity_sprite((24, 0, 40, 20), [GREY, SKIN])),
            "body1": sprite_from_rgba(_entity_sprite((16, 18, 48, 60), [GREY, SKIN])),
            # The legs overlap the body's lower edge: the paint order decides who is on top.
            "legs1": sprite_from_rgba(_entity_sprite((20, 56, 44, 102), [GREY])),
        }
    )
    wall = _block(64, 64, (0, 0, 64, 64), (120, 90, 60))
    ivy = _block(64, 64, (0, 0, 32, 64), (0, 255, 0))  # pure green: a cut-out
    textures = encode_sprite_entries({"wall": sprite_from_rgba([wall]), "ivy": sprite_from_rgba([ivy])})
    quad = Ob3Model(
        ((0, 0, 0), (128, 0, 0), (128, -256, 0), (0, -256, 0), (64, -320, 0)),
        (Ob3Face((0, 1, 2, 3), rgb_to_fill(40, 160, 40), 32767, 0), Ob3Face((3, 2, 4), 0, 0, 1)),
    )
    models = {"tree2.ob3": encode_ob3(quad)}
    height = np.full(TILES, 64, dtype=np.uint8)
    height[:48] = 80
    colour = np.full(TILES, 40, dtype=np.uint8)
    walls = Walls(*(np.zeros(TILES, dtype=np.uint8) for _ in range(7)))
    walls.vertical[5 * 48 + 5] = 1
    walls.horizontal[6 * 48 + 5] = 1
    walls.overlays[10 * 48 : 12 * 48] = 1
    objects = np.zeros(TILES, dtype=np.uint8)
    objects[20 * 48 + 20] = 1  # object 0, the tree
    sector = Sector(0, 50, 50, Terrain(height, colour), walls, objects)
    parts = encode_sector(sector)
    land = {k: v for k, v in parts.items() if k.endswith(".hei")}
    maps = {k: v for k, v in parts.items() if not k.endswith(".hei")}
    tone = (np.sin(np.arange(4000) / 8.0) * 12000).astype(np.int16)
    return {
        "config85.jag": write_config(config()),
        "media58.jag": write_jag(media, packing="entries"),
        "entity24.jag": write_jag(entity, packing="entries"),
        "textures17.jag": write_jag(textures, packing="entries"),
        "models36.jag": write_jag(models, packing="whole"),
        "land63.jag": write_jag(land, packing="whole"),
        "maps63.jag": write_jag(maps, packing="whole"),
        "sounds1.mem": write_jag({"advance.pcm": encode_mulaw(tone)}, packing="whole"),
    }


def modern_files() -> dict[str, bytes]:
    items = [
        ItemConfig(0, name="Dwarf remains", value=1),
        ItemConfig(
            1, name="Iron mace", model=2547, value=63, inventory_options=[None, "Wield", None, None, "Drop"]
        ),
        ItemConfig(300, name="Coins", value=1, params={5: 1, 6: "stack"}),
    ]
    npcs = [
        NpcConfig(0, name="Unicorn", models=[1, 2], combat_level=15),
        NpcConfig(1, name="Man", combat_level=2),
    ]
    return {
        "js5-19.jcache": build_jcache(encode_items(items)),
        "js5-18.jcache": build_jcache(encode_npcs(npcs)),
    }
