"""The Tracery-style grammar: symbols, modifiers, bindings and its errors."""

from __future__ import annotations

import random

import pytest

from limbs.craft.grammar import Grammar, GrammarError


def test_grammar_expands_symbols_with_modifiers_and_remembers_bindings() -> None:
    g = Grammar(
        {"beast": ["owl"], "hero": ["#beast.capitalize#"], "story": ["[who:#hero#]#who# met #who.a#"]},
        random.Random(1),
    )
    assert g.flatten("story") == "Owl met an Owl"
    assert g.expand("#beast.s# and #beast.a.title#") == "owls and An Owl"


def test_grammar_reports_missing_rules_and_endless_recursion() -> None:
    g = Grammar({"loop": ["#loop#"]}, random.Random(1))
    with pytest.raises(GrammarError, match="deeper"):
        g.flatten("loop")
    with pytest.raises(GrammarError, match="no rule"):
        g.flatten("nothing")
