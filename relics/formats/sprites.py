"""RuneScape Classic palette sprites (``media``, ``entity`` and ``textures`` archives) to RGBA.

A sprite entry ``<name>.dat`` starts with a ``u16`` offset into the archive's
``index.dat``, where the header lives: ``u16 full_width, u16 full_height, u8
colour_count``, ``colour_count - 1`` RGB triples (slot 0 is the transparent key colour),
then one 7-byte header per frame. The palette indices of every frame follow the offset
in ``<name>.dat``. The frame count is not stored; callers pass it or let it be inferred.

Colour rules work on the palette, not on pixels: a tint changes each palette entry
once, so rendering stays a single fancy-indexing step per frame.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt
from PIL import Image

from relics.formats.config import Animation, Item, Npc, Texture
from relics.formats.errors import Cursor, RelicFormatError
from relics.formats.jag import JagArchive, JagPair

RGBA = npt.NDArray[np.uint8]

INDEX_DAT = "index.dat"
KEY_COLOUR = 0xFF00FF
CUTOUT_GREEN = 0x00FF00
MAX_CANVAS_PIXELS = 1 << 22  # 4 Mpx = 16 MiB of RGBA per frame; real sprites are far smaller
# All frames of one sprite together (64 MiB of RGBA): zero-area frames cost no pixel bytes,
# so without this a few bytes of index could ask for thousands of full canvases.
MAX_SPRITE_PIXELS = 1 << 24
ITEMS_PER_FILE = 30
ENTITY_SLOTS = 27
WALK_FRAMES, COMBAT_FRAMES, EXTRA_FRAMES = 15, 3, 9
# The client's first player skin colour: a neutral stand-in when no NPC is given.
DEFAULT_SKIN = 0xECDED0


@dataclass(frozen=True, eq=False)  # numpy fields: compare pixels explicitly
class SpriteFrame:
    x_offset: int
    y_offset: int
    width: int
    height: int
    order: int  # how it was stored: 0 row-major, 1 column-major
    pixels: npt.NDArray[np.uint8]  # (height, width) palette indices, always row-major here


@dataclass(frozen=True, eq=False)
class Sprite:
    full_width: int
    full_height: int
    palette: npt.NDArray[np.uint8]  # (colour_count, 3); slot 0 is the key colour
    frames: tuple[SpriteFrame, ...]
    unused_bytes: int = 0  # pixel bytes left after the frames that were asked for

    @cached_property
    def canvas_indices(self) -> npt.NDArray[np.uint8]:
        """(frames, full_height, full_width) palette indices with every frame at its offset.

        Colour-independent, so it is built once and every tint is one lookup over it.
        """
        out = np.zeros((len(self.frames), self.full_height, self.full_width), dtype=np.uint8)
        for i, f in enumerate(self.frames):
            out[i, f.y_offset : f.y_offset + f.height, f.x_offset : f.x_offset + f.width] = f.pixels
        return out

    def rgba(self, frame: int = 0, palette: RGBA | None = None) -> RGBA:
        """One frame drawn at its offset on a transparent full-size canvas."""
        return render_frame(self, frame, palette_rgba(self.palette) if palette is None else palette)

    def rgba_frames(self, palette: RGBA | None = None) -> list[RGBA]:
        """Every frame, rendered in one lookup (the arrays are views of one block)."""
        stack = _lookup(palette_rgba(self.palette) if palette is None else palette, self.canvas_indices)
        return list(stack)


# --- reading -----------------------------------------------------------------------------


def _header(dat: bytes, index: bytes, what: str) -> tuple[Cursor, int, int, npt.NDArray[np.uint8]]:
    """Parse the shared header; return the index cursor (at the first frame header)."""
    offset = Cursor(dat, what).u16()
    idx = Cursor(index, f"{what} {INDEX_DAT}")
    if offset >= len(index):
        raise idx.fail("a sprite header inside index.dat", f"offset {offset} of {len(index)} bytes", offset)
    idx.pos = offset
    full_width, full_height = idx.u16(), idx.u16()
    if full_width * full_height > MAX_CANVAS_PIXELS:
        raise idx.fail(
            f"a canvas of at most {MAX_CANVAS_PIXELS} pixels", f"{full_width} x {full_height}", offset
        )
    count_at = idx.pos
    colours = idx.u8()
    if colours == 0:
        raise idx.fail("a colour count of at least 1 (slot 0 is the key colour)", "0", count_at)
    rgb = np.frombuffer(idx.take(3 * (colours - 1), f"{colours - 1} palette colours"), dtype=np.uint8)
    palette = np.empty((colours, 3), dtype=np.uint8)
    palette[0] = ((KEY_COLOUR >> 16) & 0xFF, (KEY_COLOUR >> 8) & 0xFF, KEY_COLOUR & 0xFF)
    palette[1:] = rgb.reshape(-1, 3)
    return idx, full_width, full_height, palette


def _frame_header(idx: Cursor) -> tuple[int, int, int, int, int]:
    idx.need(7, "a 7-byte frame header")
    return idx.u8(), idx.u8(), idx.u16(), idx.u16(), idx.u8()


def infer_frame_count(dat: bytes, index: bytes, what: str = "sprite") -> int:
    """Count frame headers until their pixel areas add up to exactly the ``.dat`` pixel bytes.

    Raises ``RelicFormatError`` when the areas overshoot or index.dat runs out first.
    """
    idx = _header(dat, index, what)[0]
    available = len(dat) - 2
    total = 0
    count = 0
    while True:
        start = idx.pos
        _, _, width, height, _ = _frame_header(idx)
        total += width * height
        count += 1
        if total == available:
            return count
        if total > available:
            raise idx.fail(
                f"frame areas that add up to the {available} pixel bytes of the sprite",
                f"frame {count - 1} brings them to {total}",
                start,
            )


def read_sprite(dat: bytes, index: bytes, frames: int | None = None, what: str = "sprite") -> Sprite:
    """Decode ``frames`` frames of a sprite (inferred from the data when ``None``).

    With an explicit count, pixel bytes beyond the last frame are allowed (the client's
    last ``objects`` file holds more frames than the items use) and counted in
    ``unused_bytes``.
    """
    if frames is None:
        frames = infer_frame_count(dat, index, what)
    if frames < 0:
        raise ValueError(f"a frame count cannot be negative ({frames})")
    idx, full_width, full_height, palette = _header(dat, index, what)
    idx.need(7 * frames, f"{frames} frame headers of 7 bytes")
    if frames * full_width * full_height > MAX_SPRITE_PIXELS:
        raise idx.fail(
            f"at most {MAX_SPRITE_PIXELS} canvas pixels over all frames",
            f"{frames} frames of {full_width} x {full_height}",
        )
    pixels = np.frombuffer(dat, dtype=np.uint8, offset=2) if len(dat) > 2 else np.zeros(0, np.uint8)
    pos = 0
    out: list[SpriteFrame] = []
    for i in range(frames):
        start = idx.pos
        x, y, width, height, order = _frame_header(idx)
        if order > 1:
            raise idx.fail(f"frame {i} pixel order 0 or 1", str(order), start + 6)
        if x + width > full_width or y + height > full_height:
            raise idx.fail(
                f"frame {i} inside the {full_width} x {full_height} canvas",
                f"{width} x {height} at ({x}, {y})",
                start,
            )
        area = width * height
        if pos + area > len(pixels):
            raise RelicFormatError(
                what, 2 + pos, f"{area} pixel bytes for frame {i}", f"only {len(pixels) - pos} bytes left"
            )
        flat = pixels[pos : pos + area]
        grid = flat.reshape(height, width) if order == 0 else flat.reshape(width, height).T
        out.append(SpriteFrame(x, y, width, height, order, grid))
        pos += area
    if pos and int(pixels[:pos].max()) >= len(palette):
        bad = int(np.argmax(pixels[:pos] >= len(palette)))
        raise RelicFormatError(what, 2 + bad, f"a palette index below {len(palette)}", str(int(pixels[bad])))
    return Sprite(full_width, full_height, palette, tuple(out), len(pixels) - pos)


# --- colours and rendering ---------------------------------------------------------------


def _channels(colour: int) -> npt.NDArray[np.uint16]:
    return np.array([(colour >> 16) & 0xFF, (colour >> 8) & 0xFF, colour & 0xFF], dtype=np.uint16)


def palette_rgba(
    palette: npt.NDArray[np.uint8],
    *,
    tint: int | None = None,
    skin: int | None = None,
    cutout: int | None = None,
) -> RGBA:
    """RGBA palette with slot 0 transparent and the client's colour rules applied.

    ``tint`` (0xRRGGBB) multiplies grey entries (r == g == b) channel-wise, ``c * m >> 8``;
    ``skin`` does the same for entries with r == 255 and g == b that are not grey;
    entries equal to ``cutout`` become transparent. A tint or skin of 0 means none.
    Transparent entries are (0, 0, 0, 0).
    """
    rgb = palette.astype(np.uint16)
    r, g, b = rgb[:, 0], rgb[:, 1], rgb[:, 2]
    out = np.empty((len(palette), 4), dtype=np.uint8)
    out[:, 3] = 255
    grey = (r == g) & (g == b)
    skinned = (r == 255) & (g == b) & ~grey
    if tint:
        rgb[grey] = (rgb[grey] * _channels(tint)) >> 8
    if skin:
        rgb[skinned] = (rgb[skinned] * _channels(skin)) >> 8
    out[:, :3] = rgb
    if cutout is not None:
        out[(palette.astype(np.int32) @ np.array([1 << 16, 1 << 8, 1])) == cutout] = 0
    out[0] = 0  # transparent pixels are all-zero, whatever the key colour
    return out


def _lookup(palette: RGBA, indices: npt.NDArray[np.uint8]) -> RGBA:
    """Map palette indices to RGBA via one uint32 gather (4x fewer index ops than per channel)."""
    packed = np.ascontiguousarray(palette, dtype=np.uint8).view(np.uint32).reshape(-1)
    gathered = np.take(packed, indices)
    return gathered.view(np.uint8).reshape(*indices.shape, 4)


def render_frame(sprite: Sprite, frame: int, palette: RGBA, canvas: RGBA | None = None) -> RGBA:
    """Draw one frame on a full-size canvas: a new transparent one, or over ``canvas``."""
    if canvas is None:
        return _lookup(palette, sprite.canvas_indices[frame])
    f = sprite.frames[frame]
    region = canvas[f.y_offset : f.y_offset + f.height, f.x_offset : f.x_offset + f.width]
    drawn = f.pixels != 0
    region[drawn] = palette[f.pixels[drawn]]
    return canvas


def composite(below: RGBA, above: RGBA) -> RGBA:
    """``above`` over ``below`` where ``above`` is opaque (sprites have no partial alpha)."""
    out = below.copy()
    h, w = min(below.shape[0], above.shape[0]), min(below.shape[1], above.shape[1])
    top = above[:h, :w]
    mask = top[..., 3] > 0
    out[:h, :w][mask] = top[mask]
    return out


def to_png(rgba: RGBA) -> bytes:
    """Encode an (H, W, 4) uint8 array as a PNG."""
    if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 4) uint8 array, got {rgba.shape} {rgba.dtype}")
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgba), "RGBA").save(buf, format="PNG")
    return buf.getvalue()


# --- archives ----------------------------------------------------------------------------


@dataclass
class SpriteSource:
    """Sprite files of one archive or a ``.jag``/``.mem`` pair, parsed once and cached.

    Each ``<name>.dat`` is read with the ``index.dat`` of the archive it was found in,
    trying the ``.jag`` before the ``.mem``.
    """

    archive: JagArchive | JagPair
    what: str = "sprites"
    _cache: dict[tuple[str, int | None], Sprite | None] = field(default_factory=dict, repr=False)

    def _archives(self) -> list[JagArchive]:
        return self.archive.archives if isinstance(self.archive, JagPair) else [self.archive]

    def find(self, name: str) -> tuple[bytes, bytes] | None:
        """``(<name>.dat, index.dat)`` from the first archive holding ``<name>.dat``."""
        for arc in self._archives():
            dat = arc.get(f"{name}.dat")
            if dat is not None:
                index = arc.get(INDEX_DAT)
                if index is None:
                    raise RelicFormatError(self.what, 0, f"an {INDEX_DAT} next to {name}.dat", "none")
                return dat, index
        return None

    def sprite(self, name: str, frames: int | None = None) -> Sprite | None:
        """The sprite ``<name>.dat`` (``None`` when absent); frames inferred when not given."""
        key = (name.lower(), frames)
        if key not in self._cache:
            found = self.find(name)
            self._cache[key] = (
                None if found is None else read_sprite(found[0], found[1], frames, f"{self.what} {name}.dat")
            )
        return self._cache[key]

    def require(self, name: str, frames: int | None = None) -> Sprite:
        found = self.sprite(name, frames)
        if found is None:
            raise RelicFormatError(self.what, 0, f"a sprite named {name}.dat", "no such entry")
        return found


def item_sprite(media: SpriteSource, sprite_id: int, mask: int = 0) -> RGBA:
    """Item sprite ``sprite_id`` (frame ``id % 30`` of ``objects{id // 30 + 1}``), tinted by ``mask``."""
    if sprite_id < 0:
        raise ValueError(f"item sprite ids are non-negative ({sprite_id})")
    sheet = media.require(f"objects{sprite_id // ITEMS_PER_FILE + 1}")
    frame = sprite_id % ITEMS_PER_FILE
    if frame >= len(sheet.frames):
        raise RelicFormatError(
            media.what, 0, f"frame {frame} in objects{sprite_id // ITEMS_PER_FILE + 1}.dat", "fewer frames"
        )
    return render_frame(sheet, frame, palette_rgba(sheet.palette, tint=mask or None))


def item_rgba(media: SpriteSource, item: Item) -> RGBA:
    return item_sprite(media, item.sprite, item.mask)


def animation_colour(animation: Animation, npc: Npc | None = None) -> int:
    """The tint of an animation layer: codes 1, 2, 3 take the NPC's hair, top, bottom colour."""
    code = animation.colour
    if npc is not None:
        return {1: npc.hair_colour, 2: npc.top_colour, 3: npc.bottom_colour}.get(code, code)
    return 0 if code in (1, 2, 3) else code


def entity_sprites(entity: SpriteSource, name: str, has_a: bool, has_f: bool) -> list[Sprite | None]:
    """The walking, combat (``a``) and extra (``f``) sprites of an animation name."""
    walk = entity.sprite(name, WALK_FRAMES)
    if walk is None:
        return [None, None, None]
    combat = entity.require(f"{name}a", COMBAT_FRAMES) if has_a else None
    extra = entity.require(f"{name}f", EXTRA_FRAMES) if has_f else None
    return [walk, combat, extra]


def entity_frames(
    entity: SpriteSource,
    animation: Animation,
    *,
    colour: int | None = None,
    skin: int = DEFAULT_SKIN,
    npc: Npc | None = None,
) -> list[RGBA | None]:
    """The 27 frame slots of an animation (``None`` where it has no frame).

    Grey pixels take ``colour`` (default: the animation's colour, codes resolved against
    ``npc``) and skin pixels take ``skin`` (``npc.skin_colour`` when an NPC is given).
    """
    tint = animation_colour(animation, npc) if colour is None else colour
    if npc is not None:
        skin = npc.skin_colour
    slots: list[RGBA | None] = [None] * ENTITY_SLOTS
    base = 0
    sprites = entity_sprites(entity, animation.name, bool(animation.has_a), bool(animation.has_f))
    for sprite, size in zip(sprites, (WALK_FRAMES, COMBAT_FRAMES, EXTRA_FRAMES), strict=True):
        if sprite is not None:
            slots[base : base + size] = sprite.rgba_frames(palette_rgba(sprite.palette, tint=tint, skin=skin))
        base += size
    return slots


def texture_rgba(textures: SpriteSource, texture: Texture) -> RGBA:
    """A texture: its name sprite, the sub-name sprite on top, pure green cut out."""
    base = textures.require(texture.name, 1)
    canvas = render_frame(base, 0, palette_rgba(base.palette))
    if texture.sub_name:
        sub = textures.require(texture.sub_name, 1)
        canvas = composite(canvas, render_frame(sub, 0, palette_rgba(sub.palette)))
    # The cut-out is decided on the finished texture, so green in the overlay counts too.
    rgb = canvas[..., :3]
    canvas[(rgb[..., 0] == 0) & (rgb[..., 1] == 255) & (rgb[..., 2] == 0)] = 0
    return canvas


# --- writing -----------------------------------------------------------------------------


def encode_sprite(sprite: Sprite, index_offset: int) -> tuple[bytes, bytes]:
    """``(<name>.dat, index chunk)`` for a sprite whose header sits at ``index_offset``."""
    if not 0 <= index_offset <= 0xFFFF:
        raise ValueError(f"index offset {index_offset} does not fit a u16")
    colours = len(sprite.palette)
    if not 1 <= colours <= 255:
        raise ValueError(f"a palette of {colours} colours does not fit (1..255 with the key colour)")
    head = bytearray()
    head += sprite.full_width.to_bytes(2, "big") + sprite.full_height.to_bytes(2, "big")
    head.append(colours)
    head += np.ascontiguousarray(sprite.palette[1:], dtype=np.uint8).tobytes()
    body = bytearray(index_offset.to_bytes(2, "big"))
    for f in sprite.frames:
        if f.pixels.shape != (f.height, f.width) or f.order not in (0, 1):
            raise ValueError(f"frame of {f.width} x {f.height} has pixels {f.pixels.shape}, order {f.order}")
        head += bytes((f.x_offset, f.y_offset))
        head += f.width.to_bytes(2, "big") + f.height.to_bytes(2, "big") + bytes((f.order,))
        stored = f.pixels if f.order == 0 else f.pixels.T
        body += np.ascontiguousarray(stored, dtype=np.uint8).tobytes()
    return bytes(body), bytes(head)


def encode_sprite_entries(sprites: Mapping[str, Sprite]) -> dict[str, bytes]:
    """Archive entries for named sprites: ``<name>.dat`` each plus the shared ``index.dat``."""
    index = bytearray()
    out: dict[str, bytes] = {}
    for name, sprite in sprites.items():
        dat, head = encode_sprite(sprite, len(index))
        out[f"{name}.dat"] = dat
        index += head
    out[INDEX_DAT] = bytes(index)
    return out


def sprite_from_rgba(frames: Sequence[RGBA], *, order: int = 0) -> Sprite:
    """Build a palette sprite from RGBA frames of one size (alpha 0 = transparent).

    Each frame is cropped to its opaque bounding box and placed by offset, so the result
    exercises the offsets as real sprites do. At most 254 distinct opaque colours.
    """
    if not frames:
        raise ValueError("a sprite needs at least one frame")
    height, width = frames[0].shape[:2]
    if width > 255 + 1 or height > 255 + 1:
        # Offsets are u8, so the canvas must stay small enough to place any crop.
        raise ValueError("sprite_from_rgba supports canvases up to 256 x 256")
    opaque = [f[..., 3] > 0 for f in frames]
    keys = [
        (f[..., 0].astype(np.int64) << 16) | (f[..., 1].astype(np.int64) << 8) | f[..., 2] for f in frames
    ]
    colours = np.unique(np.concatenate([k[m] for k, m in zip(keys, opaque, strict=True)]))
    if len(colours) > 254:
        raise ValueError(f"{len(colours)} colours do not fit a 255-entry palette")
    palette = np.zeros((len(colours) + 1, 3), dtype=np.uint8)
    palette[0] = (0xFF, 0x00, 0xFF)
    palette[1:, 0], palette[1:, 1], palette[1:, 2] = colours >> 16, (colours >> 8) & 0xFF, colours & 0xFF
    out: list[SpriteFrame] = []
    for f, key, mask in zip(frames, keys, opaque, strict=True):
        if f.shape[:2] != (height, width):
            raise ValueError("all frames of a sprite share one canvas size")
        indices = np.where(mask, np.searchsorted(colours, key) + 1, 0).astype(np.uint8)
        rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
        if len(rows):
            y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        else:
            y0 = y1 = x0 = x1 = 0
        out.append(SpriteFrame(x0, y0, x1 - x0, y1 - y0, order, indices[y0:y1, x0:x1]))
    return Sprite(width, height, palette, tuple(out))
