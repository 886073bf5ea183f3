"""A small Tracery-style grammar expander used by the narrative generators.

Rules map a symbol to alternatives; ``#symbol#`` inside text expands one of them,
``#symbol.capitalize.a#`` applies modifiers, and ``[key:#rule#]`` binds a symbol for the
rest of the expansion (Tracery's "actions"), so a hero named once keeps that name.
Choices come from a caller-supplied ``random.Random``: same seed, same text.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence

_TAG = re.compile(r"#([A-Za-z_][A-Za-z0-9_]*)((?:\.[a-z_]+)*)#")
_ACTION = re.compile(r"\[([A-Za-z_][A-Za-z0-9_]*):([^\[\]]*)\]")
MAX_DEPTH = 40


class GrammarError(ValueError):
    """A rule is missing or the expansion recursed without end."""


def _a(text: str) -> str:
    if not text:
        return text
    first = text.lstrip("\"'").lower()
    # "an hour" / "a unicorn" are the common exceptions to the vowel rule.
    vowel = first[:1] in "aeio" or (first[:1] == "u" and not first.startswith(("uni", "use", "uto")))
    vowel = vowel or first.startswith(("hour", "honest", "heir"))
    return ("an " if vowel else "a ") + text


def _plural(text: str) -> str:
    if not text:
        return text
    lower = text.lower()
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return text + "es"
    if lower.endswith("y") and lower[-2:-1] not in "aeiou":
        return text[:-1] + "ies"
    return text + "s"


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def _title(text: str) -> str:
    small = {"of", "the", "and", "in", "on", "at", "a", "an", "to", "by"}
    parts = text.split(" ")
    return " ".join(p if (i and p.lower() in small) else p[:1].upper() + p[1:] for i, p in enumerate(parts))


def _possessive(text: str) -> str:
    return text + ("'" if text.endswith("s") else "'s")


MODIFIERS: dict[str, Callable[[str], str]] = {
    "a": _a,
    "s": _plural,
    "capitalize": _capitalize,
    "title": _title,
    "upper": str.upper,
    "lower": str.lower,
    "possessive": _possessive,
}


class Grammar:
    """A rule set plus the bindings made while expanding one piece of text."""

    def __init__(self, rules: Mapping[str, Sequence[str]], rng: random.Random) -> None:
        self._rules: dict[str, list[str]] = {k: list(v) for k, v in rules.items()}
        self._bound: dict[str, str] = {}
        self.rng = rng

    def add(self, symbol: str, options: Sequence[str]) -> None:
        """Add or replace a rule (e.g. the names made for this world)."""
        if not options:
            raise GrammarError(f"rule '{symbol}' needs at least one option")
        self._rules[symbol] = list(options)

    def bind(self, symbol: str, value: str) -> None:
        """Fix a symbol to one already-expanded value until ``clear`` is called."""
        self._bound[symbol] = value

    def clear(self) -> None:
        self._bound.clear()

    def has(self, symbol: str) -> bool:
        return symbol in self._bound or symbol in self._rules

    def flatten(self, symbol: str) -> str:
        """Expand ``#symbol#``."""
        return self.expand(f"#{symbol}#")

    def expand(self, text: str, depth: int = 0) -> str:
        if depth > MAX_DEPTH:
            raise GrammarError(f"expansion deeper than {MAX_DEPTH}: {text[:60]!r}")
        # Actions first, left to right, so later tags can see what they bound.
        while True:
            match = _ACTION.search(text)
            if match is None:
                break
            self._bound[match.group(1)] = self.expand(match.group(2), depth + 1)
            text = text[: match.start()] + text[match.end() :]
        return _TAG.sub(lambda m: self._tag(m.group(1), m.group(2), depth), text)

    def _tag(self, symbol: str, modifiers: str, depth: int) -> str:
        if symbol in self._bound:
            value = self._bound[symbol]
        else:
            options = self._rules.get(symbol)
            if not options:
                raise GrammarError(f"no rule for '{symbol}'")
            value = self.expand(options[self.rng.randrange(len(options))], depth + 1)
        for name in modifiers.split(".")[1:]:
            modifier = MODIFIERS.get(name)
            if modifier is None:
                raise GrammarError(f"unknown modifier '.{name}'")
            value = modifier(value)
        return value
