"""divine.names: new, pronounceable names that sound like their culture."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from limbs.craft import markov as _markov
from limbs.parts.divine import names
from limbs.spec import GenRequest, GenResult, Tension

NAMES = {"count": 10, "culture": "auto", "length": "medium"}


def run(
    fn: Any, intent: str, defaults: dict[str, Any], seed: int = 1, tension: Tension = "medium", **params: Any
) -> GenResult:
    result: GenResult = fn(
        GenRequest(intent=intent, params={**defaults, **params}, seed=seed, tension=tension)
    )
    return result


def as_json(result: GenResult, index: int = 0) -> Any:
    return json.loads(result.outputs[index].data)


@pytest.mark.parametrize(("culture", "length"), list(itertools.product(_markov.STYLES, _markov.LENGTHS)))
def test_names_are_unique_new_pronounceable_and_the_right_length(culture: str, length: str) -> None:
    result = run(names.make, "", NAMES, count=50, culture=culture, length=length)
    made = as_json(result)
    assert len(made) == 50 and len({n.lower() for n in made}) == 50
    lo, hi = _markov.LENGTHS[length]
    corpus = set(_markov.CORPORA[culture])
    for name in made:
        assert _markov.is_pronounceable(name), name
        assert lo <= len(name) <= hi, name
        assert name.lower() not in corpus
    assert result.outputs[1].data.decode().splitlines() == made


@pytest.mark.parametrize(
    ("intent", "culture"),
    [
        ("names for elves", "elvish"),
        ("dwarf miners", "dwarvish"),
        ("an orc war band", "orcish"),
        ("robot crew", "robot"),
        ("towns on my map", "place"),
        ("a baker", "human"),
    ],
)
def test_auto_culture_is_read_from_the_intent(intent: str, culture: str) -> None:
    assert run(names.make, intent, NAMES).meta["culture"] == culture


def test_names_follow_their_culture_more_than_another() -> None:
    elvish = as_json(run(names.make, "", NAMES, count=30, culture="elvish"))
    orcish = as_json(run(names.make, "", NAMES, count=30, culture="orcish"))
    elf_chain, orc_chain = _markov.chain("elvish"), _markov.chain("orcish")
    assert (
        sum(elf_chain.log_likelihood(n.lower()) > orc_chain.log_likelihood(n.lower()) for n in elvish) >= 25
    )
    assert (
        sum(orc_chain.log_likelihood(n.lower()) > elf_chain.log_likelihood(n.lower()) for n in orcish) >= 25
    )


def test_names_are_deterministic_and_count_is_honoured() -> None:
    a = run(names.make, "elves", NAMES, count=1, seed=9)
    b = run(names.make, "elves", NAMES, count=1, seed=9)
    assert a.outputs[0].data == b.outputs[0].data
    assert len(as_json(a)) == 1
