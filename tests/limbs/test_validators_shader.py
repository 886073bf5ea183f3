"""validate_glsl and validate_material: good files pass, and each kind of breakage is caught."""

from __future__ import annotations

import io
import json
import shutil
from typing import Any

import numpy as np
import pytest
from PIL import Image

from limbs.formats import OutputInvalid
from limbs.formats.glsl import parse_check, validate_glsl
from limbs.parts.material import pbr
from limbs.parts.material._agreement import validate_material
from limbs.spec import GenRequest

GOOD_300 = """#version 300 es
// a comment before code is fine
precision mediump float;
uniform float u_time;
uniform vec2 u_resolution;
out vec4 fragColor;

struct Light { vec3 colour; float power; };

float ring(vec2 p, float r) {
    return abs(length(p) - r);
}

void main() {
    vec2 uv = gl_FragCoord.xy / u_resolution, centre = vec2(0.5);
    Light light = Light(vec3(1.0, 0.5, 0.2), 2.0);
    float d = ring(uv - centre, 0.3 + 0.05 * sin(u_time));
    for (int i = 0; i < 3; i++) {
        d *= 0.9;
    }
    fragColor = vec4(light.colour * light.power * smoothstep(0.02, 0.0, d), 1.0);
}
"""

GOOD_100 = """#version 100
precision mediump float;
uniform float u_time;
#define TAU 6.28318
void main(void) {
    gl_FragColor = vec4(vec3(0.5 + 0.5 * sin(u_time * TAU)), 1.0);
}
"""

GOOD_330 = """#version 330 core
uniform vec2 u_resolution;
layout(location = 0) out vec4 colour;
void main() {
    colour = vec4(gl_FragCoord.xy / u_resolution, 0.0, 1.0);
}
"""

BROKEN: dict[str, tuple[str, str]] = {
    "missing closing brace": (GOOD_300.rstrip().removesuffix("}"), "never closed"),
    "extra closing paren": (GOOD_300.replace("sin(u_time))", "sin(u_time)))"), "unbalanced"),
    "undeclared uniform": (
        GOOD_300.replace("sin(u_time)", "sin(u_mouse.x)"),
        "'u_mouse' is used but never declared",
    ),
    "misspelt variable": (GOOD_300.replace("uv - centre", "uv - center"), "'center'"),
    "no main": (GOOD_300.replace("void main()", "void mane()"), "no 'void main()'"),
    "version not first": ("precision mediump float;\n" + GOOD_300, "first line must be a #version"),
    "unknown version": (GOOD_300.replace("300 es", "301 es"), "unknown GLSL version"),
    "gl_FragColor in 300 es": (GOOD_300.replace("fragColor = vec4", "gl_FragColor = vec4"), "gl_FragColor"),
    "no out variable": (GOOD_300.replace("out vec4 fragColor;", ""), "must declare an 'out vec4'"),
    "colour never written": (GOOD_330.replace("colour = vec4", "vec4 c = vec4"), "never writes"),
    "es without precision": (GOOD_300.replace("precision mediump float;", ""), "precision"),
    "unterminated comment": (GOOD_300.replace("// a comment", "/* a comment"), "unterminated"),
}


def test_hand_written_shaders_in_three_dialects_pass_the_parse_check() -> None:
    assert parse_check(GOOD_300)["version"] == "300 es"
    assert parse_check(GOOD_300)["uniforms"] == ["u_time", "u_resolution"]
    assert parse_check(GOOD_100)["outputs"] == ["gl_FragColor"]
    assert parse_check(GOOD_330)["outputs"] == ["colour"]


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_the_parse_check_fails_a_broken_shader(case: str) -> None:
    source, message = BROKEN[case]
    with pytest.raises(OutputInvalid) as err:
        validate_glsl(source, use_glslang=False)
    assert message in str(err.value)


def test_the_parse_check_reports_the_line_of_an_undeclared_identifier() -> None:
    source = GOOD_300.replace("d *= 0.9;", "d *= fade;")
    with pytest.raises(OutputInvalid, match=r"line 19: 'fade'"):
        validate_glsl(source, use_glslang=False)


def test_empty_or_binary_shaders_are_refused() -> None:
    for bad in ("", "   \n", b"\xff\xfe\x00"):
        with pytest.raises(OutputInvalid):
            validate_glsl(bad, use_glslang=False)


needs_glslang = pytest.mark.skipif(
    shutil.which("glslangValidator") is None, reason="glslangValidator is not installed (apt: glslang-tools)"
)


@needs_glslang
def test_the_compiler_accepts_good_shaders_and_rejects_the_broken_ones() -> None:
    for good in (GOOD_300, GOOD_100, GOOD_330):
        assert validate_glsl(good)["checker"] == "glslangValidator"
    for case in ("missing closing brace", "undeclared uniform", "no main", "gl_FragColor in 300 es"):
        with pytest.raises(OutputInvalid, match="glslangValidator"):
            validate_glsl(BROKEN[case][0])


def test_asking_for_the_compiler_when_it_is_missing_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(OutputInvalid, match="not installed"):
        validate_glsl(GOOD_300, use_glslang=True)
    assert validate_glsl(GOOD_300)["checker"] == "parse"


# ---------------------------------------------------------------------------------------
# validate_material
# ---------------------------------------------------------------------------------------


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
