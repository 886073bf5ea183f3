"""Image · Make bigger: Makes a picture bigger while keeping it sharp.

EPX / Scale2x / Scale3x for pixel art, Lanczos for everything else.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from limbs.craft import words as words
from limbs.craft.pictures import decode_picture, looks_like_pixel_art, open_picture, png_bytes
from limbs.params import IMAGE, asset, choice, integer, kw
from limbs.parts.image._tools import Arr, file_stem
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output

_MAX_UPSCALED_PIXELS = 64 * 1024 * 1024


def scale2x(p: Arr) -> Arr:
    """Scale2x (EPX) on a 2D array of colour ids: corners follow matching neighbours."""
    q = np.pad(p, 1, mode="edge")
    a, d = q[:-2, 1:-1], q[2:, 1:-1]  # up, down
    c, b = q[1:-1, :-2], q[1:-1, 2:]  # left, right
    out = np.empty((p.shape[0] * 2, p.shape[1] * 2), dtype=p.dtype)
    out[0::2, 0::2] = np.where((c == a) & (c != d) & (a != b), a, p)
    out[0::2, 1::2] = np.where((a == b) & (a != c) & (b != d), b, p)
    out[1::2, 0::2] = np.where((d == c) & (d != b) & (c != a), c, p)
    out[1::2, 1::2] = np.where((b == d) & (b != a) & (d != c), d, p)
    return out


def scale3x(p: Arr) -> Arr:
    """Scale3x (AdvMAME3x) on a 2D array of colour ids."""
    q = np.pad(p, 1, mode="edge")
    A, B, C = q[:-2, :-2], q[:-2, 1:-1], q[:-2, 2:]  # noqa: N806 (the algorithm's own names)
    D, E, F = q[1:-1, :-2], p, q[1:-1, 2:]  # noqa: N806
    G, H, I = q[2:, :-2], q[2:, 1:-1], q[2:, 2:]  # noqa: N806, E741
    db = (D == B) & (B != F) & (D != H)
    bf = (B == F) & (B != D) & (F != H)
    dh = (D == H) & (D != B) & (H != F)
    hf = (H == F) & (D != H) & (B != F)
    out = np.empty((p.shape[0] * 3, p.shape[1] * 3), dtype=p.dtype)
    out[0::3, 0::3] = np.where(db, D, E)
    out[0::3, 1::3] = np.where((db & (E != C)) | (bf & (E != A)), B, E)
    out[0::3, 2::3] = np.where(bf, F, E)
    out[1::3, 0::3] = np.where((db & (E != G)) | (dh & (E != A)), D, E)
    out[1::3, 1::3] = E
    out[1::3, 2::3] = np.where((bf & (E != I)) | (hf & (E != C)), F, E)
    out[2::3, 0::3] = np.where(dh, D, E)
    out[2::3, 1::3] = np.where((dh & (E != I)) | (hf & (E != G)), H, E)
    out[2::3, 2::3] = np.where(hf, F, E)
    return out


def make(req: GenRequest) -> GenResult:
    factor = int(req.params.get("scale", 2))
    method = str(req.params.get("method", "auto"))
    source = req.inputs.get("image")
    if source is None:
        raise GeneratorInputError("image", "Pick a picture to make bigger.")
    with open_picture(source, "image") as header:  # refuse before decoding any pixels
        w, h = header.size
    if w * h * factor * factor > _MAX_UPSCALED_PIXELS:
        raise GeneratorInputError(
            "image", f"This picture is {w}x{h}; {factor} times bigger would be over 64 megapixels."
        )
    picture, has_alpha = decode_picture(source, "image")
    w, h = picture.size  # EXIF rotation may have swapped the sides
    req.progress(0.2, "Looking closely at the pixels")
    pixel_art = looks_like_pixel_art(picture)
    use_pixel = method == "pixel" or (method == "auto" and pixel_art)
    if use_pixel:
        arr = np.ascontiguousarray(np.asarray(picture))
        ids = arr.view(np.uint32)[..., 0]
        if req.tension == "low":
            big = np.repeat(np.repeat(ids, factor, axis=0), factor, axis=1)
            used = "nearest"
        elif factor == 3:
            big, used = scale3x(ids), "scale3x"
        else:
            big = scale2x(ids)
            big, used = (scale2x(big), "scale4x") if factor == 4 else (big, "scale2x")
        result = Image.fromarray(np.ascontiguousarray(big).view(np.uint8).reshape(h * factor, w * factor, 4))
    else:
        req.progress(0.5, "Smoothing")
        result = picture.resize((w * factor, h * factor), Image.Resampling.LANCZOS)
        used = "lanczos"
    if not has_alpha:
        result = result.convert("RGB")
    data = png_bytes(result)
    meta = {
        "width": w * factor,
        "height": h * factor,
        "scale": factor,
        "method": used,
        "pixel_art": pixel_art,
    }
    req.progress(1.0, "All done!")
    name = f"{file_stem(req, 'bigger')}-x{factor}.png"
    return GenResult(
        outputs=[Output(data=data, mime="image/png", name=name, role="main", meta=meta)], meta=meta
    )


ACTION = ActionSpec(
    id="upscale",
    name="Make bigger",
    description="Makes a picture bigger while keeping it sharp.",
    output="image",
    needs_intent=False,
    params=(
        asset("image", "Picture", IMAGE, "The picture to make bigger."),
        integer("scale", "Times bigger", 2, 2, 4, "2 doubles the width and height."),
        choice(
            "method",
            "Method",
            ("auto", "pixel", "smooth"),
            "auto",
            "Pixel keeps pixel-art edges crisp; smooth suits photos and paintings.",
        ),
    ),
    keywords=kw("upscale, enlarge, bigger, sharper, larger, scale up"),
    make=make,
)
