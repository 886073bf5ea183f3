"""limbs.craft.words: what a sentence asks for."""

from __future__ import annotations

from limbs.craft import words as words


def test_colour_words_attach_to_the_noun_they_describe() -> None:
    parsed = words.parse("a red dragon guarding a golden castle at night")
    assert [s.kind for s in parsed.subjects] == ["dragon", "castle"]
    assert parsed.subjects[0].colours == (words.COLOURS["red"],)
    assert parsed.subjects[1].colours == (words.COLOURS["golden"],)
    assert parsed.time == "night"


def test_plurals_and_synonyms_find_the_subject() -> None:
    assert words.parse("three kittens").hero == words.Subject("cat", "kitten")
    assert words.parse("Dragons!!").hero is not None
    assert words.parse("a puppy").hero == words.Subject("dog", "puppy")


def test_the_head_noun_of_an_unknown_phrase_becomes_the_creature() -> None:
    assert words.parse("a fluffy zorblax eating cake").hero == words.Subject("creature", "zorblax")


def test_derived_seed_depends_on_seed_and_intent_but_not_on_spacing_or_case() -> None:
    base = words.derive_seed(1, "A Red  Dragon!", "x")
    assert base == words.derive_seed(1, "a red dragon", "x")
    assert base != words.derive_seed(2, "a red dragon", "x")
    assert base != words.derive_seed(1, "a blue dragon", "x")
