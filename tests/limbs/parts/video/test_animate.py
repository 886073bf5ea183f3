"""video.animate: a picture becomes a seamless looping GIF or WebP."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from limbs.formats.gif import validate_gif
from limbs.formats.webp import validate_webp
from limbs.parts.image import generate, sprite
from limbs.spec import GenRequest
from tests.limbs.parts.video.samples import encode, read_frames, run


@pytest.fixture(scope="module")
def sprite_png() -> bytes:
    req = GenRequest(
        intent="a tiny green robot", params={"size": 32, "kind": "auto", "outline": True}, seed=2
    )
    small = Image.open(io.BytesIO(sprite.make(req).outputs[0].data))
    return encode(small.resize((64, 64), Image.Resampling.NEAREST))


@pytest.fixture(scope="module")
def scene_png() -> bytes:
    req = GenRequest(intent="a red dragon", params={"width": 96, "height": 96, "style": "auto"}, seed=1)
    return generate.make(req).outputs[0].data


def diff(a: np.ndarray, b: np.ndarray) -> float:
    """Mean difference of premultiplied colours: what hides under full transparency does not count."""

    def premul(x: np.ndarray) -> np.ndarray:
        return np.concatenate([x[..., :3] * x[..., 3:4] / 255.0, x[..., 3:4]], axis=-1)

    return float(np.abs(premul(a) - premul(b)).mean())


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
