"""video.extract_frames: an animation split into numbered PNGs in a zip."""

from __future__ import annotations

import io
import json
import struct
import zipfile

import numpy as np
import pytest
from PIL import Image

from limbs.formats.zip import validate_zip
from limbs.parts.video._frames import MAX_FRAMES
from limbs.spec import GeneratorInputError
from tests.limbs.parts.video.samples import encode, gif_of, numbered_frames, run, webp_of


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
    tiny = [np.full((1, 1, 4), (i % 2) * 255, np.uint8) for i in range(MAX_FRAMES + 2)]
    for f in tiny:
        f[..., 3] = 255
    with pytest.raises(GeneratorInputError, match="frames") as err:
        run("extract_frames", gif_of(tiny, 20))
    assert err.value.field == "animation"
