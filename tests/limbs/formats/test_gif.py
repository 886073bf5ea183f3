"""limbs.formats.gif: every frame of a GIF decodes; its size, frames and timing are reported."""

from __future__ import annotations

import pytest

from limbs.formats import OutputInvalid
from limbs.formats.gif import validate_gif
from tests.limbs.formats.samples import gif, webp


def test_validate_gif_decodes_every_frame_and_reports_durations() -> None:
    report = validate_gif(gif(6), min_frames=6)
    assert report["frames"] == 6
    assert report["durations"] == [70] * 6
    assert (report["width"], report["height"]) == (24, 24)
    assert report["loop"] == 0


def test_validate_gif_rejects_too_few_frames() -> None:
    with pytest.raises(OutputInvalid, match="at least 8"):
        validate_gif(gif(3), min_frames=8)


def test_validate_gif_rejects_a_truncated_file() -> None:
    data = gif(6)
    with pytest.raises(OutputInvalid):
        validate_gif(data[: len(data) // 2])


def test_validate_gif_rejects_other_formats() -> None:
    with pytest.raises(OutputInvalid, match="not a GIF"):
        validate_gif(webp())
