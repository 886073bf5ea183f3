"""limbs.parts.material._agreement: a material's JSON and its maps agree with each other."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import pytest
from PIL import Image

from limbs.formats import OutputInvalid
from limbs.parts.material import pbr
from limbs.parts.material._agreement import validate_material
from limbs.spec import GenRequest


@pytest.fixture(scope="module")
def bricks() -> tuple[dict[str, Any], dict[str, bytes]]:
    result = pbr.make(GenRequest(intent="bricks", params={"resolution": "256"}, seed=4))
    doc = json.loads(next(o.data for o in result.outputs if o.role == "material"))
    maps = {o.name: o.data for o in result.outputs if o.mime == "image/png"}
    return doc, maps


def png(arr: np.ndarray, mode: str) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr.astype(np.uint8), mode=mode).save(buf, format="PNG")
    return buf.getvalue()


def decoded(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


def test_a_generated_material_and_its_maps_agree(bricks: tuple[dict[str, Any], dict[str, bytes]]) -> None:
    doc, maps = bricks
    report = validate_material(json.dumps(doc), maps)
    assert report["size"] == (256, 256)
    assert set(report["slots"]) == {
        "baseColorTexture",
        "metallicRoughnessTexture",
        "normalTexture",
        "occlusionTexture",
    }


def test_a_texture_that_is_not_shipped_is_caught(bricks: tuple[dict[str, Any], dict[str, bytes]]) -> None:
    doc, maps = bricks
    missing = dict(maps)
    del missing["bricks_normal.png"]
    with pytest.raises(OutputInvalid, match="not shipped"):
        validate_material(doc, missing)


def test_a_shipped_map_the_material_never_mentions_is_caught(
    bricks: tuple[dict[str, Any], dict[str, bytes]],
) -> None:
    doc, maps = bricks
    with pytest.raises(OutputInvalid, match="not referenced"):
        validate_material(doc, {**maps, "stray.png": maps["bricks_ao.png"]})


def test_maps_of_different_sizes_are_caught(bricks: tuple[dict[str, Any], dict[str, bytes]]) -> None:
    doc, maps = bricks
    small = png(decoded(maps["bricks_ao.png"])[:128, :128], "L")
    with pytest.raises(OutputInvalid, match="differ in size"):
        validate_material(doc, {**maps, "bricks_ao.png": small})


def test_a_normal_map_that_is_not_unit_vectors_is_caught(
    bricks: tuple[dict[str, Any], dict[str, bytes]],
) -> None:
    doc, maps = bricks
    grey = png(np.full((256, 256, 3), 100), "RGB")
    with pytest.raises(OutputInvalid, match="unit vectors"):
        validate_material(doc, {**maps, "bricks_normal.png": grey})


def test_a_normal_map_from_another_height_is_caught(bricks: tuple[dict[str, Any], dict[str, bytes]]) -> None:
    doc, maps = bricks
    shifted = png(np.roll(decoded(maps["bricks_normal.png"]), (50, 21), axis=(0, 1)), "RGB")
    with pytest.raises(OutputInvalid, match="does not follow the height"):
        validate_material(doc, {**maps, "bricks_normal.png": shifted})


def test_a_coloured_roughness_map_is_caught(bricks: tuple[dict[str, Any], dict[str, bytes]]) -> None:
    doc, maps = bricks
    coloured = png(np.asarray(Image.open(io.BytesIO(maps["bricks_albedo.png"])).convert("RGB")), "RGB")
    with pytest.raises(OutputInvalid, match="greyscale"):
        validate_material(doc, {**maps, "bricks_roughness.png": coloured})


def test_a_material_json_that_does_not_parse_or_has_no_colour_is_caught(
    bricks: tuple[dict[str, Any], dict[str, bytes]],
) -> None:
    doc, maps = bricks
    with pytest.raises(OutputInvalid, match="does not parse"):
        validate_material(b"{not json", maps)
    bare = json.loads(json.dumps(doc))
    del bare["materials"][0]["pbrMetallicRoughness"]["baseColorTexture"]
    with pytest.raises(OutputInvalid, match="base colour"):
        validate_material(bare, maps)
