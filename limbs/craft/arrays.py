"""Pictures as numpy arrays: an uploaded picture's pixels, or an input error naming the param."""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

from limbs.spec import GeneratorInputError

U8 = npt.NDArray[np.uint8]

MAX_INPUT_PIXELS = 4096 * 4096


def decode_picture(data: bytes, field: str) -> U8:
    """RGBA pixels of the first frame, or a GeneratorInputError naming ``field``."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.format not in ("PNG", "JPEG", "GIF", "WEBP"):
                raise GeneratorInputError(field, "Please use a PNG, JPEG, GIF or WebP picture.")
            if im.width * im.height > MAX_INPUT_PIXELS:
                raise GeneratorInputError(field, f"The picture is too big ({im.width}x{im.height}).")
            im.seek(0)
            frame = ImageOps.exif_transpose(im) if im.format == "JPEG" else im
            return np.array(frame.convert("RGBA"), dtype=np.uint8)
    except GeneratorInputError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
        Image.DecompressionBombError,
    ) as exc:
        raise GeneratorInputError(field, "That file is not a picture I can read.") from exc
