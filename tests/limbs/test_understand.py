"""One understanding of what people ask (issue 13, point 1): the requests of the issue read as a
person means them, words outside the tables matched and said, nothing silently dropped."""

from __future__ import annotations

import pytest

from limbs import understand_vectors
from limbs.understand import Understanding, concepts, understand


def _subject(understanding: Understanding, index: int = 0) -> tuple[object, ...]:
    thing = understanding.subjects[index]
    return (thing.concept, thing.count, thing.colours, thing.pose, thing.mine, thing.props)


def test_a_red_dragon_sleeping_on_gold_lies_on_a_gold_pile() -> None:
    u = understand("a red dragon sleeping on gold")
    assert _subject(u) == ("dragon", 1, ("red",), "sleeping", False, ())
    assert u.setting == "gold_pile"  # where it lies, not the colour of its wings
    assert len(u.subjects) == 1


def test_a_knight_with_a_sword_holds_it() -> None:
    u = understand("a knight with a sword")
    assert [t.concept for t in u.subjects] == ["knight"]
    assert u.hero is not None and u.hero.props == ("sword",)
    both = understand("a knight with a sword and a shield")
    assert [(t.concept, t.props) for t in both.subjects] == [("knight", ("sword", "shield"))]


def test_a_dragon_roar_is_a_sound() -> None:
    u = understand("a dragon roar")
    assert u.wants == "sound" and u.sounds == ("roar",)
    assert [t.concept for t in u.subjects] == ["dragon"]
    assert understand("roar").wants == "sound"


def test_a_roaring_dragon_is_a_dragon_doing_something() -> None:
    u = understand("a roaring dragon in a cave")
    assert u.pose == "roaring" and u.setting == "cave" and u.wants is None


def test_a_quest_about_a_lost_cat_is_a_story_with_a_cat() -> None:
    u = understand("a quest about a lost cat")
    assert u.wants == "story" and [t.concept for t in u.subjects] == ["cat"]
    assert u.setting is None  # "lost" is an English word, not a typo of "loot"


def test_six_versions_of_my_dragon() -> None:
    u = understand("six versions of my dragon")
    assert u.wants == "variants"
    assert _subject(u)[:2] == ("dragon", 6) and u.mine == u.subjects


def test_make_it_3d_points_at_the_thing_just_made() -> None:
    u = understand("make it 3D")
    assert u.wants == "model3d" and u.this and not u.subjects


def test_a_little_game_with_my_dragon() -> None:
    u = understand("a little game with my dragon")
    assert u.wants == "game"
    assert [(t.concept, t.mine) for t in u.subjects] == [("dragon", True)]


def test_colours_belong_to_the_thing_they_come_before() -> None:
    u = understand("a red dragon and a blue knight")
    assert [(t.concept, t.colours) for t in u.subjects] == [("dragon", ("red",)), ("knight", ("blue",))]


def test_counts_and_plurals() -> None:
    assert _subject(understand("three wolves"))[:2] == ("wolf", 3)
    plural = understand("puppies playing in a field")
    assert plural.subjects[0].concept == "dog" and plural.subjects[0].plural and plural.subjects[0].count > 1
    assert plural.setting == "meadow"
    assert _subject(understand("a pair of golden swords"))[:3] == ("sword", 2, ("golden",))


def test_synonyms_are_their_concept() -> None:
    assert understand("a kitten").subjects[0].concept == "cat"
    assert understand("a wyvern").subjects[0].concept == "dragon"
    assert understand("a boulder").subjects[0].concept == "rock"


def test_typos_are_read_and_said() -> None:
    u = understand("a pixel sprite of a red drgon")
    assert _subject(u)[:3] == ("dragon", 1, ("red",))
    assert u.wants == "sprite" and u.style == "pixel"
    typo = next(m for m in u.matches if m.word == "drgon")
    assert (typo.concept, typo.how) == ("dragon", "typo")
    assert "'drgon' read as dragon (a typo)" in u.explain()
    assert understand("a knigth").subjects[0].concept == "knight"  # two letters swapped


def test_a_word_in_no_table_is_matched_by_meaning_and_said() -> None:
    u = understand("a lizard")
    match = next(m for m in u.matches if m.word == "lizard")
    assert match.how == "nearest" and match.category == "thing"
    # GloVe's 50 dimensions put it beside the parrot, the snake and the frog alike: a small
    # creature, said out loud as what it was read as.
    assert match.concept in {"snake", "frog", "bird", "dragon", "turtle", "dinosaur"}
    assert 0.7 <= match.score < 1.0
    assert "'lizard' read as" in u.explain() and "(the nearest I know)" in u.explain()


def test_a_describing_word_is_not_read_as_a_thing_of_its_own() -> None:
    u = understand("an ancient oak")
    assert [t.concept for t in u.subjects] == ["tree"]


def test_common_words_are_not_matched_by_meaning() -> None:
    # In 50 dimensions "lost" sits near "beat", "victory" and "home": too general to read.
    assert "lost" in understand("a lost cat").unknown


def test_what_it_cannot_place_is_listed_not_dropped() -> None:
    u = understand("a zorblaxian qwerp")
    assert not u.subjects
    assert set(u.unknown) == {"zorblaxian", "qwerp"}
    assert "not understood" in u.explain()


def test_when_where_how_it_feels() -> None:
    u = understand("a slow spooky song at night in the rain")
    assert (u.wants, u.tempo, u.mood, u.time, u.weather) == ("music", "slow", "spooky", "night", "rain")
    scene = understand("a cosy cabin in the snow at sunset")
    assert (scene.subjects[0].concept, scene.setting, scene.time, scene.mood) == (
        "house",
        "snow",
        "sunset",
        "calm",
    )


def test_phrases_read_as_one_word() -> None:
    u = understand("a dragon on a pile of gold")
    assert u.setting == "gold_pile"
    assert any(m.word == "pile of gold" and m.how == "phrase" for m in u.matches)
    assert understand("a sound effect of a door creak").wants == "sound"
    assert understand("a low poly tree").style == "low_poly"


def test_a_kind_word_beats_a_generic_one() -> None:
    assert understand("a picture of a dragon, in 3d").wants == "model3d"
    assert understand("a song about a dragon").wants == "music"
    assert understand("a wizard casting a spell in a stormy forest").wants is None  # a scene, not a sound


def test_materials_and_sizes() -> None:
    crate = understand("a huge wooden crate").subjects[0]
    assert (crate.concept, crate.materials, crate.size) == ("crate", ("wood",), "huge")


@pytest.mark.parametrize("text", ["", "   ", "!!!", "\ud800", "a " * 5000, "12345", "3"])
def test_any_text_is_read_without_error(text: str) -> None:
    u = understand(text)
    assert isinstance(u.as_json(), dict)


def test_the_model_loads_once_per_process() -> None:
    understand("a lizard")
    first = understand_vectors.model()
    understand("a gecko")
    assert understand_vectors.model() is first


def test_every_concept_category_is_listed() -> None:
    assert {"dragon", "knight", "sword", "tree", "crystal", "spaceship"} <= set(concepts("thing"))
    assert {"sleeping", "flying", "attacking"} <= set(concepts("pose"))
