"""GLSL fragment shaders: glslangValidator (the Khronos reference compiler) when installed,
otherwise a structural parse check of the studio's own."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from limbs.formats.base import Format, OutputInvalid


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Version -> whether it is a GLSL ES version.
_VERSIONS = {"100": True, "300 es": True, "310 es": True, "320 es": True} | dict.fromkeys(
    _names("110 120 130 140 150 330 400 410 420 430 440 450 460"), False
)
_KEYWORDS = _names(
    """if else for while do return break continue discard switch case default const uniform in out inout
    attribute varying precision highp mediump lowp struct true false flat smooth noperspective centroid
    layout invariant buffer shared coherent volatile restrict readonly writeonly sample patch"""
)
_TYPES = _names(
    """void bool int uint float double vec2 vec3 vec4 bvec2 bvec3 bvec4 ivec2 ivec3 ivec4 uvec2 uvec3 uvec4
    dvec2 dvec3 dvec4 mat2 mat3 mat4 mat2x2 mat2x3 mat2x4 mat3x2 mat3x3 mat3x4 mat4x2 mat4x3 mat4x4
    sampler2D sampler3D samplerCube sampler2DShadow samplerCubeShadow sampler2DArray sampler2DArrayShadow
    isampler2D isampler3D isamplerCube isampler2DArray usampler2D usampler3D usamplerCube usampler2DArray
    sampler1D sampler1DShadow sampler2DRect"""
)
_BUILTIN_FUNCTIONS = _names(
    """radians degrees sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh pow exp log exp2 log2
    sqrt inversesqrt abs sign floor trunc round roundEven ceil fract mod modf min max clamp mix step
    smoothstep isnan isinf floatBitsToInt floatBitsToUint intBitsToFloat uintBitsToFloat fma frexp ldexp
    packSnorm2x16 unpackSnorm2x16 packUnorm2x16 unpackUnorm2x16 packHalf2x16 unpackHalf2x16 packUnorm4x8
    unpackUnorm4x8 packSnorm4x8 unpackSnorm4x8 length distance dot cross normalize faceforward reflect
    refract matrixCompMult outerProduct transpose determinant inverse lessThan lessThanEqual greaterThan
    greaterThanEqual equal notEqual any all not texture textureSize textureProj textureLod textureOffset
    texelFetch texelFetchOffset textureProjOffset textureLodOffset textureProjLod textureProjLodOffset
    textureGrad textureGradOffset textureProjGrad textureProjGradOffset textureGather textureGatherOffset
    texture2D texture2DProj texture2DLod texture2DProjLod textureCube textureCubeLod dFdx dFdy fwidth
    dFdxFine dFdyFine dFdxCoarse dFdyCoarse interpolateAtCentroid interpolateAtSample interpolateAtOffset
    bitfieldExtract bitfieldInsert bitfieldReverse bitCount findLSB findMSB uaddCarry usubBorrow umulExtended
    imulExtended"""
)
_BUILTIN_VARIABLES = _names(
    """gl_FragCoord gl_FrontFacing gl_PointCoord gl_FragColor gl_FragData gl_FragDepth gl_SampleID
    gl_SamplePosition gl_SampleMask gl_PrimitiveID gl_Layer gl_ViewportIndex gl_ClipDistance
    gl_HelperInvocation gl_MaxDrawBuffers gl_MaxTextureImageUnits gl_MaxFragmentUniformVectors
    gl_MaxVaryingVectors
    __LINE__ __FILE__ __VERSION__ GL_ES"""
)
_TOKEN = re.compile(
    r"(?P<num>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?[uUfF]?|0[xX][0-9a-fA-F]+[uU]?)"
    r"|(?P<id>[A-Za-z_]\w*)"
    r"|(?P<op>\S)"
)


def _strip_comments(source: str) -> str:
    """Blank out comments but keep newlines, so line numbers in messages stay right."""

    def blank(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))

    if "/*" in source and "*/" not in source[source.index("/*") :]:
        raise OutputInvalid("shader has an unterminated /* comment")
    return re.sub(r"/\*.*?\*/|//[^\n]*", blank, source, flags=re.DOTALL)


def _brackets(code: str) -> None:
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[tuple[str, int]] = []
    for lineno, line in enumerate(code.split("\n"), 1):
        if line.lstrip().startswith("#"):
            continue
        for ch in line:
            if ch in "([{":
                stack.append((ch, lineno))
            elif ch in pairs:
                if not stack or stack[-1][0] != pairs[ch]:
                    raise OutputInvalid(f"shader line {lineno}: unbalanced '{ch}'")
                stack.pop()
    if stack:
        ch, lineno = stack[-1]
        raise OutputInvalid(f"shader line {lineno}: '{ch}' is never closed")


def _tokens(code: str) -> list[tuple[str, str, int]]:
    """(kind, text, line) for every token outside preprocessor lines."""
    out: list[tuple[str, str, int]] = []
    for lineno, line in enumerate(code.split("\n"), 1):
        if line.lstrip().startswith("#"):
            continue
        for m in _TOKEN.finditer(line):
            kind = m.lastgroup or "op"
            out.append((kind, m.group(0), lineno))
    return out


def _declarations(tokens: list[tuple[str, str, int]], types: set[str]) -> set[str]:
    """Every name a declaration introduces (variables, parameters, functions, structs, fields).

    Scope is ignored on purpose: this is a "was it declared anywhere" check that catches a
    misspelt or forgotten uniform, not a compiler.
    """
    names: set[str] = set()
    i = 0
    n = len(tokens)
    while i < n:
        kind, text, _ = tokens[i]
        if text == "struct" and i + 1 < n and tokens[i + 1][0] == "id":
            types.add(tokens[i + 1][1])
            names.add(tokens[i + 1][1])
            i += 2
            continue
        if kind == "id" and text in types and i + 1 < n:
            j = i + 1
            if tokens[j][1] == "[":  # array type: float[3] x
                while j < n and tokens[j][1] != "]":
                    j += 1
                j += 1
            if j < n and tokens[j][0] == "id" and tokens[j][1] not in _KEYWORDS:
                names.add(tokens[j][1])
                # Further declarators: "float a = f(1.0, 2.0), b;" -> b, at bracket depth 0.
                depth = 0
                k = j + 1
                while k < n:
                    t = tokens[k][1]
                    if t in "([{":
                        depth += 1
                    elif t in ")]}":
                        if depth == 0:
                            break
                        depth -= 1
                    elif t == ";" and depth == 0:
                        break
                    elif t == "," and depth == 0 and k + 1 < n and tokens[k + 1][0] == "id":
                        if tokens[k + 1][1] in types:
                            break  # a parameter list, handled by the outer loop
                        names.add(tokens[k + 1][1])
                    elif t == "{" and depth == 0:
                        break
                    k += 1
        i += 1
    return names


def _defines(code: str) -> set[str]:
    names: set[str] = set()
    for m in re.finditer(r"^\s*#\s*define\s+([A-Za-z_]\w*)(\(([^)]*)\))?", code, flags=re.MULTILINE):
        names.add(m.group(1))
        if m.group(3):
            names.update(a.strip() for a in m.group(3).split(",") if a.strip())
    return names


def parse_check(source: str) -> dict[str, Any]:
    """The project's own structural check of a fragment shader (no compiler needed)."""
    code = _strip_comments(source)
    lines = code.split("\n")
    first = next(((i, line.strip()) for i, line in enumerate(lines, 1) if line.strip()), None)
    if first is None:
        raise OutputInvalid("shader is empty")
    m = re.fullmatch(r"#\s*version\s+(\d+)(?:\s+(es|core|compatibility))?", first[1])
    if not m:
        raise OutputInvalid(f"shader line {first[0]}: the first line must be a #version directive")
    version = m.group(1) + (" es" if m.group(2) == "es" else "")
    if version not in _VERSIONS:
        raise OutputInvalid(f"shader uses an unknown GLSL version '{version}'")
    if sum(1 for line in lines if re.match(r"\s*#\s*version\b", line)) > 1:
        raise OutputInvalid("shader has more than one #version directive")
    es = _VERSIONS[version]
    modern = version not in ("100", "110", "120")

    _brackets(code)
    tokens = _tokens(code)
    if not re.search(r"\bvoid\s+main\s*\(\s*(void\s*)?\)\s*\{", code):
        raise OutputInvalid("shader has no 'void main()' function")
    if es and not re.search(r"\bprecision\s+(lowp|mediump|highp)\s+float\s*;", code):
        raise OutputInvalid("GLSL ES fragment shaders must declare a default float precision")

    outputs = re.findall(
        r"(?:^|[;\s}])(?:layout\s*\([^)]*\)\s*)?out\s+(?:(?:lowp|mediump|highp)\s+)?vec4\s+(\w+)", code
    )
    if modern:
        if not outputs:
            raise OutputInvalid(f"GLSL {version} fragment shaders must declare an 'out vec4' colour")
        if re.search(r"\bgl_FragColor\b", code):
            raise OutputInvalid(f"gl_FragColor does not exist in GLSL {version}; write to the 'out' variable")
        written = outputs
    else:
        written = ["gl_FragColor", "gl_FragData"]
    main = re.search(r"\bvoid\s+main\s*\(", code)
    body = code[main.start() :] if main else code
    if not any(
        re.search(rf"\b{re.escape(name)}\s*(\.\w+\s*)?(\[[^\]]*\]\s*)?[-+*/]?=(?!=)", body)
        for name in written
    ):
        raise OutputInvalid("main() never writes the fragment colour")

    types = set(_TYPES)
    declared = _declarations(tokens, types) | _defines(code)
    known = declared | types | _KEYWORDS | _BUILTIN_FUNCTIONS | _BUILTIN_VARIABLES
    uniforms: list[str] = []
    in_layout = -1  # bracket depth inside layout(...), whose names are qualifiers, not variables
    for k, (kind, text, lineno) in enumerate(tokens):
        if text == "layout" and k + 1 < len(tokens) and tokens[k + 1][1] == "(":
            in_layout = 0
            continue
        if in_layout >= 0:
            in_layout += {"(": 1, ")": -1}.get(text, 0)
            if text == ")" and in_layout == 0:
                in_layout = -1
            continue
        if kind != "id":
            continue
        if k > 0 and tokens[k - 1][1] == ".":
            continue  # swizzle or struct field
        if text not in known:
            raise OutputInvalid(f"shader line {lineno}: '{text}' is used but never declared")
        if text == "uniform" and k + 2 < len(tokens):
            j = k + 1
            while j < len(tokens) and tokens[j][1] in ("lowp", "mediump", "highp"):
                j += 1
            if j + 1 < len(tokens):
                uniforms.append(tokens[j + 1][1])
    return {
        "checker": "parse",
        "version": version,
        "es": es,
        "outputs": outputs if modern else ["gl_FragColor"],
        "uniforms": uniforms,
        "lines": len(lines),
    }


def glslang_path() -> str | None:
    return shutil.which("glslangValidator")


def validate_glsl(source: str | bytes, *, use_glslang: bool | None = None) -> dict[str, Any]:
    """Check a fragment shader; raise ``OutputInvalid`` with the compiler's message.

    ``use_glslang``: None runs glslangValidator when it is on PATH and the parse check
    otherwise; False forces the parse check; True requires glslangValidator.
    """
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise OutputInvalid("shader is not UTF-8 text") from exc
    if not source.strip():
        raise OutputInvalid("shader is empty")
    tool = glslang_path() if use_glslang is not False else None
    if use_glslang and tool is None:
        raise OutputInvalid("glslangValidator is not installed")
    if tool is None:
        return parse_check(source)
    with tempfile.TemporaryDirectory(prefix="pog-glsl-") as tmp:
        path = Path(tmp) / "shader.frag"
        path.write_text(source, encoding="utf-8")
        # -l links the stage too, which is what finds a missing main().
        proc = subprocess.run(
            [tool, "-l", str(path)], capture_output=True, text=True, timeout=30, check=False
        )
    if proc.returncode != 0:
        text = (proc.stdout + proc.stderr).replace(str(path), "shader.frag")
        errors = [
            line.strip() for line in text.splitlines() if "ERROR" in line and "compilation errors" not in line
        ]
        raise OutputInvalid("glslangValidator: " + ("; ".join(errors[:5]) or text.strip()[:400]))
    m = re.match(r"\s*#\s*version\s+(\d+)(?:\s+(es))?", _strip_comments(source).lstrip())
    version = (m.group(1) + (" es" if m.group(2) else "")) if m else "unknown"
    return {"checker": "glslangValidator", "version": version, "lines": source.count("\n") + 1}


def _validate(data: bytes) -> dict[str, Any]:
    return validate_glsl(data)


FORMAT = Format(
    id="glsl",
    name="GLSL shader",
    mimes=("text/x-glsl",),
    kind="code",
    suffixes=(".glsl", ".frag", ".vert"),
    validate=_validate,
    preview="code",
)
