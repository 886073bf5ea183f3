"""Procedural video tools: animate, sprite_sheet, extract_frames."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageSequence

from limbs.formats.gif import validate_gif
from limbs.formats.png import validate_png
from limbs.formats.webp import validate_webp
from limbs.formats.zip import validate_zip
from limbs.generators import image, video
from limbs.parts.video._atlas import validate_atlas
from limbs.spec import GeneratorInputError, GenRequest, GenResult

DEFAULTS: dict[str, dict[str, Any]] = {
    "animate": {"motion": "auto", "frames": 12, "fps": 12, "format": "gif"},
    "sprite_sheet": {"columns": 0, "padding": 1},
    "extract_frames": {"max_frames": 60},
}
PARAM = {"animate": "image", "sprite_sheet": "frames", "extract_frames": "animation"}


def run(action: str, data: bytes | None, intent: str = "", seed: int = 1, **params: Any) -> GenResult:
    req = GenRequest(
        intent=intent,
        params={**DEFAULTS[action], **params},
        seed=seed,
        inputs={PARAM[action]: data} if data is not None else {},
    )
    result: GenResult = getattr(video, action)(req)
    return result


def encode(im: Image.Image, fmt: str = "PNG", **kw: Any) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def read_frames(data: bytes) -> list[np.ndarray]:
    with Image.open(io.BytesIO(data)) as im:
        return [np.asarray(f.convert("RGBA")).astype(np.int64) for f in ImageSequence.Iterator(im)]


def numbered_frames(count: int, w: int = 20, h: int = 16) -> list[np.ndarray]:
    """Opaque frames with few colours, each visibly different (a bar moving right)."""
    out = []
    for i in range(count):
        arr = np.zeros((h, w, 4), np.uint8)
        arr[..., :3] = (30, 40, 90)
        arr[..., 3] = 255
        arr[4:12, (i * 3) % w : (i * 3) % w + 3] = (250, 200, 40, 255)
        arr[0, i % w] = (255, 0, 0, 255)
        out.append(arr)
    return out


def gif_of(frames: list[np.ndarray], durations: list[int] | int = 60) -> bytes:
    ims = [Image.fromarray(f[..., :3]) for f in frames]
    return encode(ims[0], "GIF", save_all=True, append_images=ims[1:], duration=durations, loop=0)


def webp_of(frames: list[np.ndarray], durations: list[int] | int = 60) -> bytes:
    ims = [Image.fromarray(f) for f in frames]
    return encode(
        ims[0], "WEBP", save_all=True, append_images=ims[1:], duration=durations, loop=0, lossless=True
    )


@pytest.fixture(scope="module")
def sprite_png() -> bytes:
    req = GenRequest(
        intent="a tiny green robot", params={"size": 32, "kind": "auto", "outline": True}, seed=2
    )
    small = Image.open(io.BytesIO(image.sprite(req).outputs[0].data))
    return encode(small.resize((64, 64), Image.Resampling.NEAREST))


@pytest.fixture(scope="module")
def scene_png() -> bytes:
    req = GenRequest(intent="a red dragon", params={"width": 96, "height": 96, "style": "auto"}, seed=1)
    return image.generate(req).outputs[0].data


def diff(a: np.ndarray, b: np.ndarray) -> float:
    """Mean difference of premultiplied colours: what hides under full transparency does not count."""

    def premul(x: np.ndarray) -> np.ndarray:
        return np.concatenate([x[..., :3] * x[..., 3:4] / 255.0, x[..., 3:4]], axis=-1)

    return float(np.abs(premul(a) - premul(b)).mean())


# animate -------------------------------------------------------------------------------


@pytest.mark.parametrize("motion", ["bob", "pulse", "spin", "flicker"])
@pytest.mark.parametrize("fmt", ["gif", "webp"])
def test_animate_makes_a_valid_loop_with_the_requested_frames(
    scene_png: bytes, motion: str, fmt: str
) -> None:
    result = run("animate", scene_png, motion=motion, format=fmt, frames=10)
    out = result.outputs[0]
    assert out.mime == f"image/{fmt}" and out.name.endswith(f".{fmt}")
    report = (validate_gif if fmt == "gif" else validate_webp)(out.data, min_frames=10)
    assert report["frames"] == result.meta["frames"] == 10
    assert report["loop"] == 0
    assert report["has_alpha"] is True  # the canvas grows so nothing is cut off; the margin is clear
    assert (report["width"], report["height"]) == (result.meta["width"], result.meta["height"])


@pytest.mark.parametrize("motion", ["bob", "pulse", "spin", "flicker"])
def test_an_animation_loops_back_to_its_first_frame(scene_png: bytes, motion: str) -> None:
    frames = read_frames(run("animate", scene_png, motion=motion, format="webp", frames=16).outputs[0].data)
    first, last = frames[0], frames[-1]
    # The step from the last frame back to the first is no bigger than a step inside the loop.
    steps = [diff(frames[i], frames[i + 1]) for i in range(len(frames) - 1)]
    assert diff(last, first) <= max(steps) * 1.2 + 0.5
    if motion != "flicker":
        # ...and no smaller either: a last frame repeating the first would make the loop stutter.
        assert diff(last, first) >= 0.5 * float(np.median(steps))
    if motion in ("bob", "pulse"):
        # A quarter of the way round is the far end of the swing; the last frame is almost home.
        assert diff(first, last) < 0.6 * diff(first, frames[4])


def test_pixel_art_frames_that_would_repeat_are_folded_without_changing_the_timing(sprite_png: bytes) -> None:
    result = run("animate", sprite_png, motion="bob", frames=48, fps=24)
    report = validate_gif(result.outputs[0].data)
    assert report["frames"] == result.meta["frames"] < 48
    assert result.meta["frames_requested"] == 48
    assert sum(report["durations"]) == 2000
    frames = read_frames(result.outputs[0].data)
    assert all(diff(frames[i], frames[i + 1]) > 0 for i in range(len(frames) - 1))


def test_a_spin_is_periodic_half_way_round_and_back(sprite_png: bytes) -> None:
    frames = read_frames(run("animate", sprite_png, motion="spin", frames=8, format="webp").outputs[0].data)
    # Frame 4 is the sprite turned 180 degrees: turning it again gives frame 0 back.
    assert diff(np.rot90(frames[4], 2), frames[0]) < 0.2 * diff(frames[4], frames[0])


def test_a_bob_moves_the_picture_up_and_down_without_changing_it(sprite_png: bytes) -> None:
    frames = read_frames(run("animate", sprite_png, motion="bob", frames=8, format="gif").outputs[0].data)
    tops = [int(np.nonzero(f[..., 3].any(axis=1))[0][0]) for f in frames]
    assert len(set(tops)) > 2
    assert tops[0] == tops[4]  # t=0 and t=1/2 sit at the same height (sin is 0 at both)
    opaque = [int((f[..., 3] > 0).sum()) for f in frames]
    assert max(opaque) == min(opaque)


def test_transparency_of_the_source_survives(sprite_png: bytes) -> None:
    frames = read_frames(run("animate", sprite_png, motion="pulse").outputs[0].data)
    for f in frames:
        assert f[0, 0, 3] == 0
        assert (f[..., 3] == 255).any()


def test_pixel_art_animations_use_only_the_sprites_colours(sprite_png: bytes) -> None:
    src = np.asarray(Image.open(io.BytesIO(sprite_png)).convert("RGBA")).reshape(-1, 4)
    allowed = {tuple(p[:3]) for p in src if p[3] > 0}
    for f in read_frames(run("animate", sprite_png, motion="bob").outputs[0].data):
        used = {tuple(int(v) for v in p[:3]) for p in f.reshape(-1, 4) if p[3] > 0}
        assert used <= allowed


@pytest.mark.parametrize(
    ("intent", "motion"),
    [
        ("make my coin spin", "spin"),
        ("a flickering torch", "flicker"),
        ("a beating heart", "pulse"),
        ("a ghost floating", "bob"),
        ("", "bob"),
    ],
)
def test_auto_motion_is_picked_from_the_words(sprite_png: bytes, intent: str, motion: str) -> None:
    assert run("animate", sprite_png, intent=intent).meta["motion"] == motion


@pytest.mark.parametrize(("fps", "frames"), [(4, 4), (12, 12), (30, 48), (7, 10)])
def test_fps_sets_the_frame_durations_and_the_loop_length(scene_png: bytes, fps: int, frames: int) -> None:
    for fmt, unit in (("gif", 10), ("webp", 1)):
        result = run("animate", scene_png, motion="spin", fps=fps, frames=frames, format=fmt)
        report = (validate_gif if fmt == "gif" else validate_webp)(result.outputs[0].data)
        assert report["frames"] == frames
        assert report["durations"] == result.meta["durations"]
        assert abs(sum(report["durations"]) - frames * 1000 / fps) <= unit / 2


def test_animate_is_deterministic(scene_png: bytes) -> None:
    for fmt in ("gif", "webp"):
        a = run("animate", scene_png, motion="flicker", format=fmt, seed=4).outputs[0].data
        assert a == run("animate", scene_png, motion="flicker", format=fmt, seed=4).outputs[0].data


def test_an_opaque_photo_animates_into_a_gif_with_a_shared_palette(scene_png: bytes) -> None:
    out = run("animate", scene_png, motion="spin", frames=6).outputs[0].data
    report = validate_gif(out, min_frames=6)
    frames = read_frames(out)
    # The centre of a spinning picture stays put, and its colours stay close to the source.
    src = np.asarray(Image.open(io.BytesIO(scene_png)).convert("RGBA")).astype(np.int64)
    cy, cx = report["height"] // 2, report["width"] // 2
    assert diff(frames[0][cy - 10 : cy + 10, cx - 10 : cx + 10], src[38:58, 38:58]) < 12


# sprite_sheet --------------------------------------------------------------------------


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


# extract_frames ------------------------------------------------------------------------


def unzip(data: bytes) -> dict[str, bytes]:
    validate_zip(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.mark.parametrize("kind", ["gif", "webp"])
def test_extract_frames_returns_exactly_the_frames_put_in(kind: str) -> None:
    source = numbered_frames(9)
    durations = [40, 50, 60, 70, 80, 90, 100, 110, 120]
    data = (gif_of if kind == "gif" else webp_of)(source, durations)
    result = run("extract_frames", data)
    assert result.outputs[0].mime == "application/zip"
    files = unzip(result.outputs[0].data)
    pngs = sorted(n for n in files if n.endswith(".png"))
    assert len(pngs) == 9
    for name, frame in zip(pngs, source, strict=True):
        got = np.asarray(Image.open(io.BytesIO(files[name])).convert("RGBA")).astype(np.int64)
        assert np.array_equal(got, frame)
    index = json.loads(files["frames.json"])
    assert [f["duration_ms"] for f in index["frames"]] == durations
    assert [f["file"] for f in index["frames"]] == pngs
    assert result.meta["truncated"] is False


def test_max_frames_stops_early_and_says_so() -> None:
    result = run("extract_frames", gif_of(numbered_frames(10)), max_frames=4)
    files = unzip(result.outputs[0].data)
    assert len([n for n in files if n.endswith(".png")]) == 4
    assert result.meta["truncated"] is True and result.meta["total_frames"] == 10


def test_extract_frames_is_deterministic() -> None:
    data = gif_of(numbered_frames(5))
    assert run("extract_frames", data).outputs[0].data == run("extract_frames", data).outputs[0].data


def test_a_single_frame_picture_is_not_an_animation() -> None:
    with pytest.raises(GeneratorInputError) as err:
        run("extract_frames", gif_of(numbered_frames(1)))
    assert err.value.field == "animation"


def test_a_truncated_gif_is_refused() -> None:
    data = gif_of(numbered_frames(8))
    with pytest.raises(GeneratorInputError) as err:
        run("extract_frames", data[: len(data) * 2 // 3])
    assert err.value.field == "animation"


def test_a_file_that_is_not_an_animation_is_refused() -> None:
    for data in (b"GIF89a nonsense", b"\x00" * 64, encode(Image.new("RGB", (8, 8)), "JPEG")):
        with pytest.raises(GeneratorInputError) as err:
            run("extract_frames", data)
        assert err.value.field == "animation"


def test_a_gif_claiming_huge_dimensions_is_refused_as_a_bomb() -> None:
    header = b"GIF89a" + struct.pack("<HH", 30000, 30000) + b"\x00\x00\x00"
    image_block = b"\x2c" + struct.pack("<HHHH", 0, 0, 30000, 30000) + b"\x00" + b"\x02\x02\x4c\x01\x00\x3b"
    with pytest.raises(GeneratorInputError) as err:
        run("extract_frames", header + image_block)
    assert err.value.field == "animation"


def test_a_gif_with_too_many_frames_is_refused() -> None:
    tiny = [np.full((1, 1, 4), (i % 2) * 255, np.uint8) for i in range(video.MAX_FRAMES + 2)]
    for f in tiny:
        f[..., 3] = 255
    with pytest.raises(GeneratorInputError, match="frames") as err:
        run("extract_frames", gif_of(tiny, 20))
    assert err.value.field == "animation"


@pytest.mark.parametrize("action", ["animate", "sprite_sheet", "extract_frames"])
def test_a_missing_input_names_its_param(action: str) -> None:
    with pytest.raises(GeneratorInputError) as err:
        run(action, None)
    assert err.value.field == PARAM[action]
