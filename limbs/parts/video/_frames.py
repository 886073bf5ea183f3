"""Animation frames as the video tools read them (sprite_sheet, extract_frames).

Every frame of a GIF, WebP or APNG as full-canvas RGBA, under a pixel cap and a frame cap;
unusable inputs raise ``GeneratorInputError`` naming the parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

from limbs.craft.pictures import open_picture
from limbs.spec import GeneratorInputError

MAX_FRAMES = 1000
# Decoded pixels summed over all frames we are about to read.
MAX_DECODE_PIXELS = 256 * 1024 * 1024
# Stills decode as one frame, so extract_frames can say "it does not move" instead of "unreadable".
_ANIMATION_FORMATS = ("GIF", "WEBP", "PNG", "JPEG", "BMP")


@dataclass
class Frames:
    images: list[Image.Image]
    durations: list[int]
    total: int  # frames in the file, which may be more than were read
    loop: int | None = None
    names: list[str] = field(default_factory=list)
    source: str = "animation"


def decode_animation(data: bytes, param: str, limit: int | None = None) -> Frames:
    """Every frame (up to ``limit``) of a GIF, WebP or APNG as full-canvas RGBA images."""
    im = open_picture(data, param, _ANIMATION_FORMATS)
    try:
        with im:
            total = int(getattr(im, "n_frames", 1))
            if total > MAX_FRAMES:
                raise GeneratorInputError(
                    param, f"This animation has {total} frames; the most we read is {MAX_FRAMES}."
                )
            wanted = total if limit is None else min(total, limit)
            if wanted * im.width * im.height > MAX_DECODE_PIXELS:
                raise GeneratorInputError(
                    param, f"This animation is too big to unpack ({wanted} frames of {im.width}x{im.height})."
                )
            loop = im.info.get("loop")
            images: list[Image.Image] = []
            durations: list[int] = []
            for i in range(wanted):
                im.seek(i)
                im.load()
                images.append(im.convert("RGBA"))
                duration = im.info.get("duration", 0)
                durations.append(max(0, round(float(duration))) if isinstance(duration, int | float) else 0)
    except GeneratorInputError:
        raise
    except Exception:  # truncated or corrupt data surfaces as many exception types
        raise GeneratorInputError(param, "This animation is damaged and cannot be read.") from None
    return Frames(images, durations, total, loop if isinstance(loop, int) else None)
