"""limbs.parts.video._atlas: a sprite sheet and its TexturePacker atlas agree."""

from __future__ import annotations

import json
from typing import Any

import pytest
from PIL import Image

from limbs.formats import OutputInvalid
from limbs.parts.video._atlas import validate_atlas
from tests.limbs.formats.samples import encode


def atlas(rects: list[tuple[int, int, int, int]], size: tuple[int, int] = (64, 32)) -> tuple[bytes, bytes]:
    doc = {
        "frames": {
            f"f{i}.png": {
                "frame": {"x": x, "y": y, "w": w, "h": h},
                "rotated": False,
                "trimmed": False,
                "spriteSourceSize": {"x": 0, "y": 0, "w": w, "h": h},
                "sourceSize": {"w": w, "h": h},
            }
            for i, (x, y, w, h) in enumerate(rects)
        },
        "meta": {
            "image": "sheet.png",
            "format": "RGBA8888",
            "size": {"w": size[0], "h": size[1]},
            "scale": "1",
        },
    }
    sheet = encode(Image.new("RGBA", size))
    return json.dumps(doc).encode(), sheet


def test_validate_atlas_accepts_frames_side_by_side() -> None:
    doc, sheet = atlas([(0, 0, 32, 32), (32, 0, 32, 32)])
    assert validate_atlas(doc, sheet)["frames"] == 2


def test_validate_atlas_rejects_overlapping_frames() -> None:
    doc, sheet = atlas([(0, 0, 32, 32), (31, 0, 32, 32)])
    with pytest.raises(OutputInvalid, match="overlap"):
        validate_atlas(doc, sheet)


def test_validate_atlas_rejects_a_frame_outside_the_sheet() -> None:
    doc, sheet = atlas([(40, 0, 32, 32)])
    with pytest.raises(OutputInvalid, match="outside"):
        validate_atlas(doc, sheet)


def test_validate_atlas_rejects_a_meta_size_that_is_not_the_sheet() -> None:
    doc, _ = atlas([(0, 0, 8, 8)])
    with pytest.raises(OutputInvalid, match=r"meta\.size"):
        validate_atlas(doc, encode(Image.new("RGBA", (65, 32))))


@pytest.mark.parametrize(
    "broken",
    [
        {"frames": []},
        {"frames": {}},
        {"frames": {"a": {"frame": {"x": 0, "y": 0, "w": 0, "h": 4}}}},
        {"frames": {"a": {"frame": {"x": 0, "y": 0, "w": 4, "h": 4}, "rotated": "no"}}},
    ],
)
def test_validate_atlas_rejects_malformed_frames(broken: dict[str, Any]) -> None:
    doc = {
        "meta": {"image": "s.png", "format": "RGBA8888", "size": {"w": 64, "h": 32}, "scale": "1"},
        **broken,
    }
    with pytest.raises(OutputInvalid):
        validate_atlas(json.dumps(doc).encode(), encode(Image.new("RGBA", (64, 32))))
