"""quantum.entangle: hybrids that lie between their parents."""

from __future__ import annotations

import io
import json
import wave

import numpy as np
import pytest
from PIL import Image

from limbs.craft.gltf import GlbBuilder
from limbs.formats.glb import validate_glb
from limbs.formats.png import validate_png
from limbs.parts.animation import keyframes
from limbs.parts.image import generate as image_generate
from limbs.parts.quantum import entangle
from limbs.spec import GeneratorInputError, GenRequest, GenResult
from tests.helpers.gltf import accessor, read_glb


def png_bytes(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def rgba(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGBA"), dtype=np.int16)


def mix(first: bytes, second: bytes, amount: float = 0.5, seed: int = 1) -> GenResult:
    return entangle.make(
        GenRequest(intent="", params={"mix": amount}, seed=seed, inputs={"first": first, "second": second})
    )


@pytest.fixture(scope="module")
def parents() -> tuple[bytes, bytes]:
    a = image_generate.make(GenRequest(intent="a red dragon", params={"width": 128, "height": 128}, seed=1))
    b = image_generate.make(
        GenRequest(intent="a blue whale in the sea", params={"width": 128, "height": 128}, seed=2)
    )
    return a.outputs[0].data, b.outputs[0].data


def test_a_picture_hybrid_lies_between_its_parents_pixel_by_pixel(parents: tuple[bytes, bytes]) -> None:
    a, b = (rgba(p) for p in parents)
    hybrid = rgba(mix(*parents).outputs[0].data)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    assert np.all(hybrid >= lo - 1) and np.all(hybrid <= hi + 1)
    # A soft mask: some pixels come from each parent, some are blended.
    from_a = np.all(hybrid == a, axis=-1).mean()
    from_b = np.all(hybrid == b, axis=-1).mean()
    assert from_a > 0.2 and from_b > 0.2 and from_a + from_b < 0.98


def test_the_mix_slides_the_hybrid_from_the_first_parent_to_the_second(parents: tuple[bytes, bytes]) -> None:
    a, b = (rgba(p) for p in parents)
    assert np.array_equal(rgba(mix(*parents, 0.0).outputs[0].data), a)
    assert np.array_equal(rgba(mix(*parents, 1.0).outputs[0].data), b)
    distance = [np.abs(rgba(mix(*parents, m).outputs[0].data) - a).mean() for m in (0.2, 0.5, 0.8)]
    assert distance[0] < distance[1] < distance[2]


def test_pictures_of_different_sizes_mix_at_the_first_ones_size(parents: tuple[bytes, bytes]) -> None:
    small = png_bytes(Image.open(io.BytesIO(parents[1])).resize((40, 30)))
    out = mix(parents[0], small).outputs[0]
    validate_png(out.data, width=128, height=128)
    assert out.mime == "image/png"


def test_json_hybrids_interpolate_numbers_and_colours_and_inherit_the_rest() -> None:
    a = {
        "name": "troll",
        "hp": 100,
        "speed": 1.0,
        "colour": "#ff0000",
        "tags": ["big", "slow"],
        "boss": False,
    }
    b = {"name": "pixie", "hp": 20, "speed": 3.0, "colour": "#0000ff", "tags": ["tiny"], "wings": 2}
    out = mix(json.dumps(a).encode(), json.dumps(b).encode(), 0.25).outputs[0]
    hybrid = json.loads(out.data)
    assert out.mime == "application/json"
    assert hybrid["hp"] == 80 and hybrid["speed"] == pytest.approx(1.5)
    assert hybrid["colour"] == "#bf0040"
    assert hybrid["name"] in ("troll", "pixie")
    assert len(hybrid["tags"]) == 2
    assert json.loads(mix(json.dumps(a).encode(), json.dumps(b).encode(), 0.0).outputs[0].data) == a


def wav(samples: np.ndarray, rate: int = 22050) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((samples * 32767).astype("<i2").tobytes())
    return buf.getvalue()


def test_sound_hybrids_lie_between_the_two_waves() -> None:
    t = np.arange(2205) / 22050
    a, b = 0.8 * np.sin(2 * np.pi * 440 * t), 0.5 * np.sin(2 * np.pi * 660 * t)
    out = mix(wav(a), wav(b), 0.3).outputs[0]
    assert out.mime == "audio/wav"
    with wave.open(io.BytesIO(out.data)) as w:
        got = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32767
    assert np.allclose(got, 0.7 * a + 0.3 * b, atol=2e-4)
    assert np.all(got >= np.minimum(a, b) - 1e-3) and np.all(got <= np.maximum(a, b) + 1e-3)


def box_glb(size: float, colour: list[float]) -> bytes:
    corners = np.array([[x, y, z] for x in (0, size) for y in (0, size) for z in (0, size)], dtype=np.float32)
    faces = np.array(
        [0, 1, 3, 0, 3, 2, 4, 6, 7, 4, 7, 5, 0, 4, 5, 0, 5, 1, 2, 3, 7, 2, 7, 6], dtype=np.uint16
    )
    g = GlbBuilder()
    idx = g.accessor(faces, "SCALAR", target=34963)
    pos = g.accessor(corners, "VEC3", target=34962, bounds=True)
    doc = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": pos}, "indices": idx, "material": 0}]}],
        "materials": [{"pbrMetallicRoughness": {"baseColorFactor": [*colour, 1.0]}}],
    }
    return g.write(doc)


def test_model_hybrids_blend_shape_and_colour_when_the_models_match() -> None:
    out = mix(box_glb(1.0, [1.0, 0.0, 0.0]), box_glb(3.0, [0.0, 0.0, 1.0]), 0.5).outputs[0]
    assert out.mime == "model/gltf-binary"
    info = validate_glb(out.data)
    assert info["bounds"] == [[0.0, 0.0, 0.0], [2.0, 2.0, 2.0]]
    doc, binary = read_glb(out.data)
    assert accessor(doc, binary, 1).max() == pytest.approx(2.0)
    assert doc["materials"][0]["pbrMetallicRoughness"]["baseColorFactor"] == [0.5, 0.0, 0.5, 1.0]


def test_models_built_differently_are_refused_naming_the_second() -> None:
    walker = keyframes.make(GenRequest(intent="", params={"rig": "humanoid"}, seed=1)).outputs[0].data
    with pytest.raises(GeneratorInputError) as err:
        mix(box_glb(1.0, [1.0, 0.0, 0.0]), walker)
    assert err.value.field == "second"


def test_two_things_of_different_kinds_are_refused_naming_the_second(parents: tuple[bytes, bytes]) -> None:
    with pytest.raises(GeneratorInputError) as err:
        mix(parents[0], b'{"hp": 3}')
    assert err.value.field == "second"
    with pytest.raises(GeneratorInputError) as err:
        mix(b"\x00\x01 not anything", parents[0])
    assert err.value.field == "first"
    with pytest.raises(GeneratorInputError) as err:
        mix(parents[0], parents[1], 1.5)
    assert err.value.field == "mix"


def test_entangle_is_deterministic_and_the_seed_moves_the_mask(parents: tuple[bytes, bytes]) -> None:
    assert mix(*parents).outputs[0].data == mix(*parents).outputs[0].data
    assert mix(*parents, seed=2).outputs[0].data != mix(*parents).outputs[0].data
