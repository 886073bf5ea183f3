"""The glTF side of a PBR set: the material document and a textured preview sphere."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from limbs.craft.gltf import GlbBuilder

F32 = npt.NDArray[np.float32]

_SPHERE = {"low": (32, 16), "medium": (48, 24), "high": (72, 36)}
_ARRAY_BUFFER = 34962
_ELEMENT_ARRAY_BUFFER = 34963
_REPEAT = 10497
_LINEAR = 9729
_LINEAR_MIPMAP_LINEAR = 9987


def _uv_sphere(segments: int, rings: int) -> tuple[F32, F32, F32, F32, npt.NDArray[np.uint16]]:
    """Positions, normals, tangents (xyzw), UVs and indices of a unit UV sphere, Y up."""
    u = np.linspace(0.0, 1.0, segments + 1, dtype=np.float64)
    v = np.linspace(0.0, 1.0, rings + 1, dtype=np.float64)
    vv, uu = np.meshgrid(v, u, indexing="ij")
    phi = uu * 2 * math.pi
    theta = vv * math.pi
    nrm = np.stack([np.sin(theta) * np.cos(phi), np.cos(theta), -np.sin(theta) * np.sin(phi)], axis=-1)
    # d(position)/du points along increasing phi; it stays defined at the poles.
    tan = np.stack([-np.sin(phi), np.zeros_like(phi), -np.cos(phi)], axis=-1)
    tangents = np.concatenate([tan, np.ones((*tan.shape[:-1], 1))], axis=-1)
    # Two repeats around, one from pole to pole, keeps texels roughly square.
    uvs = np.stack([uu * 2.0, vv], axis=-1)
    tris: list[tuple[int, int, int]] = []
    row = segments + 1
    for r in range(rings):
        for s in range(segments):
            a, b = r * row + s, r * row + s + 1
            c, d = a + row, b + row
            if r != 0:
                tris.append((a, c, b))
            if r != rings - 1:
                tris.append((b, c, d))
    return (
        nrm.reshape(-1, 3).astype(np.float32),
        nrm.reshape(-1, 3).astype(np.float32),
        tangents.reshape(-1, 4).astype(np.float32),
        uvs.reshape(-1, 2).astype(np.float32),
        np.array(tris, dtype=np.uint16).reshape(-1),
    )


def gltf_material(
    name: str, names: Mapping[str, str], metallic: float, roughness: float, strength: float, emissive: bool
) -> dict[str, Any]:
    """The material plus its textures/images/samplers, with images referring to ``names``."""
    order = ["albedo", "normal", "orm", "ao", "roughness", "height"]
    if emissive:
        order.append("emissive")
    index = {role: i for i, role in enumerate(order)}
    material: dict[str, Any] = {
        "name": name,
        "pbrMetallicRoughness": {
            "baseColorTexture": {"index": index["albedo"]},
            # Factors are 1: the texture carries the values (glTF multiplies them).
            "metallicFactor": 1.0,
            "roughnessFactor": 1.0,
            "metallicRoughnessTexture": {"index": index["orm"]},
        },
        "normalTexture": {"index": index["normal"], "scale": 1.0},
        "occlusionTexture": {"index": index["ao"], "strength": 1.0},
        "extras": {
            "maps": {role: names[role] for role in order},
            "mean_metallic": round(metallic, 4),
            "mean_roughness": round(roughness, 4),
            "normal_strength": strength,
            "height_texture": index["height"],
            "roughness_texture": index["roughness"],
        },
    }
    if emissive:
        material["emissiveTexture"] = {"index": index["emissive"]}
        material["emissiveFactor"] = [1.0, 1.0, 1.0]
    return {
        "materials": [material],
        "textures": [{"sampler": 0, "source": i} for i in range(len(order))],
        "samplers": [
            {"magFilter": _LINEAR, "minFilter": _LINEAR_MIPMAP_LINEAR, "wrapS": _REPEAT, "wrapT": _REPEAT}
        ],
        "images": [{"uri": names[role], "mimeType": "image/png", "name": role} for role in order],
    }


def preview_glb(name: str, lib: dict[str, Any], pngs: Mapping[str, bytes], tension: str) -> bytes:
    segments, rings = _SPHERE.get(tension, _SPHERE["medium"])
    pos, nrm, tan, uv, idx = _uv_sphere(segments, rings)
    g = GlbBuilder()
    a_idx = g.accessor(idx, "SCALAR", target=_ELEMENT_ARRAY_BUFFER)
    a_pos = g.accessor(pos, "VEC3", target=_ARRAY_BUFFER, bounds=True)
    a_nrm = g.accessor(nrm, "VEC3", target=_ARRAY_BUFFER)
    a_tan = g.accessor(tan, "VEC4", target=_ARRAY_BUFFER)
    a_uv = g.accessor(uv, "VEC2", target=_ARRAY_BUFFER)
    material = json.loads(json.dumps(lib["materials"][0]))
    material.pop("extras", None)
    # The preview only needs textures the material actually samples.
    used = sorted(
        {
            material["pbrMetallicRoughness"]["baseColorTexture"]["index"],
            material["pbrMetallicRoughness"]["metallicRoughnessTexture"]["index"],
            material["normalTexture"]["index"],
            material["occlusionTexture"]["index"],
            *([material["emissiveTexture"]["index"]] if "emissiveTexture" in material else []),
        }
    )
    remap = {old: new for new, old in enumerate(used)}
    for slot in (
        material["pbrMetallicRoughness"]["baseColorTexture"],
        material["pbrMetallicRoughness"]["metallicRoughnessTexture"],
        material["normalTexture"],
        material["occlusionTexture"],
        material.get("emissiveTexture"),
    ):
        if slot is not None:
            slot["index"] = remap[slot["index"]]
    # Only the sampled images go in the BIN chunk; anything else would be an unused view.
    g_images = []
    for i in used:
        role = lib["images"][i]["name"]
        g_images.append({"bufferView": g.view(pngs[role]), "mimeType": "image/png", "name": role})
    doc: dict[str, Any] = {
        "asset": {"version": "2.0", "generator": "POG Studio procedural material"},
        "scene": 0,
        "scenes": [{"name": name, "nodes": [0]}],
        "nodes": [{"name": f"{name}-sphere", "mesh": 0}],
        "meshes": [
            {
                "name": f"{name}-sphere",
                "primitives": [
                    {
                        "attributes": {
                            "POSITION": a_pos,
                            "NORMAL": a_nrm,
                            "TANGENT": a_tan,
                            "TEXCOORD_0": a_uv,
                        },
                        "indices": a_idx,
                        "material": 0,
                        "mode": 4,
                    }
                ],
            }
        ],
        "materials": [material],
        "textures": [{"sampler": 0, "source": i} for i in range(len(used))],
        "samplers": lib["samplers"],
        "images": g_images,
    }
    return g.write(doc)
