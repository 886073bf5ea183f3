"""Free text -> a limb and an action, by keyword scoring (pure Python).

Each limb's keywords pick the limb; each action's keywords pick the action within it.
``route_intent`` is what the HUD routes with; ``surprise_intent`` picks an example.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from limbs.params import kw
from limbs.registry import REGISTRY
from limbs.spec import ActionSpec, LimbSpec
from limbs.understand import understand

# Words that name a limb so plainly that they outweigh a generic word such as
# "picture" ("make my picture 3D" is a mesh request).
_STRONG: Mapping[str, float] = {
    "3d": 3.0,
    "sound": 2.0,
    "music": 2.0,
    "sprite": 2.0,
    "code": 2.0,
    "quest": 2.0,
    "material": 2.0,
    "animation": 2.0,
    "relic": 2.0,
    "terrain": 2.0,
    "physics": 2.0,
    "entity": 2.0,
    "shader": 2.0,
    "world": 1.5,
    # Verbs that name what the limb does, so "sign my castle picture" signs.
    "upload": 2.0,
    "compare": 2.0,
    "undo": 2.0,
    "revert": 2.0,
    "search": 2.0,
    "sign": 2.0,
    "scan": 2.0,
    "translate": 2.0,
    "summarize": 2.0,
    "summarise": 2.0,
    "stabilize": 2.0,
    "stabilise": 2.0,
    "offline": 2.0,
    "excavate": 2.0,
    "playtest": 2.0,
}

_STOPWORDS = frozenset(
    kw(
        "a, an, the, and, or, of, for, to, in, on, at, by, with, about, from, into, onto, my, me, i, our, "
        "your, some, this, that, these, those, it, its, is, are, be, please, can, could, would, you, make, "
        "made, do, does"
    )
)

_TOKEN = re.compile(r"[a-z0-9]+")


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _tokens(text: str) -> list[str]:
    """Lowercase letter/digit runs of ``text`` without filler words."""
    return [w for w in _words(text) if w not in _STOPWORDS]


@lru_cache(maxsize=4096)
def _forms(token: str) -> frozenset[str]:
    """The token plus the singulars it might be ("cities" -> city, "elves" -> elf)."""
    forms = {token}
    if len(token) >= 4 and token.endswith("s") and not token.endswith("ss"):
        forms.add(token[:-1])
        if len(token) >= 5 and token.endswith(("ses", "xes", "zes", "ches", "shes")):
            forms.add(token[:-2])
        if len(token) >= 5 and token.endswith("ies"):
            forms.add(token[:-3] + "y")
        if len(token) >= 5 and token.endswith("ves"):
            forms.add(token[:-3] + "f")
    return frozenset(forms)


# Only the start of a long text is read, so a pasted essay cannot make routing slow.
_MAX_TOKENS = 64

# One keyword ready for matching: (candidate name, forms of each word, weight).
_Entry = tuple[str, tuple[frozenset[str], ...], float]


def _weight(words: Sequence[str]) -> float:
    if len(words) > 1:
        # A phrase beats the single words it is made of.
        return 1.5 * len(words)
    return _STRONG.get(words[0], 1.0)


def _index(candidates: Iterable[tuple[str, Iterable[str]]]) -> tuple[_Entry, ...]:
    """Keywords of each candidate, longest first, then in candidate order."""
    entries: list[tuple[int, int, _Entry]] = []
    for order, (name, keywords) in enumerate(candidates):
        for keyword in keywords:
            words = _tokens(keyword)
            if words:
                entry = (name, tuple(_forms(w) for w in words), _weight(words))
                entries.append((-len(words), order, entry))
    entries.sort(key=lambda e: (e[0], e[1]))
    return tuple(entry for _, _, entry in entries)


def _score(text: str, index: Sequence[_Entry]) -> dict[str, tuple[float, int]]:
    """Score each candidate of ``index`` against ``text``.

    Longer keywords are matched first and use up their words, so "world
    bible" counts for the story limb and not also as "world". Returns
    name -> (score, keywords matched) for the candidates that matched.
    """
    token_forms = [_forms(t) for t in _tokens(text)[:_MAX_TOKENS]]
    present = frozenset().union(*token_forms)
    used = [False] * len(token_forms)
    scores: dict[str, tuple[float, int]] = {}
    for name, word_forms, weight in index:
        if not all(forms & present for forms in word_forms):
            continue
        n = len(word_forms)
        for start in range(len(token_forms) - n + 1):
            span = range(start, start + n)
            if any(used[i] for i in span):
                continue
            if all(word_forms[j] & token_forms[start + j] for j in range(n)):
                for i in span:
                    used[i] = True
                score, count = scores.get(name, (0.0, 0))
                scores[name] = (score + weight, count + 1)
    return scores


def _best(scores: Mapping[str, tuple[float, int]], order: Sequence[str]) -> str | None:
    """Highest score, then most keywords matched, then earliest in ``order``."""
    ranked = sorted(
        (name for name in order if name in scores),
        key=lambda name: (-scores[name][0], -scores[name][1], order.index(name)),
    )
    return ranked[0] if ranked else None


_LIMB_INDEX = _index((limb.id, limb.keywords) for limb in REGISTRY.limbs)
_LIMB_ORDER = tuple(limb.id for limb in REGISTRY.limbs)
_ACTION_INDEX = {limb.id: _index((a.id, a.keywords) for a in limb.actions) for limb in REGISTRY.limbs}


def route_action(limb: LimbSpec, text: str) -> ActionSpec:
    """The action of ``limb`` that ``text`` asks for; the limb's default if none stands out."""
    scores = _score(text, _ACTION_INDEX.get(limb.id, ()))
    # Built actions win ties, so a request is not sent to an unbuilt action by chance.
    order = [a.id for a in limb.actions if a.built] + [a.id for a in limb.actions if not a.built]
    best = _best(scores, order)
    action = limb.action(best) if best is not None else None
    return action if action is not None else limb.default_action


# What the understanding says is wanted (``limbs.understand``) -> the limb that makes it.
_WANT_LIMBS: Mapping[str, str] = {
    "picture": "image",
    "sprite": "image",
    "tile": "image",
    "palette": "image",
    "sound": "audio",
    "music": "audio",
    "voice": "audio",
    "model3d": "mesh",
    "material": "material",
    "shader": "material",
    "animation": "animation",
    "walk_cycle": "animation",
    "story": "divine",
    "dialogue": "divine",
    "names": "divine",
    "character": "entity",
    "variants": "quantum",
    "game": "live_game",
    "world": "world",
    "terrain": "landscape",
    "code": "code",
    "video": "video",
}
# What that counts for beside the limbs' keywords: a sound named with no kind word ("a dragon
# roar") goes to Audio, while a keyword ("sprite sheet", "sign") still outweighs it.
_WANT_WEIGHT = 1.0


def route_intent(text: str) -> tuple[LimbSpec, ActionSpec]:
    """Pick the limb and action free text asks for; unmatched text draws a picture."""
    text = text or ""
    scores = _score(text, _LIMB_INDEX)
    understood = understand(text)
    # A kind word ("song", "3d") is usually a limb's keyword already; what the words only imply
    # (a sound named, "a dragon roar"; a pixel style), or a kind word no keyword has ("a little
    # game"), counts here.
    wanted = _WANT_LIMBS.get(understood.wants or "")
    if wanted is not None and (not understood.wants_said or wanted not in scores):
        score, count = scores.get(wanted, (0.0, 0))
        scores[wanted] = (score + _WANT_WEIGHT, count + 1)
    best = _best(scores, _LIMB_ORDER)
    limb = REGISTRY.get(best or "image") or REGISTRY.limbs[0]
    return limb, route_action(limb, text)


def surprise_intent(limb_id: str, seed: int) -> str:
    """An example intent for the limb; the same seed always gives the same one.

    Raises ``KeyError`` for an unknown limb id.
    """
    limb = REGISTRY.get(limb_id)
    if limb is None:
        raise KeyError(f"Unknown limb '{limb_id}'.")
    examples = limb.examples or limb.default_action.examples or (limb.explanation,)
    return examples[seed % len(examples)]
