"""animation.walk_cycle: a sprite that walks, as a sprite sheet and a looping GIF."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageSequence

from limbs.formats.png import validate_png
from limbs.parts.animation import walk_cycle
from limbs.parts.image import sprite as image_sprite
from limbs.spec import GeneratorInputError, GenRequest, GenResult


@pytest.fixture(scope="module")
def monster() -> bytes:
    req = GenRequest(
        intent="a green monster", params={"size": 32, "kind": "creature", "outline": True}, seed=3
    )
    return image_sprite.make(req).outputs[0].data


def walk(sprite: bytes, seed: int = 1, **params: Any) -> GenResult:
    full = {"frames": 8, "fps": 10, "bounce": 0.5, **params}
    return walk_cycle.make(
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
