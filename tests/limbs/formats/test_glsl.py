"""limbs.formats.glsl: good shaders in three dialects pass; each kind of breakage is caught,
by the parse check always and by glslangValidator when it is installed."""

from __future__ import annotations

import shutil

import pytest

from limbs.formats import OutputInvalid
from limbs.formats.glsl import parse_check, validate_glsl

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
