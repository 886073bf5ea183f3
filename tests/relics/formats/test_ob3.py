"""RuneScape Classic .ob3 models: decode/encode round trips, malformed input, GLB output."""

from __future__ import annotations

import io
import json
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from limbs.formats.glb import validate_glb
from relics.formats.errors import RelicFormatError
from relics.formats.jag import read_jag
from relics.formats.ob3 import (
    INVISIBLE,
    UNITS_PER_METRE,
    Ob3Face,
    Ob3Model,
    decode_ob3,
    encode_ob3,
    fill_kind,
    model_to_glb,
    rgb555,
    rgb_to_fill,
)
from tests.helpers.gltf import ROOT, accessor, embedded_image, issues_summary, khronos_validate, read_glb

RED = rgb_to_fill(248, 0, 0)
GREEN = rgb_to_fill(0, 248, 0)
BLUE = rgb_to_fill(0, 0, 248)


def cube(front: int = RED, back: int = INVISIBLE) -> Ob3Model:
    """A 256-unit cube in RSC axes (Y down), faces listed the way the client lists them."""
    s = 128
    v = tuple((x, y, z) for x in (-s, s) for y in (-s, s) for z in (-s, s))
    quads = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    return Ob3Model(v, tuple(Ob3Face(q, front, back, 0) for q in quads))


def assert_valid_glb(data: bytes) -> dict[str, Any]:
    report = khronos_validate(data)
    assert report["issues"]["numErrors"] == 0, issues_summary(report)
    assert report["issues"]["numWarnings"] == 0, issues_summary(report)
    return report


# --- decode / encode ------------------------------------------------------------------------


def test_a_small_model_encodes_to_the_documented_layout_and_decodes_back() -> None:
    model = Ob3Model(((1, -2, 3), (4, 5, -6), (7, 8, 9)), (Ob3Face((0, 1, 2), RED, INVISIBLE, 1),))
    data = encode_ob3(model)
    expected = (
        struct.pack(">HH", 3, 1)
        + struct.pack(">3h", 1, 4, 7)
        + struct.pack(">3h", -2, 5, 8)
        + struct.pack(">3h", 3, -6, 9)
        + bytes([3])
        + struct.pack(">h", RED)
        + struct.pack(">h", INVISIBLE)
        + bytes([1])
        + bytes([0, 1, 2])
    )
    assert data == expected
    assert decode_ob3(data) == model


def test_models_with_256_vertices_or_more_store_two_byte_indices() -> None:
    verts = tuple((i, -i, i % 7) for i in range(300))
    model = Ob3Model(verts, (Ob3Face((0, 299, 150), GREEN, BLUE, 0), Ob3Face((1, 2, 3, 4), BLUE, RED, 1)))
    data = encode_ob3(model)
    assert len(data) == 4 + 6 * 300 + 6 * 2 + 2 * 7
    assert decode_ob3(data) == model


_coord = st.integers(-32768, 32767)
_fill = st.one_of(st.just(INVISIBLE), st.integers(-32768, -1), st.integers(0, 60))


@st.composite
def models(draw: st.DrawFn) -> Ob3Model:
    nv = draw(st.sampled_from([1, 3, 17, 255, 256, 400]))
    verts = tuple((draw(_coord), draw(_coord), draw(_coord)) for _ in range(min(nv, 3))) + tuple(
        (i, 2 * i, -i) for i in range(max(0, nv - 3))
    )
    faces = draw(
        st.lists(
            st.builds(
                Ob3Face,
                st.lists(st.integers(0, nv - 1), min_size=0, max_size=9).map(tuple),
                _fill,
                _fill,
                st.integers(0, 255),
            ),
            max_size=12,
        )
    )
    return Ob3Model(verts, tuple(faces))


@settings(max_examples=200, deadline=None)
@given(models())
def test_any_model_survives_an_encode_decode_round_trip(model: Ob3Model) -> None:
    assert decode_ob3(encode_ob3(model)) == model


def test_fills_read_as_invisible_colour_or_texture_and_rgb555_scales_by_eight() -> None:
    assert fill_kind(INVISIBLE) == "invisible"
    assert fill_kind(-1) == "colour"
    assert fill_kind(17) == "texture"
    # x = -v - 1 = 0b11111_10000_00001 -> (31, 16, 1) * 8
    assert rgb555(-((31 << 10) | (16 << 5) | 1) - 1) == (248, 128, 8)
    assert rgb555(rgb_to_fill(200, 100, 50)) == (200, 96, 48)


# --- malformed input ------------------------------------------------------------------------


def test_a_truncated_model_names_the_offset_and_what_was_missing() -> None:
    data = encode_ob3(cube())
    with pytest.raises(RelicFormatError) as info:
        decode_ob3(data[:-3])
    assert info.value.offset == 4 + 6 * 8 + 6 * 6
    assert "face vertex indices" in info.value.expected
    with pytest.raises(RelicFormatError) as info:
        decode_ob3(b"\x00")
    assert info.value.offset == 0


def test_impossible_counts_fail_at_once_instead_of_reading_garbage() -> None:
    with pytest.raises(RelicFormatError) as info:
        decode_ob3(struct.pack(">HH", 65535, 65535) + b"\x00" * 64)
    assert info.value.offset == 4
    assert "65535 vertices" in info.value.expected


def test_a_face_index_past_the_last_vertex_is_rejected_at_its_offset() -> None:
    data = bytearray(encode_ob3(cube()))
    index_start = 4 + 6 * 8 + 6 * 6
    data[index_start + 5] = 8
    with pytest.raises(RelicFormatError) as info:
        decode_ob3(bytes(data), "box.ob3")
    assert info.value.offset == index_start + 5
    assert info.value.found == "8"
    assert str(info.value).startswith("box.ob3 at offset")


def test_trailing_bytes_after_the_last_face_are_rejected() -> None:
    data = encode_ob3(cube())
    with pytest.raises(RelicFormatError) as info:
        decode_ob3(data + b"\x00\x00")
    assert info.value.offset == len(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_raise_only_relic_format_errors(data: bytes) -> None:
    try:
        decode_ob3(data)
    except RelicFormatError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 255), st.integers(0, 200))
def test_corrupted_real_shaped_models_raise_only_relic_format_errors(seed: int, value: int, cut: int) -> None:
    data = bytearray(encode_ob3(cube(RED, BLUE)))
    data[seed % len(data)] = value
    try:
        model = decode_ob3(bytes(data[: len(data) - cut % 8]))
    except RelicFormatError:
        return
    model_to_glb(model)


# --- GLB ------------------------------------------------------------------------------------


def test_a_coloured_cube_becomes_a_valid_glb_with_its_face_colours() -> None:
    glb = model_to_glb(cube(RED))
    assert_valid_glb(glb)
    doc, binary = read_glb(glb)
    prim = doc["meshes"][0]["primitives"][0]
    positions = accessor(doc, binary, prim["attributes"]["POSITION"])
    colours = accessor(doc, binary, prim["attributes"]["COLOR_0"])
    assert positions.shape == (6 * 2 * 3, 3)
    assert np.allclose(np.abs(positions), 128 / UNITS_PER_METRE)
    # 248/255 in sRGB is about 0.939 in linear light; green and blue are zero.
    assert np.allclose(colours, [[0.9387, 0.0, 0.0]], atol=1e-3)


def test_y_points_up_and_the_model_is_turned_not_mirrored() -> None:
    model = Ob3Model(((0, -256, 0), (128, 0, 0), (0, 0, 128)), (Ob3Face((0, 1, 2), RED, INVISIBLE, 0),))
    doc, binary = read_glb(model_to_glb(model))
    pos = accessor(doc, binary, doc["meshes"][0]["primitives"][0]["attributes"]["POSITION"])
    # RSC y = -256 is 2 m *above* the ground; z is negated too, keeping the handedness.
    assert {tuple(p) for p in pos.tolist()} == {(0.0, 2.0, 0.0), (1.0, 0.0, 0.0), (0.0, 0.0, -1.0)}


def test_front_faces_of_a_closed_cube_face_outward_and_back_faces_inward() -> None:
    def signed_volume(model: Ob3Model) -> float:
        doc, binary = read_glb(model_to_glb(model))
        p = accessor(doc, binary, doc["meshes"][0]["primitives"][0]["attributes"]["POSITION"]).reshape(
            -1, 3, 3
        )
        return float(np.einsum("ij,ij->i", p[:, 0], np.cross(p[:, 1], p[:, 2])).sum() / 6)

    assert signed_volume(cube(RED, INVISIBLE)) == pytest.approx(8.0)
    assert signed_volume(
        Ob3Model(cube().vertices, tuple(Ob3Face(f.vertices, INVISIBLE, RED) for f in cube().faces))
    ) == pytest.approx(-8.0)


def test_invisible_sides_and_degenerate_triangles_are_skipped_and_ngons_are_fanned() -> None:
    verts = ((0, 0, 0), (100, 0, 0), (100, 0, 100), (50, 0, 150), (0, 0, 100), (200, 0, 0))
    faces = (
        Ob3Face((0, 1, 2, 3, 4), RED, GREEN, 0),  # pentagon, both sides: 3 + 3 triangles
        Ob3Face((0, 1, 5), BLUE, INVISIBLE, 0),  # collinear: degenerate, dropped
        Ob3Face((0, 1, 2), INVISIBLE, INVISIBLE, 0),  # invisible on both sides
        Ob3Face((0, 1), RED, RED, 0),  # too few vertices to draw
    )
    glb = model_to_glb(Ob3Model(verts, faces))
    assert_valid_glb(glb)
    doc, binary = read_glb(glb)
    prim = doc["meshes"][0]["primitives"][0]
    assert doc["accessors"][prim["attributes"]["POSITION"]]["count"] == 6 * 3
    colours = accessor(doc, binary, prim["attributes"]["COLOR_0"])
    assert (colours[:, 0] > 0.9).sum() == 9 and (colours[:, 1] > 0.9).sum() == 9
    normals = accessor(doc, binary, prim["attributes"]["NORMAL"])
    assert {round(float(n), 3) for n in normals[:, 1]} == {1.0, -1.0}


def test_a_model_without_visible_faces_is_a_valid_glb_with_an_empty_scene() -> None:
    model = Ob3Model(((0, 0, 0), (1, 0, 0), (0, 1, 0)), (Ob3Face((0, 1, 2), INVISIBLE, INVISIBLE, 0),))
    glb = model_to_glb(model)
    assert_valid_glb(glb)
    (json_len,) = struct.unpack_from("<I", glb, 12)
    assert len(glb) == 20 + json_len  # a JSON chunk only: there is no geometry to store
    doc = json.loads(glb[20:])
    assert "meshes" not in doc
    assert doc["scenes"] == [{}]
    assert validate_glb(glb)["meshes"] == 0


def test_gouraud_faces_share_smoothed_normals_at_common_vertices() -> None:
    flat = model_to_glb(Ob3Model(cube().vertices, cube().faces))
    smooth = model_to_glb(
        Ob3Model(cube().vertices, tuple(Ob3Face(f.vertices, RED, INVISIBLE, 1) for f in cube().faces))
    )
    assert_valid_glb(smooth)
    for glb, expected in ((flat, 1.0), (smooth, 1 / np.sqrt(3))):
        doc, binary = read_glb(glb)
        normals = accessor(doc, binary, doc["meshes"][0]["primitives"][0]["attributes"]["NORMAL"])
        assert np.allclose(np.abs(normals).max(axis=1), expected, atol=1e-5)


def test_textured_faces_get_their_texture_stretched_across_the_face() -> None:
    checker = np.zeros((8, 8, 4), dtype=np.uint8)
    checker[..., 3] = 255
    checker[::2, ::2, 0] = 255
    checker[0, 0, 3] = 0  # one cut-out pixel turns on alpha masking
    model = Ob3Model(
        cube().vertices, (Ob3Face((0, 1, 3, 2), 5, INVISIBLE, 0), Ob3Face((4, 6, 7, 5), RED, 9, 0))
    )
    glb = model_to_glb(model, lambda tid: checker if tid == 5 else None)
    assert_valid_glb(glb)
    doc, binary = read_glb(glb)
    prims = doc["meshes"][0]["primitives"]
    assert len(prims) == 2
    textured = next(p for p in prims if "TEXCOORD_0" in p["attributes"])
    material = doc["materials"][textured["material"]]
    assert material["alphaMode"] == "MASK"
    assert material["pbrMetallicRoughness"]["baseColorTexture"]["index"] == 0
    uv = accessor(doc, binary, textured["attributes"]["TEXCOORD_0"])
    assert {tuple(np.round(u, 5)) for u in uv.tolist()} == {(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)}
    png = Image.open(io.BytesIO(embedded_image(doc, binary)))
    assert np.array_equal(np.asarray(png.convert("RGBA")), checker)
    # Texture 9 has no image, so that back side falls back to mid-grey vertex colour.
    plain = next(p for p in prims if "COLOR_0" in p["attributes"])
    colours = accessor(doc, binary, plain["attributes"]["COLOR_0"])
    grey = np.all(np.isclose(colours, 0.2158, atol=1e-3), axis=1)
    assert grey.sum() == 6 and (colours[~grey, 0] > 0.9).all()


def test_without_a_texture_lookup_textured_faces_are_mid_grey() -> None:
    model = Ob3Model(cube().vertices, tuple(Ob3Face(f.vertices, 3, INVISIBLE, 0) for f in cube().faces))
    glb = model_to_glb(model)
    assert_valid_glb(glb)
    doc, binary = read_glb(glb)
    assert "textures" not in doc
    colours = accessor(doc, binary, doc["meshes"][0]["primitives"][0]["attributes"]["COLOR_0"])
    assert np.allclose(colours, 0.2158, atol=1e-3)  # sRGB 128 in linear light


# --- the real cache -------------------------------------------------------------------------

_BATCH_VALIDATOR = """
const validator = require("gltf-validator");
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", async () => {
  const all = Buffer.concat(chunks);
  const out = [];
  for (let p = 0; p < all.length; ) {
    const n = all.readUInt32LE(p);
    const bytes = new Uint8Array(all.subarray(p + 4, p + 4 + n));
    p += 4 + n;
    try {
      const r = await validator.validateBytes(bytes, { maxIssues: 0, writeTimestamp: false });
      const serious = r.issues.messages.filter((m) => m.severity <= 1);
      out.push({ errors: r.issues.numErrors, warnings: r.issues.numWarnings,
                 messages: serious.map((m) => m.code + " " + m.message) });
    } catch (e) {
      out.push({ errors: -1, warnings: 0, messages: [String(e)] });
    }
  }
  process.stdout.write(JSON.stringify(out));
});
"""


def khronos_validate_many(glbs: list[bytes]) -> list[dict[str, Any]]:
    """The Khronos validator over many GLBs in one node process (one per GLB takes minutes)."""
    node = shutil.which("node")
    assert node is not None, "node is not on PATH; the glTF validator cannot run"
    assert (Path(ROOT) / "node_modules" / "gltf-validator").is_dir(), "run `npm ci` for gltf-validator"
    payload = b"".join(struct.pack("<I", len(g)) + g for g in glbs)
    proc = subprocess.run(
        [node, "-e", _BATCH_VALIDATOR], input=payload, capture_output=True, cwd=ROOT, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    reports: list[dict[str, Any]] = json.loads(proc.stdout)
    assert len(reports) == len(glbs)
    return reports


def test_the_batch_validator_flags_a_broken_glb_among_good_ones() -> None:
    good = model_to_glb(cube())
    doc, binary = read_glb(good)
    doc["accessors"][0]["count"] += 1000
    from tests.helpers.gltf import pack_glb

    reports = khronos_validate_many([good, pack_glb(doc, binary), good])
    assert [r["errors"] == 0 for r in reports] == [True, False, True]


@pytest.fixture(scope="module")
def real_models(rsc_cache_dir: Path) -> dict[int, bytes]:
    return read_jag((rsc_cache_dir / "models36.jag").read_bytes(), "models36.jag").entries


def test_every_model_in_the_real_cache_decodes_and_re_encodes_byte_for_byte(
    real_models: dict[int, bytes],
) -> None:
    assert len(real_models) > 400
    # How fast is bench/relics.py's business (docs/benchmarks.md), never a test's.
    decoded = {h: decode_ob3(data, f"model {h:#010x}") for h, data in real_models.items()}
    assert all(m.visible_sides > 0 for m in decoded.values())
    for h, model in decoded.items():
        assert encode_ob3(model) == real_models[h]


def test_every_model_in_the_real_cache_converts_to_a_glb_the_khronos_validator_accepts(
    real_models: dict[int, bytes],
) -> None:
    names = list(real_models)
    glbs = [model_to_glb(decode_ob3(real_models[h]), name=f"{h:#010x}") for h in names]
    reports = khronos_validate_many(glbs)
    bad = {f"{h:#010x}": r for h, r in zip(names, reports, strict=True) if r["errors"] or r["warnings"]}
    assert not bad, json.dumps(dict(list(bad.items())[:5]), indent=1)


def test_config_model_names_find_their_models_in_the_real_cache(
    rsc_cache_dir: Path, real_models: dict[int, bytes]
) -> None:
    from relics.formats.config import read_config
    from relics.formats.jag import name_hash

    config = read_config(read_jag((rsc_cache_dir / "config85.jag").read_bytes(), "config85.jag"))
    names = config.model_names()
    found = [n for n in names if name_hash(f"{n}.ob3") in real_models]
    assert "tree2" in found
    assert len(found) >= 0.9 * len(names)


def test_real_textured_models_embed_the_real_textures_and_stay_valid(
    rsc_cache_dir: Path, real_models: dict[int, bytes]
) -> None:
    from relics.formats.config import read_config
    from relics.formats.sprites import SpriteSource, texture_rgba

    config = read_config(read_jag((rsc_cache_dir / "config85.jag").read_bytes(), "config85.jag"))
    source = SpriteSource(read_jag((rsc_cache_dir / "textures17.jag").read_bytes(), "textures17.jag"))
    cache: dict[int, np.ndarray] = {}

    def lookup(texture_id: int) -> np.ndarray | None:
        if texture_id >= len(config.textures):
            return None
        if texture_id not in cache:
            cache[texture_id] = texture_rgba(source, config.textures[texture_id])
        return cache[texture_id]

    textured = [
        model
        for model in (decode_ob3(data) for data in real_models.values())
        if any(fill_kind(f) == "texture" for face in model.faces for f in (face.front, face.back))
    ]
    assert len(textured) > 100
    glbs = [model_to_glb(model, lookup) for model in textured]
    with_images = [read_glb(g)[0] for g in glbs]
    assert sum("images" in doc for doc in with_images) == len(textured)
    assert any(doc["materials"][-1].get("alphaMode") == "MASK" for doc in with_images)  # leaves, fences
    reports = khronos_validate_many(glbs)
    assert all(r["errors"] == 0 and r["warnings"] == 0 for r in reports), [
        r for r in reports if r["messages"]
    ][:3]
