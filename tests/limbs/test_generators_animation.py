"""animation.keyframes and animation.walk_cycle: clips that loop, pass Khronos, and sprites that walk."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageSequence

from limbs.generators import animation
from limbs.parts.image import sprite as image_sprite
from limbs.spec import GeneratorInputError, GenRequest, GenResult, Tension
from limbs.validators import validate_glb, validate_png
from tests.helpers.gltf import accessor, issues_summary, read_glb
from tests.limbs.test_generators_material import khronos_many

MOTIONS = ("idle", "walk", "run", "attack", "wave", "jump")
RIGS = ("humanoid", "quadruped", "blob")


def clip(
    motion: str = "walk",
    rig: str = "humanoid",
    intent: str = "",
    seed: int = 1,
    tension: Tension = "medium",
    **params: Any,
) -> GenResult:
    full = {"motion": motion, "rig": rig, "duration": 2.0, "fps": 30, "loop": True, **params}
    return animation.keyframes(GenRequest(intent=intent, params=full, seed=seed, tension=tension))


def channels(glb: bytes) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    """(node name, path) -> (times, values) of the file's single animation."""
    doc, binary = read_glb(glb)
    anim = doc["animations"][0]
    out = {}
    for ch in anim["channels"]:
        sampler = anim["samplers"][ch["sampler"]]
        name = doc["nodes"][ch["target"]["node"]]["name"]
        out[(name, ch["target"]["path"])] = (
            accessor(doc, binary, sampler["input"]),
            accessor(doc, binary, sampler["output"]),
        )
    return out


@pytest.fixture(scope="module")
def every_clip() -> dict[tuple[str, str, bool], GenResult]:
    return {
        (rig, motion, loop): clip(motion, rig, loop=loop)
        for rig in RIGS
        for motion in MOTIONS
        for loop in (True, False)
    }


def test_every_motion_on_every_rig_passes_the_khronos_validator(
    every_clip: dict[tuple[str, str, bool], GenResult],
) -> None:
    keys = list(every_clip)
    glbs = [every_clip[k].outputs[0].data for k in keys]
    glbs.append(clip("wave", tension="high").outputs[0].data)
    glbs.append(clip("run", "quadruped", tension="low", duration=10.0, fps=60).outputs[0].data)
    for glb, report in zip(glbs, khronos_many(glbs), strict=True):
        assert report["issues"]["numErrors"] == 0, issues_summary(report)
        assert report["issues"]["numWarnings"] == 0, issues_summary(report)
        assert report["info"]["animationCount"] == 1
        validate_glb(glb)


def test_a_looping_clip_ends_exactly_where_it_starts(
    every_clip: dict[tuple[str, str, bool], GenResult],
) -> None:
    for (rig, motion, loop), result in every_clip.items():
        if not loop:
            continue
        for (node, path), (_, values) in channels(result.outputs[0].data).items():
            assert np.array_equal(values[0], values[-1]), (rig, motion, node, path)


def test_a_one_shot_clip_does_not_return_to_its_first_pose(
    every_clip: dict[tuple[str, str, bool], GenResult],
) -> None:
    for motion in MOTIONS:
        tracks = channels(every_clip[("humanoid", motion, False)].outputs[0].data)
        assert any(not np.allclose(v[0], v[-1], atol=1e-3) for _, v in tracks.values()), motion


def test_clip_length_and_key_count_follow_duration_and_fps() -> None:
    for duration, fps in ((0.5, 12), (2.0, 30), (3.5, 60)):
        result = clip("walk", duration=duration, fps=fps)
        for times, values in channels(result.outputs[0].data).values():
            assert times[0] == 0.0
            assert times[-1] == pytest.approx(duration)
            assert len(times) == len(values) == round(duration * fps) + 1
            assert np.all(np.diff(times) > 0)
        assert result.meta["duration"] == pytest.approx(duration)
        assert result.meta["keyframes"] == round(duration * fps) + 1


def test_a_walk_swings_the_legs_in_opposition_and_bobs_the_hips() -> None:
    tracks = channels(clip("walk").outputs[0].data)
    left = tracks[("thigh_l", "rotation")][1]
    right = tracks[("thigh_r", "rotation")][1]
    # Rotation about X: the quaternion's x part, opposite in sign for the two legs.
    assert left[:, 0].max() > 0.15 and left[:, 0].min() < -0.15
    assert np.corrcoef(left[:, 0], right[:, 0])[0, 1] < -0.95
    hips = tracks[("hips", "translation")][1]
    assert np.ptp(hips[:, 1]) > 0.02


def test_a_wave_raises_one_arm_and_leaves_the_other_down() -> None:
    tracks = channels(clip("wave").outputs[0].data)
    raised = tracks[("upper_arm_r", "rotation")][1]
    angle = 2 * np.arccos(np.clip(np.abs(raised[:, 3]), 0, 1))
    assert angle.max() > 2.0
    assert ("upper_arm_l", "rotation") not in tracks


def test_the_blob_squashes_and_stretches_through_a_scale_channel() -> None:
    tracks = channels(clip("jump", "blob").outputs[0].data)
    scale = tracks[("body", "scale")][1]
    assert scale[:, 1].min() < 0.95 and np.ptp(scale[:, 1]) > 0.05
    assert tracks[("body", "translation")][1][:, 1].max() > 0.3


def test_auto_reads_the_motion_from_the_words() -> None:
    picks = {
        text: clip("auto", intent=text).meta["motion"]
        for text in (
            "my robot waves hello",
            "a sword attack swing",
            "running fast",
            "a big jump",
            "standing still",
        )
    }
    assert picks == {
        "my robot waves hello": "wave",
        "a sword attack swing": "attack",
        "running fast": "run",
        "a big jump": "jump",
        "standing still": "idle",
    }


def test_tension_adds_detail_parts_and_colour_words_paint_the_body() -> None:
    low = clip(tension="low").meta["joints"]
    high = clip(tension="high").meta["joints"]
    assert "hand_r" in high and "hand_r" not in low and len(high) > len(low)
    red = clip(intent="a red knight walking")
    assert red.meta["colours"]["body"] == "#da2a2a"
    doc, _ = read_glb(red.outputs[0].data)
    assert doc["materials"][0]["pbrMetallicRoughness"]["baseColorFactor"][0] > 0.8


def test_keyframes_are_deterministic_and_each_seed_is_a_different_character() -> None:
    assert clip(seed=3).outputs[0].data == clip(seed=3).outputs[0].data
    assert clip(seed=3).outputs[0].data != clip(seed=4).outputs[0].data
    assert clip(seed=3).meta["character"] != clip(seed=4).meta["character"]


def test_bad_choices_are_refused_by_name() -> None:
    with pytest.raises(GeneratorInputError) as err:
        clip("moonwalk")
    assert err.value.field == "motion"
    with pytest.raises(GeneratorInputError) as err:
        clip("walk", "spider")
    assert err.value.field == "rig"


# ---------------------------------------------------------------------------------------
# walk_cycle
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def monster() -> bytes:
    req = GenRequest(
        intent="a green monster", params={"size": 32, "kind": "creature", "outline": True}, seed=3
    )
    return image_sprite.make(req).outputs[0].data


def walk(sprite: bytes, seed: int = 1, **params: Any) -> GenResult:
    full = {"frames": 8, "fps": 10, "bounce": 0.5, **params}
    return animation.walk_cycle(
        GenRequest(intent="green monster", params=full, seed=seed, inputs={"sprite": sprite})
    )


def sheet_frames(result: GenResult) -> list[np.ndarray]:
    sheet = np.asarray(Image.open(io.BytesIO(result.outputs[0].data)).convert("RGBA"))
    w, _ = result.meta["frame_size"]
    return [sheet[:, i * w : (i + 1) * w] for i in range(result.meta["frames"])]


def test_walk_cycle_gives_a_transparent_sprite_sheet_and_a_looping_gif(monster: bytes) -> None:
    result = walk(monster)
    sheet, gif = result.outputs
    fw, fh = result.meta["frame_size"]
    report = validate_png(sheet.data, width=fw * 8, height=fh, require_alpha=True)
    assert report["has_alpha"]
    assert (gif.mime, gif.role) == ("image/gif", "preview")
    with Image.open(io.BytesIO(gif.data)) as im:
        assert im.format == "GIF"
        assert im.info["loop"] == 0  # 0 = repeat forever
        durations = [frame.info["duration"] for frame in ImageSequence.Iterator(im)]
    assert len(durations) == 8 and set(durations) == {100}


def test_every_frame_differs_from_the_next_and_the_cycle_closes(monster: bytes) -> None:
    frames = sheet_frames(walk(monster))
    for a, b in zip(frames, frames[1:] + frames[:1], strict=True):
        assert not np.array_equal(a, b)
    # Half a cycle apart the legs have swapped: the lower rows differ most.
    hip = walk(monster).meta["hip_row"]
    lower = np.abs(
        frames[2][-(frames[2].shape[0] - hip) :].astype(int) - frames[6][-(frames[6].shape[0] - hip) :]
    )
    assert lower.sum() > 0


def test_frames_and_fps_params_shape_the_sheet_and_the_gif(monster: bytes) -> None:
    result = walk(monster, frames=4, fps=20)
    assert len(sheet_frames(result)) == 4
    with Image.open(io.BytesIO(result.outputs[1].data)) as im:
        assert sum(1 for _ in ImageSequence.Iterator(im)) == 4
        assert im.info["duration"] == 50


def test_bounce_lifts_the_body_and_zero_bounce_keeps_it_level(monster: bytes) -> None:
    def top_rows(result: GenResult) -> list[int]:
        return [int(np.nonzero(f[..., 3].any(axis=1))[0].min()) for f in sheet_frames(result)]

    assert len(set(top_rows(walk(monster, bounce=0.0)))) == 1
    bouncy = top_rows(walk(monster, bounce=1.0))
    assert max(bouncy) - min(bouncy) >= 2


def test_an_opaque_picture_on_a_plain_background_walks_too() -> None:
    im = Image.new("RGB", (40, 60), (255, 255, 255))
    d = ImageDraw.Draw(im)
    d.rectangle((12, 5, 28, 40), fill=(200, 40, 40))
    d.rectangle((12, 40, 18, 58), fill=(40, 40, 200))
    d.rectangle((22, 40, 28, 58), fill=(40, 40, 200))
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    frames = sheet_frames(walk(buf.getvalue()))
    assert frames[0][..., 3].min() == 0  # the white background became see-through
    assert not np.array_equal(frames[0], frames[2])


def test_walk_cycle_is_deterministic(monster: bytes) -> None:
    a, b = walk(monster), walk(monster)
    assert [o.data for o in a.outputs] == [o.data for o in b.outputs]


def test_a_missing_unreadable_or_empty_sprite_is_refused_naming_the_sprite() -> None:
    blank = io.BytesIO()
    Image.new("RGBA", (16, 16), (0, 0, 0, 0)).save(blank, format="PNG")
    for bad in (b"", b"hello", blank.getvalue()):
        with pytest.raises(GeneratorInputError) as err:
            walk(bad)
        assert err.value.field == "sprite"
