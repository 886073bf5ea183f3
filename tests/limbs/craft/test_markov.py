"""The Markov name chains' pronounceability rule."""

from __future__ import annotations

import pytest

from limbs.craft import markov as _markov


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("Elarion", True),
        ("Thrain", True),
        ("Strk", False),
        ("Aeiou", False),
        ("Brrrm", False),
        ("Ardwen", False),
        ("O'k", False),
    ],
)
def test_the_pronounceability_rule_counts_consonant_and_vowel_runs(name: str, ok: bool) -> None:
    assert _markov.is_pronounceable(name) is ok
