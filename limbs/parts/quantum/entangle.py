"""Quantum · Entangle: Mixes two things of the same kind into a hybrid.

Pictures mix through a soft noise mask, JSON field by field, WAV sample by sample, and GLB
models of the same topology vertex by vertex.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import struct
import wave
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from limbs.craft import words as words
from limbs.craft.arrays import decode_picture
from limbs.craft.noise import fbm
from limbs.params import asset, kw, number
from limbs.parts.quantum._readers import accessor_location, glb_parts, read_accessor, read_wav
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output

F32 = npt.NDArray[np.float32]


def sniff_kind(data: bytes) -> str | None:
    if (
        data.startswith(b"\x89PNG\r\n\x1a\n")
        or data.startswith(b"\xff\xd8\xff")
        or data[:6] in (b"GIF87a", b"GIF89a")
    ):
        return "image"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio"
    if data[:4] == b"glTF":
        return "model"
    try:
        json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return "json"


def _mask(rng: np.random.Generator, h: int, w: int, mix: float) -> F32:
    """A soft noise mask whose average is about ``mix``; exactly 0 or 1 at the ends."""
    side = 1 << max(3, math.ceil(math.log2(max(h, w, 8))))
    side = min(side, 512)
    field = fbm(rng, side, 4, 4)
    im = Image.fromarray(field).resize((w, h), Image.Resampling.BILINEAR)
    q = np.asarray(im, dtype=np.float32).ravel()
    # Ranks make the noise uniform on 0..1, so a threshold at `mix` covers that share.
    ranks = np.empty(q.size, dtype=np.float32)
    ranks[np.argsort(q, kind="stable")] = (np.arange(q.size, dtype=np.float32) + 0.5) / q.size
    soft = 0.15
    out: F32 = np.clip((mix * (1 + soft) - ranks) / soft, 0.0, 1.0).reshape(h, w).astype(np.float32)
    return out


def _mix_images(a: bytes, b: bytes, mix: float, rng: np.random.Generator) -> tuple[bytes, dict[str, Any]]:
    first = decode_picture(a, "first").astype(np.float32) / 255.0
    second_u8 = decode_picture(b, "second")
    h, w = first.shape[:2]
    small = max(h, w) <= 64 and max(second_u8.shape[:2]) <= 64
    if second_u8.shape[:2] != (h, w):
        resample = Image.Resampling.NEAREST if small else Image.Resampling.LANCZOS
        second_u8 = np.asarray(Image.fromarray(second_u8, "RGBA").resize((w, h), resample), dtype=np.uint8)
    second = second_u8.astype(np.float32) / 255.0
    m = _mask(rng, h, w, mix)[..., None]
    wa = (1 - m) * first[..., 3:4]
    wb = m * second[..., 3:4]
    alpha = wa + wb
    # Premultiplied mixing: a see-through pixel lends no colour, so edges do not go dark.
    safe = np.where(alpha > 0, alpha, 1.0)
    rgb = np.where(
        alpha > 0,
        (first[..., :3] * wa + second[..., :3] * wb) / safe,
        (1 - m) * first[..., :3] + m * second[..., :3],
    )
    out = np.concatenate([rgb, alpha], axis=-1)
    pixels = (np.clip(out, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels, "RGBA").save(buf, format="PNG", compress_level=6)
    return buf.getvalue(), {"width": w, "height": h, "mask_mean": round(float(m.mean()), 4)}


_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _unit(seed: int, path: str) -> float:
    digest = hashlib.sha256(f"{seed}:{path}".encode()).digest()
    return int.from_bytes(digest[:8], "little") / 2**64


def mix_json(a: Any, b: Any, mix: float, seed: int, path: str = "$") -> Any:
    """Numbers interpolate, #rrggbb colours blend, everything else is inherited from one
    parent, chosen per field with probability ``mix`` for the second."""
    take_second = _unit(seed, path) < mix
    if isinstance(a, bool) or isinstance(b, bool):
        return b if take_second else a
    if isinstance(a, int | float) and isinstance(b, int | float):
        value = a + (b - a) * mix
        return round(value) if isinstance(a, int) and isinstance(b, int) else value
    if isinstance(a, str) and isinstance(b, str) and _HEX.match(a) and _HEX.match(b):
        ca = tuple(int(a[i : i + 2], 16) for i in (1, 3, 5))
        cb = tuple(int(b[i : i + 2], 16) for i in (1, 3, 5))
        return words.hex_colour(words.mix((ca[0], ca[1], ca[2]), (cb[0], cb[1], cb[2]), mix))
    if isinstance(a, dict) and isinstance(b, dict):
        out: dict[str, Any] = {}
        for key in [*a.keys(), *(k for k in b if k not in a)]:
            sub = f"{path}.{key}"
            if key in a and key in b:
                out[key] = mix_json(a[key], b[key], mix, seed, sub)
            elif key in a and _unit(seed, sub) >= mix:
                out[key] = a[key]
            elif key in b and key not in a and _unit(seed, sub) < mix:
                out[key] = b[key]
        return out
    if isinstance(a, list) and isinstance(b, list):
        n = round(len(a) + (len(b) - len(a)) * mix)
        longer = a if len(a) >= len(b) else b
        return [
            mix_json(a[i], b[i], mix, seed, f"{path}[{i}]") if i < min(len(a), len(b)) else longer[i]
            for i in range(n)
        ]
    return b if take_second else a


def _mix_audio(a: bytes, b: bytes, mix: float) -> tuple[bytes, dict[str, Any]]:
    sa, rate, channels = read_wav(a, "first")
    sb, rate_b, channels_b = read_wav(b, "second")
    if rate_b != rate and len(sb) > 1:
        # Linear resampling to the first sound's rate.
        n = max(1, round(len(sb) * rate / rate_b))
        x = np.linspace(0, len(sb) - 1, n)
        sb = np.stack([np.interp(x, np.arange(len(sb)), sb[:, c]) for c in range(channels_b)], axis=1)
    if channels_b != channels:
        mono = sb.mean(axis=1, keepdims=True)
        sb = np.repeat(mono, channels, axis=1)
    length = max(len(sa), len(sb))
    pa = np.zeros((length, channels))
    pb = np.zeros((length, channels))
    pa[: len(sa)] = sa
    pb[: len(sb)] = sb
    out = (1 - mix) * pa + mix * pb
    pcm = (np.clip(out, -1.0, 1.0) * 32767.0).round().astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return buf.getvalue(), {"sample_rate": rate, "channels": channels, "seconds": round(length / rate, 3)}


def _mix_models(a: bytes, b: bytes, mix: float) -> tuple[bytes, dict[str, Any]]:
    try:
        doc_a, bin_a = glb_parts(a)
        doc_b, bin_b = glb_parts(b)
    except (ValueError, struct.error) as exc:
        raise GeneratorInputError("first", "That 3D model could not be read.") from exc
    prims_a = [p for m in doc_a.get("meshes", []) for p in m.get("primitives", [])]
    prims_b = [p for m in doc_b.get("meshes", []) for p in m.get("primitives", [])]

    def count(doc: dict[str, Any], prim: dict[str, Any]) -> int:
        return int(doc["accessors"][prim["attributes"]["POSITION"]]["count"])

    if len(prims_a) != len(prims_b) or any(
        count(doc_a, p) != count(doc_b, q) for p, q in zip(prims_a, prims_b, strict=True)
    ):
        raise GeneratorInputError(
            "second",
            "These two models are built differently (different vertex counts), so their shapes cannot be "
            "blended. Try two models made the same way, such as two poses of one rig.",
        )
    binary = bytearray(bin_a)
    moved = 0
    for pa, pb in zip(prims_a, prims_b, strict=True):
        for attr in ("POSITION", "NORMAL"):
            if attr not in pa["attributes"] or attr not in pb["attributes"]:
                continue
            ia, ib = pa["attributes"][attr], pb["attributes"][attr]
            va, vb = read_accessor(doc_a, bin_a, ia), read_accessor(doc_b, bin_b, ib)
            blended = va + (vb - va) * mix
            if attr == "NORMAL":
                lengths = np.linalg.norm(blended, axis=1, keepdims=True)
                blended = np.where(lengths > 1e-9, blended / np.maximum(lengths, 1e-9), va)
            offset, stride, n, dtype, width = accessor_location(doc_a, ia)
            if dtype != np.dtype("<f4"):
                continue
            for row in range(n):
                start = offset + row * stride
                binary[start : start + 4 * width] = blended[row].astype("<f4").tobytes()
            if attr == "POSITION":
                doc_a["accessors"][ia]["min"] = [float(v) for v in blended.astype(np.float32).min(axis=0)]
                doc_a["accessors"][ia]["max"] = [float(v) for v in blended.astype(np.float32).max(axis=0)]
                moved += n
    for ma, mb in zip(doc_a.get("materials", []), doc_b.get("materials", []), strict=False):
        pa_, pb_ = ma.get("pbrMetallicRoughness", {}), mb.get("pbrMetallicRoughness", {})
        for key in ("baseColorFactor", "metallicFactor", "roughnessFactor"):
            if key in pa_ and key in pb_:
                pa_[key] = mix_json(pa_[key], pb_[key], mix, 0)
    body = json.dumps(doc_a, separators=(",", ":")).encode("utf-8")
    body += b" " * (-len(body) % 4)
    payload = bytes(binary) + b"\x00" * (-len(binary) % 4)
    glb = b"".join(
        [
            struct.pack("<4sII", b"glTF", 2, 12 + 8 + len(body) + 8 + len(payload)),
            struct.pack("<I4s", len(body), b"JSON"),
            body,
            struct.pack("<I4s", len(payload), b"BIN\x00"),
            payload,
        ]
    )
    return glb, {"vertices_blended": moved}


_MIME = {"image": "image/png", "json": "application/json", "audio": "audio/wav", "model": "model/gltf-binary"}
_EXT = {"image": "png", "json": "json", "audio": "wav", "model": "glb"}


def make(req: GenRequest) -> GenResult:
    a = req.inputs.get("first")
    b = req.inputs.get("second")
    if not a:
        raise GeneratorInputError("first", "Please attach the first thing to mix.")
    if not b:
        raise GeneratorInputError("second", "Please attach the second thing to mix.")
    try:
        mix = float(req.params.get("mix", 0.5))
    except (TypeError, ValueError):
        raise GeneratorInputError("mix", "Mix must be a number from 0 to 1.") from None
    if not math.isfinite(mix) or not 0.0 <= mix <= 1.0:
        raise GeneratorInputError("mix", "Mix must be a number from 0 to 1.")
    kind_a = sniff_kind(bytes(a))
    kind_b = sniff_kind(bytes(b))
    if kind_a is None:
        raise GeneratorInputError(
            "first", "I can mix pictures, sounds (WAV), 3D models (GLB) and JSON files."
        )
    if kind_b is None:
        raise GeneratorInputError(
            "second", "I can mix pictures, sounds (WAV), 3D models (GLB) and JSON files."
        )
    if kind_a != kind_b:
        raise GeneratorInputError(
            "second",
            f"The second thing is {_NAMES[kind_b]} but the first is {_NAMES[kind_a]}; "
            "both must be the same kind.",
        )
    seed = words.derive_seed(req.seed, req.intent, "quantum.entangle")
    rng = np.random.default_rng(seed)
    req.progress(0.3, "Mixing them together")
    if kind_a == "image":
        data, info = _mix_images(bytes(a), bytes(b), mix, rng)
    elif kind_a == "json":
        hybrid = mix_json(json.loads(bytes(a)), json.loads(bytes(b)), mix, seed & 0xFFFFFFFF)
        data = json.dumps(hybrid, indent=2, ensure_ascii=False).encode("utf-8")
        info = {"fields": _count_fields(hybrid)}
    elif kind_a == "audio":
        data, info = _mix_audio(bytes(a), bytes(b), mix)
    else:
        data, info = _mix_models(bytes(a), bytes(b), mix)
    stem = words.slug(req.intent, "hybrid") if req.intent.strip() else "hybrid"
    meta: dict[str, Any] = {"kind": kind_a, "mix": mix, **info}
    req.progress(1.0, "Your hybrid is ready!")
    return GenResult(
        outputs=[Output(data, _MIME[kind_a], f"{stem}.{_EXT[kind_a]}", "main", meta)],
        meta=meta,
    )


_NAMES = {"image": "a picture", "json": "a JSON file", "audio": "a sound", "model": "a 3D model"}


def _count_fields(value: Any) -> int:
    if isinstance(value, dict):
        return sum(1 + _count_fields(v) for v in value.values())
    if isinstance(value, list):
        return sum(_count_fields(v) for v in value)
    return 0


ACTION = ActionSpec(
    id="entangle",
    name="Entangle",
    description="Mixes two things of the same kind into a hybrid.",
    output="data",
    needs_intent=False,
    params=(
        asset(
            "first",
            "First",
            ("image/", "audio/", "model/", "application/json"),
            "The first thing to mix.",
        ),
        asset(
            "second",
            "Second",
            ("image/", "audio/", "model/", "application/json"),
            "The second thing; it must be the same kind as the first.",
        ),
        number("mix", "Mix", 0.5, 0.0, 1.0, "0 is all the first, 1 is all the second.", step=0.05),
    ),
    keywords=kw("mix, blend, hybrid, combine, cross, entangle, mashup"),
    make=make,
)
