"""RS3 item and NPC config records: opcode streams ending at opcode 0.

Only the opcodes in ``docs/RELIC-FORMATS.md`` are understood. Any other opcode stops the
record with a :class:`RelicFormatError` naming it and its offset, because its payload
width is unknown and guessing would shift every later field.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Protocol, TypeAlias, TypeVar

from relics.formats.errors import Cursor, RelicFormatError
from relics.formats.js5 import encode_big_smart, read_big_smart

__all__ = [
    "ITEMS_PER_GROUP",
    "NPCS_PER_GROUP",
    "FileSource",
    "ItemConfig",
    "JsonValue",
    "NpcConfig",
    "Rs3Index",
    "decode_item",
    "decode_items",
    "decode_npc",
    "decode_npcs",
    "encode_item",
    "encode_items",
    "encode_npc",
    "encode_npcs",
]

JsonValue: TypeAlias = bool | int | str | list["JsonValue"] | dict[str, "JsonValue"] | None

ITEMS_PER_GROUP = 256
NPCS_PER_GROUP = 128
_OPTION_SLOTS = 5
_ENCODING = "cp1252"
_Record = TypeVar("_Record", "ItemConfig", "NpcConfig")


class Rs3Index(IntEnum):
    CONFIG = 2
    OLD_MODELS = 7
    SPRITES = 8
    CLIENTSCRIPTS = 12
    LOCS = 16
    ENUMS = 17
    NPCS = 18
    ITEMS = 19
    SEQUENCES = 20
    STRUCTS = 22
    MODELS = 47


class FileSource(Protocol):
    """Anything yielding ``(group, file, data)``, such as :class:`relics.formats.jcache.JCacheIndex`."""

    def iter_files(self) -> Iterator[tuple[int, int, bytes]]: ...


def _options() -> list[str | None]:
    return [None] * _OPTION_SLOTS


@dataclass
class ItemConfig:
    id: int
    name: str | None = None
    model: int | None = None
    value: int | None = None
    members: bool = False
    ground_options: list[str | None] = field(default_factory=_options)
    inventory_options: list[str | None] = field(default_factory=_options)
    recolour: list[tuple[int, int]] = field(default_factory=list)
    retexture: list[tuple[int, int]] = field(default_factory=list)
    campaigns: list[int] = field(default_factory=list)
    params: dict[int, int | str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, JsonValue]:
        """Plain JSON types only: pairs become two-element lists and param keys become strings."""
        return {
            "id": self.id,
            "name": self.name,
            "model": self.model,
            "value": self.value,
            "members": self.members,
            "ground_options": list(self.ground_options),
            "inventory_options": list(self.inventory_options),
            "recolour": [[a, b] for a, b in self.recolour],
            "retexture": [[a, b] for a, b in self.retexture],
            "campaigns": list(self.campaigns),
            "params": {str(k): v for k, v in sorted(self.params.items())},
        }


@dataclass
class NpcConfig:
    id: int
    name: str | None = None
    models: list[int] = field(default_factory=list)
    combat_level: int | None = None

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "id": self.id,
            "name": self.name,
            "models": list(self.models),
            "combat_level": self.combat_level,
        }


# --- decoding ---------------------------------------------------------------------------------


def _string(cur: Cursor) -> str:
    return cur.cstring(_ENCODING)


def _next_opcode(cur: Cursor) -> int:
    if cur.remaining <= 0:
        raise cur.fail("another opcode (records end with opcode 0)", "the end of the data")
    return cur.u8()


def _finish(cur: Cursor) -> None:
    if cur.remaining:
        raise cur.fail("the end of the record after opcode 0", f"{cur.remaining} more bytes")


def decode_item(item_id: int, data: bytes) -> ItemConfig:
    cur = Cursor(data, f"item {item_id}")
    item = ItemConfig(item_id)
    while True:
        at = cur.pos
        op = _next_opcode(cur)
        if op == 0:
            break
        if op == 1:
            item.model = read_big_smart(cur)
        elif op == 2:
            item.name = _string(cur)
        elif op == 12:
            item.value = cur.i32()
        elif op == 16:
            item.members = True
        elif 30 <= op <= 34:
            item.ground_options[op - 30] = _string(cur)
        elif 35 <= op <= 39:
            item.inventory_options[op - 35] = _string(cur)
        elif op in (40, 41):
            n = cur.u8()
            cur.need(4 * n, f"{n} pairs of u16")
            pairs = [(cur.u16(), cur.u16()) for _ in range(n)]
            if op == 40:
                item.recolour = pairs
            else:
                item.retexture = pairs
        elif op == 132:
            n = cur.u8()
            cur.need(2 * n, f"{n} u16 campaign ids")
            item.campaigns = [cur.u16() for _ in range(n)]
        elif op == 249:
            item.params.update(_read_params(cur))
        else:
            raise cur.fail("a known item opcode", f"opcode {op}", offset=at)
    _finish(cur)
    return item


def _read_params(cur: Cursor) -> dict[int, int | str]:
    params: dict[int, int | str] = {}
    for _ in range(cur.u8()):
        at = cur.pos
        is_string = cur.u8()
        if is_string > 1:
            raise cur.fail("a param kind of 0 (int) or 1 (string)", str(is_string), offset=at)
        key = cur.u24()
        params[key] = _string(cur) if is_string else cur.i32()
    return params


def decode_npc(npc_id: int, data: bytes) -> NpcConfig:
    cur = Cursor(data, f"npc {npc_id}")
    npc = NpcConfig(npc_id)
    while True:
        at = cur.pos
        op = _next_opcode(cur)
        if op == 0:
            break
        if op == 1:
            n = cur.u8()
            cur.need(2 * n, f"{n} model smarts")
            npc.models = [read_big_smart(cur) for _ in range(n)]
        elif op == 2:
            npc.name = _string(cur)
        elif op == 95:
            npc.combat_level = cur.u16()
        else:
            raise cur.fail("a known npc opcode", f"opcode {op}", offset=at)
    _finish(cur)
    return npc


def _decode_all(
    source: FileSource,
    per_group: int,
    kind: str,
    decode: Callable[[int, bytes], _Record],
    on_error: Callable[[RelicFormatError], None] | None,
) -> list[_Record]:
    records: list[_Record] = []
    for group_id, file_id, data in source.iter_files():
        try:
            if file_id >= per_group:
                raise RelicFormatError(
                    f"{kind} group {group_id}", 0, f"file ids below {per_group}", f"file {file_id}"
                )
            records.append(decode(group_id * per_group + file_id, data))
        except RelicFormatError as exc:
            if on_error is None:
                raise
            on_error(exc)
    return records


def decode_items(
    source: FileSource, *, on_error: Callable[[RelicFormatError], None] | None = None
) -> list[ItemConfig]:
    """Every item of an items index (19), id = group * 256 + file.

    A bad record raises; with ``on_error`` it is reported there and left out instead.
    """
    return _decode_all(source, ITEMS_PER_GROUP, "items", decode_item, on_error)


def decode_npcs(
    source: FileSource, *, on_error: Callable[[RelicFormatError], None] | None = None
) -> list[NpcConfig]:
    """Every NPC of an npcs index (18), id = group * 128 + file."""
    return _decode_all(source, NPCS_PER_GROUP, "npcs", decode_npc, on_error)


# --- encoding ---------------------------------------------------------------------------------


def _encode_string(text: str, label: str) -> bytes:
    if "\x00" in text:
        raise ValueError(f"{label} cannot hold a NUL character")
    return text.encode(_ENCODING) + b"\x00"


def _u8_count(n: int, label: str) -> bytes:
    if n > 0xFF:
        raise ValueError(f"{label} holds at most 255 entries, not {n}")
    return bytes([n])


def encode_item(item: ItemConfig) -> bytes:
    """The opcode stream for ``item``; absent fields are left out. Out-of-range values raise ValueError."""
    try:
        return _encode_item(item)
    except struct.error as exc:
        raise ValueError(f"item {item.id}: {exc}") from None


def _encode_item(item: ItemConfig) -> bytes:
    out = bytearray()
    if item.model is not None:
        out += b"\x01" + encode_big_smart(item.model)
    if item.name is not None:
        out += b"\x02" + _encode_string(item.name, "an item name")
    if item.value is not None:
        out += b"\x0c" + struct.pack(">i", item.value)
    if item.members:
        out += b"\x10"
    for base, options in ((30, item.ground_options), (35, item.inventory_options)):
        if len(options) != _OPTION_SLOTS:
            raise ValueError(f"items have {_OPTION_SLOTS} option slots, not {len(options)}")
        for slot, option in enumerate(options):
            if option is not None:
                out += bytes([base + slot]) + _encode_string(option, "an option")
    for op, pairs in ((40, item.recolour), (41, item.retexture)):
        if pairs:
            out += bytes([op]) + _u8_count(len(pairs), "a recolour list")
            for a, b in pairs:
                out += struct.pack(">HH", a, b)
    if item.campaigns:
        out += b"\x84" + _u8_count(len(item.campaigns), "a campaign list")
        out += struct.pack(f">{len(item.campaigns)}H", *item.campaigns)
    if item.params:
        out += b"\xf9" + _u8_count(len(item.params), "a param list")
        for key, value in item.params.items():
            if not 0 <= key <= 0xFFFFFF:
                raise ValueError(f"param keys are u24, not {key}")
            if isinstance(value, str):
                out += b"\x01" + key.to_bytes(3, "big") + _encode_string(value, "a string param")
            else:
                out += b"\x00" + key.to_bytes(3, "big") + struct.pack(">i", value)
    return bytes(out + b"\x00")


def encode_npc(npc: NpcConfig) -> bytes:
    """The opcode stream for ``npc``; out-of-range values raise ValueError."""
    try:
        return _encode_npc(npc)
    except struct.error as exc:
        raise ValueError(f"npc {npc.id}: {exc}") from None


def _encode_npc(npc: NpcConfig) -> bytes:
    out = bytearray()
    if npc.models:
        out += b"\x01" + _u8_count(len(npc.models), "a model list")
        for model in npc.models:
            out += encode_big_smart(model)
    if npc.name is not None:
        out += b"\x02" + _encode_string(npc.name, "an npc name")
    if npc.combat_level is not None:
        out += b"\x5f" + struct.pack(">H", npc.combat_level)
    return bytes(out + b"\x00")


def _group_records(ids_and_blobs: list[tuple[int, bytes]], per_group: int) -> dict[int, dict[int, bytes]]:
    groups: dict[int, dict[int, bytes]] = {}
    for record_id, blob in ids_and_blobs:
        if record_id < 0:
            raise ValueError(f"config ids are non-negative, not {record_id}")
        group_id, file_id = divmod(record_id, per_group)
        groups.setdefault(group_id, {})[file_id] = blob
    return groups


def encode_items(items: list[ItemConfig]) -> dict[int, dict[int, bytes]]:
    """Items laid out as ``{group: {file: record}}``, ready for ``build_jcache``."""
    return _group_records([(i.id, encode_item(i)) for i in items], ITEMS_PER_GROUP)


def encode_npcs(npcs: list[NpcConfig]) -> dict[int, dict[int, bytes]]:
    return _group_records([(n.id, encode_npc(n)) for n in npcs], NPCS_PER_GROUP)
