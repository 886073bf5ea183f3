"""The providers know task shapes, never actions: nothing in ``limbs/providers/`` names a
limb, pairs a limb with an action, or branches on which action is asked.

A limb id may still appear as a field of a provider's wire format (Gemini's
``inlineData.data``, an error's ``code``): as a dict key, a subscript, a ``.get`` argument,
or compared with a wire field, never anywhere else.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import limbs.providers
from limbs.registry import REGISTRY

PROVIDERS = Path(limbs.providers.__file__).parent
LIMB_IDS = frozenset(limb.id for limb in REGISTRY.limbs)
PAIRS = frozenset((limb.id, action.id) for limb in REGISTRY.limbs for action in limb.actions)
DOTTED = re.compile(r"\b(" + "|".join(re.escape(f"{a}.{b}") for a, b in sorted(PAIRS)) + r")\b")


def _about_actions(node: ast.AST) -> bool:
    """A name or attribute whose name says it holds a limb or an action (``limb``, ``action_id``)."""
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return "limb" in name.lower() or "action" in name.lower()


def _keys(tree: ast.AST) -> set[int]:
    """The ids of the string constants that name a field: dict keys, subscripts, ``.get`` arguments."""
    keys: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys.update(id(k) for k in node.keys if k is not None)
        elif isinstance(node, ast.Subscript):
            keys.add(id(node.slice))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            keys.update(id(arg) for arg in node.args[:1])
        elif isinstance(node, ast.Compare) and not any(map(_about_actions, [node.left, *node.comparators])):
            keys.update(id(side) for side in [node.left, *node.comparators])
    return keys


def offences(source: str, where: str) -> Iterator[str]:
    tree = ast.parse(source)
    keys = _keys(tree)
    for node in ast.walk(tree):
        line = f"{where}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Tuple):
            values = tuple(e.value for e in node.elts if isinstance(e, ast.Constant))
            if values in PAIRS:
                yield f"{line}: the (limb, action) pair {values}"
            if sum(map(_about_actions, node.elts)) >= 2:
                yield f"{line}: a (limb, action) key"
        elif isinstance(node, ast.Compare) and any(map(_about_actions, [node.left, *node.comparators])):
            yield f"{line}: a branch on the limb or action"
        elif isinstance(node, ast.Subscript) and _about_actions(node.slice):
            yield f"{line}: a table looked up by limb or action"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            if node.args and _about_actions(node.args[0]):
                yield f"{line}: a table looked up by limb or action"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if DOTTED.search(node.value):
                yield f"{line}: names the action {DOTTED.search(node.value).group(0)!r}"  # type: ignore[union-attr]
            if node.value in LIMB_IDS and id(node) not in keys:
                yield f"{line}: names the limb {node.value!r}"


def test_the_providers_package_names_no_limb_and_no_action() -> None:
    found = [
        offence
        for path in sorted(PROVIDERS.glob("*.py"))
        for offence in offences(path.read_text(), path.name)
    ]
    assert not found, "\n".join(found)


def test_the_scan_finds_the_action_branches_it_forbids() -> None:
    source = (
        'DEFAULT_MODELS = {("image", "generate"): "flux"}\n'
        "def supports(limb, action):\n"
        "    return (limb, action) in DEFAULT_MODELS\n"
        "def plan(limb, action):\n"
        '    if action == "speech":\n'
        "        return MODELS[limb]\n"
        '    return BY_LIMB.get(limb) or "divine.world_bible"\n'
        'VOICE = "audio"\n'
    )
    assert sorted(offences(source, "x.py")) == [
        "x.py:1: names the limb 'image'",
        "x.py:1: the (limb, action) pair ('image', 'generate')",
        "x.py:3: a (limb, action) key",
        "x.py:5: a branch on the limb or action",
        "x.py:6: a table looked up by limb or action",
        "x.py:7: a table looked up by limb or action",
        "x.py:7: names the action 'divine.world_bible'",
        "x.py:8: names the limb 'audio'",
    ]


def test_wire_fields_that_share_a_limb_id_are_not_offences() -> None:
    source = 'inline.get("data")\ndoc["code"]\n{"data": vectors}\nif field == "data":\n    pass\n'
    assert list(offences(source, "x.py")) == []
