"""Quest graphs (``pog.quest/1`` JSON): states, objectives, rewards, every state reachable
and an ending reachable from each."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from typing import Any

from limbs.formats.base import OutputInvalid, json_of, require

QUEST_FORMAT = "pog.quest/1"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
OBJECTIVE_TYPES = frozenset(
    ["talk", "go", "find", "collect", "defeat", "deliver", "escort", "protect", "solve", "sneak", "craft"]
)
REWARD_TYPES = frozenset(["gold", "item", "friend", "secret", "xp"])


def is_quest(doc: Any) -> bool:
    """A quest document, drawable as a diagram."""
    return isinstance(doc, dict) and doc.get("format") == QUEST_FORMAT and isinstance(doc.get("states"), list)


def validate_quest(data: bytes | str | Mapping[str, Any]) -> dict[str, Any]:
    """Check a quest graph: ids, objectives, rewards, transition targets, and that the
    quest can be completed: an end state is reachable from the start, every state is
    reachable, and no state is a trap from which no end can be reached."""
    doc = json_of(data, "quest")
    if doc.get("format") != QUEST_FORMAT:
        raise OutputInvalid(f"quest 'format' must be {QUEST_FORMAT!r}")
    require(doc, "title", str, "quest")
    start = require(doc, "start", str, "quest")
    states = require(doc, "states", list, "quest")
    if not states:
        raise OutputInvalid("quest has no states")
    by_id: dict[str, dict[str, Any]] = {}
    for n, state in enumerate(states):
        if not isinstance(state, dict):
            raise OutputInvalid(f"state {n} is not an object")
        sid = require(state, "id", str, f"state {n}")
        if not _ID.match(sid):
            raise OutputInvalid(f"state id {sid!r} must be lower_snake_case")
        if sid in by_id:
            raise OutputInvalid(f"state id {sid!r} is used twice")
        by_id[sid] = state
    if start not in by_id:
        raise OutputInvalid(f"start state {start!r} does not exist")
    edges: dict[str, list[str]] = {}
    ends: list[str] = []
    objectives = 0
    rewards: list[dict[str, Any]] = []
    seen_objectives: set[str] = set()
    for sid, state in by_id.items():
        kind = state.get("kind")
        if kind not in ("start", "step", "end"):
            raise OutputInvalid(f"state {sid!r}: kind must be start, step or end")
        if (kind == "start") != (sid == start):
            raise OutputInvalid(f"state {sid!r}: exactly the start state has kind 'start'")
        require(state, "title", str, f"state {sid!r}")
        for m, objective in enumerate(require(state, "objectives", list, f"state {sid!r}")):
            where = f"state {sid!r} objective {m}"
            if not isinstance(objective, dict):
                raise OutputInvalid(f"{where} is not an object")
            oid = require(objective, "id", str, where)
            if oid in seen_objectives:
                raise OutputInvalid(f"{where}: objective id {oid!r} is used twice")
            seen_objectives.add(oid)
            if objective.get("type") not in OBJECTIVE_TYPES:
                raise OutputInvalid(f"{where}: unknown type {objective.get('type')!r}")
            count = require(objective, "count", int, where)
            if count < 1:
                raise OutputInvalid(f"{where}: count must be at least 1")
            require(objective, "text", str, where)
            objectives += 1
        for m, reward in enumerate(state.get("rewards", [])):
            where = f"state {sid!r} reward {m}"
            if not isinstance(reward, dict) or reward.get("type") not in REWARD_TYPES:
                raise OutputInvalid(f"{where}: type must be one of {sorted(REWARD_TYPES)}")
            amount = require(reward, "amount", int, where)
            if amount < 1:
                raise OutputInvalid(f"{where}: amount must be positive")
            require(reward, "text", str, where)
            rewards.append(reward)
        transitions = require(state, "transitions", list, f"state {sid!r}")
        targets: list[str] = []
        for m, tr in enumerate(transitions):
            where = f"state {sid!r} transition {m}"
            if not isinstance(tr, dict):
                raise OutputInvalid(f"{where} is not an object")
            target = require(tr, "to", str, where)
            if target not in by_id:
                raise OutputInvalid(f"{where}: target {target!r} does not exist")
            require(tr, "label", str, where)
            targets.append(target)
        if kind == "end":
            if targets:
                raise OutputInvalid(f"end state {sid!r} must not have transitions")
            if state.get("outcome") not in ("success", "failure"):
                raise OutputInvalid(f"end state {sid!r}: outcome must be success or failure")
            ends.append(sid)
        elif not targets:
            raise OutputInvalid(f"state {sid!r} is a dead end: it has no transitions and is not an end")
        else:
            if not state["objectives"]:
                raise OutputInvalid(f"state {sid!r} gives the player nothing to do")
        edges[sid] = targets
    reachable = _reach(edges, [start])
    missing = [s for s in by_id if s not in reachable]
    if missing:
        raise OutputInvalid(f"state {missing[0]!r} cannot be reached from the start")
    successes = [e for e in ends if by_id[e]["outcome"] == "success"]
    if not successes:
        raise OutputInvalid("no success end state is reachable: the quest cannot be completed")
    reverse: dict[str, list[str]] = {s: [] for s in by_id}
    for source, targets in edges.items():
        for target in targets:
            reverse[target].append(source)
    can_finish = _reach(reverse, ends)
    traps = [s for s in by_id if s not in can_finish]
    if traps:
        raise OutputInvalid(f"state {traps[0]!r} can never reach an end: the player would be stuck")
    return {
        "states": len(by_id),
        "objectives": objectives,
        "ends": ends,
        "success_ends": successes,
        "rewards": len(rewards),
        "longest_path": _longest(edges, start),
    }


def _reach(edges: Mapping[str, list[str]], roots: list[str]) -> set[str]:
    seen = set(roots)
    queue = deque(roots)
    while queue:
        for target in edges.get(queue.popleft(), []):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


# Paths the search for the longest one may try in a quest with loops; a loop-free quest
# needs no search at all.
MAX_PATHS = 100_000


def _longest(edges: Mapping[str, list[str]], start: str) -> int:
    """States on the longest simple path from ``start``.

    Exact in linear time when no state can be returned to (most quests run forwards). With
    loops the problem is NP-hard and the paths can number in the billions (a ladder of 40
    states has 10^8), so the answer is the better of the longest path that never takes a
    transition back and a search stopped after ``MAX_PATHS`` paths.
    """
    finished, back = _depth_first(edges, start)
    length: dict[str, int] = {}
    for node in finished:  # every forward target is finished before its source
        length[node] = 1 + max((length[t] for t in edges.get(node, []) if (node, t) not in back), default=0)
    best = length[start]
    if not back:
        return best
    stack: list[tuple[str, frozenset[str]]] = [(start, frozenset([start]))]
    for _ in range(MAX_PATHS):
        if not stack:
            break
        node, path = stack.pop()
        best = max(best, len(path))
        for target in edges.get(node, []):
            if target not in path:
                stack.append((target, path | {target}))
    return best


def _depth_first(edges: Mapping[str, list[str]], start: str) -> tuple[list[str], set[tuple[str, str]]]:
    """The states reachable from ``start`` in the order a depth-first walk finishes them,
    and the transitions that lead back to a state still on the walk's path (the loops)."""
    finished: list[str] = []
    back: set[tuple[str, str]] = set()
    seen = {start}
    on_path = {start}
    stack: list[tuple[str, int]] = [(start, 0)]
    while stack:
        node, i = stack[-1]
        targets = edges.get(node, [])
        if i < len(targets):
            stack[-1] = (node, i + 1)
            target = targets[i]
            if target in on_path:
                back.add((node, target))
            elif target not in seen:
                seen.add(target)
                on_path.add(target)
                stack.append((target, 0))
            continue
        stack.pop()
        on_path.discard(node)
        finished.append(node)
    return finished, back
