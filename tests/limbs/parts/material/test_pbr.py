"""material.pbr: tileable PBR sets whose maps agree and whose preview spheres pass Khronos."""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw

from limbs.formats.glb import validate_glb
from limbs.formats.png import validate_png
from limbs.parts.material import pbr
from limbs.parts.material._agreement import validate_material
from limbs.spec import GeneratorInputError, GenRequest, GenResult, Tension
from tests.helpers.gltf import PACKAGE, ROOT, issues_summary

INTENTS = (
    "mossy stone bricks",
    "old wooden planks",
    "shiny gold metal",
    "lava",
    "grass",
    "sand",
    "cobblestones",
)


def make_pbr(intent: str = "stone", seed: int = 1, tension: Tension = "medium", **params: Any) -> GenResult:
    full = {"resolution": "256", "roughness": 0.6, "metallic": 0.0, "normal_strength": 1.0, **params}
    image = full.pop("image", None)
    inputs = {"image": image} if image is not None else {}
    return pbr.make(GenRequest(intent=intent, params=full, seed=seed, tension=tension, inputs=inputs))


def by_role(result: GenResult) -> dict[str, Any]:
    return {o.role: o for o in result.outputs}


def pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im, dtype=np.float32)


def normals_of(data: bytes) -> np.ndarray:
    return pixels(data)[..., :3] / 255.0 * 2.0 - 1.0


def seam_ratio(arr: np.ndarray) -> float:
    """The wrap-around step (last row/column to first) against the largest step inside the map.

    A tile's own features (a plank groove, a mortar line) may sit on the edge; a seam is a
    step bigger than any the map makes anywhere else.
    """
    a = arr.astype(np.float64)
    worst = 0.0
    for axis in (0, 1):
        steps = np.abs(np.diff(a, axis=axis, append=np.take(a, [0], axis=axis)))
        per_line = steps.mean(axis=tuple(i for i in range(a.ndim) if i != axis))
        worst = max(worst, float(per_line[-1] / max(per_line[:-1].max(), 1e-9)))
    return worst


def khronos_many(glbs: list[bytes]) -> list[dict[str, Any]]:
    """One node process validates every GLB (starting node per file is the slow part)."""
    node = shutil.which("node")
    assert node is not None, "node is not on PATH; the Khronos validator needs it"
    assert (PACKAGE / "package.json").is_file(), "run `npm ci` to install gltf-validator"
    script = """
import { createRequire } from "node:module";
const require = createRequire(process.cwd() + "/");
const validator = require("gltf-validator");
let text = "";
for await (const chunk of process.stdin) text += chunk;
const out = [];
for (const b64 of JSON.parse(text)) {
  out.push(await validator.validateBytes(new Uint8Array(Buffer.from(b64, "base64")), { maxIssues: 0 }));
}
process.stdout.write(JSON.stringify(out));
"""
    payload = json.dumps([base64.b64encode(g).decode() for g in glbs]).encode()
    proc = subprocess.run(
        [node, "--input-type=module", "-e", script], input=payload, capture_output=True, cwd=ROOT, timeout=120
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    reports: list[dict[str, Any]] = json.loads(proc.stdout)
    return reports


@pytest.fixture(scope="module")
def sets() -> dict[str, GenResult]:
    return {intent: make_pbr(intent) for intent in INTENTS}


@pytest.fixture(scope="module")
def default_set() -> GenResult:
    return pbr.make(
        GenRequest(
            intent="mossy stone bricks",
            params={"resolution": "512", "roughness": 0.6, "metallic": 0.0, "normal_strength": 1.0},
            seed=7,
        )
    )


def test_pbr_ships_albedo_normal_roughness_ao_height_orm_maps_a_material_json_and_a_preview(
    default_set: GenResult,
) -> None:
    roles = by_role(default_set)
    for role in ("main", "normal", "roughness", "ao", "height", "orm"):
        report = validate_png(roles[role].data, width=512, height=512)
        assert report["mode"] == ("L" if role in ("roughness", "ao", "height") else "RGB")
    assert roles["main"].name == "mossy-stone-bricks_albedo.png"
    assert roles["material"].mime == "application/json"
    assert roles["preview"].mime == "model/gltf-binary"
    assert default_set.meta["kind"] == "brick"
    assert default_set.meta["tileable"] is True


def test_material_json_refers_to_exactly_the_maps_it_ships(sets: dict[str, GenResult]) -> None:
    for intent, result in sets.items():
        maps = {o.name: o.data for o in result.outputs if o.mime == "image/png"}
        report = validate_material(by_role(result)["material"].data, maps)
        assert report["maps"] == len(maps), intent
        assert report["normal_height_agreement"] > 0.9, intent


def test_every_map_of_every_surface_tiles_without_a_seam(sets: dict[str, GenResult]) -> None:
    for intent, result in sets.items():
        for out in result.outputs:
            if out.mime == "image/png":
                assert seam_ratio(pixels(out.data)) < 1.05, (intent, out.name)


def test_the_seam_measure_catches_a_picture_that_does_not_tile() -> None:
    x = np.linspace(0, 255, 256)
    gradient = np.tile(x, (256, 1))
    assert seam_ratio(gradient) > 50
    assert seam_ratio(np.asarray(Image.open(io.BytesIO(picture_bytes())), dtype=np.float32)) > 1.05


def test_normal_map_follows_the_height_map_and_a_shifted_one_does_not(sets: dict[str, GenResult]) -> None:
    from limbs.parts.material._agreement import _agreement

    roles = by_role(sets["cobblestones"])
    height = (pixels(roles["height"].data) / 255.0).astype(np.float32)
    normals = normals_of(roles["normal"].data).astype(np.float32)
    assert _agreement(height, normals) > 0.9
    assert _agreement(height, np.roll(normals, (37, 11), axis=(0, 1))) < 0.3


def test_normals_tilt_where_the_albedo_changes(sets: dict[str, GenResult]) -> None:
    roles = by_role(sets["mossy stone bricks"])
    lum = pixels(roles["main"].data).mean(axis=-1)
    edge = np.hypot(np.roll(lum, -1, 0) - np.roll(lum, 1, 0), np.roll(lum, -1, 1) - np.roll(lum, 1, 1))
    tilt = 1.0 - normals_of(roles["normal"].data)[..., 2]
    busy = edge > np.quantile(edge, 0.9)
    calm = edge < np.quantile(edge, 0.5)
    assert tilt[busy].mean() > 3 * tilt[calm].mean()


def test_normal_strength_zero_is_flat_and_more_strength_tilts_more() -> None:
    flat = normals_of(by_role(make_pbr("sand", normal_strength=0.0))["normal"].data)
    soft = normals_of(by_role(make_pbr("sand", normal_strength=0.5))["normal"].data)
    deep = normals_of(by_role(make_pbr("sand", normal_strength=3.0))["normal"].data)
    assert np.abs(flat[..., :2]).max() < 0.01
    assert (1 - deep[..., 2]).mean() > 2 * (1 - soft[..., 2]).mean() > 0


def test_normal_map_holds_unit_vectors_facing_out(sets: dict[str, GenResult]) -> None:
    n = normals_of(by_role(sets["lava"])["normal"].data)
    assert np.abs(np.linalg.norm(n, axis=-1) - 1).mean() < 0.01
    assert n[..., 2].min() > 0


def test_roughness_and_metallic_params_set_the_average_and_defaults_follow_the_material() -> None:
    chalky = make_pbr("wood", roughness=0.9)
    smooth = make_pbr("wood", roughness=0.1)
    assert abs(pixels(by_role(chalky)["roughness"].data).mean() / 255 - 0.9) < 0.05
    assert abs(pixels(by_role(smooth)["roughness"].data).mean() / 255 - 0.1) < 0.05
    metal = make_pbr("wood", metallic=1.0)
    assert pixels(by_role(metal)["orm"].data)[..., 2].mean() > 240
    assert metal.meta["metallic_from"] == "param"
    gold = make_pbr("shiny gold metal")
    assert gold.meta["metallic"] > 0.95 and gold.meta["roughness"] < 0.3
    assert make_pbr("wood").meta["metallic"] == 0.0


def test_orm_map_packs_occlusion_roughness_and_metalness_as_gltf_expects(sets: dict[str, GenResult]) -> None:
    roles = by_role(sets["mossy stone bricks"])
    orm = pixels(roles["orm"].data)
    assert np.array_equal(orm[..., 0], pixels(roles["ao"].data))
    assert np.array_equal(orm[..., 1], pixels(roles["roughness"].data))


def test_words_choose_the_surface_and_colour_words_tint_it() -> None:
    kinds = {
        i: make_pbr(i).meta["kind"]
        for i in ("oak planks", "red bricks", "rusty iron", "magma", "beach", "ice")
    }
    assert kinds == {
        "oak planks": "wood",
        "red bricks": "brick",
        "rusty iron": "rust",
        "magma": "lava",
        "beach": "sand",
        "ice": "ice",
    }
    grey = pixels(by_role(make_pbr("stone"))["main"].data).mean(axis=(0, 1))
    blue = pixels(by_role(make_pbr("blue stone"))["main"].data).mean(axis=(0, 1))
    assert blue[2] - blue[0] > grey[2] - grey[0] + 30


def test_lava_glows_through_an_emissive_map_in_its_cracks() -> None:
    result = make_pbr("lava")
    roles = by_role(result)
    glow = pixels(roles["emissive"].data)[..., 0]
    height = pixels(roles["height"].data)
    assert glow.max() > 200
    assert height[glow > 128].mean() < height[glow < 10].mean()
    doc = json.loads(roles["material"].data)
    assert "emissiveTexture" in doc["materials"][0]


def test_preview_spheres_pass_the_khronos_validator_with_their_maps_embedded(
    sets: dict[str, GenResult],
) -> None:
    glbs = [by_role(r)["preview"].data for r in sets.values()] + [
        by_role(make_pbr("stone", tension="low"))["preview"].data,
        by_role(make_pbr("stone", tension="high"))["preview"].data,
    ]
    for glb, report in zip(glbs, khronos_many(glbs), strict=True):
        assert report["issues"]["numErrors"] == 0, issues_summary(report)
        assert report["issues"]["numWarnings"] == 0, issues_summary(report)
        info = validate_glb(glb)
        assert info["has_texture"] and info["triangles"] > 500


def test_tension_sets_the_preview_sphere_detail() -> None:
    low = validate_glb(by_role(make_pbr("stone", tension="low"))["preview"].data)
    high = validate_glb(by_role(make_pbr("stone", tension="high"))["preview"].data)
    assert high["triangles"] > 2 * low["triangles"]


def test_resolution_sets_the_size_of_every_map() -> None:
    result = make_pbr("grass", resolution="512")
    for out in result.outputs:
        if out.mime == "image/png":
            validate_png(out.data, width=512, height=512)
    with pytest.raises(GeneratorInputError) as err:
        make_pbr("grass", resolution="300")
    assert err.value.field == "resolution"


def picture_bytes() -> bytes:
    im = Image.new("RGB", (300, 200), (40, 90, 200))
    d = ImageDraw.Draw(im)
    for i in range(0, 300, 37):
        d.ellipse((i, i % 150, i + 30, i % 150 + 30), fill=(240, 200, 40))
    d.rectangle((0, 0, 300, 20), fill=(250, 250, 250))  # a hard edge that must not become a seam
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def test_a_picture_becomes_a_tileable_material_in_its_own_colours() -> None:
    result = make_pbr("", image=picture_bytes())
    assert result.meta["source"] == "picture"
    roles = by_role(result)
    albedo = pixels(roles["main"].data)
    assert albedo[..., 2].mean() > albedo[..., 0].mean()  # still mostly blue
    for out in result.outputs:
        if out.mime == "image/png":
            assert seam_ratio(pixels(out.data)) < 1.05, out.name
    maps = {o.name: o.data for o in result.outputs if o.mime == "image/png"}
    assert validate_material(roles["material"].data, maps)["normal_height_agreement"] > 0.8


def test_a_file_that_is_not_a_picture_is_refused_naming_the_image_param() -> None:
    with pytest.raises(GeneratorInputError) as err:
        make_pbr("", image=b"not a picture at all")
    assert err.value.field == "image"


def test_pbr_is_deterministic_and_the_seed_changes_the_surface() -> None:
    a = make_pbr("stone", seed=5)
    b = make_pbr("stone", seed=5)
    c = make_pbr("stone", seed=6)
    assert [o.data for o in a.outputs] == [o.data for o in b.outputs]
    assert by_role(a)["main"].data != by_role(c)["main"].data
