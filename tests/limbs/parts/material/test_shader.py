"""material.shader: GLSL fragment shaders that pass the parse check (and the compiler when installed)."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from limbs.formats.glsl import validate_glsl
from limbs.parts.material import shader
from limbs.spec import GeneratorInputError, GenRequest, GenResult

EFFECTS = ("auto", "water", "fire", "hologram", "plasma", "dissolve", "outline", "toon")


def make_shader(intent: str = "", seed: int = 1, **params: Any) -> GenResult:
    full = {"effect": "auto", "animated": True, "dialect": "glsl-es-300", **params}
    return shader.make(GenRequest(intent=intent, params=full, seed=seed))


def test_every_effect_in_both_dialects_passes_the_parse_check_and_the_compiler_when_installed() -> None:
    for effect in EFFECTS:
        for dialect in ("glsl-es-300", "glsl-330"):
            for animated in (True, False):
                out = make_shader("", effect=effect, dialect=dialect, animated=animated).outputs[0]
                source = out.data.decode()
                report = validate_glsl(source, use_glslang=False)
                assert report["version"] == ("300 es" if dialect == "glsl-es-300" else "330")
                assert set(report["uniforms"]) == {"u_time", "u_resolution"}
                if shutil.which("glslangValidator"):
                    assert validate_glsl(source)["checker"] == "glslangValidator"
                assert out.name.endswith(".frag")


def test_auto_reads_the_effect_from_the_words() -> None:
    picks = {
        i: make_shader(i).meta["effect"]
        for i in ("bubbling lava", "a calm blue lake", "a force field", "stars twinkling", "burning torch")
    }
    assert picks == {
        "bubbling lava": "lava",
        "a calm blue lake": "water",
        "a force field": "forcefield",
        "stars twinkling": "stars",
        "burning torch": "fire",
    }
    for intent in picks:
        validate_glsl(make_shader(intent).outputs[0].data, use_glslang=False)


def test_the_shader_only_includes_the_snippets_its_effect_uses() -> None:
    lava = make_shader("lava")
    src = lava.outputs[0].data.decode()
    assert "vec2 voronoi(" in src and "float fbm(" in src and "float noise(" in src
    assert "float stripes(" not in src
    assert lava.meta["snippets"] == ["hash", "voronoi", "noise", "fbm", "glow"]


def test_a_still_shader_does_not_follow_the_clock() -> None:
    moving = make_shader("water", animated=True).outputs[0].data.decode()
    still = make_shader("water", animated=False).outputs[0].data.decode()
    assert "float t = u_time * SPEED;" in moving
    assert "float t = u_time * SPEED;" not in still and "0.0 * u_time" in still


def test_colour_words_and_seeds_change_the_shader_and_requests_repeat_exactly() -> None:
    plain = make_shader("water").outputs[0].data
    pink = make_shader("pink water").outputs[0].data
    assert plain != pink and b"#define C1 vec3(" in pink
    assert make_shader("water", seed=2).outputs[0].data != plain
    assert make_shader("water").outputs[0].data == plain


def test_an_unknown_dialect_or_effect_is_refused_by_name() -> None:
    with pytest.raises(GeneratorInputError) as err:
        make_shader("", dialect="hlsl")
    assert err.value.field == "dialect"
    with pytest.raises(GeneratorInputError) as err:
        make_shader("", effect="sparkles")
    assert err.value.field == "effect"
