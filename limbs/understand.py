"""One understanding of what a person asks (DESIGN.md, "The intent"), pure Python.

``understand("two red dragons sleeping on gold at night")`` gives plain data: the subjects with
their counts, colours, materials and sizes, whose they are ("my dragon"), what they hold; what
they are doing (the pose); where (a setting, the time of day, the weather); the mood and tempo;
the style; the sounds named; and what kind of thing is wanted (a picture, a sprite, a sound,
music, a 3D model, a story, a game, ...). Every word it used is reported with how it was read
(``Match``): as written, as a plural, as a two-word phrase, as a typo of a known word
("drgon" -> dragon) or, for a word in no table, as the nearest known concept by meaning
("wyvern" -> dragon), through the small static embedding model of ``limbs.understand_vectors``.
Words it could not place are listed too, never dropped silently.

The vocabulary is in ``limbs.understand_words``; colour words are ``limbs.craft.words``'.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from limbs import understand_vectors
from limbs import understand_words as vocab
from limbs.craft.words import COLOURS

# Categories a word can belong to, in the order a bare word is read when it could be several
# ("castle" is a thing unless a place word comes before it; "gold" is a colour unless it is
# where something lies).
THING, SOUND, WANT, POSE, SETTING, TIME, WEATHER, MOOD, TEMPO, MATERIAL, SIZE, STYLE, COLOUR = (
    "thing",
    "sound",
    "want",
    "pose",
    "setting",
    "time",
    "weather",
    "mood",
    "tempo",
    "material",
    "size",
    "style",
    "colour",
)
_TABLES: tuple[tuple[str, Mapping[str, tuple[str, ...]]], ...] = (
    (THING, vocab.SUBJECTS),
    (SOUND, vocab.SOUNDS),
    (POSE, vocab.POSES),
    (WANT, vocab.WANTS),
    (TIME, vocab.TIMES),
    (WEATHER, vocab.WEATHER),
    (MOOD, vocab.MOODS),
    (TEMPO, vocab.TEMPOS),
    (STYLE, vocab.STYLES),
    (SIZE, vocab.SIZES),
    (MATERIAL, vocab.MATERIALS),
    (SETTING, vocab.SETTINGS),
)

# How strongly a kind word says what is wanted: a format beats a generic "picture", a sound
# named without a kind word ("a dragon roar") still asks for a sound.
_WANT_RANK: Mapping[str, float] = {
    "model3d": 9,
    "game": 8,
    "walk_cycle": 8,
    "music": 7,
    "voice": 7,
    "sound": 6,
    "sprite": 6,
    "tile": 6,
    "animation": 6,
    "material": 6,
    "shader": 6,
    "code": 6,
    "video": 5,
    "variants": 5,
    "dialogue": 5,
    "names": 5,
    "terrain": 5,
    "palette": 5,
    "character": 4,
    "story": 4,
    "world": 4,
    "picture": 2,
}
_IMPLIED_RANK = 1.5  # a sound named, a pixel style: weaker than any kind word

# A typo is read as a known word this many edits away at most (by length of the word typed).
_TYPO_MIN_LENGTH = 4
_TWO_TYPOS_FROM = 8

_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Match:
    """One word as it was read."""

    word: str  # as typed (a two-word phrase joined by a space)
    category: str  # thing, pose, setting, ...
    concept: str  # the canonical concept ("dragon", "sleeping", "gold_pile")
    how: str  # exact | plural | phrase | typo | nearest
    score: float = 1.0  # 1 for exact readings; the similarity for "nearest"

    def as_json(self) -> dict[str, Any]:
        return {
            "word": self.word,
            "category": self.category,
            "concept": self.concept,
            "how": self.how,
            "score": round(self.score, 3),
        }


@dataclass(frozen=True)
class Thing:
    """A subject: what it is, how many, how it looks, whose, what it holds or wears."""

    concept: str
    word: str
    count: int = 1
    plural: bool = False  # "dragons" with no number: several
    colours: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    size: str | None = None
    mine: bool = False  # "my dragon": the person's own (their newest dragon)
    props: tuple[str, ...] = ()  # "a knight with a sword": ("sword",)
    pose: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "concept": self.concept,
            "word": self.word,
            "count": self.count,
            "plural": self.plural,
            "colours": list(self.colours),
            "materials": list(self.materials),
            "size": self.size,
            "mine": self.mine,
            "props": list(self.props),
            "pose": self.pose,
        }


@dataclass(frozen=True)
class Understanding:
    text: str
    subjects: tuple[Thing, ...] = ()
    pose: str | None = None
    setting: str | None = None
    time: str | None = None
    weather: str | None = None
    mood: str | None = None
    tempo: str | None = None
    style: str | None = None
    sounds: tuple[str, ...] = ()
    wants: str | None = None  # picture | sprite | sound | music | voice | model3d | story | game | ...
    wants_because: str = ""  # the word that said so
    wants_said: bool = False  # a kind word said it ("song"), not a sound or a style named
    this: bool = False  # "make it 3D": the thing just made, with no noun
    colours: tuple[str, ...] = ()  # every colour word, in order
    matches: tuple[Match, ...] = ()
    unknown: tuple[str, ...] = ()  # words read as nothing

    @property
    def hero(self) -> Thing | None:
        return self.subjects[0] if self.subjects else None

    @property
    def mine(self) -> tuple[Thing, ...]:
        """The person's own things the request names ("my dragon")."""
        return tuple(thing for thing in self.subjects if thing.mine)

    def as_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "subjects": [thing.as_json() for thing in self.subjects],
            "pose": self.pose,
            "setting": self.setting,
            "time": self.time,
            "weather": self.weather,
            "mood": self.mood,
            "tempo": self.tempo,
            "style": self.style,
            "sounds": list(self.sounds),
            "wants": self.wants,
            "wants_because": self.wants_because,
            "wants_said": self.wants_said,
            "this": self.this,
            "colours": list(self.colours),
            "matches": [match.as_json() for match in self.matches],
            "unknown": list(self.unknown),
        }

    def explain(self) -> str:
        """The readings that were not as written, in plain words ("'drgon' read as dragon (a typo)")."""
        notes = []
        for match in self.matches:
            if match.how == "typo":
                notes.append(f"'{match.word}' read as {_spoken(match.concept)} (a typo)")
            elif match.how == "nearest":
                notes.append(f"'{match.word}' read as {_spoken(match.concept)} (the nearest I know)")
        if self.unknown:
            notes.append("not understood: " + ", ".join(f"'{word}'" for word in self.unknown))
        return "; ".join(notes)


def _spoken(concept: str) -> str:
    return concept.replace("_", " ")


# --- the index: every word -> what it can mean -----------------------------------------


def _build_index() -> dict[str, list[tuple[str, str]]]:
    index: dict[str, list[tuple[str, str]]] = {}
    for category, table in _TABLES:
        for concept, words in table.items():
            for word in words:
                index.setdefault(word, []).append((category, concept))
    for word in COLOURS:
        index.setdefault(word, []).append((COLOUR, word))
    return index


_INDEX = _build_index()


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _build_typo_index() -> dict[str, set[str]]:
    """Every known word (of typo length) and its one-letter deletions -> the known words: a
    typed word shares an entry with a known word one or two edits away (symmetric deletion)."""
    typos: dict[str, set[str]] = {}
    for word in _INDEX:
        if len(word) < _TYPO_MIN_LENGTH:
            continue
        for key in {word} | _deletes(word):
            typos.setdefault(key, set()).add(word)
    return typos


_TYPOS = _build_typo_index()


def _edits(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (adjacent transpositions count once)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _typo_of(word: str) -> str | None:
    """The known word ``word`` is most likely a typo of, or None."""
    if len(word) < _TYPO_MIN_LENGTH or word.isdigit():
        return None
    allowed = 2 if len(word) >= _TWO_TYPOS_FROM else 1
    candidates: set[str] = set()
    for key in {word} | _deletes(word):
        candidates |= _TYPOS.get(key, set())
    best: tuple[int, int, str] | None = None
    for known in candidates:
        distance = _edits(word, known)
        if distance == 0 or distance > allowed:
            continue
        # Fewer edits first, then the same first letter (people rarely miss the first one).
        rank = (distance, 0 if known[0] == word[0] else 1, known)
        if best is None or rank < best:
            best = rank
    return best[2] if best is not None else None


def _singulars(word: str) -> list[str]:
    forms = []
    if len(word) > 3 and word.endswith("ies"):
        forms.append(word[:-3] + "y")
    if len(word) > 3 and word.endswith("ves"):
        forms += [word[:-3] + "f", word[:-3] + "fe"]
    if len(word) > 3 and word.endswith("es"):
        forms.append(word[:-2])
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        forms.append(word[:-1])
    if word in ("mice", "geese", "men", "women", "children", "people", "teeth", "feet", "oxen"):
        forms.append({"mice": "mouse", "geese": "goose", "men": "man", "women": "woman"}.get(word, word))
    return forms


@dataclass(frozen=True)
class _Reading:
    word: str
    meanings: tuple[tuple[str, str], ...]  # (category, concept), most likely first
    how: str
    score: float = 1.0
    plural: bool = False


def _read(word: str, describes: bool = False) -> _Reading | None:
    """What one word can mean: as written, as a plural, then, for an English word the tables do
    not have, the nearest concept by meaning (not a thing when it ``describes`` the thing after
    it), and for a word English does not have, the known word it is a typo of."""
    if word in _INDEX:
        return _Reading(word, tuple(_INDEX[word]), "exact")
    for form in _singulars(word):
        if form in _INDEX:
            kinds = (THING, SOUND, SETTING, WANT)
            meanings = tuple(m for m in _INDEX[form] if m[0] in kinds) or tuple(_INDEX[form])
            return _Reading(word, meanings, "plural", plural=True)
    if not word.isalpha() or len(word) < 3:
        return None
    if understand_vectors.knows(word):
        found = understand_vectors.nearest(word, _concept_words(not describes))
        if found is None:
            return None  # a real word, near nothing the studio knows
        category, concept, score = found
        return _Reading(word, ((category, concept),), "nearest", score)
    typo = _typo_of(word)
    if typo is not None:
        return _Reading(word, tuple(_INDEX[typo]), "typo")
    return None


# What a word may be matched to by meaning: things, places and how they are, not what kind of
# file is wanted (that is said in so many words) nor a sound, a tempo or a size.
_NEAREST_CATEGORIES = (THING, POSE, SETTING, TIME, WEATHER, MOOD, MATERIAL)


@lru_cache(maxsize=2)
def _concept_words(things: bool = True) -> tuple[tuple[str, str, str], ...]:
    """(word, category, concept) for every known word the embedding model may match to; without
    ``things`` for a word that describes the thing after it ("an ancient oak")."""
    rows = []
    for category, table in _TABLES:
        if category in _NEAREST_CATEGORIES and (things or category != THING):
            for concept, words in table.items():
                rows += [(word, category, concept) for word in words]
    return tuple(rows)


# --- reading a sentence --------------------------------------------------------------


def _tokens(text: str) -> list[tuple[str, str]]:
    """``(token, as typed)``: lower-case words, a known phrase joined into one token."""
    lowered = text.lower().replace("t-rex", "trex").replace("8-bit", "8bit").replace("16-bit", "16bit")
    words = _TOKEN.findall(lowered)
    joined: list[tuple[str, str]] = []
    i = 0
    while i < len(words):
        for size in (3, 2):
            phrase = " ".join(words[i : i + size])
            if len(words) - i >= size and phrase in vocab.PHRASES:
                joined.append((vocab.PHRASES[phrase], phrase))
                i += size
                break
        else:
            joined.append((words[i], words[i]))
            i += 1
    return joined


def understand(text: str) -> Understanding:
    """What ``text`` asks for (the first 2,000 characters of it)."""
    return _understand(" ".join(str(text).split())[:2000])


@lru_cache(maxsize=4096)
def _understand(text: str) -> Understanding:
    pairs = _tokens(text)
    tokens = [token for token, _ in pairs]
    state = _State()
    for index, (token, typed) in enumerate(pairs):
        state.take(index, token, typed, tokens)
    return state.result(text)


class _State:
    """Reads the tokens left to right, holding the noun phrase being built."""

    def __init__(self) -> None:
        self.things: list[dict[str, Any]] = []
        self.pending: dict[str, Any] = self._fresh()
        self.after_place = False  # a place word came, and its noun has not
        self.after_with = False  # "with"/"holding": the next thing is held by the last one
        self.holding = False  # the last thing read was held ("a knight with a sword ...")
        self.poses: list[str] = []
        self.singles: dict[str, str] = {}  # time, weather, mood, tempo, style, setting -> concept
        self.sounds: list[str] = []
        self.wants: tuple[float, str, str] | None = None  # (rank, want, word)
        self.this = False
        self.colours: list[str] = []
        self.matches: list[Match] = []
        self.unknown: list[str] = []

    @staticmethod
    def _fresh() -> dict[str, Any]:
        return {"count": None, "colours": [], "materials": [], "size": None, "mine": False}

    def _want(self, rank: float, want: str, word: str) -> None:
        if self.wants is None or rank > self.wants[0]:
            self.wants = (rank, want, word)

    def take(self, index: int, token: str, typed: str, tokens: list[str]) -> None:
        if token in vocab.MINE:
            self.pending["mine"] = True
            return
        if token in vocab.PLACE_WORDS:
            self.after_place = True
            return
        if token in vocab.WITH_WORDS:
            if self.things:
                # "with a sword and a shield": after a thing held, "and" holds the next one too.
                self.after_with = token != "and" or self.holding
            return
        if token.isdigit():
            self.pending["count"] = max(1, min(int(token), 99)) if len(token) < 4 else 99
            return
        if token in vocab.NUMBERS and token not in _INDEX:
            self.pending["count"] = vocab.NUMBERS[token]
            return
        if token in vocab.THIS and not self._noun_follows(index, tokens):
            self.this = True
            return
        if token in vocab.FILLER:
            return
        reading = _read(token, describes=self._noun_follows(index, tokens))
        if reading is not None and typed != token:
            reading = replace(reading, word=typed, how="phrase")
        if reading is None:
            if len(token) > 1 and not token.isdigit():
                self.unknown.append(token)
            return
        self._place(reading)

    @staticmethod
    def _noun_follows(index: int, tokens: list[str]) -> bool:
        following = tokens[index + 1 : index + 2]
        return bool(following) and any(m[0] == THING for m in _INDEX.get(following[0], []))

    def _note(self, reading: _Reading, category: str, concept: str) -> None:
        self.matches.append(Match(reading.word, category, concept, reading.how, reading.score))

    def _place(self, reading: _Reading) -> None:
        meanings: dict[str, str] = {}  # category -> concept, the first meaning of each category
        for category, concept in reading.meanings:
            meanings.setdefault(category, concept)
        if self.after_place:
            setting = self._setting_of(meanings)
            if setting is not None:
                self.after_place = False
                self.singles["setting"] = setting
                self._note(reading, SETTING, setting)
                return
        if THING in meanings:
            self._thing(reading, meanings[THING])
            return
        if SOUND in meanings and (POSE not in meanings or not self.things):
            self.sounds.append(meanings[SOUND])
            self._note(reading, SOUND, meanings[SOUND])
            return
        for category in (POSE, WANT, TIME, WEATHER, MOOD, TEMPO, STYLE):
            if category in meanings:
                self._single(reading, category, meanings[category])
                return
        if COLOUR in meanings:
            self.pending["colours"].append(meanings[COLOUR])
            self.colours.append(meanings[COLOUR])
            self._note(reading, COLOUR, meanings[COLOUR])
            return
        if SIZE in meanings:
            self.pending["size"] = meanings[SIZE]
            self._note(reading, SIZE, meanings[SIZE])
            return
        if MATERIAL in meanings:
            self.pending["materials"].append(meanings[MATERIAL])
            self._note(reading, MATERIAL, meanings[MATERIAL])
            return
        if SETTING in meanings:
            self.singles["setting"] = meanings[SETTING]
            self._note(reading, SETTING, meanings[SETTING])

    @staticmethod
    def _setting_of(meanings: Mapping[str, str]) -> str | None:
        """Where a thing is, for the noun after a place word: a setting, or a thing that is one
        ("in a castle"), or gold ("sleeping on gold": on a pile of it)."""
        if meanings.get(MATERIAL) == "gold" or meanings.get(COLOUR) in ("gold", "golden"):
            return "gold_pile"
        if meanings.get(THING) in ("chest", "coin"):
            return "gold_pile"
        if SETTING in meanings:
            return meanings[SETTING]
        thing = meanings.get(THING)
        if thing in vocab.SETTINGS:
            return thing
        return None

    def _single(self, reading: _Reading, category: str, concept: str) -> None:
        self._note(reading, category, concept)
        if category == POSE:
            self.poses.append(concept)
            if self.things and self.things[-1]["pose"] is None:
                self.things[-1]["pose"] = concept
            return
        if category == WANT:
            self._want(_WANT_RANK.get(concept, 3), concept, reading.word)
            return
        if category == STYLE and concept == "pixel":
            self._want(_IMPLIED_RANK, "sprite", reading.word)
        self.singles[category] = concept

    def _thing(self, reading: _Reading, concept: str) -> None:
        self._note(reading, THING, concept)
        pending, self.pending = self.pending, self._fresh()
        if self.after_with and self.things:
            self.things[-1]["props"].append(concept)
            self.after_with = False
            self.holding = True
            return
        self.holding = False
        self.after_place = False
        count = pending["count"]
        plural = reading.plural and count is None
        for existing in self.things:
            if existing["concept"] == concept and not pending["colours"] and not pending["mine"]:
                return  # "a dragon ... the dragon": one dragon
        self.things.append(
            {
                "concept": concept,
                "word": reading.word,
                "count": count if count is not None else (3 if plural else 1),
                "plural": plural,
                "colours": pending["colours"],
                "materials": pending["materials"],
                "size": pending["size"],
                "mine": pending["mine"],
                "props": [],
                "pose": None,
            }
        )

    def result(self, text: str) -> Understanding:
        # Describing words after the last thing ("a dragon, red and huge") are that thing's.
        if self.things:
            last = self.things[-1]
            last["colours"] += [c for c in self.pending["colours"] if c not in last["colours"]]
            last["materials"] += [m for m in self.pending["materials"] if m not in last["materials"]]
            last["size"] = last["size"] or self.pending["size"]
            last["mine"] = last["mine"] or self.pending["mine"]
            if self.poses:
                for thing in self.things:
                    thing["pose"] = thing["pose"] or self.poses[0]
        subjects = tuple(
            Thing(
                concept=t["concept"],
                word=t["word"],
                count=t["count"],
                plural=t["plural"],
                colours=tuple(t["colours"]),
                materials=tuple(t["materials"]),
                size=t["size"],
                mine=t["mine"],
                props=tuple(dict.fromkeys(t["props"])),
                pose=t["pose"],
            )
            for t in self.things
        )
        if self.sounds and not self.poses:
            # A sound named as the thing itself ("a dragon roar", "footsteps on gravel"), not
            # what someone in a picture does ("a wizard casting a spell").
            self._want(
                _IMPLIED_RANK, "sound", self.matches[[m.category for m in self.matches].index(SOUND)].word
            )
        wants = self.wants
        return Understanding(
            text=text,
            subjects=subjects,
            pose=self.poses[0] if self.poses else None,
            setting=self.singles.get("setting"),
            time=self.singles.get(TIME),
            weather=self.singles.get(WEATHER),
            mood=self.singles.get(MOOD),
            tempo=self.singles.get(TEMPO),
            style=self.singles.get(STYLE),
            sounds=tuple(dict.fromkeys(self.sounds)),
            wants=wants[1] if wants else None,
            wants_because=wants[2] if wants else "",
            wants_said=wants is not None and wants[0] > _IMPLIED_RANK,
            this=self.this,
            colours=tuple(self.colours),
            matches=tuple(self.matches),
            unknown=tuple(dict.fromkeys(self.unknown)),
        )


def concepts(category: str) -> Iterable[str]:
    """The concepts of one category ("thing", "pose", ...), for documentation and tests."""
    return [concept for name, table in _TABLES if name == category for concept in table]
