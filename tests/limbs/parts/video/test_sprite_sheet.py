"""video.sprite_sheet: frames packed into one sheet plus a TexturePacker atlas."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image

from limbs.formats.png import validate_png
from limbs.parts.video._atlas import validate_atlas
from limbs.spec import GeneratorInputError
from tests.limbs.parts.video.samples import encode, gif_of, numbered_frames, run, webp_of


def crop(sheet: np.ndarray, rect: dict[str, int]) -> np.ndarray:
    return sheet[rect["y"] : rect["y"] + rect["h"], rect["x"] : rect["x"] + rect["w"]]


def test_atlas_frames_crop_back_to_the_gif_frames_exactly() -> None:
    source = numbered_frames(7)
    result = run("sprite_sheet", gif_of(source, [50, 60, 70, 80, 90, 100, 110]))
    sheet_out, atlas_out = result.outputs
    assert sheet_out.mime == "image/png" and atlas_out.mime == "application/json"
    assert validate_atlas(atlas_out.data, sheet_out.data)["frames"] == 7
    atlas = json.loads(atlas_out.data)
    sheet = np.asarray(Image.open(io.BytesIO(sheet_out.data)).convert("RGBA")).astype(np.int64)
    entries = list(atlas["frames"].values())
    for frame, entry in zip(source, entries, strict=True):
        assert np.array_equal(crop(sheet, entry["frame"]), frame)
    assert [e["duration"] for e in entries] == [50, 60, 70, 80, 90, 100, 110]
    assert atlas["meta"]["image"] == sheet_out.name


def test_a_zip_of_pngs_is_packed_in_natural_order_with_its_names() -> None:
    frames = numbered_frames(11)
    frames[3] = frames[3][:10, :14]  # frames may differ in size
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i in reversed(range(11)):
            z.writestr(f"walk/frame{i + 1}.png", encode(Image.fromarray(frames[i])))
        z.writestr("__MACOSX/._frame1.png", b"junk")
        z.writestr("readme.txt", b"hello")
    result = run("sprite_sheet", buf.getvalue(), columns=4, padding=2)
    atlas = json.loads(result.outputs[1].data)
    assert list(atlas["frames"]) == [f"frame{i + 1}.png" for i in range(11)]
    sheet = np.asarray(Image.open(io.BytesIO(result.outputs[0].data)).convert("RGBA")).astype(np.int64)
    for i, entry in enumerate(atlas["frames"].values()):
        assert np.array_equal(crop(sheet, entry["frame"]), frames[i])
    assert atlas["frames"]["frame4.png"]["sourceSize"] == {"w": 14, "h": 10}
    validate_atlas(result.outputs[1].data, result.outputs[0].data)


@pytest.mark.parametrize(
    ("columns", "padding", "size"), [(0, 1, (62, 50)), (3, 0, (60, 48)), (7, 4, (164, 16)), (1, 2, (20, 124))]
)
def test_columns_and_padding_set_the_sheet_layout(columns: int, padding: int, size: tuple[int, int]) -> None:
    result = run("sprite_sheet", gif_of(numbered_frames(7)), columns=columns, padding=padding)
    report = validate_png(result.outputs[0].data)
    assert (report["width"], report["height"]) == size
    sheet = np.asarray(Image.open(io.BytesIO(result.outputs[0].data)).convert("RGBA"))
    if padding and result.meta["columns"] > 1:
        gutter = sheet[:16, 20 : 20 + padding]
        assert (gutter[..., 3] == 0).all()  # the padding is empty, so frames never bleed


def test_a_webp_animation_makes_a_sheet_too() -> None:
    source = numbered_frames(5)
    result = run("sprite_sheet", webp_of(source))
    atlas = json.loads(result.outputs[1].data)
    sheet = np.asarray(Image.open(io.BytesIO(result.outputs[0].data)).convert("RGBA")).astype(np.int64)
    for frame, entry in zip(source, atlas["frames"].values(), strict=True):
        assert np.array_equal(crop(sheet, entry["frame"]), frame)


def test_sprite_sheet_is_deterministic() -> None:
    data = gif_of(numbered_frames(6))
    a, b = run("sprite_sheet", data), run("sprite_sheet", data)
    assert [o.data for o in a.outputs] == [o.data for o in b.outputs]


@pytest.mark.parametrize(
    "data",
    [b"not frames", b"PK\x03\x04garbage", b""],
)
def test_unusable_frames_are_refused_naming_the_frames_param(data: bytes) -> None:
    with pytest.raises(GeneratorInputError) as err:
        run("sprite_sheet", data)
    assert err.value.field == "frames"


def test_a_sheet_too_wide_for_one_texture_is_refused() -> None:
    wide = [np.zeros((4, 9000, 4), np.uint8) for _ in range(2)]
    for i, f in enumerate(wide):
        f[..., 3] = 255
        f[0, i] = (255, 255, 255, 255)
    with pytest.raises(GeneratorInputError, match="too big") as err:
        run("sprite_sheet", gif_of(wide), columns=2)
    assert err.value.field == "frames"
    assert run("sprite_sheet", gif_of(wide), columns=1).meta["rows"] == 2


def test_a_zip_without_pictures_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes.txt", b"no frames here")
    with pytest.raises(GeneratorInputError, match="no pictures"):
        run("sprite_sheet", buf.getvalue())
