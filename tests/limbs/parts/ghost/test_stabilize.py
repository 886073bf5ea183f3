"""ghost.stabilize: another action answered by its procedural maker alone."""

from __future__ import annotations

import pytest

from limbs.parts.ghost import stabilize
from limbs.registry import REGISTRY
from limbs.spec import GeneratorInputError, GenRequest


def test_stabilize_answers_another_action_with_its_procedural_generator() -> None:
    result = stabilize.make(
        GenRequest("a green frog", {"target": "image.sprite", "budget_ms": 500}, seed=4, studio=REGISTRY)
    )
    assert result.outputs[0].mime == "image/png"
    assert result.meta["target"] == "image.sprite"
    again = stabilize.make(
        GenRequest("a green frog", {"target": "image.sprite", "budget_ms": 500}, seed=4, studio=REGISTRY)
    )
    assert again.outputs[0].data == result.outputs[0].data


@pytest.mark.parametrize(
    "target", ["mesh.image_to_3d", "nope.thing", "code.generate", "ghost.introspect", "image"]
)
def test_stabilize_refuses_targets_it_cannot_answer_from_words(target: str) -> None:
    with pytest.raises(GeneratorInputError) as caught:
        stabilize.stabilize_target(target, REGISTRY)
    assert caught.value.field == "target"
