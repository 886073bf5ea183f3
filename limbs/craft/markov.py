"""Name generation from character Markov chains over small built-in corpora.

Each style has its own corpus of invented words written for the studio. A chain of
order 2 or 3 learns which letter follows which pair/triple; sampled words are kept only
when they are pronounceable (see ``is_pronounceable``), fit the requested length, are
new (not a corpus word) and are not already chosen.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


CORPORA: dict[str, tuple[str, ...]] = {
    "elvish": _split("""
        aelindra aerith alarion almarel amrodel anwen arannis arwelin calaneth caledhir celebrin
        elarion elenwe elindel elowen erethil faelar faelwen galadir gilraen halarin idrielle
        ilmarin isilme laurelin lethiel lindariel lirael lothiel luthien maeglin melian mirelle
        mithrandel nimloth nirwen orophin quelinde rhovanel sarniel silmaren sindarel taurelin
        thalion thaliriel thranduil tinuviel valandil vanyarel yavanniel eledhwen ithilwen
        celairin amareth ninquelote
        """),
    "dwarvish": _split("""
        balin bofur borin brakka dorgan dorin dwalik durgan durin fargrim frerin galdur gimrik
        glorin gloin gromdal grundi hakon harbek hornak kazdur khazrik kildar korgan lofar
        morgrim mundak nain narvi norgrim oinar orik rurik skaldur storri thalgrim tharbek
        thorgrim thorik thrain throdar tordek ulfgar vondal yorik bardrin dolgar hammerak
        gundrik kargan bruni
        """),
    "orcish": _split("""
        agrak azgul bagrot bolgra brakul dargoth drukka durbag gashnak ghorbash gorgak gorthak
        grishak grokka gulbag gurzag hargul kargash krulak lugdush magrot mauhur morgash mukdar
        narzug nogbad ogrish rashnak ruzgar shagrat skarbag snagul thrakka ugluk urgash uzbag
        vrakul yazgash zogbul zugrak bogdar kronk grubnak throgg mugrat lurtz
        """),
    "human": _split("""
        adela alaric aldous benedict bertram brenna cedric clara colette dorian edda edmund
        elspeth emeric fenella gareth gwendolyn hadrian hilda isolde jasper josselin linnea
        mabel marcus matilda merrick nora odette oswin perrin quentin rowena sabine silas
        tamsin tobias ursula viola walter wilhelmina wynn yvette osric hollis marigold rosalind
        tristan beatrix
        """),
    "robot": _split("""
        axion bitmore boltrix cogsworth datatron ectobit ferrix gigawatt gizmotron hexadrone
        ionix joulebot kilobyte kronotron lumitron megavolt microtron nanobit nexatron ohmix
        omnibot pistonix pixelon quantix radiotron robotik servox sparkitron syncopa techtronix
        teraflop turbix ultron vectron voltaire watteron xenobyte zapotron zettabit cyberix
        diodex magnetron protonix circuitus gearbox
        """),
    "alien": _split("""
        azaxi blorvak ceeloth draxxi eekorin florbix glazzar gorvani huxoth ixalu jorbix kaavex
        klaatu luzarn meebo morvax nebulon nixxa oozarak pleexo qorvath quazzar rilluk sklorb
        tarrok thuzzi ubbix vexilor voxxa wubzor xalthi xenuvi yllith zarkon zeebo zolthar
        zuvvix orbulan krellix vashti ganymex ploovi
        """),
    "place": _split("""
        ashby ashford barrowmere blackwater bramblewick brightwater clayhollow cobbleton
        dunmere eastwatch elmstead fairhaven fallowmere farrowdale foxbridge glenmoor
        greywick hallowmere harrowgate hazelby highcombe hollowell ironholt kingsreach
        larkspur lindenford marshby millbrook mistvale northmoor oakhurst pebbleford
        ravenhill redmarsh rosewood saltcombe shadewell silverdale stonebridge thornbury
        wallowby westerhold whitby willowmere windermere wolfstead yarrowby
        """),
}

STYLES = tuple(CORPORA)

# Letter counts per requested length; place names run a little longer than people's.
LENGTHS: dict[str, tuple[int, int]] = {"short": (3, 5), "medium": (5, 8), "long": (8, 12)}

_VOWELS = frozenset("aeiouy")
# Two letters that sound as one consonant do not count twice towards a cluster.
_DIGRAPHS = ("th", "sh", "ch", "kh", "gh", "ph", "zh", "ck", "qu", "ng", "wh")
_LETTERS = re.compile(r"^[a-z]+$")


def sound_units(word: str) -> list[str]:
    """Split a lower-case word into letters, keeping consonant digraphs together."""
    units: list[str] = []
    i = 0
    while i < len(word):
        pair = word[i : i + 2]
        if pair in _DIGRAPHS:
            units.append(pair)
            i += 2
        else:
            units.append(word[i])
            i += 1
    return units


def is_pronounceable(name: str) -> bool:
    """The studio's rule: letters only, a vowel somewhere, no three vowel or consonant
    sounds in a row (``th``/``sh``/... count as one) and no letter three times running."""
    word = name.lower()
    if not _LETTERS.match(word) or not any(c in _VOWELS for c in word):
        return False
    if re.search(r"(.)\1\1", word):
        return False
    run_kind: bool | None = None
    run = 0
    for unit in sound_units(word):
        vowel = unit[0] in _VOWELS and len(unit) == 1
        run = run + 1 if vowel == run_kind else 1
        run_kind = vowel
        if run >= 3:
            return False
    return True


@dataclass(frozen=True)
class Chain:
    order: int
    # context (``order`` characters, ``^`` padded) -> weighted next characters (``$`` ends).
    table: dict[str, tuple[tuple[str, ...], tuple[int, ...]]]
    words: frozenset[str]

    def sample(self, rng: random.Random, max_len: int) -> str:
        context = "^" * self.order
        out: list[str] = []
        while len(out) <= max_len:
            letters, weights = self.table[context]
            nxt = rng.choices(letters, weights=weights)[0]
            if nxt == "$":
                break
            out.append(nxt)
            context = context[1:] + nxt
        return "".join(out)

    def log_likelihood(self, word: str) -> float:
        """Mean log-probability per letter: how much a word sounds like the corpus."""
        context = "^" * self.order
        total = 0.0
        for ch in [*word, "$"]:
            letters, weights = self.table.get(context, ((), ()))
            count = dict(zip(letters, weights, strict=True)).get(ch, 0)
            total += math.log((count + 0.1) / (sum(weights) + 2.7))
            context = context[1:] + ch
        return total / (len(word) + 1)


@lru_cache(maxsize=32)
def chain(style: str, order: int = 2) -> Chain:
    words = CORPORA[style]
    counts: dict[str, Counter[str]] = {}
    for word in words:
        padded = "^" * order + word + "$"
        for i in range(order, len(padded)):
            counts.setdefault(padded[i - order : i], Counter())[padded[i]] += 1
    table = {ctx: (tuple(sorted(c)), tuple(c[k] for k in sorted(c))) for ctx, c in counts.items()}
    return Chain(order, table, frozenset(words))


def names(
    style: str,
    count: int,
    rng: random.Random,
    *,
    length: str = "medium",
    candidates: int = 1,
    avoid: frozenset[str] = frozenset(),
) -> list[str]:
    """``count`` distinct new names in ``style``; each is the best-sounding of
    ``candidates`` acceptable samples (more candidates = closer to the corpus)."""
    lo, hi = LENGTHS[length]
    chains = [chain(style, 2), chain(style, 3)]
    scorer = chains[0]
    taken = {a.lower() for a in avoid}
    out: list[str] = []
    attempts = 0
    limit = max(400, count * candidates * 300)
    while len(out) < count and attempts < limit:
        pool: list[str] = []
        while len(pool) < candidates and attempts < limit:
            attempts += 1
            # Mixing orders keeps variety (order 2) without losing the style (order 3).
            word = chains[attempts % 2].sample(rng, hi + 1)
            fits = lo <= len(word) <= hi and word not in scorer.words and word not in taken
            if fits and word not in pool and is_pronounceable(word):
                pool.append(word)
        if not pool:
            break
        best = max(pool, key=scorer.log_likelihood)
        taken.add(best)
        out.append(best.capitalize())
    if len(out) < count:
        out.extend(_syllable_names(style, count - len(out), rng, lo, hi, taken | set(scorer.words)))
    return out


def _syllable_names(
    style: str, count: int, rng: random.Random, lo: int, hi: int, taken: set[str]
) -> list[str]:
    """Fallback for tight lengths: glue corpus syllables (vowel-ended chunks) together."""
    chunks = sorted({m for w in CORPORA[style] for m in re.findall(r"[^aeiouy]*[aeiouy]+", w)})
    tails = sorted({m for w in CORPORA[style] for m in re.findall(r"[aeiouy]+([^aeiouy]+)$", w)})
    out: list[str] = []
    guard = 0
    while len(out) < count and guard < 20000:
        guard += 1
        word = "".join(rng.choice(chunks) for _ in range(rng.randint(1, 3)))
        if tails and rng.random() < 0.6:
            word += rng.choice(tails)
        if lo <= len(word) <= hi and word not in taken and is_pronounceable(word):
            taken.add(word)
            out.append(word.capitalize())
    if len(out) < count:
        raise ValueError(f"could not make {count} distinct {style} names of {lo}-{hi} letters")
    return out
