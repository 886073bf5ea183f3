"""Material · Shader: A GLSL fragment shader for effects like water, fire or holograms.

Composed from a small library of GLSL snippets (noise, Voronoi, SDFs, palettes), only
the ones the effect uses, with colours and scale from the words and the seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from limbs.craft import words as words
from limbs.craft.words import RGB
from limbs.params import boolean, choice, kw
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output

SNIPPETS: dict[str, tuple[tuple[str, ...], str]] = {
    "hash": (
        (),
        """float hash12(vec2 p) {
    vec3 p3 = fract(vec3(p.xyx) * 0.1031);
    p3 += dot(p3, p3.yzx + 33.33);
    return fract((p3.x + p3.y) * p3.z);
}

vec2 hash22(vec2 p) {
    vec3 p3 = fract(vec3(p.xyx) * vec3(0.1031, 0.1030, 0.0973));
    p3 += dot(p3, p3.yzx + 33.33);
    return fract((p3.xx + p3.yz) * p3.zy);
}""",
    ),
    "noise": (
        ("hash",),
        """float noise(vec2 p) {
    vec2 i = floor(p);
    vec2 f = fract(p);
    vec2 u = f * f * (3.0 - 2.0 * f);
    float a = hash12(i);
    float b = hash12(i + vec2(1.0, 0.0));
    float c = hash12(i + vec2(0.0, 1.0));
    float d = hash12(i + vec2(1.0, 1.0));
    return mix(mix(a, b, u.x), mix(c, d, u.x), u.y);
}""",
    ),
    "fbm": (
        ("noise",),
        """float fbm(vec2 p) {
    float sum = 0.0;
    float amp = 0.5;
    mat2 turn = mat2(0.8, 0.6, -0.6, 0.8);
    for (int i = 0; i < FBM_OCTAVES; i++) {
        sum += amp * noise(p);
        p = turn * p * 2.02;
        amp *= 0.5;
    }
    return sum;
}""",
    ),
    "voronoi": (
        ("hash",),
        """vec2 voronoi(vec2 p, float t) {
    vec2 cell = floor(p);
    vec2 f = fract(p);
    float d1 = 8.0;
    float d2 = 8.0;
    for (int y = -1; y <= 1; y++) {
        for (int x = -1; x <= 1; x++) {
            vec2 o = vec2(float(x), float(y));
            vec2 r = hash22(cell + o);
            r = 0.5 + 0.5 * sin(t + 6.2831 * r);
            float d = length(o + r - f);
            if (d < d1) {
                d2 = d1;
                d1 = d;
            } else if (d < d2) {
                d2 = d;
            }
        }
    }
    return vec2(d1, d2);
}""",
    ),
    "stripes": (
        (),
        """float stripes(float x, float count, float width) {
    float s = fract(x * count);
    return smoothstep(0.0, width, s) * smoothstep(1.0, 1.0 - width, s);
}""",
    ),
    "waves": (
        (),
        """float waves(vec2 p, float t) {
    float w = sin(p.x * 6.0 + t) * 0.5;
    w += sin(p.y * 7.3 - t * 1.3) * 0.3;
    w += sin((p.x + p.y) * 11.0 + t * 0.7) * 0.2;
    return w;
}""",
    ),
    "glow": (
        (),
        """float glow(float dist, float radius, float softness) {
    return pow(radius / max(dist, 1e-4), softness);
}""",
    ),
    "palette": (
        (),
        """vec3 palette(float t, vec3 a, vec3 b, vec3 c, vec3 d) {
    return a + b * cos(6.28318 * (c * t + d));
}""",
    ),
    "rotate": (
        (),
        """mat2 rotate2d(float a) {
    float c = cos(a);
    float s = sin(a);
    return mat2(c, s, -s, c);
}""",
    ),
    "sdf": (
        (),
        """float sdCircle(vec2 p, float r) {
    return length(p) - r;
}

float sdStar(vec2 p, float r, float n, float inset) {
    float a = atan(p.y, p.x);
    float k = cos(floor(0.5 + a * n / 6.28318) * 6.28318 / n - a);
    return length(p) * k - r * mix(1.0, inset, 0.5 + 0.5 * cos(a * n));
}""",
    ),
}


def _vec3(c: Sequence[float]) -> str:
    return "vec3({:.3f}, {:.3f}, {:.3f})".format(*c)


def _c(rgb: RGB) -> str:
    return _vec3([x / 255.0 for x in rgb])


@dataclass(frozen=True)
class Effect:
    name: str
    words: tuple[str, ...]
    uses: tuple[str, ...]
    colours: tuple[RGB, RGB, RGB]
    body: str  # GLSL statements; may use uv, p, t, aspect, C0, C1, C2, SCALE; must set col and alpha


_EFFECTS: tuple[Effect, ...] = (
    Effect(
        "water",
        ("water", "sea", "ocean", "lake", "river", "pool", "wave", "waves", "underwater", "caustics", "pond"),
        ("voronoi", "waves", "fbm"),
        ((10, 60, 120), (40, 140, 200), (220, 250, 255)),
        """    vec2 q = p * SCALE;
    q += 0.15 * vec2(waves(q, t), waves(q.yx, t * 0.8));
    vec2 v = voronoi(q * 1.5, t * 0.6);
    float caustic = pow(1.0 - smoothstep(0.0, 0.6, v.y - v.x), 3.0);
    float depth = fbm(q * 0.5 + t * 0.05);
    vec3 col = mix(C0, C1, depth + 0.3 * uv.y);
    col += C2 * caustic * 0.6;
    float alpha = 1.0;""",
    ),
    Effect(
        "lava",
        ("lava", "magma", "molten", "volcano", "volcanic"),
        ("voronoi", "fbm", "glow"),
        ((40, 8, 4), (230, 70, 10), (255, 220, 90)),
        """    vec2 q = p * SCALE;
    float heat = fbm(q * 0.7 + vec2(t * 0.05, -t * 0.08));
    vec2 v = voronoi(q + heat, t * 0.15);
    float crack = 1.0 - smoothstep(0.0, 0.12, v.y - v.x);
    float pulse = 0.75 + 0.25 * sin(t * 1.7 + heat * 6.0);
    vec3 col = mix(C0, C0 * 1.8, heat);
    col = mix(col, mix(C1, C2, heat), crack * pulse);
    col += C1 * glow(v.y - v.x, 0.02, 1.2) * 0.08;
    float alpha = 1.0;""",
    ),
    Effect(
        "fire",
        ("fire", "flame", "flames", "burning", "torch", "campfire", "inferno", "blaze", "fiery"),
        ("fbm",),
        ((60, 0, 0), (255, 90, 10), (255, 240, 150)),
        """    vec2 q = vec2(p.x * SCALE, uv.y * SCALE - t * 1.5);
    float n = fbm(q + fbm(q + vec2(0.0, t * 0.3)));
    float shape = 1.0 - uv.y - abs(p.x) * 0.9;
    float flame = clamp(shape * 1.6 + n - 0.55, 0.0, 1.0);
    vec3 col = mix(C0, C1, smoothstep(0.0, 0.5, flame));
    col = mix(col, C2, smoothstep(0.55, 1.0, flame));
    float alpha = smoothstep(0.0, 0.25, flame);""",
    ),
    Effect(
        "forcefield",
        ("force", "forcefield", "shield", "barrier", "bubble", "energy", "dome", "aura"),
        ("voronoi", "glow", "sdf"),
        ((20, 60, 160), (80, 200, 255), (230, 250, 255)),
        """    float d = sdCircle(p, 0.42);
    float rim = glow(abs(d), 0.015, 1.3);
    vec2 v = voronoi(p * SCALE * 1.4, t);
    float hex = 1.0 - smoothstep(0.0, 0.05, v.y - v.x);
    float inside = 1.0 - smoothstep(-0.01, 0.01, d);
    float ripple = 0.5 + 0.5 * sin(length(p) * 40.0 - t * 4.0);
    vec3 col = C1 * (hex * 0.6 + ripple * 0.15) * inside + C2 * rim;
    col += C0 * 0.3 * inside;
    float alpha = clamp(inside * (0.25 + 0.5 * hex) + rim, 0.0, 1.0);""",
    ),
    Effect(
        "hologram",
        (
            "hologram",
            "holographic",
            "hologram",
            "scifi",
            "sci",
            "futuristic",
            "cyber",
            "digital",
            "glitch",
            "neon",
        ),
        ("stripes", "noise", "sdf"),
        ((0, 40, 60), (40, 230, 255), (200, 255, 255)),
        """    float glitch = step(0.97, noise(vec2(floor(uv.y * 40.0), floor(t * 8.0))));
    vec2 g = p + vec2(glitch * 0.05, 0.0);
    float d = sdStar(g, 0.3, 5.0, 0.55);
    float body = 1.0 - smoothstep(0.0, 0.01, d);
    float edge = 1.0 - smoothstep(0.0, 0.02, abs(d));
    float scan = stripes(uv.y + t * 0.1, 60.0 * SCALE, 0.3);
    float flicker = 0.85 + 0.15 * noise(vec2(t * 12.0, 0.0));
    vec3 col = (C1 * (0.35 + 0.65 * scan) * body + C2 * edge) * flicker + C0;
    float alpha = clamp((body * 0.6 + edge) * flicker, 0.0, 1.0);""",
    ),
    Effect(
        "plasma",
        ("plasma", "psychedelic", "trippy", "disco", "rainbow", "groovy", "swirl", "swirly"),
        ("palette", "rotate"),
        ((128, 128, 128), (128, 128, 128), (255, 255, 255)),
        """    vec2 q = rotate2d(t * 0.1) * p * SCALE;
    float v = sin(q.x + t) + sin(q.y * 1.3 - t * 0.7);
    v += sin(length(q + vec2(sin(t * 0.3), cos(t * 0.4))) * 2.0);
    v += sin((q.x + q.y) * 0.7 + t * 0.5);
    vec3 col = palette(v * 0.25, C0, C1, C2, vec3(PAL_SHIFT, PAL_SHIFT + 0.33, PAL_SHIFT + 0.67));
    float alpha = 1.0;""",
    ),
    Effect(
        "dissolve",
        ("dissolve", "disintegrate", "vanish", "fade", "crumble", "teleport", "burn", "melt"),
        ("fbm", "glow"),
        ((70, 60, 90), (255, 140, 30), (255, 240, 180)),
        """    float n = fbm(p * SCALE * 2.0);
    float cut = 0.5 + 0.5 * sin(t * 0.6);
    float edge = smoothstep(cut, cut + 0.06, n);
    float rim = glow(abs(n - cut), 0.01, 1.0) * (1.0 - edge);
    vec3 surface = mix(C0, C0 * 1.6, uv.y);
    vec3 col = surface * edge + mix(C1, C2, clamp(rim, 0.0, 1.0)) * clamp(rim, 0.0, 1.0);
    float alpha = clamp(edge + rim, 0.0, 1.0);""",
    ),
    Effect(
        "outline",
        ("outline", "border", "edge", "silhouette", "selected", "highlight", "cartoon"),
        ("sdf", "rotate", "glow"),
        ((30, 30, 60), (255, 210, 60), (255, 255, 255)),
        """    vec2 q = rotate2d(t * 0.4) * p;
    float d = sdStar(q, 0.28, 5.0, 0.6);
    float fill = 1.0 - smoothstep(0.0, 0.005, d);
    float line = 1.0 - smoothstep(0.015, 0.02, abs(d - 0.02));
    float halo = glow(max(d, 0.0) + 0.02, 0.02, 1.5) * (1.0 - fill);
    vec3 col = C0 * fill + C1 * line + C2 * halo * 0.3;
    float alpha = clamp(fill + line + halo * 0.5, 0.0, 1.0);""",
    ),
    Effect(
        "toon",
        ("toon", "cel", "anime", "comic", "cartoony", "flat", "cute"),
        ("sdf",),
        ((40, 40, 70), (240, 110, 90), (255, 240, 220)),
        """    float r = 0.38;
    float d = sdCircle(p, r);
    vec3 n = vec3(p / r, sqrt(max(0.0, 1.0 - dot(p, p) / (r * r))));
    vec3 light = normalize(vec3(cos(t * 0.5), 0.6, 0.8));
    float diffuse = max(dot(n, light), 0.0);
    float band = floor(diffuse * BANDS) / BANDS;
    float spec = step(0.96, dot(reflect(-light, n), vec3(0.0, 0.0, 1.0)));
    float line = 1.0 - smoothstep(0.0, 0.012, abs(d));
    vec3 col = mix(C1 * 0.35, C1, band) + C2 * spec;
    col = mix(col, C0, line);
    float alpha = 1.0 - smoothstep(0.0, 0.004, d - 0.012);""",
    ),
    Effect(
        "stars",
        ("star", "stars", "starry", "space", "galaxy", "night", "sky", "cosmos", "nebula", "twinkle"),
        ("hash", "fbm", "glow"),
        ((4, 6, 24), (90, 40, 140), (255, 250, 230)),
        """    vec3 col = mix(C0, C1, fbm(p * SCALE * 0.6 + t * 0.01) * 0.8);
    for (int layer = 0; layer < 3; layer++) {
        float depth = 1.0 + float(layer);
        vec2 q = p * SCALE * 4.0 * depth + vec2(t * 0.02 * depth, 0.0);
        vec2 cell = floor(q);
        vec2 star = cell + 0.2 + 0.6 * hash22(cell + depth);
        float twinkle = 0.6 + 0.4 * sin(t * (1.0 + hash12(cell) * 3.0) + hash12(cell + 7.0) * 6.28);
        float bright = step(0.75, hash12(cell + 3.1 * depth));
        col += C2 * glow(length(q - star), 0.03, 1.6) * bright * twinkle / depth;
    }
    float alpha = 1.0;""",
    ),
)
_EFFECT_BY_NAME = {e.name: e for e in _EFFECTS}
_DIALECTS = {"glsl-es-300": "#version 300 es", "glsl-330": "#version 330 core"}


def _needed(uses: Sequence[str]) -> list[str]:
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        for dep in SNIPPETS[name][0]:
            visit(dep)
        order.append(name)

    for name in uses:
        visit(name)
    return order


def pick_effect(intent: str, choice: str) -> Effect:
    if choice != "auto":
        if choice not in _EFFECT_BY_NAME:
            raise GeneratorInputError("effect", f"Unknown effect '{choice}'.")
        return _EFFECT_BY_NAME[choice]
    tokens = words.normalise(intent).split()
    for token in tokens:
        for effect in _EFFECTS:
            if token in effect.words:
                return effect
    return _EFFECT_BY_NAME["plasma"]


def compose_shader(
    effect: Effect, *, dialect: str, animated: bool, seed: int, colours: Sequence[RGB], octaves: int
) -> str:
    rng = np.random.default_rng(seed)
    c0, c1, c2 = effect.colours
    if colours:
        c1 = colours[0]
        c0 = words.mix(c1, (0, 0, 0), 0.8) if effect.name != "plasma" else c0
        if len(colours) > 1:
            c2 = colours[1]
    scale = 3.0 + float(rng.random()) * 3.0
    speed = 0.6 + float(rng.random()) * 0.8
    still = float(rng.random()) * 10.0
    parts = [
        _DIALECTS[dialect],
        "",
        f"// POG Studio procedural shader: {effect.name}. Uniforms: u_time (seconds), u_resolution (pixels).",
    ]
    if dialect == "glsl-es-300":
        parts += ["precision highp float;"]
    parts += [
        "",
        "uniform float u_time;",
        "uniform vec2 u_resolution;",
        "",
        "out vec4 fragColor;",
        "",
        f"#define FBM_OCTAVES {octaves}",
        f"#define SCALE {scale:.3f}",
        f"#define SPEED {speed:.3f}",
        f"#define PAL_SHIFT {float(rng.random()):.3f}",
        f"#define BANDS {3 + int(rng.integers(0, 3))}.0",
        f"#define C0 {_c(c0)}",
        f"#define C1 {_c(c1)}",
        f"#define C2 {_c(c2)}",
        "",
    ]
    for name in _needed(effect.uses):
        parts += [SNIPPETS[name][1], ""]
    time_expr = "u_time * SPEED" if animated else f"{still:.3f} + 0.0 * u_time"
    parts += [
        "void main() {",
        "    vec2 uv = gl_FragCoord.xy / u_resolution;",
        "    float aspect = u_resolution.x / u_resolution.y;",
        "    vec2 p = (uv - 0.5) * vec2(aspect, 1.0);",
        f"    float t = {time_expr};",
        effect.body,
        "    fragColor = vec4(clamp(col, 0.0, 1.0), alpha);",
        "}",
        "",
    ]
    return "\n".join(parts)


def make(req: GenRequest) -> GenResult:
    params = req.params
    choice = str(params.get("effect", "auto"))
    dialect = str(params.get("dialect", "glsl-es-300"))
    if dialect not in _DIALECTS:
        raise GeneratorInputError("dialect", "GLSL version must be glsl-es-300 or glsl-330.")
    animated = bool(params.get("animated", True))
    effect = pick_effect(req.intent, choice)
    intent = words.parse(req.intent)
    octaves = {"low": 3, "medium": 5, "high": 6}.get(req.tension, 5)
    seed = words.derive_seed(req.seed, req.intent, f"material.shader.{effect.name}")
    req.progress(0.3, "Mixing the shader recipe")
    source = compose_shader(
        effect, dialect=dialect, animated=animated, seed=seed, colours=intent.colours, octaves=octaves
    )
    stem = words.slug(req.intent, effect.name) if req.intent.strip() else effect.name
    meta: dict[str, Any] = {
        "effect": effect.name,
        "dialect": dialect,
        "version": _DIALECTS[dialect].removeprefix("#version "),
        "animated": animated,
        "uniforms": {"u_time": "float", "u_resolution": "vec2"},
        "output": "fragColor",
        "snippets": _needed(effect.uses),
        "lines": source.count("\n"),
    }
    req.progress(1.0, "Your shader is ready!")
    return GenResult(
        outputs=[Output(source.encode("utf-8"), "text/x-glsl", f"{stem}.frag", "main", meta)],
        meta=meta,
    )


ACTION = ActionSpec(
    id="shader",
    name="Shader",
    description="A GLSL fragment shader for effects like water, fire or holograms.",
    output="code",
    params=(
        choice(
            "effect",
            "Effect",
            ("auto", "water", "fire", "hologram", "plasma", "dissolve", "outline", "toon"),
            "auto",
            "The kind of effect. Auto picks from your words.",
        ),
        boolean("animated", "Animated", True, "Make the effect move over time."),
        choice(
            "dialect",
            "GLSL version",
            ("glsl-es-300", "glsl-330"),
            "glsl-es-300",
            "GLSL ES 3.0 runs in web browsers; 330 is desktop OpenGL.",
        ),
    ),
    keywords=kw("shader, glsl, glow, glowing, hologram, effect"),
    make=make,
)
