"""Animation · Keyframe animation: A 3D animation on a simple skeleton, such as idle, walk, attack or wave.

A glTF file of boxes on a node hierarchy (humanoid, quadruped or blob) and one clip sampled
from motion curves; a looping clip's last key is its first, so it repeats without a pop.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from limbs.craft import words as words
from limbs.craft.gltf import GlbBuilder
from limbs.craft.words import RGB
from limbs.params import boolean, choice, integer, kw, number
from limbs.parts.animation._params import float_param
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output

F32 = npt.NDArray[np.float32]
Vec3 = tuple[float, float, float]

_ARRAY_BUFFER = 34962
_ELEMENT_ARRAY_BUFFER = 34963
_TENSION_LEVEL = {"low": 0, "medium": 1, "high": 2}
MOTIONS = ("idle", "walk", "run", "attack", "wave", "jump")
_ONE_SHOT = frozenset({"attack", "wave", "jump"})
_MOTION_WORDS: dict[str, str] = {
    "idle": "idle",
    "breathe": "idle",
    "breathing": "idle",
    "stand": "idle",
    "standing": "idle",
    "rest": "idle",
    "walk": "walk",
    "walking": "walk",
    "stroll": "walk",
    "stride": "walk",
    "march": "walk",
    "run": "run",
    "running": "run",
    "sprint": "run",
    "jog": "run",
    "dash": "run",
    "gallop": "run",
    "attack": "attack",
    "swing": "attack",
    "strike": "attack",
    "punch": "attack",
    "slash": "attack",
    "hit": "attack",
    "sword": "attack",
    "bite": "attack",
    "wave": "wave",
    "waving": "wave",
    "waves": "wave",
    "hello": "wave",
    "hi": "wave",
    "greet": "wave",
    "bye": "wave",
    "goodbye": "wave",
    "jump": "jump",
    "jumping": "jump",
    "hop": "jump",
    "leap": "jump",
    "bounce": "jump",
}

# ---------------------------------------------------------------------------------------
# Rigs: joints with a rest offset from their parent and a box in joint space
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Joint:
    name: str
    parent: str | None
    offset: Vec3
    lo: Vec3
    hi: Vec3
    paint: str  # "body", "skin", "dark", "accent"
    level: int = 0  # least tension level that includes this part


def _limb(
    name: str, parent: str, offset: Vec3, length: float, width: float, paint: str, level: int = 0
) -> Joint:
    """A box hanging down from its joint (arms and legs)."""
    w = width / 2
    return Joint(name, parent, offset, (-w, -length, -w), (w, 0.0, w), paint, level)


_HUMANOID: tuple[Joint, ...] = (
    Joint("hips", None, (0.0, 0.95, 0.0), (-0.17, -0.1, -0.1), (0.17, 0.08, 0.1), "dark"),
    Joint("torso", "hips", (0.0, 0.08, 0.0), (-0.21, 0.0, -0.12), (0.21, 0.5, 0.12), "body"),
    Joint("head", "torso", (0.0, 0.52, 0.0), (-0.14, 0.0, -0.14), (0.14, 0.3, 0.14), "skin"),
    Joint("nose", "head", (0.0, 0.13, 0.14), (-0.025, -0.03, 0.0), (0.025, 0.03, 0.05), "skin", 2),
    Joint("eye_l", "head", (0.06, 0.17, 0.14), (-0.025, -0.025, 0.0), (0.025, 0.025, 0.01), "accent", 1),
    Joint("eye_r", "head", (-0.06, 0.17, 0.14), (-0.025, -0.025, 0.0), (0.025, 0.025, 0.01), "accent", 1),
    _limb("upper_arm_l", "torso", (0.27, 0.47, 0.0), 0.3, 0.11, "body"),
    _limb("forearm_l", "upper_arm_l", (0.0, -0.3, 0.0), 0.28, 0.09, "skin"),
    _limb("hand_l", "forearm_l", (0.0, -0.28, 0.0), 0.09, 0.1, "skin", 2),
    _limb("upper_arm_r", "torso", (-0.27, 0.47, 0.0), 0.3, 0.11, "body"),
    _limb("forearm_r", "upper_arm_r", (0.0, -0.3, 0.0), 0.28, 0.09, "skin"),
    _limb("hand_r", "forearm_r", (0.0, -0.28, 0.0), 0.09, 0.1, "skin", 2),
    _limb("thigh_l", "hips", (0.1, -0.06, 0.0), 0.44, 0.14, "dark"),
    _limb("shin_l", "thigh_l", (0.0, -0.44, 0.0), 0.4, 0.12, "dark"),
    Joint("foot_l", "shin_l", (0.0, -0.4, 0.0), (-0.065, -0.05, -0.06), (0.065, 0.0, 0.16), "accent", 1),
    _limb("thigh_r", "hips", (-0.1, -0.06, 0.0), 0.44, 0.14, "dark"),
    _limb("shin_r", "thigh_r", (0.0, -0.44, 0.0), 0.4, 0.12, "dark"),
    Joint("foot_r", "shin_r", (0.0, -0.4, 0.0), (-0.065, -0.05, -0.06), (0.065, 0.0, 0.16), "accent", 1),
)

_QUADRUPED: tuple[Joint, ...] = (
    Joint("body", None, (0.0, 0.62, 0.0), (-0.18, -0.14, -0.45), (0.18, 0.14, 0.45), "body"),
    Joint("neck", "body", (0.0, 0.08, 0.42), (-0.08, 0.0, -0.08), (0.08, 0.22, 0.08), "body"),
    Joint("head", "neck", (0.0, 0.2, 0.02), (-0.12, -0.08, -0.08), (0.12, 0.1, 0.24), "skin"),
    Joint("eye_l", "head", (0.07, 0.04, 0.24), (-0.02, -0.02, 0.0), (0.02, 0.02, 0.01), "accent", 1),
    Joint("eye_r", "head", (-0.07, 0.04, 0.24), (-0.02, -0.02, 0.0), (0.02, 0.02, 0.01), "accent", 1),
    Joint("ear_l", "head", (0.07, 0.1, 0.0), (-0.03, 0.0, -0.02), (0.03, 0.09, 0.02), "dark", 2),
    Joint("ear_r", "head", (-0.07, 0.1, 0.0), (-0.03, 0.0, -0.02), (0.03, 0.09, 0.02), "dark", 2),
    Joint("tail", "body", (0.0, 0.08, -0.45), (-0.03, -0.03, -0.35), (0.03, 0.03, 0.0), "dark"),
    _limb("front_upper_l", "body", (0.12, -0.1, 0.36), 0.24, 0.09, "body"),
    _limb("front_lower_l", "front_upper_l", (0.0, -0.24, 0.0), 0.24, 0.08, "dark"),
    _limb("front_upper_r", "body", (-0.12, -0.1, 0.36), 0.24, 0.09, "body"),
    _limb("front_lower_r", "front_upper_r", (0.0, -0.24, 0.0), 0.24, 0.08, "dark"),
    _limb("back_upper_l", "body", (0.12, -0.1, -0.36), 0.24, 0.1, "body"),
    _limb("back_lower_l", "back_upper_l", (0.0, -0.24, 0.0), 0.24, 0.08, "dark"),
    _limb("back_upper_r", "body", (-0.12, -0.1, -0.36), 0.24, 0.1, "body"),
    _limb("back_lower_r", "back_upper_r", (0.0, -0.24, 0.0), 0.24, 0.08, "dark"),
)

_BLOB: tuple[Joint, ...] = (
    Joint("body", None, (0.0, 0.0, 0.0), (-0.4, 0.0, -0.35), (0.4, 0.7, 0.35), "body"),
    Joint("eye_l", "body", (0.14, 0.48, 0.35), (-0.06, -0.08, 0.0), (0.06, 0.08, 0.02), "accent"),
    Joint("eye_r", "body", (-0.14, 0.48, 0.35), (-0.06, -0.08, 0.0), (0.06, 0.08, 0.02), "accent"),
    Joint("mouth", "body", (0.0, 0.3, 0.35), (-0.1, -0.02, 0.0), (0.1, 0.02, 0.02), "dark", 1),
    _limb("nub_l", "body", (0.4, 0.35, 0.0), 0.22, 0.1, "body"),
    _limb("nub_r", "body", (-0.4, 0.35, 0.0), 0.22, 0.1, "body"),
)
RIGS: dict[str, tuple[Joint, ...]] = {"humanoid": _HUMANOID, "quadruped": _QUADRUPED, "blob": _BLOB}
_PAINT: dict[str, dict[str, RGB]] = {
    "humanoid": {
        "body": (64, 112, 206),
        "skin": (240, 196, 160),
        "dark": (56, 58, 88),
        "accent": (30, 30, 40),
    },
    "quadruped": {
        "body": (196, 132, 74),
        "skin": (214, 160, 106),
        "dark": (110, 72, 44),
        "accent": (30, 30, 40),
    },
    "blob": {"body": (96, 200, 120), "skin": (96, 200, 120), "dark": (40, 90, 60), "accent": (30, 30, 40)},
}

# ---------------------------------------------------------------------------------------
# Motion curves: phase p in [0, 1] -> joint Euler angles, root translation and scale
# ---------------------------------------------------------------------------------------


@dataclass
class Pose:
    rot: dict[str, Vec3]
    move: Vec3 = (0.0, 0.0, 0.0)
    scale: Vec3 = (1.0, 1.0, 1.0)


def _smoothstep(a: float, b: float, x: float) -> float:
    t = min(1.0, max(0.0, (x - a) / (b - a)))
    return t * t * (3 - 2 * t)


def _bump(p: float, rise: float, fall: float) -> float:
    """0 at p=0 and p=1, 1 in between (with smooth shoulders)."""
    return _smoothstep(0.0, rise, p) * (1.0 - _smoothstep(fall, 1.0, p))


def _humanoid(motion: str, p: float, env: float, settle: bool) -> Pose:
    tau = 2 * math.pi
    s, c = math.sin(tau * p), math.cos(tau * p)
    r: dict[str, Vec3] = {"upper_arm_l": (0.0, 0.0, 0.08), "upper_arm_r": (0.0, 0.0, -0.08)}
    if motion == "idle":
        r["torso"] = (0.03 * s * env, 0.0, 0.0)
        r["head"] = (0.02 * c * env, 0.15 * s * env, 0.0)
        r["upper_arm_l"] = (0.0, 0.0, 0.08 + 0.03 * s * env)
        r["upper_arm_r"] = (0.0, 0.0, -0.08 - 0.03 * s * env)
        return Pose(r, (0.0, 0.01 * s * env, 0.0))
    if motion in ("walk", "run"):
        fast = motion == "run"
        swing = (0.75 if fast else 0.45) * env
        knee = (1.1 if fast else 0.6) * env
        r["thigh_l"] = (-swing * s, 0.0, 0.0)
        r["thigh_r"] = (swing * s, 0.0, 0.0)
        # Knees bend while the leg travels forward (the swing phase), never backwards.
        r["shin_l"] = (knee * max(0.0, c), 0.0, 0.0)
        r["shin_r"] = (knee * max(0.0, -c), 0.0, 0.0)
        r["upper_arm_l"] = (swing * 0.8 * s, 0.0, 0.08)
        r["upper_arm_r"] = (-swing * 0.8 * s, 0.0, -0.08)
        bend = -(1.3 if fast else 0.3) * env
        r["forearm_l"] = (bend, 0.0, 0.0)
        r["forearm_r"] = (bend, 0.0, 0.0)
        r["torso"] = ((0.25 if fast else 0.04) * env, 0.08 * s * env, 0.0)
        bob = (0.06 if fast else 0.03) * env * math.cos(2 * tau * p)
        return Pose(r, (0.0, bob, 0.0))
    if motion == "attack":
        windup = _smoothstep(0.0, 0.3, p)
        strike = _smoothstep(0.3, 0.45, p)
        back = 0.0 if settle else _smoothstep(0.6, 1.0, p)
        amount = 1.0 - back
        raise_arm = (-2.4 * windup + 3.4 * strike) * amount
        r["upper_arm_r"] = (raise_arm, 0.0, -0.08 - 0.2 * windup * amount)
        r["forearm_r"] = (-0.9 * windup * (1 - strike) * amount - 0.2 * amount * windup, 0.0, 0.0)
        r["torso"] = (0.25 * strike * amount, (0.5 * windup - 0.9 * strike) * amount, 0.0)
        r["thigh_l"] = (-0.35 * strike * amount, 0.0, 0.0)
        r["shin_l"] = (0.4 * strike * amount, 0.0, 0.0)
        r["thigh_r"] = (0.25 * strike * amount, 0.0, 0.0)
        return Pose(r, (0.0, -0.05 * strike * amount, 0.1 * strike * amount))
    if motion == "wave":
        up = _smoothstep(0.0, 0.2, p) if settle else _bump(p, 0.2, 0.8)
        r["upper_arm_r"] = (0.0, 0.0, -2.7 * up)
        r["forearm_r"] = (0.0, 0.0, (-0.2 + 0.45 * math.sin(3 * tau * p)) * up)
        r["head"] = (0.0, -0.2 * up, 0.1 * up)
        r["torso"] = (0.0, 0.0, 0.05 * up)
        return Pose(r)
    # jump: crouch, launch, hang, land, recover
    crouch = _bump(p, 0.2, 0.3) * 0.8 + (_bump((p - 0.65) / 0.35, 0.3, 0.5) if 0.65 <= p <= 1.0 else 0.0)
    air = math.sin(math.pi * (p - 0.3) / 0.35) if 0.3 < p < 0.65 else 0.0
    if settle and p > 0.65:
        crouch, air = 0.0, 0.0
    r["thigh_l"] = (-0.9 * crouch - 0.3 * air, 0.0, 0.0)
    r["thigh_r"] = (-0.9 * crouch - 0.3 * air, 0.0, 0.0)
    r["shin_l"] = (1.6 * crouch + 0.5 * air, 0.0, 0.0)
    r["shin_r"] = (1.6 * crouch + 0.5 * air, 0.0, 0.0)
    r["torso"] = (0.35 * crouch, 0.0, 0.0)
    r["upper_arm_l"] = (0.6 * crouch - 2.6 * air, 0.0, 0.1)
    r["upper_arm_r"] = (0.6 * crouch - 2.6 * air, 0.0, -0.1)
    if settle:
        # A one-shot jump ends with a cheer: arms up.
        cheer = _smoothstep(0.65, 0.9, p)
        r["upper_arm_l"] = (-2.8 * cheer, 0.0, 0.3 * cheer)
        r["upper_arm_r"] = (-2.8 * cheer, 0.0, -0.3 * cheer)
    return Pose(r, (0.0, 0.55 * air - 0.22 * crouch, 0.0))


def _quadruped(motion: str, p: float, env: float, settle: bool) -> Pose:
    tau = 2 * math.pi
    s, c = math.sin(tau * p), math.cos(tau * p)
    r: dict[str, Vec3] = {}
    if motion == "idle":
        r["tail"] = (0.1 * env, 0.5 * math.sin(2 * tau * p) * env, 0.0)
        r["neck"] = (0.05 * s * env, 0.0, 0.0)
        r["head"] = (0.0, 0.2 * s * env, 0.0)
        return Pose(r, (0.0, 0.01 * c * env, 0.0))
    if motion in ("walk", "run"):
        fast = motion == "run"
        swing = (0.7 if fast else 0.4) * env
        # Diagonal pairs move together when walking; a gallop pairs front and back legs.
        pairs = {"front_l": 0.0, "back_r": 0.0, "front_r": 0.5, "back_l": 0.5}
        if fast:
            pairs = {"front_l": 0.0, "front_r": 0.1, "back_l": 0.5, "back_r": 0.6}
        for leg, offset in pairs.items():
            a = tau * (p + offset)
            r[f"{leg.split('_')[0]}_upper_{leg[-1]}"] = (swing * math.sin(a), 0.0, 0.0)
            r[f"{leg.split('_')[0]}_lower_{leg[-1]}"] = (-swing * 1.2 * max(0.0, math.cos(a)), 0.0, 0.0)
        r["body"] = ((0.12 * s if fast else 0.0) * env, 0.0, 0.0)
        r["tail"] = (0.3 * env, 0.3 * s * env, 0.0)
        r["neck"] = (0.1 * math.sin(2 * tau * p) * env, 0.0, 0.0)
        bob = (0.05 if fast else 0.02) * env * math.cos(2 * tau * p)
        return Pose(r, (0.0, bob, 0.0))
    if motion == "attack":
        lunge = _smoothstep(0.2, 0.4, p) * (1.0 if settle else 1.0 - _smoothstep(0.55, 1.0, p))
        crouch = _bump(p, 0.2, 0.3)
        r["neck"] = (0.9 * lunge, 0.0, 0.0)
        r["head"] = (-0.4 * lunge, 0.0, 0.0)
        r["body"] = (0.1 * lunge - 0.1 * crouch, 0.0, 0.0)
        r["tail"] = (0.6 * crouch + 0.4 * lunge, 0.0, 0.0)
        r["front_upper_l"] = (-0.5 * lunge, 0.0, 0.0)
        r["front_upper_r"] = (-0.5 * lunge, 0.0, 0.0)
        return Pose(r, (0.0, -0.08 * crouch, 0.2 * lunge))
    if motion == "wave":
        up = _smoothstep(0.0, 0.2, p) if settle else _bump(p, 0.2, 0.8)
        r["front_upper_r"] = (-1.4 * up, 0.0, 0.0)
        r["front_lower_r"] = ((-0.6 + 0.5 * math.sin(3 * tau * p)) * up, 0.0, 0.0)
        r["body"] = (-0.15 * up, 0.0, 0.0)
        r["head"] = (0.0, 0.3 * up, 0.15 * up)
        r["tail"] = (0.2 * up, 0.6 * math.sin(4 * tau * p) * up, 0.0)
        return Pose(r)
    crouch = _bump(p, 0.2, 0.3) * 0.8
    air = math.sin(math.pi * (p - 0.3) / 0.4) if 0.3 < p < 0.7 else 0.0
    land = 0.0 if settle else (_bump((p - 0.7) / 0.3, 0.3, 0.5) if p >= 0.7 else 0.0)
    for leg in ("front_upper_l", "front_upper_r"):
        r[leg] = (-0.8 * air + 0.3 * (crouch + land), 0.0, 0.0)
    for leg in ("back_upper_l", "back_upper_r"):
        r[leg] = (0.8 * air - 0.5 * (crouch + land), 0.0, 0.0)
    r["body"] = (-0.25 * air, 0.0, 0.0)
    r["tail"] = (-0.5 * air, 0.0, 0.0)
    return Pose(r, (0.0, 0.5 * air - 0.12 * (crouch + land), 0.0))


def _blob(motion: str, p: float, env: float, settle: bool) -> Pose:
    tau = 2 * math.pi
    s = math.sin(tau * p)
    r: dict[str, Vec3] = {"nub_l": (0.0, 0.0, 0.4), "nub_r": (0.0, 0.0, -0.4)}
    if motion == "idle":
        k = 0.05 * s * env
        return Pose(r, (0.0, 0.0, 0.0), (1.0 - k * 0.5, 1.0 + k, 1.0 - k * 0.5))
    if motion in ("walk", "run", "jump"):
        hops = 2 if motion == "run" else 1
        height = {"walk": 0.18, "run": 0.25, "jump": 0.7}[motion]
        q = (p * hops) % 1.0
        air = (
            math.sin(math.pi * q)
            if motion != "jump"
            else (math.sin(math.pi * (p - 0.3) / 0.4) if 0.3 < p < 0.7 else 0.0)
        )
        squash = math.cos(math.pi * q) ** 8 if motion != "jump" else _bump(p, 0.2, 0.3)
        if motion == "jump" and settle and p > 0.7:
            air = 0.0
        k = 0.2 * squash * env
        r["nub_l"] = (0.0, 0.0, 0.4 + 1.2 * air * env)
        r["nub_r"] = (0.0, 0.0, -0.4 - 1.2 * air * env)
        return Pose(
            r, (0.0, height * air * env, 0.0), (1.0 + k * 0.6, 1.0 - k + 0.15 * air * env, 1.0 + k * 0.6)
        )
    if motion == "attack":
        lunge = _smoothstep(0.25, 0.4, p) * (1.0 if settle else 1.0 - _smoothstep(0.55, 1.0, p))
        gather = _bump(p, 0.25, 0.3)
        r["nub_l"] = (-1.2 * lunge, 0.0, 0.4)
        r["nub_r"] = (-1.2 * lunge, 0.0, -0.4)
        return Pose(
            r,
            (0.0, 0.0, 0.35 * lunge - 0.1 * gather),
            (1.0 + 0.15 * gather, 1.0 - 0.2 * gather, 1.0 + 0.3 * lunge),
        )
    up = _smoothstep(0.0, 0.2, p) if settle else _bump(p, 0.2, 0.8)
    r["nub_r"] = (0.0, 0.0, -0.4 - 2.0 * up + 0.5 * math.sin(3 * tau * p) * up)
    return Pose(r, (0.0, 0.0, 0.0), (1.0, 1.0 + 0.04 * math.sin(3 * tau * p) * up, 1.0))


_POSERS: dict[str, Callable[[str, float, float, bool], Pose]] = {
    "humanoid": _humanoid,
    "quadruped": _quadruped,
    "blob": _blob,
}


def quaternion(euler: Vec3) -> tuple[float, float, float, float]:
    """Unit quaternion (x, y, z, w) for rotations about X, then Y, then Z."""
    hx, hy, hz = (a * 0.5 for a in euler)
    cx, sx = math.cos(hx), math.sin(hx)
    cy, sy = math.cos(hy), math.sin(hy)
    cz, sz = math.cos(hz), math.sin(hz)
    # q = qz * qy * qx
    w = cz * cy * cx + sz * sy * sx
    x = cz * cy * sx - sz * sy * cx
    y = cz * sy * cx + sz * cy * sx
    z = sz * cy * cx - cz * sy * sx
    norm = math.sqrt(w * w + x * x + y * y + z * z)
    return (x / norm, y / norm, z / norm, w / norm)


def _box(lo: Vec3, hi: Vec3) -> tuple[F32, F32, npt.NDArray[np.uint16]]:
    """24 vertices (flat normals per face) and 36 indices of an axis-aligned box."""
    pos: list[Vec3] = []
    nrm: list[Vec3] = []
    idx: list[int] = []
    for axis in range(3):
        for sign in (-1.0, 1.0):
            u, v = (axis + 1) % 3, (axis + 2) % 3
            corners = []
            for a, b in ((0, 0), (1, 0), (1, 1), (0, 1)):
                p = [0.0, 0.0, 0.0]
                p[axis] = hi[axis] if sign > 0 else lo[axis]
                p[u] = hi[u] if a else lo[u]
                p[v] = hi[v] if b else lo[v]
                corners.append((p[0], p[1], p[2]))
            base = len(pos)
            pos.extend(corners)
            n = [0.0, 0.0, 0.0]
            n[axis] = sign
            nrm.extend([(n[0], n[1], n[2])] * 4)
            # Winding so the face is counter-clockwise seen from outside.
            quad = (0, 1, 2, 0, 2, 3) if sign > 0 else (0, 2, 1, 0, 3, 2)
            idx.extend(base + q for q in quad)
    return np.array(pos, np.float32), np.array(nrm, np.float32), np.array(idx, np.uint16)


def _choice(params: Mapping[str, Any], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = str(params.get(name, default))
    if value not in allowed:
        raise GeneratorInputError(name, f"{name} must be one of: {', '.join(allowed)}.")
    return value


def _reshape(joint: Joint, girth: float, head: float) -> Joint:
    k = head if joint.name == "head" else 1.0
    lo = (joint.lo[0] * girth * k, joint.lo[1] * k, joint.lo[2] * girth * k)
    hi = (joint.hi[0] * girth * k, joint.hi[1] * k, joint.hi[2] * girth * k)
    offset = joint.offset
    if joint.parent == "head":  # eyes, ears and nose stay on the resized face
        offset = (offset[0] * girth * head, offset[1] * head, offset[2] * girth * head)
    return dataclasses.replace(joint, lo=lo, hi=hi, offset=offset)


def pick_motion(intent: str) -> str:
    for token in words.normalise(intent).split():
        if token in _MOTION_WORDS:
            return _MOTION_WORDS[token]
    return "idle"


def make(req: GenRequest) -> GenResult:
    params = req.params
    motion = _choice(params, "motion", ("auto", *MOTIONS), "auto")
    if motion == "auto":
        motion = pick_motion(req.intent)
    rig_name = _choice(params, "rig", tuple(RIGS), "humanoid")
    duration = float_param(params, "duration", 2.0, 0.5, 10.0)
    fps = round(float_param(params, "fps", 30, 12, 60))
    loop = bool(params.get("loop", True))
    level = _TENSION_LEVEL.get(req.tension, 1)
    joints = [j for j in RIGS[rig_name] if j.level <= level]
    names = [j.name for j in joints]
    index = {name: i for i, name in enumerate(names)}

    intent = words.parse(req.intent)
    paint = dict(_PAINT[rig_name])
    if intent.colours:
        paint["body"] = intent.colours[0]
        if rig_name == "blob":
            paint["skin"] = intent.colours[0]
        paint["dark"] = (
            intent.colours[1] if len(intent.colours) > 1 else words.darker(intent.colours[0], 0.55)
        )
    # A seeded touch of variety: the same words and seed always give the same tint.
    rng = np.random.default_rng(words.derive_seed(req.seed, req.intent, "animation.keyframes"))
    if not intent.colours:
        paint["body"] = words.shift_hue(paint["body"], float(rng.uniform(-25, 25)))
    # Each seed is a slightly different character: build, head size and how lively it moves.
    girth, head, energy = (float(v) for v in rng.uniform(0.88, 1.12, size=3))
    joints = [_reshape(j, girth, head) for j in joints]

    req.progress(0.2, "Building the skeleton")
    count = max(2, round(duration * fps) + 1)
    times = np.linspace(0.0, duration, count, dtype=np.float64)
    poser = _POSERS[rig_name]
    settle = not loop
    root = joints[0].name
    rot = np.zeros((len(joints), count, 4), dtype=np.float64)
    move = np.zeros((count, 3), dtype=np.float64)
    scale = np.ones((count, 3), dtype=np.float64)
    for f, t in enumerate(times):
        p = t / duration
        # A one-shot cyclic move eases in from the rest pose instead of looping.
        env = _smoothstep(0.0, 0.25, p) if settle and motion not in _ONE_SHOT else 1.0
        pose = poser(motion, p, env, settle)
        for j, joint in enumerate(joints):
            euler = pose.rot.get(joint.name, (0.0, 0.0, 0.0))
            rot[j, f] = quaternion((euler[0] * energy, euler[1] * energy, euler[2] * energy))
        move[f] = [v * energy for v in pose.move]
        scale[f] = pose.scale
    if loop:
        # Periodic curves meet up to rounding; copying makes the seam exact.
        rot[:, -1] = rot[:, 0]
        move[-1] = move[0]
        scale[-1] = scale[0]

    req.progress(0.6, "Writing the animation")
    g = GlbBuilder()
    materials: list[dict[str, Any]] = []
    paint_index: dict[str, int] = {}
    for role in ("body", "skin", "dark", "accent"):
        if any(j.paint == role for j in joints):
            paint_index[role] = len(materials)
            rgb = [round(c / 255.0, 4) for c in paint[role]]
            materials.append(
                {
                    "name": role,
                    "pbrMetallicRoughness": {
                        "baseColorFactor": [*rgb, 1.0],
                        "metallicFactor": 0.0,
                        "roughnessFactor": 0.7,
                    },
                }
            )
    meshes = []
    nodes: list[dict[str, Any]] = []
    for j, joint in enumerate(joints):
        pos, nrm, idx = _box(joint.lo, joint.hi)
        a_idx = g.accessor(idx, "SCALAR", target=_ELEMENT_ARRAY_BUFFER)
        a_pos = g.accessor(pos, "VEC3", target=_ARRAY_BUFFER, bounds=True)
        a_nrm = g.accessor(nrm, "VEC3", target=_ARRAY_BUFFER)
        meshes.append(
            {
                "name": joint.name,
                "primitives": [
                    {
                        "attributes": {"POSITION": a_pos, "NORMAL": a_nrm},
                        "indices": a_idx,
                        "material": paint_index[joint.paint],
                        "mode": 4,
                    }
                ],
            }
        )
        node: dict[str, Any] = {"name": joint.name, "mesh": j, "rotation": [float(v) for v in rot[j, 0]]}
        if joint.name == root:
            node["translation"] = [float(a + b) for a, b in zip(joint.offset, move[0], strict=True)]
            node["scale"] = [float(v) for v in scale[0]]
        else:
            node["translation"] = list(joint.offset)
        children = [index[k.name] for k in joints if k.parent == joint.name]
        if children:
            node["children"] = children
        nodes.append(node)

    a_time = g.accessor(times.astype(np.float32), "SCALAR", bounds=True)
    samplers: list[dict[str, Any]] = []
    channels: list[dict[str, Any]] = []

    def channel(node: int, path: str, values: npt.NDArray[np.float64], kind: str) -> None:
        out = g.accessor(values.astype(np.float32), kind)
        samplers.append({"input": a_time, "output": out, "interpolation": "LINEAR"})
        channels.append({"sampler": len(samplers) - 1, "target": {"node": node, "path": path}})

    for j in range(len(joints)):
        if np.ptp(rot[j], axis=0).max() > 1e-6:
            channel(j, "rotation", rot[j], "VEC4")
    offset = np.array(joints[0].offset, dtype=np.float64)
    channel(0, "translation", move + offset, "VEC3")
    if np.ptp(scale, axis=0).max() > 1e-6:
        channel(0, "scale", scale, "VEC3")

    clip = f"{motion}"
    doc: dict[str, Any] = {
        "asset": {"version": "2.0", "generator": "POG Studio procedural animation"},
        "scene": 0,
        "scenes": [{"name": f"{rig_name}-{motion}", "nodes": [0]}],
        "nodes": nodes,
        "meshes": meshes,
        "materials": materials,
        "animations": [{"name": clip, "samplers": samplers, "channels": channels}],
        "extras": {"loop": loop, "fps": fps, "in_place": True},
    }
    glb = g.write(doc)
    stem = words.slug(req.intent, f"{rig_name}-{motion}") if req.intent.strip() else f"{rig_name}-{motion}"
    meta: dict[str, Any] = {
        "motion": motion,
        "rig": rig_name,
        "clip": clip,
        "duration": float(times[-1]),
        "fps": fps,
        "keyframes": count,
        "loop": loop,
        "joints": names,
        "channels": len(channels),
        "in_place": True,
        "colours": {k: words.hex_colour(v) for k, v in paint.items() if k in paint_index},
        "character": {"girth": round(girth, 3), "head": round(head, 3), "energy": round(energy, 3)},
    }
    req.progress(1.0, "Your animation is ready!")
    return GenResult(
        outputs=[Output(glb, "model/gltf-binary", f"{stem}.glb", "main", meta)],
        meta=meta,
    )


ACTION = ActionSpec(
    id="keyframes",
    name="Keyframe animation",
    description="A 3D animation on a simple skeleton, such as idle, walk, attack or wave.",
    output="model",
    params=(
        choice(
            "motion",
            "Motion",
            ("auto", "idle", "walk", "run", "attack", "wave", "jump"),
            "auto",
            "Which move to make. Auto reads it from your words.",
        ),
        choice("rig", "Body", ("humanoid", "quadruped", "blob"), "humanoid", "The shape of the skeleton."),
        number("duration", "Length", 2.0, 0.5, 10.0, "Seconds for one go of the move.", step=0.5),
        integer("fps", "Keyframes per second", 30, 12, 60, "More keys make smoother motion."),
        boolean("loop", "Loop", True, "End where it started so it can repeat."),
    ),
    keywords=kw("keyframe, keyframes, idle, attack, wave, waving, dance, jump, rig, pose"),
    make=make,
)
