"""RuneScape Classic game definitions: ``config*.jag`` (``string.dat`` + ``integer.dat``).

Strings and numbers live in two independent streams. Each of the eleven sections starts
with a ``u16`` record count in ``integer.dat`` and is stored column-major: one field for
every record, then the next field.
"""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from relics.formats.errors import Cursor, RelicFormatError
from relics.formats.jag import JagArchive, Packing, read_jag, write_jag

STRING_DAT = "string.dat"
INTEGER_DAT = "integer.dat"
TRANSPARENT = 12345678
QUIRK_LIMIT = 99999999  # u32 values above it encode the negative 99999999 - v
NO_ANIMATION = 255
NO_MODEL = "na"


@dataclass(frozen=True)
class Item:
    name: str
    description: str
    command: str
    sprite: int
    price: int
    stackable: int  # 0 means stackable
    unused: int
    wearable: int  # equip-slot bitmask
    mask: int  # tint colour (0xRRGGBB), 0 for none
    special: int  # non-zero: untradeable
    members: int

    @property
    def is_stackable(self) -> bool:
        return self.stackable == 0


@dataclass(frozen=True)
class Npc:
    name: str
    description: str
    attack: int
    strength: int
    hits: int
    defense: int
    attackable: int
    animations: tuple[int, ...]  # 12 animation ids, 255 for an empty layer
    hair_colour: int
    top_colour: int
    bottom_colour: int
    skin_colour: int
    width: int
    height: int
    walk_model: int
    combat_model: int
    combat_animation: int
    command: str


@dataclass(frozen=True)
class Texture:
    name: str
    sub_name: str


@dataclass(frozen=True)
class Animation:
    name: str
    colour: int
    gender_model: int
    has_a: int
    has_f: int
    number: int


@dataclass(frozen=True)
class GameObject:
    name: str
    description: str
    command1: str
    command2: str
    model_name: str  # "na" means no model
    width: int
    height: int
    type: int
    elevation: int


@dataclass(frozen=True)
class WallObject:
    name: str
    description: str
    command1: str
    command2: str
    height: int
    front_decoration: int
    back_decoration: int
    blocked: int
    invisible: int


@dataclass(frozen=True)
class Roof:
    height: int
    vertex_count: int


@dataclass(frozen=True)
class Tile:
    decoration: int
    type: int
    blocked: int


@dataclass(frozen=True)
class Spell:
    name: str
    description: str
    level: int
    rune_count: int
    type: int
    runes: tuple[int, ...]  # rune item ids
    amounts: tuple[int, ...]


@dataclass(frozen=True)
class Prayer:
    name: str
    description: str
    level: int
    drain: int


@dataclass
class GameConfig:
    """Every section of a config archive, records in cache order."""

    items: list[Item] = field(default_factory=list)
    npcs: list[Npc] = field(default_factory=list)
    textures: list[Texture] = field(default_factory=list)
    animations: list[Animation] = field(default_factory=list)
    objects: list[GameObject] = field(default_factory=list)
    wall_objects: list[WallObject] = field(default_factory=list)
    roofs: list[Roof] = field(default_factory=list)
    tiles: list[Tile] = field(default_factory=list)
    projectile_sprites: int = 0
    spells: list[Spell] = field(default_factory=list)
    prayers: list[Prayer] = field(default_factory=list)

    @property
    def item_sprite_count(self) -> int:
        """How many item sprites the media archive holds (highest sprite id + 1)."""
        return max((item.sprite for item in self.items), default=-1) + 1

    def model_names(self) -> list[str]:
        """Distinct object model names in first-use order ("na" excluded), for ``.ob3`` lookup."""
        seen: dict[str, None] = {}
        for obj in self.objects:
            if obj.model_name and obj.model_name.lower() != NO_MODEL:
                seen.setdefault(obj.model_name.lower(), None)
        return list(seen)


SECTIONS = (
    "items",
    "npcs",
    "textures",
    "animations",
    "objects",
    "wall_objects",
    "roofs",
    "tiles",
    "projectiles",
    "spells",
    "prayers",
)


# --- colour values -----------------------------------------------------------------------


@dataclass(frozen=True)
class Decoration:
    """A decoded colour/decoration value: an RGB colour, transparency, or a texture id."""

    kind: Literal["colour", "transparent", "texture"]
    rgb: tuple[int, int, int] | None = None
    texture: int | None = None


def decode_decoration(value: int) -> Decoration:
    """Negative is RGB555 (``x = -v - 1``), 12345678 is transparent, otherwise a texture id."""
    if value < 0:
        x = -value - 1
        return Decoration("colour", rgb=(((x >> 10) & 31) * 8, ((x >> 5) & 31) * 8, (x & 31) * 8))
    if value == TRANSPARENT:
        return Decoration("transparent")
    return Decoration("texture", texture=value)


def encode_rgb555(r: int, g: int, b: int) -> int:
    """The negative decoration value for an RGB colour (each channel truncated to 5 bits)."""
    return -(((r >> 3) << 10 | (g >> 3) << 5 | (b >> 3)) + 1)


def rgb24(value: int) -> tuple[int, int, int]:
    """Split a 0xRRGGBB colour (item masks, NPC and animation colours) into channels."""
    return (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF


def unquirk_u32(raw: int) -> int:
    """Apply the client's u32 rule to a signed 32-bit value."""
    return QUIRK_LIMIT - raw if raw > QUIRK_LIMIT else raw


def quirk_u32(value: int) -> int:
    """The signed 32-bit value that ``unquirk_u32`` turns back into ``value``."""
    raw = QUIRK_LIMIT - value if value < 0 else value
    if value > QUIRK_LIMIT or raw > 0x7FFFFFFF:
        raise ValueError(f"{value} cannot be stored as a config u32")
    return raw


# --- decoding ----------------------------------------------------------------------------


class _Columns:
    """Column readers over the two streams; every read is bounds-checked."""

    def __init__(self, strings: Cursor, numbers: Cursor) -> None:
        self.s = strings
        self.n = numbers

    def count(self, section: str) -> int:
        start = self.n.pos
        try:
            return self.n.u16()
        except RelicFormatError:
            raise self.n.fail(
                f"the u16 record count of section {section}", "the end of the data", start
            ) from None

    def strings(self, n: int) -> list[str]:
        return self.s.cstrings(n)

    def _fixed(self, n: int, fmt: str, width: int, name: str) -> list[int]:
        self.n.need(n * width, f"{n} x {name}")
        values = list(struct.unpack_from(f">{n}{fmt}", self.n.data, self.n.pos))
        self.n.pos += n * width
        return values

    def u8(self, n: int) -> list[int]:
        return self._fixed(n, "B", 1, "u8")

    def u16(self, n: int) -> list[int]:
        return self._fixed(n, "H", 2, "u16")

    def u32(self, n: int) -> list[int]:
        return [unquirk_u32(v) for v in self._fixed(n, "i", 4, "u32")]


def _items(c: _Columns) -> list[Item]:
    n = c.count("items")
    cols: list[Sequence[Any]] = [c.strings(n), c.strings(n), c.strings(n)]
    cols += [c.u16(n), c.u32(n), c.u8(n), c.u8(n), c.u16(n), c.u32(n), c.u8(n), c.u8(n)]
    return [Item(*row) for row in zip(*cols, strict=True)]


def _npcs(c: _Columns) -> list[Npc]:
    n = c.count("npcs")
    names, descriptions = c.strings(n), c.strings(n)
    attack, strength, hits, defense, attackable = (c.u8(n) for _ in range(5))
    # Unlike every other field, the 12 layers are stored per NPC (12 consecutive bytes each),
    # as the client's nested loop reads them; column-major gives unicorns human heads.
    flat = c.u8(12 * n)
    layers = [flat[layer::12] for layer in range(12)]
    hair, top, bottom, skin = (c.u32(n) for _ in range(4))
    width, height = c.u16(n), c.u16(n)
    walk, combat, combat_anim = c.u8(n), c.u8(n), c.u8(n)
    commands = c.strings(n)
    return [
        Npc(
            name=names[i],
            description=descriptions[i],
            attack=attack[i],
            strength=strength[i],
            hits=hits[i],
            defense=defense[i],
            attackable=attackable[i],
            animations=tuple(col[i] for col in layers),
            hair_colour=hair[i],
            top_colour=top[i],
            bottom_colour=bottom[i],
            skin_colour=skin[i],
            width=width[i],
            height=height[i],
            walk_model=walk[i],
            combat_model=combat[i],
            combat_animation=combat_anim[i],
            command=commands[i],
        )
        for i in range(n)
    ]


def _textures(c: _Columns) -> list[Texture]:
    n = c.count("textures")
    return [Texture(*row) for row in zip(c.strings(n), c.strings(n), strict=True)]


def _animations(c: _Columns) -> list[Animation]:
    n = c.count("animations")
    cols = [c.strings(n), c.u32(n), c.u8(n), c.u8(n), c.u8(n), c.u8(n)]
    return [Animation(*row) for row in zip(*cols, strict=True)]


def _objects(c: _Columns) -> list[GameObject]:
    n = c.count("objects")
    cols: list[Sequence[Any]] = [c.strings(n) for _ in range(5)]
    cols += [c.u8(n) for _ in range(4)]
    return [GameObject(*row) for row in zip(*cols, strict=True)]


def _wall_objects(c: _Columns) -> list[WallObject]:
    n = c.count("wall_objects")
    cols: list[Sequence[Any]] = [c.strings(n) for _ in range(4)]
    cols += [c.u16(n), c.u32(n), c.u32(n), c.u8(n), c.u8(n)]
    return [WallObject(*row) for row in zip(*cols, strict=True)]


def _roofs(c: _Columns) -> list[Roof]:
    n = c.count("roofs")
    return [Roof(*row) for row in zip(c.u8(n), c.u8(n), strict=True)]


def _tiles(c: _Columns) -> list[Tile]:
    n = c.count("tiles")
    return [Tile(*row) for row in zip(c.u32(n), c.u8(n), c.u8(n), strict=True)]


def _spells(c: _Columns) -> list[Spell]:
    n = c.count("spells")
    names, descriptions = c.strings(n), c.strings(n)
    levels, rune_counts, types = c.u8(n), c.u8(n), c.u8(n)
    runes = [tuple(c.u16(c.u8(1)[0])) for _ in range(n)]
    amounts = [tuple(c.u8(c.u8(1)[0])) for _ in range(n)]
    return [
        Spell(names[i], descriptions[i], levels[i], rune_counts[i], types[i], runes[i], amounts[i])
        for i in range(n)
    ]


def _prayers(c: _Columns) -> list[Prayer]:
    n = c.count("prayers")
    cols: list[Sequence[Any]] = [c.strings(n), c.strings(n), c.u8(n), c.u8(n)]
    return [Prayer(*row) for row in zip(*cols, strict=True)]


def decode_config(strings: bytes, integers: bytes, what: str = "config") -> GameConfig:
    """Decode ``string.dat`` and ``integer.dat``; both must be consumed exactly."""
    c = _Columns(Cursor(strings, f"{what} {STRING_DAT}"), Cursor(integers, f"{what} {INTEGER_DAT}"))
    config = GameConfig()
    config.items = _items(c)
    config.npcs = _npcs(c)
    config.textures = _textures(c)
    config.animations = _animations(c)
    config.objects = _objects(c)
    config.wall_objects = _wall_objects(c)
    config.roofs = _roofs(c)
    config.tiles = _tiles(c)
    config.projectile_sprites = c.u16(1)[0]
    config.spells = _spells(c)
    config.prayers = _prayers(c)
    for cursor in (c.s, c.n):
        if cursor.remaining:
            raise cursor.fail("the data to end after the prayers section", f"{cursor.remaining} more bytes")
    return config


def read_config(data: bytes | JagArchive, what: str = "config") -> GameConfig:
    """Decode a whole ``config*.jag`` file (or an already-read archive)."""
    archive = read_jag(data, what) if isinstance(data, bytes | bytearray) else data
    strings, integers = archive.get(STRING_DAT), archive.get(INTEGER_DAT)
    for name, found in ((STRING_DAT, strings), (INTEGER_DAT, integers)):
        if found is None:
            raise RelicFormatError(what, 0, f"an entry named {name}", "no such entry")
    assert strings is not None and integers is not None
    return decode_config(strings, integers, what)


# --- encoding ----------------------------------------------------------------------------


class _Writer:
    def __init__(self) -> None:
        self.s = bytearray()
        self.n = bytearray()

    def strings(self, values: Sequence[str]) -> None:
        for v in values:
            raw = v.encode("latin-1")
            if b"\x00" in raw:
                raise ValueError(f"config string {v!r} contains NUL")
            self.s += raw + b"\x00"

    def _pack(self, fmt: str, values: Sequence[int]) -> None:
        try:
            self.n += struct.pack(f">{len(values)}{fmt}", *values)
        except struct.error as exc:
            raise ValueError(f"config value out of range for {fmt}: {exc}") from None

    def u8(self, values: Sequence[int]) -> None:
        self._pack("B", values)

    def u16(self, values: Sequence[int]) -> None:
        self._pack("H", values)

    def u32(self, values: Sequence[int]) -> None:
        self._pack("i", [quirk_u32(v) for v in values])

    def count(self, n: int) -> None:
        self.u16([n])


def _column(records: Sequence[object], name: str) -> list[Any]:
    return [getattr(r, name) for r in records]


def encode_config(config: GameConfig) -> tuple[bytes, bytes]:
    """Encode ``(string.dat, integer.dat)``; the inverse of ``decode_config``."""
    w = _Writer()
    items = config.items
    w.count(len(items))
    for f in ("name", "description", "command"):
        w.strings(_column(items, f))
    w.u16(_column(items, "sprite"))
    w.u32(_column(items, "price"))
    for f in ("stackable", "unused"):
        w.u8(_column(items, f))
    w.u16(_column(items, "wearable"))
    w.u32(_column(items, "mask"))
    for f in ("special", "members"):
        w.u8(_column(items, f))

    npcs = config.npcs
    w.count(len(npcs))
    for f in ("name", "description"):
        w.strings(_column(npcs, f))
    for f in ("attack", "strength", "hits", "defense", "attackable"):
        w.u8(_column(npcs, f))
    for npc in npcs:
        if len(npc.animations) != 12:
            raise ValueError(f"NPC {npc.name!r} needs 12 animation ids, has {len(npc.animations)}")
    w.u8([layer for npc in npcs for layer in npc.animations])
    for f in ("hair_colour", "top_colour", "bottom_colour", "skin_colour"):
        w.u32(_column(npcs, f))
    for f in ("width", "height"):
        w.u16(_column(npcs, f))
    for f in ("walk_model", "combat_model", "combat_animation"):
        w.u8(_column(npcs, f))
    w.strings(_column(npcs, "command"))

    w.count(len(config.textures))
    for f in ("name", "sub_name"):
        w.strings(_column(config.textures, f))

    anims = config.animations
    w.count(len(anims))
    w.strings(_column(anims, "name"))
    w.u32(_column(anims, "colour"))
    for f in ("gender_model", "has_a", "has_f", "number"):
        w.u8(_column(anims, f))

    objs = config.objects
    w.count(len(objs))
    for f in ("name", "description", "command1", "command2", "model_name"):
        w.strings(_column(objs, f))
    for f in ("width", "height", "type", "elevation"):
        w.u8(_column(objs, f))

    walls = config.wall_objects
    w.count(len(walls))
    for f in ("name", "description", "command1", "command2"):
        w.strings(_column(walls, f))
    w.u16(_column(walls, "height"))
    for f in ("front_decoration", "back_decoration"):
        w.u32(_column(walls, f))
    for f in ("blocked", "invisible"):
        w.u8(_column(walls, f))

    w.count(len(config.roofs))
    for f in ("height", "vertex_count"):
        w.u8(_column(config.roofs, f))

    w.count(len(config.tiles))
    w.u32(_column(config.tiles, "decoration"))
    for f in ("type", "blocked"):
        w.u8(_column(config.tiles, f))

    w.u16([config.projectile_sprites])

    spells = config.spells
    w.count(len(spells))
    for f in ("name", "description"):
        w.strings(_column(spells, f))
    for f in ("level", "rune_count", "type"):
        w.u8(_column(spells, f))
    for spell in spells:
        w.u8([len(spell.runes)])
        w.u16(spell.runes)
    for spell in spells:
        w.u8([len(spell.amounts)])
        w.u8(spell.amounts)

    w.count(len(config.prayers))
    for f in ("name", "description"):
        w.strings(_column(config.prayers, f))
    for f in ("level", "drain"):
        w.u8(_column(config.prayers, f))
    return bytes(w.s), bytes(w.n)


def write_config(config: GameConfig, *, packing: Packing = "whole") -> bytes:
    """A complete ``config*.jag`` file for ``config`` (whole-archive bzip2, like the client's)."""
    strings, integers = encode_config(config)
    return write_jag({STRING_DAT: strings, INTEGER_DAT: integers}, packing=packing)


def config_to_json(config: GameConfig) -> dict[str, Any]:
    """Plain JSON-ready dict: one list of record dicts per section, in cache order."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if isinstance(value, list):
            out[f.name] = [
                {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(record).items()}
                for record in value
            ]
        else:
            out[f.name] = value
    for record in out["items"]:
        record["is_stackable"] = record["stackable"] == 0
    return out
