"""A whole cache as a catalogue of entries: what the museum indexes, shows, dumps and forks.

Pure Python over :mod:`relics.formats` (no Django). A catalogue is opened from the cache's
files (name -> bytes), lists every entry once with its decoded fields, and renders an
entry to the file a person would want: PNG for sprites and maps, GLB for models, WAV for
sounds. Classic caches (``config85.jag`` ...) and RS3 folders (``js5-19.jcache`` ...) share
one interface, so the museum and ``relic_dump`` never branch on the era.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from relics.formats.config import (
    NO_ANIMATION,
    NO_MODEL,
    GameConfig,
    Npc,
    config_to_json,
    decode_decoration,
    read_config,
)
from relics.formats.errors import RelicFormatError
from relics.formats.jag import JagArchive, JagPair, name_hash, read_jag
from relics.formats.jcache import SQLITE_MAGIC, JCacheIndex
from relics.formats.landscape import EXTENSIONS, Sector, load_sector, render_sector_png
from relics.formats.ob3 import Ob3Model, decode_ob3, model_to_glb
from relics.formats.rs3_config import Rs3Index, decode_items, decode_npcs
from relics.formats.sounds import SAMPLE_RATE, SOUND_NAMES, pcm_entry_to_wav
from relics.formats.sprites import (
    DEFAULT_SKIN,
    RGBA,
    SpriteSource,
    composite,
    entity_sprites,
    item_rgba,
    palette_rgba,
    render_frame,
    texture_rgba,
    to_png,
)

Era = Literal["classic", "modern"]
ERAS: tuple[Era, ...] = ("classic", "modern")

# Category order in the workspace; labels are what a person reads.
KIND_LABELS = {
    "items": "Items",
    "npcs": "NPCs",
    "objects": "Objects",
    "wall_objects": "Wall objects",
    "tiles": "Tiles",
    "textures": "Textures",
    "animations": "Animations",
    "spells": "Spells",
    "prayers": "Prayers",
    "models": "Models",
    "sectors": "Map sectors",
    "sounds": "Sounds",
}
CLASSIC_KINDS = tuple(KIND_LABELS)
MODERN_KINDS = ("items", "npcs")

MIME = {"png": "image/png", "glb": "model/gltf-binary", "wav": "audio/wav", "json": "application/json"}

# Models the client loads by name besides those the objects section names (animated
# torches, fires and spell effects); whatever is still unnamed is listed by its hash.
EXTRA_MODEL_NAMES = tuple(
    [f"torcha{i}" for i in range(1, 5)]
    + [f"skulltorcha{i}" for i in range(1, 5)]
    + [f"firea{i}" for i in range(1, 4)]
    + [f"fireplacea{i}" for i in range(1, 4)]
    + [f"firespell{i}" for i in range(1, 4)]
    + [f"lightning{i}" for i in range(1, 4)]
    + [f"clawspell{i}" for i in range(1, 6)]
    + [f"spellcharge{i}" for i in range(1, 4)]
)

# The client's paint order of the 12 NPC layers, one row per facing (mudclient's
# npcAnimationArray). Layer 0 is the head, 1 the body, 2 the legs, the rest worn things.
LAYER_ORDER = (
    (11, 2, 9, 7, 1, 6, 10, 0, 5, 8, 3, 4),
    (11, 2, 9, 7, 1, 6, 10, 0, 5, 8, 3, 4),
    (11, 3, 2, 9, 7, 1, 6, 10, 0, 5, 8, 4),
    (3, 4, 2, 9, 7, 1, 6, 10, 8, 11, 0, 5),
    (3, 4, 2, 9, 7, 1, 6, 10, 8, 11, 0, 5),
    (4, 3, 2, 9, 7, 1, 6, 10, 8, 11, 0, 5),
    (11, 4, 2, 9, 7, 1, 6, 10, 0, 5, 8, 3),
    (11, 2, 9, 7, 1, 6, 10, 0, 5, 8, 4, 3),
)
# Facing 0 looks at the camera (4 shows the back); step 0 of the three walking frames stands still.
DOLL_FACING = 0
DOLL_STEP = 0

_FILE_RE = re.compile(r"^(?P<stem>[a-z]+)(?P<version>\d*)\.(?P<ext>jag|mem)$")
_JCACHE_RE = re.compile(r"^js5-(?P<index>\d+)\.jcache$")


class RelicCatalogError(RelicFormatError):
    """The files do not form a cache this studio can open (no config, unknown era...)."""


@dataclass(frozen=True)
class EntryInfo:
    """One indexable entry: ``kind``/``key`` address it, ``index`` is its place in cache order."""

    kind: str
    key: str
    index: int
    name: str
    fields: dict[str, Any]
    preview: str  # "png", "glb", "wav" or "" when the entry is only data
    text: str = ""  # extra words for the search box beyond the name

    @property
    def entry_key(self) -> str:
        return f"{self.kind}/{self.key}"


@dataclass(frozen=True)
class Rendered:
    data: bytes
    ext: str

    @property
    def mime(self) -> str:
        return MIME[self.ext]


class Catalog(Protocol):
    era: Era
    kinds: tuple[str, ...]

    def entries(self) -> Iterator[EntryInfo]: ...

    def render(self, kind: str, key: str) -> Rendered | None: ...

    def sections(self) -> dict[str, Any]: ...


def normalise_name(name: str) -> str:
    """The cross-era matching form of a name: accents folded, lower case, words only."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(re.findall(r"[a-z0-9]+", folded.lower()))


def detect_era(names: list[str]) -> Era:
    lowered = [n.lower() for n in names]
    if any(_JCACHE_RE.match(n) for n in lowered):
        return "modern"
    if any(n.startswith("config") and _FILE_RE.match(n) for n in lowered):
        return "classic"
    raise RelicCatalogError(
        "cache", 0, "a Classic config*.jag or RS3 js5-<index>.jcache files", ", ".join(names) or "no files"
    )


class DiskFiles(Mapping[str, bytes]):
    """A cache's files on disk, read only when asked for: lower-case name -> bytes.

    A catalogue opened on these reads each archive when it needs it, and opens a
    ``.jcache`` database from its path, so a large cache is never held whole in memory.
    """

    def __init__(self, paths: Mapping[str, Path]) -> None:
        self._paths = {name.lower(): Path(path) for name, path in paths.items()}

    def path(self, name: str) -> Path:
        return self._paths[name.lower()]

    def __getitem__(self, name: str) -> bytes:
        return self._paths[name.lower()].read_bytes()

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def head(self, name: str, size: int = 16) -> bytes:
        with self._paths[name.lower()].open("rb") as fh:
            return fh.read(size)


def _lowered(files: Mapping[str, bytes]) -> Mapping[str, bytes]:
    if isinstance(files, DiskFiles):
        return files
    return {name.lower(): data for name, data in files.items()}


def open_catalog(files: Mapping[str, bytes]) -> ClassicCatalog | ModernCatalog:
    """Open a cache from its files; raises ``RelicFormatError`` naming a file for bad bytes."""
    if detect_era(list(files)) == "modern":
        return ModernCatalog(files)
    return ClassicCatalog(files)


def _rgb_hex(colour: int) -> str:
    return f"#{colour & 0xFFFFFF:06x}"


def _decoration_json(value: int) -> dict[str, Any]:
    deco = decode_decoration(value)
    out: dict[str, Any] = {"value": value, "kind": deco.kind}
    if deco.rgb is not None:
        out["rgb"] = "#{:02x}{:02x}{:02x}".format(*deco.rgb)
    if deco.texture is not None:
        out["texture"] = deco.texture
    return out


def _record(obj: object) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(obj).items()}  # type: ignore[call-overload]


class ClassicCatalog:
    """A RuneScape Classic cache (client 204 layout): config plus optional media archives."""

    era: Era = "classic"
    kinds = CLASSIC_KINDS

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self.files = _lowered(files)
        self._textures_rgba: dict[int, RGBA | None] = {}

    # -- archives -------------------------------------------------------------------------

    def _file(self, stem: str, ext: str) -> str | None:
        """The newest file of a kind (``config85.jag`` beats ``config84.jag``)."""
        best: tuple[int, str] | None = None
        for name in self.files:
            m = _FILE_RE.match(name)
            if m and m["stem"] == stem and m["ext"] == ext:
                version = int(m["version"] or 0)
                if best is None or version > best[0]:
                    best = (version, name)
        return None if best is None else best[1]

    def _archive(self, stem: str, ext: str) -> JagArchive | None:
        name = self._file(stem, ext)
        return None if name is None else read_jag(self.files[name], name)

    def _pair(self, stem: str) -> JagPair | None:
        pair = JagPair(self._archive(stem, "jag"), self._archive(stem, "mem"))
        return pair if pair.archives else None

    @cached_property
    def config(self) -> GameConfig:
        name = self._file("config", "jag")
        if name is None:
            raise RelicCatalogError("cache", 0, "a config*.jag file", "none")
        return read_config(self.files[name], name)

    @cached_property
    def media(self) -> SpriteSource | None:
        archive = self._archive("media", "jag")
        return None if archive is None else SpriteSource(archive, "media")

    @cached_property
    def entity(self) -> SpriteSource | None:
        pair = self._pair("entity")
        return None if pair is None else SpriteSource(pair, "entity")

    @cached_property
    def textures(self) -> SpriteSource | None:
        archive = self._archive("textures", "jag")
        return None if archive is None else SpriteSource(archive, "textures")

    @cached_property
    def models(self) -> JagArchive | None:
        return self._archive("models", "jag")

    @cached_property
    def land(self) -> JagPair | None:
        return self._pair("land")

    @cached_property
    def maps(self) -> JagPair | None:
        return self._pair("maps")

    @cached_property
    def sounds(self) -> JagArchive | None:
        return self._archive("sounds", "mem")

    @cached_property
    def model_names(self) -> dict[str, str]:
        """Model key -> entry name: known names first, then ``#<hash>`` for the rest."""
        if self.models is None:
            return {}
        by_hash: dict[int, str] = {}
        for name in [*self.config.model_names(), *EXTRA_MODEL_NAMES]:
            by_hash.setdefault(name_hash(f"{name}.ob3"), name)
        out: dict[str, str] = {}
        for h in self.models:
            key = by_hash.get(h, f"#{h:08x}")
            out[key] = f"{key}.ob3"
        return out

    @cached_property
    def sector_names(self) -> list[tuple[int, int, int, str]]:
        """Sectors with at least one part in land or maps, in plane/x/y order."""
        hashes: set[int] = set()
        for pair in (self.land, self.maps):
            for archive in pair.archives if pair is not None else []:
                hashes.update(archive.entries)
        suffix_steps = [[ord(c) - 32 for c in f".{ext}".upper()] for ext in EXTENSIONS]
        found = []
        for plane in range(4):
            for x in range(100):
                for y in range(100):
                    base = f"m{plane}{x:02}{y:02}"
                    h0 = name_hash(base)
                    for steps in suffix_steps:
                        h = h0
                        for step in steps:
                            h = (h * 61 + step) & 0xFFFFFFFF
                        if h in hashes:
                            found.append((plane, x, y, base))
                            break
        return found

    def _lookup_sector_part(self, name: str) -> bytes | None:
        pair = self.land if name.endswith(".hei") else self.maps
        found = pair.get(name) if pair is not None else None
        if found is None and name.endswith(".hei") and self.maps is not None:
            found = self.maps.get(name)
        return found

    def sector(self, key: str) -> Sector | None:
        m = re.fullmatch(r"m(\d)(\d\d)(\d\d)", key)
        if m is None:
            return None
        return load_sector(self._lookup_sector_part, int(m[1]), int(m[2]), int(m[3]))

    def model(self, key: str) -> Ob3Model | None:
        name = self.model_names.get(key)
        if name is None or self.models is None:
            return None
        data = self.models.get(name) if not key.startswith("#") else self.models.entries.get(int(key[1:], 16))
        return None if data is None else decode_ob3(data, f"models {name}")

    # -- listing --------------------------------------------------------------------------

    def entries(self) -> Iterator[EntryInfo]:
        cfg = self.config
        media, entity, textures = self.media is not None, self.entity is not None, self.textures is not None
        for i, item in enumerate(cfg.items):
            fields = _record(item) | {"is_stackable": item.is_stackable, "mask_rgb": _rgb_hex(item.mask)}
            yield EntryInfo("items", str(i), i, item.name, fields, "png" if media else "", item.description)
        for i, npc in enumerate(cfg.npcs):
            fields = _record(npc) | {
                f"{part}_rgb": _rgb_hex(getattr(npc, f"{part}_colour"))
                for part in ("hair", "top", "bottom", "skin")
            }
            fields["layers"] = [
                None if a == NO_ANIMATION or a >= len(cfg.animations) else cfg.animations[a].name
                for a in npc.animations
            ]
            drawn = entity and any(name is not None for name in fields["layers"])
            yield EntryInfo("npcs", str(i), i, npc.name, fields, "png" if drawn else "", npc.description)
        used_by: dict[str, list[int]] = {}
        for i, obj in enumerate(cfg.objects):
            used_by.setdefault(obj.model_name.lower(), []).append(i)
            has_model = obj.model_name.lower() != NO_MODEL and obj.model_name.lower() in self.model_names
            yield EntryInfo(
                "objects", str(i), i, obj.name, _record(obj), "glb" if has_model else "", obj.description
            )
        for i, wall in enumerate(cfg.wall_objects):
            fields = _record(wall) | {
                "front": _decoration_json(wall.front_decoration),
                "back": _decoration_json(wall.back_decoration),
            }
            yield EntryInfo("wall_objects", str(i), i, wall.name, fields, "png", wall.description)
        for i, tile in enumerate(cfg.tiles):
            fields = _record(tile) | {"decoration_decoded": _decoration_json(tile.decoration)}
            name = f"Tile {i + 1}"  # overlays are stored 1-based in sectors
            yield EntryInfo("tiles", str(i), i, name, fields, "png", f"overlay {i + 1}")
        for i, tex in enumerate(cfg.textures):
            name = tex.name + (f" / {tex.sub_name}" if tex.sub_name else "")
            yield EntryInfo("textures", str(i), i, name, _record(tex), "png" if textures else "")
        for i, anim in enumerate(cfg.animations):
            fields = _record(anim) | {"colour_rgb": _rgb_hex(anim.colour) if anim.colour > 3 else None}
            yield EntryInfo("animations", str(i), i, anim.name, fields, "png" if entity else "")
        for i, spell in enumerate(cfg.spells):
            runes = [
                {"item": r, "name": cfg.items[r].name if r < len(cfg.items) else None, "amount": a}
                for r, a in zip(spell.runes, spell.amounts, strict=False)
            ]
            yield EntryInfo("spells", str(i), i, spell.name, _record(spell) | {"rune_list": runes}, "")
        for i, prayer in enumerate(cfg.prayers):
            yield EntryInfo("prayers", str(i), i, prayer.name, _record(prayer), "", prayer.description)
        for i, (key, entry_name) in enumerate(self.model_names.items()):
            model = self.model(key)
            assert model is not None
            fields = {
                "entry": entry_name,
                "vertex_count": len(model.vertices),
                "face_count": len(model.faces),
                "visible_sides": model.visible_sides,
                "used_by_objects": used_by.get(key, []),
            }
            yield EntryInfo("models", key, i, key, fields, "glb")
        for i, (plane, _x, _y, base) in enumerate(self.sector_names):
            sector = self.sector(base)
            assert sector is not None
            yield EntryInfo("sectors", base, i, base, _sector_summary(sector), "png", f"plane {plane}")
        if self.sounds is not None:
            for i, name in enumerate(self.sounds.names_found(f"{n}.pcm" for n in SOUND_NAMES)):
                data = self.sounds.get(name) or b""
                key = name[: -len(".pcm")]
                fields = {
                    "entry": name,
                    "bytes": len(data),
                    "sample_rate": SAMPLE_RATE,
                    "seconds": round(len(data) / SAMPLE_RATE, 3),
                    "encoding": "G.711 mu-law, mono",
                }
                yield EntryInfo("sounds", key, i, key, fields, "wav")

    def sections(self) -> dict[str, Any]:
        """Every config section as JSON records (with their index), for ``relic_dump``."""
        raw = config_to_json(self.config)
        out: dict[str, Any] = {}
        for section, value in raw.items():
            if isinstance(value, list):
                out[section] = [{"index": i} | record for i, record in enumerate(value)]
            else:
                out[section] = value
        return out

    # -- rendering ------------------------------------------------------------------------

    def texture_image(self, texture_id: int) -> RGBA | None:
        if texture_id not in self._textures_rgba:
            image = None
            if self.textures is not None and 0 <= texture_id < len(self.config.textures):
                image = texture_rgba(self.textures, self.config.textures[texture_id])
            self._textures_rgba[texture_id] = image
        return self._textures_rgba[texture_id]

    def _decoration_swatch(self, value: int, size: int = 64) -> RGBA:
        deco = decode_decoration(value)
        if deco.kind == "texture" and deco.texture is not None:
            image = self.texture_image(deco.texture)
            if image is not None:
                return image
        out = np.zeros((size, size, 4), dtype=np.uint8)
        if deco.rgb is not None:
            out[..., :3] = deco.rgb
            out[..., 3] = 255
        return out

    @cached_property
    def overlay_colours(self) -> dict[int, tuple[int, int, int] | None]:
        """Sector overlay id (tile index + 1) -> the colour its decoration shows on a map."""
        colours: dict[int, tuple[int, int, int] | None] = {}
        for i, tile in enumerate(self.config.tiles):
            deco = decode_decoration(tile.decoration)
            if deco.rgb is not None:
                colours[i + 1] = deco.rgb
            elif deco.texture is not None:
                image = self.texture_image(deco.texture)
                if image is not None and (image[..., 3] > 0).any():
                    mean = image[image[..., 3] > 0][:, :3].mean(axis=0)
                    colours[i + 1] = (int(mean[0]), int(mean[1]), int(mean[2]))
        return colours

    def npc_doll(self, npc: Npc, facing: int = DOLL_FACING, step: int = DOLL_STEP) -> RGBA | None:
        """The NPC's 12 layers at one facing and walking step, composed like the client does.

        Layers are painted in ``LAYER_ORDER[facing]``. A layer whose animation colour is
        1, 2 or 3 takes the NPC's hair, top or bottom colour and also its skin colour;
        any other layer keeps its own colour and no skin tint (mudclient's drawNpc).
        Facings 5-7 reuse frames of 3-1 mirrored. Layers of different sizes are centred
        horizontally, as the client centres each scaled sprite on the NPC's box.
        """
        if self.entity is None:
            return None
        mirrored = facing >= 5
        frame = (8 - facing if mirrored else facing) * 3 + step
        layers: list[RGBA] = []
        for slot in LAYER_ORDER[facing]:
            anim_id = npc.animations[slot]
            if anim_id == NO_ANIMATION or anim_id >= len(self.config.animations):
                continue
            anim = self.config.animations[anim_id]
            walk = entity_sprites(self.entity, anim.name, bool(anim.has_a), bool(anim.has_f))[0]
            if walk is None:
                continue
            code, skin = anim.colour, 0
            if code in (1, 2, 3):
                code = (npc.hair_colour, npc.top_colour, npc.bottom_colour)[code - 1]
                skin = npc.skin_colour
            palette = palette_rgba(walk.palette, tint=code or None, skin=skin or None)
            image = render_frame(walk, frame, palette)
            layers.append(image[:, ::-1] if mirrored else image)
        if not layers:
            return None
        height = max(layer.shape[0] for layer in layers)
        width = max(layer.shape[1] for layer in layers)
        canvas = np.zeros((height, width, 4), dtype=np.uint8)
        for layer in layers:
            placed = np.zeros_like(canvas)
            left = (width - layer.shape[1]) // 2
            placed[: layer.shape[0], left : left + layer.shape[1]] = layer
            canvas = composite(canvas, placed)
        return canvas

    def animation_image(self, index: int) -> RGBA | None:
        if self.entity is None:
            return None
        anim = self.config.animations[index]
        walk = entity_sprites(self.entity, anim.name, bool(anim.has_a), bool(anim.has_f))[0]
        if walk is None:
            return None
        tint = anim.colour if anim.colour > 3 else 0
        skin = DEFAULT_SKIN if anim.colour in (1, 2, 3) else 0
        palette = palette_rgba(walk.palette, tint=tint or None, skin=skin or None)
        return render_frame(walk, DOLL_FACING * 3 + DOLL_STEP, palette)

    def render(self, kind: str, key: str) -> Rendered | None:
        """The entry as a file, or None when it has no picture, model or sound."""
        cfg = self.config
        renderers: dict[str, Callable[[], Rendered | None]] = {
            "items": lambda: self._png(
                item_rgba(self.media, cfg.items[int(key)]) if self.media is not None else None
            ),
            "npcs": lambda: self._png(self.npc_doll(cfg.npcs[int(key)])),
            "textures": lambda: self._png(self.texture_image(int(key))),
            "animations": lambda: self._png(self.animation_image(int(key))),
            "wall_objects": lambda: self._png(self._wall_swatch(int(key))),
            "tiles": lambda: self._png(self._decoration_swatch(cfg.tiles[int(key)].decoration)),
            "objects": lambda: self._glb(cfg.objects[int(key)].model_name.lower()),
            "models": lambda: self._glb(key),
            "sectors": lambda: self._sector_png(key),
            "sounds": lambda: self._wav(key),
        }
        renderer = renderers.get(kind)
        if renderer is None:
            return None
        try:
            return renderer()
        except (IndexError, ValueError):
            # A key that names no record (a bad index or sector name) has nothing to show.
            return None

    def _wall_swatch(self, index: int) -> RGBA:
        wall = self.config.wall_objects[index]
        front = self._decoration_swatch(wall.front_decoration)
        back = self._decoration_swatch(wall.back_decoration)
        size = max(front.shape[0], back.shape[0])
        out = np.zeros((size, size * 2 + 4, 4), dtype=np.uint8)
        out[: front.shape[0], : front.shape[1]] = front
        out[: back.shape[0], size + 4 : size + 4 + back.shape[1]] = back
        return out

    @staticmethod
    def _png(image: RGBA | None) -> Rendered | None:
        return None if image is None else Rendered(to_png(image), "png")

    def _glb(self, key: str) -> Rendered | None:
        model = self.model(key)
        if model is None:
            return None
        return Rendered(model_to_glb(model, self.texture_image, name=key), "glb")

    def _sector_png(self, key: str) -> Rendered | None:
        sector = self.sector(key)
        if sector is None:
            return None
        return Rendered(render_sector_png(sector, self.overlay_colours), "png")

    def _wav(self, key: str) -> Rendered | None:
        data = self.sounds.get(f"{key}.pcm") if self.sounds is not None else None
        return None if data is None else Rendered(pcm_entry_to_wav(data, f"sounds {key}.pcm"), "wav")

    def sector_json(self, key: str) -> dict[str, Any] | None:
        sector = self.sector(key)
        return None if sector is None else sector.to_dict()


def _sector_summary(sector: Sector) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "plane": sector.plane,
        "x": sector.x,
        "y": sector.y,
        "size": 48,
        "parts": [
            ext
            for ext, part in (("hei", sector.terrain), ("dat", sector.walls), ("loc", sector.objects))
            if part is not None
        ],
    }
    if sector.terrain is not None:
        fields["height_min"] = int(sector.terrain.height.min())
        fields["height_max"] = int(sector.terrain.height.max())
    if sector.walls is not None:
        walls = sector.walls
        for name in ("vertical", "horizontal", "diagonal_slash", "diagonal_backslash", "roofs", "overlays"):
            fields[f"{name}_tiles"] = int(np.count_nonzero(getattr(walls, name)))
    if sector.objects is not None:
        ids = sector.object_ids()
        fields["object_tiles"] = int(np.count_nonzero(ids >= 0))
        fields["object_ids"] = sorted({int(v) for v in ids[ids >= 0]})
    return fields


@contextmanager
def _in_file(name: str) -> Iterator[None]:
    """Name the file a record came from in its format error ("js5-19.jcache item 1280 ...")."""
    try:
        yield
    except RelicFormatError as exc:
        if exc.what.startswith(name):
            raise
        raise RelicFormatError(f"{name} {exc.what}", exc.offset, exc.expected, exc.found) from None


class ModernCatalog:
    """An RS3 folder of ``js5-<index>.jcache`` files: items (19) and NPCs (18) so far."""

    era: Era = "modern"
    kinds = MODERN_KINDS

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self.files = _lowered(files)
        for name in self.files:
            if not _JCACHE_RE.match(name):
                continue
            head = self.files.head(name) if isinstance(self.files, DiskFiles) else self.files[name][:16]
            if head != SQLITE_MAGIC:
                raise RelicFormatError(name, 0, "the SQLite format 3 header", head.hex() or "no data")

    def _index(self, index: Rs3Index) -> JCacheIndex | None:
        name = f"js5-{int(index)}.jcache"
        if name not in self.files:
            return None
        if isinstance(self.files, DiskFiles):
            return JCacheIndex(self.files.path(name), name=name)
        return JCacheIndex(self.files[name], name=name)

    @cached_property
    def items(self) -> list[dict[str, Any]]:
        index = self._index(Rs3Index.ITEMS)
        if index is None:
            return []
        with index, _in_file(index.name):
            return [item.to_dict() for item in decode_items(index)]

    @cached_property
    def npcs(self) -> list[dict[str, Any]]:
        index = self._index(Rs3Index.NPCS)
        if index is None:
            return []
        with index, _in_file(index.name):
            return [npc.to_dict() for npc in decode_npcs(index)]

    def entries(self) -> Iterator[EntryInfo]:
        for kind, records in (("items", self.items), ("npcs", self.npcs)):
            for i, record in enumerate(records):
                name = record.get("name") or f"{kind[:-1]} {record['id']}"
                yield EntryInfo(kind, str(record["id"]), i, str(name), dict(record), "")

    def sections(self) -> dict[str, Any]:
        return {
            "items": [{"index": i} | r for i, r in enumerate(self.items)],
            "npcs": [{"index": i} | r for i, r in enumerate(self.npcs)],
        }

    def render(self, kind: str, key: str) -> Rendered | None:
        # RS3 models, sprites and sounds are not decoded yet: RS3 entries are data only.
        return None
