"""Variants store each distinct file once and plan within the bytes one request may keep.

Before: sixteen material variants stored 37.9 MB, 17.8 MB of it preview spheres that embed
every sibling's albedo, normal and ORM maps a second time."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from limbs.parts.quantum import variants
from limbs.registry import REGISTRY
from limbs.spec import GeneratorInputError, GenRequest, GenResult

MB = 1024 * 1024


def material_variants(count: int) -> GenResult:
    params = {"target": "material", "action": "pbr", "count": count, "spread": 0.5}
    return variants.make(GenRequest("mossy stone", params, 1, studio=REGISTRY))


@pytest.fixture(scope="module")
def sixteen() -> GenResult:
    return material_variants(16)


def test_no_sibling_file_is_stored_twice(sixteen: GenResult) -> None:
    digests = [hashlib.sha256(o.data).hexdigest() for o in sixteen.outputs]
    assert len(digests) == len(set(digests))
    # The one preview is the contact sheet; no sibling's preview sphere repeats its maps.
    assert [o.role for o in sixteen.outputs].count("preview") == 1
    assert not any(o.mime == "model/gltf-binary" for o in sixteen.outputs)


def test_variants_plan_fewer_siblings_within_the_output_budget(sixteen: GenResult, settings: Any) -> None:
    total = sum(len(o.data) for o in sixteen.outputs)
    assert total <= settings.POG_MAX_OUTPUT_MB * MB
    made = sixteen.meta["count"]
    assert sixteen.meta["asked"] == 16 and 2 <= made < 16
    assert len(sixteen.meta["siblings"]) == made
    assert {o.meta.get("variant") for o in sixteen.outputs if o.role != "preview"} == set(range(1, made + 1))


def test_a_smaller_budget_makes_fewer_and_too_small_a_budget_says_so(settings: Any) -> None:
    settings.POG_MAX_OUTPUT_MB = 6
    fewer = material_variants(8)
    assert 2 <= fewer.meta["count"] < 8
    assert sum(len(o.data) for o in fewer.outputs) <= 6 * MB
    settings.POG_MAX_OUTPUT_MB = 1
    with pytest.raises(GeneratorInputError) as refused:
        material_variants(4)
    assert refused.value.field == "count" and "1 MB" in str(refused.value)


def test_small_siblings_are_all_made_as_asked() -> None:
    params = {"target": "image", "action": "sprite", "count": 16, "spread": 0.5}
    result = variants.make(GenRequest("a tiny green robot", params, 1, studio=REGISTRY))
    assert result.meta["count"] == result.meta["asked"] == 16
