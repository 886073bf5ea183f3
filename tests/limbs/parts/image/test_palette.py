"""image.palette: a picture's main colours, as JSON and swatches."""

from __future__ import annotations

import json

import numpy as np
import pytest

from limbs.spec import GeneratorInputError
from tests.limbs.parts.image.samples import decode, encode, photo, run, three_colours


@pytest.mark.parametrize("method", ["median_cut", "kmeans"])
def test_the_palette_of_a_three_colour_picture_is_those_colours_with_their_shares(method: str) -> None:
    result = run("palette", three_colours(), method=method, colours=8)
    doc = json.loads(result.outputs[0].data)
    assert [c["hex"] for c in doc["colours"]] == ["#dc1e28", "#1eb43c", "#1428d2"]
    assert [c["share"] for c in doc["colours"]] == [0.5, 0.3, 0.2]
    assert doc["colours"][0]["rgb"] == [220, 30, 40]
    assert doc["requested"] == 8 and doc["found"] == 3


@pytest.mark.parametrize("method", ["median_cut", "kmeans"])
def test_the_palette_has_at_most_the_requested_colours_sorted_by_share(method: str) -> None:
    for k in (2, 5, 12):
        doc = json.loads(run("palette", photo(), method=method, colours=k).outputs[0].data)
        shares = [c["share"] for c in doc["colours"]]
        assert 2 <= len(shares) <= k
        assert shares == sorted(shares, reverse=True)
        assert sum(shares) == pytest.approx(1.0, abs=0.01)


def test_kmeans_fits_a_photo_at_least_as_closely_as_median_cut() -> None:
    source = photo()
    pixels = decode(source, "RGB").reshape(-1, 3)

    def error(method: str) -> float:
        doc = json.loads(run("palette", source, method=method, colours=6).outputs[0].data)
        pal = np.array([c["rgb"] for c in doc["colours"]])
        return float(np.sqrt(((pixels[:, None] - pal[None]) ** 2).sum(-1).min(1)).mean())

    assert error("kmeans") <= error("median_cut") * 1.05


def test_the_palette_comes_with_a_swatch_preview() -> None:
    result = run("palette", three_colours())
    preview = result.outputs[1]
    assert preview.role == "preview" and preview.mime == "image/png"
    swatch = decode(preview.data, "RGB")
    assert tuple(swatch[10, 10]) == (220, 30, 40)
    assert tuple(swatch[10, 64 + 10]) == (30, 180, 60)


def test_see_through_pixels_do_not_count_toward_the_palette() -> None:
    arr = np.zeros((20, 20, 4), np.uint8)
    arr[:, :5] = (10, 200, 10, 255)
    arr[:, 5:] = (255, 0, 0, 0)
    doc = json.loads(run("palette", encode(arr)).outputs[0].data)
    assert [c["hex"] for c in doc["colours"]] == ["#0ac80a"]


def test_a_faint_picture_still_has_a_palette() -> None:
    arr = np.zeros((10, 10, 4), np.uint8)
    arr[...] = (200, 100, 50, 60)
    doc = json.loads(run("palette", encode(arr)).outputs[0].data)
    assert [c["rgb"] for c in doc["colours"]] == [[200, 100, 50]]


def test_a_fully_transparent_picture_has_no_palette() -> None:
    with pytest.raises(GeneratorInputError) as err:
        run("palette", encode(np.zeros((8, 8, 4), np.uint8)))
    assert err.value.field == "image"


def test_kmeans_palette_is_deterministic() -> None:
    a = run("palette", photo(), method="kmeans", seed=2)
    assert a.outputs[0].data == run("palette", photo(), method="kmeans", seed=2).outputs[0].data
    assert a.outputs[1].data == run("palette", photo(), method="kmeans", seed=2).outputs[1].data
