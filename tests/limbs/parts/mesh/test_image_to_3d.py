"""mesh.image_to_3d: pictures become textured GLBs that pass the Khronos validator."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
import trimesh
from PIL import Image, ImageDraw

from limbs.formats.glb import validate_glb
from limbs.parts.image import generate, sprite
from limbs.parts.mesh.image_to_3d import ACTION, make
from limbs.registry import get_action
from limbs.spec import GeneratorInputError, GenRequest, GenResult, Tension
from tests.helpers.gltf import accessor, embedded_image, issues_summary, khronos_validate, read_glb

NEAREST = 9728


def to_3d(data: bytes, tension: Tension = "medium", intent: str = "", **params: Any) -> GenResult:
    req = GenRequest(
        intent=intent,
        params={"mode": "auto", "depth": 0.25, **params},
        seed=1,
        tension=tension,
        inputs={"image": data},
    )
    return make(req)


def png_bytes(im: Image.Image, fmt: str = "PNG", **kw: Any) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def assert_khronos_clean(glb: bytes) -> dict[str, Any]:
    report = khronos_validate(glb)
    issues = report["issues"]
    assert issues["numErrors"] == 0, issues_summary(report)
    assert issues["numWarnings"] == 0, issues_summary(report)
    return report


@pytest.fixture(scope="module")
def sprite_png() -> bytes:
    req = GenRequest(
        intent="a green monster", params={"size": 32, "kind": "creature", "outline": True}, seed=3
    )
    return sprite.make(req).outputs[0].data


@pytest.fixture(scope="module")
def scene_png() -> bytes:
    req = GenRequest(intent="a red dragon", params={"width": 512, "height": 512, "style": "auto"}, seed=3)
    return generate.make(req).outputs[0].data


@pytest.fixture(scope="module")
def logo_png() -> bytes:
    """An opaque picture on a clean white border, with a white hole in the middle."""
    im = Image.new("RGB", (300, 200), (255, 255, 255))
    d = ImageDraw.Draw(im)
    d.ellipse((40, 30, 260, 170), fill=(220, 40, 40))
    d.ellipse((120, 80, 180, 120), fill=(255, 255, 255))
    return png_bytes(im)


def test_registry_maps_image_to_3d() -> None:
    assert get_action("mesh", "image_to_3d").make is make  # type: ignore[union-attr]


def test_sprite_extrudes_per_pixel_into_a_valid_glb(sprite_png: bytes) -> None:
    result = to_3d(sprite_png, intent="green monster")
    out = result.outputs[0]
    assert out.mime == "model/gltf-binary"
    assert out.role == "main"
    assert out.name == "green-monster.glb"
    assert out.meta["mode"] == "extrude"
    assert_khronos_clean(out.data)
    doc, binary = read_glb(out.data)
    sampler = doc["samplers"][0]
    assert sampler["magFilter"] == NEAREST and sampler["minFilter"] == NEAREST
    # Per-pixel (voxel) geometry: every x and y sits on a whole number of pixel steps.
    pos = accessor(doc, binary, doc["meshes"][0]["primitives"][0]["attributes"]["POSITION"]).astype(float)
    xs = np.unique(np.round(pos[:, 0], 5))
    span = xs[-1] - xs[0]
    step = span / round(span / np.diff(xs).min())
    assert 1 / 33 < step < 1 / 20
    for axis in (0, 1):
        steps = (pos[:, axis] - pos[:, axis].min()) / step
        assert np.allclose(steps, np.round(steps), atol=1e-3)


def test_scene_becomes_a_relief_that_passes_khronos_and_keeps_the_full_texture(scene_png: bytes) -> None:
    out = to_3d(scene_png).outputs[0]
    assert out.meta["mode"] == "relief"
    assert_khronos_clean(out.data)
    doc, binary = read_glb(out.data)
    with Image.open(io.BytesIO(embedded_image(doc, binary))) as tex:
        assert tex.size == (512, 512)
    assert out.meta["vertices"] < 512 * 512 // 8  # geometry is downsampled
    assert doc["samplers"][0]["magFilter"] != NEAREST


def test_jpeg_input_passes_khronos(scene_png: bytes) -> None:
    jpeg = png_bytes(Image.open(io.BytesIO(scene_png)).convert("RGB"), "JPEG", quality=85)
    out = to_3d(jpeg).outputs[0]
    assert_khronos_clean(out.data)


def test_tiny_8px_input_passes_khronos(sprite_png: bytes) -> None:
    tiny = png_bytes(Image.open(io.BytesIO(sprite_png)).resize((8, 8), Image.Resampling.NEAREST))
    for mode in ("extrude", "relief"):
        out = to_3d(tiny, mode=mode).outputs[0]
        assert out.meta["mode"] == mode
        assert_khronos_clean(out.data)


def test_logo_on_white_extrudes_and_keeps_its_white_hole(logo_png: bytes) -> None:
    out = to_3d(logo_png).outputs[0]
    assert out.meta["mode"] == "extrude"
    report = khronos_validate(out.data)
    assert report["issues"]["numErrors"] == 0, issues_summary(report)
    doc, binary = read_glb(out.data)
    with Image.open(io.BytesIO(embedded_image(doc, binary))) as tex:
        rgb = np.asarray(tex.convert("RGB")).astype(int)
    assert rgb[100, 150].min() > 240  # the hole stays white
    assert rgb[100, 60, 0] > 180 and rgb[100, 60, 1] < 80  # the disc stays red
    # The white border is not part of the model: it is narrower than the picture.
    lo, hi = np.array(out.meta["bounds"][0]), np.array(out.meta["bounds"][1])
    assert hi[1] - lo[1] < (hi[0] - lo[0]) * 0.7


def test_gif_and_webp_inputs_work(sprite_png: bytes) -> None:
    im = Image.open(io.BytesIO(sprite_png))
    for fmt in ("GIF", "WEBP"):
        kw = {"lossless": True} if fmt == "WEBP" else {}
        out = to_3d(png_bytes(im, fmt, **kw)).outputs[0]
        assert validate_glb(out.data)["triangles"] > 0


def test_fully_transparent_input_is_rejected_on_the_image_field() -> None:
    clear = png_bytes(Image.new("RGBA", (32, 32), (255, 0, 0, 0)))
    with pytest.raises(GeneratorInputError) as err:
        to_3d(clear)
    assert err.value.field == "image"
    assert "see-through" in err.value.message


@pytest.mark.parametrize(
    "data",
    [
        b"hello, I am not a picture",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
        b"glTF\x02\x00\x00\x00",
        b"%PDF-1.7 ...",
    ],
)
def test_bad_input_raises_a_clear_error(data: bytes) -> None:
    with pytest.raises(GeneratorInputError) as err:
        to_3d(data)
    assert err.value.field == "image"
    assert err.value.message


def test_truncated_png_is_rejected(scene_png: bytes) -> None:
    with pytest.raises(GeneratorInputError) as err:
        to_3d(scene_png[: len(scene_png) // 2])
    assert err.value.field == "image"


def test_missing_image_is_rejected() -> None:
    with pytest.raises(GeneratorInputError) as err:
        make(GenRequest(intent="", params={"mode": "auto", "depth": 0.25}, seed=1))
    assert err.value.field == "image"


def test_same_input_gives_identical_glb_bytes(sprite_png: bytes, logo_png: bytes) -> None:
    for data in (sprite_png, logo_png):
        assert to_3d(data).outputs[0].data == to_3d(data).outputs[0].data


def test_model_is_centred_y_up_and_about_one_unit_across(logo_png: bytes, sprite_png: bytes) -> None:
    for data in (logo_png, sprite_png):
        lo, hi = (np.array(b) for b in to_3d(data).outputs[0].meta["bounds"])
        assert np.allclose((lo + hi) / 2, 0.0, atol=1e-5)
        assert max(hi[0] - lo[0], hi[1] - lo[1]) == pytest.approx(1.0, abs=1e-5)
    # The logo is wider than tall, so x is its long side; y (up) is the short one.
    lo, hi = (np.array(b) for b in to_3d(logo_png).outputs[0].meta["bounds"])
    assert hi[0] - lo[0] > hi[1] - lo[1]


def test_depth_sets_the_thickness_as_a_fraction_of_the_width(sprite_png: bytes) -> None:
    for depth in (0.05, 0.25, 1.0):
        lo, hi = (np.array(b) for b in to_3d(sprite_png, depth=depth).outputs[0].meta["bounds"])
        assert hi[2] - lo[2] == pytest.approx(depth * (hi[0] - lo[0]), rel=1e-4)


@pytest.mark.parametrize("mode", ["extrude", "relief"])
def test_faces_are_wound_outward_into_a_closed_solid(sprite_png: bytes, logo_png: bytes, mode: str) -> None:
    for data in (sprite_png, logo_png):
        glb = to_3d(data, mode=mode).outputs[0].data
        solid = trimesh.load(io.BytesIO(glb), file_type="glb", force="mesh", process=False)
        assert isinstance(solid, trimesh.Trimesh)
        solid.merge_vertices(merge_tex=True, merge_norm=True)
        assert solid.is_watertight
        assert solid.is_winding_consistent
        assert solid.volume > 0  # outward winding


def test_normals_are_unit_length_and_agree_with_the_winding(logo_png: bytes) -> None:
    doc, binary = read_glb(to_3d(logo_png).outputs[0].data)
    attrs = doc["meshes"][0]["primitives"][0]["attributes"]
    pos = accessor(doc, binary, attrs["POSITION"]).astype(float)
    nrm = accessor(doc, binary, attrs["NORMAL"]).astype(float)
    tris = accessor(doc, binary, doc["meshes"][0]["primitives"][0]["indices"]).reshape(-1, 3)
    assert np.allclose(np.linalg.norm(nrm, axis=1), 1.0, atol=1e-4)
    face = np.cross(pos[tris[:, 1]] - pos[tris[:, 0]], pos[tris[:, 2]] - pos[tris[:, 0]])
    agree = (face * nrm[tris].mean(axis=1)).sum(axis=1)
    assert (agree > 0).mean() > 0.99


def test_material_is_textured_and_not_metallic(logo_png: bytes) -> None:
    doc, _ = read_glb(to_3d(logo_png).outputs[0].data)
    pbr = doc["materials"][0]["pbrMetallicRoughness"]
    assert pbr["metallicFactor"] < 0.5
    assert "baseColorTexture" in pbr
    assert doc["images"][0]["mimeType"] == "image/png"


def test_meta_matches_the_glb(scene_png: bytes) -> None:
    out = to_3d(scene_png, mode="extrude", tension="low").outputs[0]
    report = validate_glb(out.data)
    assert report["vertices"] == out.meta["vertices"]
    assert report["triangles"] == out.meta["triangles"]
    assert report["has_texture"] is True
    assert report["bounds"] == out.meta["bounds"]
    assert out.meta["mode"] == "extrude"


def test_tension_sets_the_relief_grid(scene_png: bytes) -> None:
    counts = [to_3d(scene_png, tension=t, mode="relief").outputs[0].meta["vertices"] for t in ("low", "high")]
    assert counts[0] < counts[1]


def test_progress_is_reported() -> None:
    calls: list[tuple[float, str]] = []
    data = png_bytes(Image.new("RGBA", (16, 16), (200, 50, 50, 255)))
    req = GenRequest(
        intent="",
        params={"mode": "auto", "depth": 0.25},
        seed=1,
        inputs={"image": data},
        progress=lambda f, m: calls.append((f, m)),
    )
    make(req)
    assert len(calls) >= 3
    assert [f for f, _ in calls] == sorted(f for f, _ in calls)


def test_mesh_image_to_3d_has_exactly_the_agreed_schema() -> None:
    action = ACTION
    assert [p.name for p in action.params] == ["image", "mode", "depth"]
    image, mode, depth = action.params
    assert (image.type, image.required, image.accepts, image.label) == ("asset", True, ("image/",), "Picture")
    assert mode.type == "choice"
    assert mode.choices == ("auto", "extrude", "relief")
    assert mode.default == "auto"
    assert (depth.type, depth.minimum, depth.maximum, depth.default, depth.step) == (
        "number",
        0.05,
        1.0,
        0.25,
        0.05,
    )
    assert action.needs_intent is False
    assert action.output == "model"
