"""quantum.variants: reproducible siblings of one request on a contact sheet."""

from __future__ import annotations

import dataclasses
import io
import json
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw

from limbs.formats.glb import validate_glb
from limbs.formats.png import validate_png
from limbs.parts.quantum import variants
from limbs.registry import REGISTRY
from limbs.spec import GeneratorInputError, GenRequest, GenResult, Make, Output, Registry


def make_variants(
    intent: str = "a tiny green robot",
    seed: int = 1,
    inputs: dict[str, bytes] | None = None,
    studio: Registry = REGISTRY,
    **params: Any,
) -> GenResult:
    full = {"target": "image", "count": 4, "spread": 0.5, **params}
    request = GenRequest(intent=intent, params=full, seed=seed, inputs=inputs or {}, studio=studio)
    return variants.make(request)


def studio_with(limb_id: str, makers: dict[str, Make | None]) -> Registry:
    """The studio with some actions of one limb given (or stripped of) a maker."""
    limbs = []
    for limb in REGISTRY.limbs:
        if limb.id == limb_id:
            actions = tuple(
                dataclasses.replace(a, make=makers[a.id]) if a.id in makers else a for a in limb.actions
            )
            limb = dataclasses.replace(limb, actions=actions)
        limbs.append(limb)
    return Registry(limbs=tuple(limbs))


def png_bytes(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def rgba(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGBA"), dtype=np.int16)


@pytest.fixture(scope="module")
def sprites() -> GenResult:
    return make_variants(action="sprite", count=5)


def test_variants_give_n_distinct_siblings_and_a_contact_sheet(sprites: GenResult) -> None:
    mains = [o for o in sprites.outputs if o.role == "main"]
    sheet = [o for o in sprites.outputs if o.role == "preview"]
    assert len(mains) == 5 and len(sheet) == 1
    assert len({o.data for o in mains}) == 5
    for out in mains:
        validate_png(out.data, require_alpha=True)
    report = validate_png(sheet[0].data)
    assert report["width"] >= 3 * 160 and report["height"] >= 2 * 160
    assert sprites.meta["distinct"] == 5
    assert [o.name[:4] for o in mains] == ["v01-", "v02-", "v03-", "v04-", "v05-"]


def test_each_sibling_can_be_remade_alone_from_its_seed_and_params(sprites: GenResult) -> None:
    for out in (o for o in sprites.outputs if o.role == "main"):
        again = REGISTRY.call(
            "image",
            "sprite",
            GenRequest(intent="a tiny green robot", params=out.meta["params"], seed=out.meta["seed"]),
        )
        assert again.outputs[0].data == out.data


def test_the_contact_sheet_shows_each_sibling(sprites: GenResult) -> None:
    sheet = rgba(next(o.data for o in sprites.outputs if o.role == "preview"))
    # Cell 1 (top left) and cell 2 differ because their sprites differ.
    cell1 = sheet[6 : 6 + 160, 6 : 6 + 160]
    cell2 = sheet[6 : 6 + 160, 172 : 172 + 160]
    assert np.abs(cell1 - cell2).sum() > 0
    assert cell1[..., :3].std() > 10


def test_variants_repeat_exactly_and_the_seed_moves_every_sibling(sprites: GenResult) -> None:
    again = make_variants(action="sprite", count=5)
    assert [o.data for o in again.outputs] == [o.data for o in sprites.outputs]
    other = make_variants(action="sprite", count=5, seed=2)
    assert {o.data for o in other.outputs if o.role == "main"}.isdisjoint(
        {o.data for o in sprites.outputs if o.role == "main"}
    )


def red_disc() -> bytes:
    im = Image.new("RGBA", (24, 24), (0, 0, 0, 0))
    ImageDraw.Draw(im).ellipse((2, 2, 21, 21), fill=(220, 60, 60, 255))
    return png_bytes(im)


def test_spread_zero_keeps_the_parameters_and_more_spread_moves_them_further() -> None:
    calm = make_variants(action="generate", count=2, spread=0.0, params={"width": 96, "height": 96})
    assert all(s["params"] == calm.meta["base_params"] for s in calm.meta["siblings"])
    assert calm.meta["distinct"] == 2  # the seeds alone still make them differ

    def depth_moves(spread: float) -> float:
        result = make_variants("", target="mesh", count=4, spread=spread, inputs={"image": red_disc()})
        return float(sum(abs(s["params"]["depth"] - 0.25) for s in result.meta["siblings"]))

    assert 0 < depth_moves(0.2) < depth_moves(1.0)
    # Size and format parameters are never varied, however wild.
    wild = make_variants("", target="animation", action="keyframes", count=6, spread=1.0)
    assert {s["params"]["fps"] for s in wild.meta["siblings"]} == {30}
    assert {s["params"]["duration"] for s in wild.meta["siblings"]} == {2.0}
    assert any(s["params"] != wild.meta["base_params"] for s in wild.meta["siblings"])


def test_picture_variants_come_from_image_generate_at_the_requested_size() -> None:
    result = make_variants("a red dragon", count=2, params={"width": 96, "height": 80})
    assert result.meta["action"] == "generate"
    for out in (o for o in result.outputs if o.role == "main"):
        validate_png(out.data, width=96, height=80)


def test_mesh_variants_use_the_attached_picture_and_draw_the_models_on_the_sheet() -> None:
    result = make_variants("", target="mesh", count=3, inputs={"source": red_disc()})
    assert result.meta["action"] == "image_to_3d"
    models = [o for o in result.outputs if o.mime == "model/gltf-binary"]
    assert len(models) == 3 and len({m.data for m in models}) == 3  # depth varies with spread
    for m in models:
        validate_glb(m.data)
    sheet = rgba(next(o.data for o in result.outputs if o.role == "preview"))
    cell = sheet[6 : 6 + 160, 6 : 6 + 160]
    assert (cell[..., 0] > cell[..., 2] + 40).sum() > 500  # the red model is drawn


def test_variants_work_with_whatever_generators_exist_at_call_time() -> None:
    def fake_world(req: GenRequest) -> GenResult:
        doc = {"seed": req.seed, "width": req.params["width"]}
        return GenResult(outputs=[Output(json.dumps(doc).encode(), "application/json", "world.json")])

    studio = studio_with("world", {"generate": fake_world})
    result = make_variants("", target="world", count=3, spread=0.0, studio=studio)
    mains = [json.loads(o.data) for o in result.outputs if o.role == "main"]
    assert [m["seed"] for m in mains] == [s["seed"] for s in result.meta["siblings"]]
    validate_png(next(o.data for o in result.outputs if o.role == "preview"))


def test_a_target_without_a_generator_is_refused_naming_the_target() -> None:
    code = REGISTRY.get("code")
    assert code is not None
    studio = studio_with("code", {a.id: None for a in code.actions})
    with pytest.raises(GeneratorInputError) as err:
        make_variants(target="code", studio=studio)
    assert err.value.field == "target"
    with pytest.raises(GeneratorInputError) as err:
        make_variants(target="quantum")
    assert err.value.field == "target"
    with pytest.raises(GeneratorInputError) as err:
        make_variants(target="mesh")  # image_to_3d needs a picture and none is attached
    assert err.value.field == "target"
    with pytest.raises(GeneratorInputError) as err:
        make_variants(action="moonbeam")
    assert err.value.field == "action"
    with pytest.raises(GeneratorInputError) as err:
        make_variants(count=17)
    assert err.value.field == "count"


def test_a_bad_forwarded_parameter_is_refused_by_its_name() -> None:
    with pytest.raises(GeneratorInputError) as err:
        make_variants(action="sprite", params={"size": 999})
    assert err.value.field == "size"
