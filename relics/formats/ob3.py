"""RuneScape Classic ``.ob3`` models: decode, encode, and convert to glTF binary (GLB).

Layout (big-endian): ``u16 vertex_count``, ``u16 face_count``; all X, then all Y, then all
Z (``s16``); per face ``u8`` vertex count; ``s16`` front fills; ``s16`` back fills; ``u8``
gouraud flags; then every face's vertex indices, ``u8`` when vertex_count < 256 else ``u16``.

Fills: 32767 is invisible, a negative value is an RGB555 colour (``x = -v - 1``), any other
non-negative value is a texture id.

GLB conventions chosen here:

* Scale: 1 model unit = 1/128 metre, so one landscape tile (128 units) is one metre.
* Axes: RSC has Y down. Y and Z are both negated (a half turn about X) so Y points up and
  the handedness is preserved; negating Y alone would mirror every model.
* Every visible side of a face becomes its own triangles (vertices duplicated per
  triangle) so each face keeps its flat fill colour; gouraud faces get smoothed normals.
  The back side uses the reverse winding and its own fill.
* Vertex colours are written as linear RGB (glTF's colour space), converted from sRGB.
* A model with no visible face still converts: the GLB has an empty scene and no mesh,
  which is valid glTF and honest (real models such as invisible blockers do that).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from relics.formats.errors import Cursor, RelicFormatError
from relics.formats.glb import GlbBuilder

INVISIBLE = 32767
UNITS_PER_METRE = 128.0
MID_GREY = (128, 128, 128)

TextureLookup = Callable[[int], "NDArray[np.uint8] | None"]


# Slots: a real cache holds tens of thousands of faces, and a __dict__ each doubles the
# objects the garbage collector has to walk while a whole archive decodes.
@dataclass(frozen=True, slots=True)
class Ob3Face:
    """One n-gon: indices into the model's vertices, its two fills and the gouraud flag."""

    vertices: tuple[int, ...]
    front: int
    back: int
    gouraud: int = 0


@dataclass(frozen=True)
class Ob3Model:
    """A decoded model. ``vertices`` are RSC coordinates (Y points down)."""

    vertices: tuple[tuple[int, int, int], ...]
    faces: tuple[Ob3Face, ...]

    @property
    def visible_sides(self) -> int:
        return sum((f.front != INVISIBLE) + (f.back != INVISIBLE) for f in self.faces)


def fill_kind(fill: int) -> str:
    """``"invisible"``, ``"colour"`` (negative RGB555) or ``"texture"`` (a texture id)."""
    if fill == INVISIBLE:
        return "invisible"
    return "colour" if fill < 0 else "texture"


def rgb555(fill: int) -> tuple[int, int, int]:
    """The 8-bit RGB of a negative fill (``x = -v - 1``, five bits per channel, times 8)."""
    if fill >= 0:
        raise ValueError(f"fill {fill} is not a colour")
    x = -fill - 1
    return ((x >> 10) & 31) * 8, ((x >> 5) & 31) * 8, (x & 31) * 8


def rgb_to_fill(r: int, g: int, b: int) -> int:
    """The negative fill for an 8-bit colour (each channel truncated to five bits)."""
    return -(((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3)) - 1


def decode_ob3(data: bytes, what: str = "model") -> Ob3Model:
    """Parse one ``.ob3`` entry; raises :class:`RelicFormatError` on anything malformed."""
    cur = Cursor(data, what)
    nv = cur.u16()
    nf = cur.u16()
    # Check the fixed-size part up front so an absurd count fails at once with a clear offset.
    fixed = 6 * nv + 6 * nf
    if cur.remaining < fixed:
        raise cur.fail(
            f"{nv} vertices and {nf} faces ({fixed} bytes of coordinates and face fields)",
            f"only {cur.remaining} bytes left",
        )
    coords = np.frombuffer(data, dtype=">i2", count=3 * nv, offset=cur.pos).reshape(3, nv)
    cur.pos += 6 * nv
    counts = cur.take(nf)
    fronts = np.frombuffer(data, dtype=">i2", count=nf, offset=cur.pos).tolist()
    cur.pos += 2 * nf
    backs = np.frombuffer(data, dtype=">i2", count=nf, offset=cur.pos).tolist()
    cur.pos += 2 * nf
    gouraud = cur.take(nf)
    width = 1 if nv < 256 else 2
    total = sum(counts)
    index_start = cur.pos
    cur.need(total * width, f"{total} face vertex indices of {width} byte(s) each")
    dtype = "u1" if width == 1 else ">u2"
    indices = np.frombuffer(data, dtype=dtype, count=total, offset=cur.pos)
    if total and int(indices.max()) >= nv:
        bad = int(np.argmax(indices >= nv))
        raise RelicFormatError(
            what, index_start + bad * width, f"a vertex index below {nv}", str(int(indices[bad]))
        )
    cur.pos += total * width
    if cur.remaining:
        raise cur.fail("the end of the model", f"{cur.remaining} trailing bytes")
    flat = indices.tolist()
    faces: list[Ob3Face] = []
    start = 0
    for i, n in enumerate(counts):
        faces.append(Ob3Face(tuple(flat[start : start + n]), fronts[i], backs[i], gouraud[i]))
        start += n
    return Ob3Model(tuple(map(tuple, coords.T.tolist())), tuple(faces))


def encode_ob3(model: Ob3Model) -> bytes:
    """The ``.ob3`` bytes for ``model`` (the exact inverse of :func:`decode_ob3`)."""
    nv, nf = len(model.vertices), len(model.faces)
    if nv > 0xFFFF or nf > 0xFFFF:
        raise ValueError("an .ob3 holds at most 65535 vertices and 65535 faces")
    for face in model.faces:
        if len(face.vertices) > 255:
            raise ValueError("an .ob3 face has at most 255 vertices")
        if any(not 0 <= v < nv for v in face.vertices):
            raise ValueError(f"face {face} refers to a vertex outside 0..{nv - 1}")
    coords = np.array(model.vertices, dtype=np.int64).reshape(nv, 3)
    if coords.size and (coords.min() < -32768 or coords.max() > 32767):
        raise ValueError("vertex coordinates must fit in s16")
    out = io.BytesIO()
    out.write(nv.to_bytes(2, "big") + nf.to_bytes(2, "big"))
    out.write(coords.T.astype(">i2").tobytes())
    out.write(bytes(len(f.vertices) for f in model.faces))
    out.write(np.array([f.front for f in model.faces], dtype=">i2").tobytes())
    out.write(np.array([f.back for f in model.faces], dtype=">i2").tobytes())
    out.write(bytes(f.gouraud for f in model.faces))
    flat = [v for f in model.faces for v in f.vertices]
    out.write(np.array(flat, dtype="u1" if nv < 256 else ">u2").tobytes())
    return out.getvalue()


# --- GLB conversion -------------------------------------------------------------------------


@dataclass
class _Triangles:
    """Every visible triangle side of a model, flattened for numpy."""

    face: NDArray[np.int64]  # owning face per triangle
    corners: NDArray[np.int64]  # (T, 3) vertex indices, already wound for the side shown
    back: NDArray[np.bool_]
    fill: NDArray[np.int64]
    smooth: NDArray[np.float64]  # (nv, 3) summed normals of the gouraud faces at each vertex


def _srgb_to_linear(c: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _positions(model: Ob3Model) -> NDArray[np.float64]:
    pos = np.array(model.vertices, dtype=np.float64).reshape(-1, 3) / UNITS_PER_METRE
    pos[:, 1] *= -1.0
    pos[:, 2] *= -1.0
    return pos


def _triangulate(model: Ob3Model, pos: NDArray[np.float64]) -> _Triangles:
    nf = len(model.faces)
    counts = np.fromiter((len(f.vertices) for f in model.faces), dtype=np.int64, count=nf)
    flat = np.fromiter((v for f in model.faces for v in f.vertices), dtype=np.int64, count=int(counts.sum()))
    starts = np.cumsum(counts) - counts
    owner = np.repeat(np.arange(nf), counts)
    local = np.arange(len(flat)) - starts[owner]
    following = flat[starts[owner] + (local + 1) % np.maximum(counts[owner], 1)]
    # Newell's method: a robust normal for any (even slightly non-planar) n-gon.
    face_normals = np.zeros((nf, 3))
    np.add.at(face_normals, owner, np.cross(pos[flat], pos[following]))
    smooth = np.zeros((len(model.vertices), 3))
    gouraud = np.fromiter((f.gouraud != 0 for f in model.faces), dtype=bool, count=nf)
    shaded = gouraud[owner] & (counts[owner] >= 3)
    np.add.at(smooth, flat[shaded], face_normals[owner[shaded]])

    # Fan triangulation: (v0, v_i, v_i+1) for every inner corner i of each face.
    k = np.flatnonzero((local >= 1) & (local <= counts[owner] - 2))
    face = owner[k]
    a, b, c = flat[starts[face]], flat[k], flat[k + 1]
    fronts = np.fromiter((f.front for f in model.faces), dtype=np.int64, count=nf)[face]
    backs = np.fromiter((f.back for f in model.faces), dtype=np.int64, count=nf)[face]
    show_front, show_back = fronts != INVISIBLE, backs != INVISIBLE
    # In glTF axes the RSC vertex order is counter-clockwise seen from the front.
    corners = np.concatenate(
        [np.stack([a, b, c], axis=1)[show_front], np.stack([a, c, b], axis=1)[show_back]]
    ).reshape(-1, 3)
    return _Triangles(
        np.concatenate([face[show_front], face[show_back]]),
        corners,
        np.concatenate([np.zeros(int(show_front.sum()), bool), np.ones(int(show_back.sum()), bool)]),
        np.concatenate([fronts[show_front], backs[show_back]]),
        smooth,
    )


def _unit(v: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    length = np.linalg.norm(v, axis=-1)
    ok = length > 1e-12
    out = np.zeros_like(v)
    out[ok] = v[ok] / length[ok, None]
    return out, ok


def _face_uvs(
    pos: NDArray[np.float64], basis: NDArray[np.int64], faces: NDArray[np.int64], corners: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Texture coordinates that stretch the texture across each face's plane.

    The face's first vertex is the origin, the second marks u = 1 and the last marks v = 1
    (a quad maps onto the whole texture); other corners are projected into that basis.
    """
    origin = pos[basis[faces, 0]]
    e1 = pos[basis[faces, 1]] - origin
    e2 = pos[basis[faces, 2]] - origin
    d = pos[corners] - origin[:, None, :]
    g11 = (e1 * e1).sum(-1)
    g12 = (e1 * e2).sum(-1)
    g22 = (e2 * e2).sum(-1)
    det = g11 * g22 - g12 * g12
    r1 = np.einsum("tk,tck->tc", e1, d)
    r2 = np.einsum("tk,tck->tc", e2, d)
    safe = np.where(np.abs(det) > 1e-12, det, 1.0)
    u = (g22[:, None] * r1 - g12[:, None] * r2) / safe[:, None]
    v = (g11[:, None] * r2 - g12[:, None] * r1) / safe[:, None]
    uv = np.stack([u, v], axis=-1)
    # A sliver face has no usable basis: fall back to a planar projection, one metre per repeat.
    bad = np.abs(det) <= 1e-12
    if bad.any():
        uv[bad] = d[bad][..., [0, 2]]
    return uv


def _png(rgba: NDArray[np.uint8]) -> tuple[bytes, bool]:
    from PIL import Image

    arr = np.asarray(rgba, dtype=np.uint8)
    if arr.ndim != 3 or arr.shape[2] != 4 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"a texture must be an RGBA array of shape (h, w, 4), got {arr.shape}")
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(arr), "RGBA").save(buf, format="PNG")
    return buf.getvalue(), bool((arr[..., 3] < 255).any())


def model_to_glb(model: Ob3Model, texture_rgba: TextureLookup | None = None, *, name: str = "model") -> bytes:
    """A glTF 2.0 binary of ``model`` (see the module docstring for the conventions).

    ``texture_rgba(texture_id)`` returns an RGBA ``uint8`` array (h, w, 4) or None; textured
    faces whose texture it cannot supply (or all of them when it is None) are mid-grey.
    """
    pos = _positions(model)
    textures: dict[int, NDArray[np.uint8]] = {}
    if texture_rgba is not None:
        for fill in {f for face in model.faces for f in (face.front, face.back)}:
            if 0 <= fill != INVISIBLE:
                img = texture_rgba(fill)
                if img is not None:
                    textures[fill] = img
    tris = _triangulate(model, pos)
    # Group by texture id; -1 collects vertex-coloured faces, including textured fills whose
    # texture the lookup could not supply (they are drawn mid-grey).
    group = np.where(np.isin(tris.fill, np.array(sorted(textures), dtype=np.int64)), tris.fill, -1)

    gouraud = np.fromiter((f.gouraud != 0 for f in model.faces), dtype=bool, count=len(model.faces))
    # Each face's first, second and last vertex span its texture (see _face_uvs).
    basis = np.array(
        [
            (f.vertices[0], f.vertices[1], f.vertices[-1]) if len(f.vertices) >= 3 else (0, 0, 0)
            for f in model.faces
        ],
        dtype=np.int64,
    ).reshape(-1, 3)

    builder = GlbBuilder()
    primitives: list[dict[str, Any]] = []
    for texture_id in np.unique(group).tolist():
        sel = group == texture_id
        faces, corners, back = tris.face[sel], tris.corners[sel], tris.back[sel]
        fills = tris.fill[sel]
        tri = pos[corners]
        tri_normal, keep = _unit(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]))
        if not keep.any():
            continue
        faces, corners, back, fills = faces[keep], corners[keep], back[keep], fills[keep]
        tri, tri_normal = tri[keep], tri_normal[keep]
        normals = np.repeat(tri_normal[:, None, :], 3, axis=1)
        smooth_tris = gouraud[faces]
        if smooth_tris.any():
            # Smoothed normals, flipped for back sides; keep the flat one where they disagree.
            vn, vok = _unit(tris.smooth[corners[smooth_tris]])
            vn[back[smooth_tris]] *= -1.0
            ok = vok & ((vn * normals[smooth_tris]).sum(-1) > 0.0)
            chosen = normals[smooth_tris]
            chosen[ok] = vn[ok]
            normals[smooth_tris] = chosen
        attributes = {
            "POSITION": builder.accessor(tri.reshape(-1, 3).astype(np.float32), bounds=True),
            "NORMAL": builder.accessor(normals.reshape(-1, 3).astype(np.float32)),
        }
        if texture_id < 0:
            x = -fills - 1
            rgb = np.stack([(x >> 10) & 31, (x >> 5) & 31, x & 31], axis=1).astype(np.float64) * 8
            rgb[fills >= 0] = MID_GREY
            linear = _srgb_to_linear(rgb / 255.0)
            attributes["COLOR_0"] = builder.accessor(np.repeat(linear, 3, axis=0).astype(np.float32))
            material: dict[str, Any] = {
                "name": "vertex colours",
                "pbrMetallicRoughness": {"metallicFactor": 0.0, "roughnessFactor": 1.0},
            }
        else:
            uv = _face_uvs(pos, basis, faces, corners)
            attributes["TEXCOORD_0"] = builder.accessor(uv.reshape(-1, 2).astype(np.float32))
            png, has_alpha = _png(textures[texture_id])
            material = {
                "name": f"texture {texture_id}",
                "pbrMetallicRoughness": {
                    "baseColorTexture": {"index": builder.png_texture(png, nearest=True)},
                    "metallicFactor": 0.0,
                    "roughnessFactor": 1.0,
                },
            }
            if has_alpha:
                material.update(alphaMode="MASK", alphaCutoff=0.5)
        primitives.append({"attributes": attributes, "material": builder.material(material)})
    if not primitives:
        return builder.build()
    return builder.build([builder.mesh_node(name, primitives)])
