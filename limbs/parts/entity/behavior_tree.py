"""Entity · Behaviour tree: The decision rules a character follows, as a behaviour tree.

Built from hierarchical tasks chosen by the personality and the intent's verbs; the tree
follows the behaviour-tree schema published in ``limbs/validators``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from limbs.params import choice, integer, kw
from limbs.parts.entity._lexicon import dumps, each, file_stem, intent_tokens
from limbs.spec import ActionSpec, GenRequest, GenResult, Output

TREE_SCHEMA = "https://pog.studio/schemas/behavior-tree-1.json"


@dataclass(frozen=True)
class _Method:
    name: str
    conditions: tuple[tuple[str, dict[str, Any]], ...]
    subtasks: tuple[str, ...]
    decorator: tuple[str, dict[str, Any]] | None = None


@dataclass(frozen=True)
class _Task:
    fallback: tuple[str, dict[str, Any]]  # the single action used when no depth is left
    methods: tuple[_Method, ...] = ()


def _c(check: str, **args: Any) -> tuple[str, dict[str, Any]]:
    return (check, args)


# Hierarchical tasks: a task is done by the first method whose conditions hold; a method's
# subtasks are tasks again, or plain actions (``_ACTIONS``) when they are not in this table.
_TASKS: dict[str, _Task] = {
    "fight": _Task(
        ("attack", {"target": "@target"}),
        (
            _Method(
                "special attack",
                (_c("has_target"), _c("ability_ready", ability="special")),
                ("special",),
                ("cooldown", {"seconds": 6}),
            ),
            _Method(
                "melee",
                (_c("has_target"), _c("in_range", target="@target", range="@attack_range")),
                ("strike",),
            ),
            _Method("close in", (_c("has_target"),), ("approach",)),
        ),
    ),
    "strike": _Task(
        ("attack", {"target": "@target"}),
        (
            _Method("combo", (_c("stamina_above", ratio=0.5),), ("attack", "attack_heavy")),
            _Method("basic hit", (), ("attack",)),
        ),
    ),
    "special": _Task(
        ("use_special", {"target": "@target"}),
        (_Method("aim and fire", (_c("line_of_sight", target="@target"),), ("face_target", "use_special")),),
    ),
    "approach": _Task(
        ("move_to", {"target": "@target"}),
        (
            _Method("chase", (_c("can_see", target="@target"),), ("chase",), ("timeout", {"seconds": 8})),
            _Method("search", (_c("has_last_seen"),), ("go_to_last_seen", "look_around")),
        ),
    ),
    "chase": _Task(
        ("chase", {"target": "@target"}),
        (
            _Method("sprint", (_c("distance_above", target="@target", distance=6),), ("sprint_to_target",)),
            _Method("run", (), ("move_to_target",)),
        ),
    ),
    "guard_alert": _Task(
        ("raise_alarm", {}),
        (
            _Method(
                "spot intruder",
                (_c("can_see", target="@target"), _c("is_intruder", target="@target")),
                ("shout_warning", "fight"),
            ),
        ),
    ),
    "survive": _Task(
        ("flee", {"from": "@target"}),
        (
            _Method(
                "drink potion",
                (_c("health_below", ratio="@flee_below"), _c("has_item", item="potion")),
                ("drink_potion",),
            ),
            _Method("retreat", (_c("health_below", ratio="@flee_below"),), ("escape",)),
        ),
    ),
    "escape": _Task(
        ("flee", {"from": "@target"}),
        (
            _Method("run home", (_c("path_clear", to="@home"),), ("run_home", "call_for_help")),
            _Method("hide", (), ("hide",)),
        ),
    ),
    "hide": _Task(
        ("hide", {}),
        (
            _Method(
                "take cover",
                (_c("threat_nearby", target="@target"),),
                ("find_cover", "stay_hidden"),
                ("timeout", {"seconds": 12}),
            ),
        ),
    ),
    "stay_hidden": _Task(
        ("crouch", {}),
        (_Method("wait it out", (_c("threat_nearby", target="@target"),), ("crouch", "peek")),),
    ),
    "investigate": _Task(
        ("go_to", {"target": "@last_noise"}),
        (
            _Method(
                "check noise",
                (_c("heard_noise"),),
                ("walk_to_noise", "look_around"),
                ("timeout", {"seconds": 10}),
            ),
        ),
    ),
    "walk_to_noise": _Task(
        ("move_to", {"target": "@last_noise"}),
        (
            _Method("careful steps", (_c("path_clear", to="@last_noise"),), ("sneak_to_noise",)),
            _Method("open the way", (), ("open_door", "move_to_noise")),
        ),
    ),
    "patrol": _Task(
        ("follow_route", {"route": "@patrol_route"}),
        (
            _Method(
                "walk the route",
                (),
                ("next_waypoint", "wait_at_waypoint", "advance_waypoint"),
                ("repeat", {"times": 1000}),
            ),
        ),
    ),
    "next_waypoint": _Task(
        ("move_to", {"target": "@waypoint"}),
        (
            _Method("blocked", (_c("path_blocked", to="@waypoint"),), ("open_door", "move_to_waypoint")),
            _Method("walk", (), ("move_to_waypoint",)),
        ),
    ),
    "socialise": _Task(
        ("idle", {}),
        (
            _Method("greet", (_c("player_nearby", radius=4),), ("greet_player",)),
            _Method("trade", (_c("player_wants_trade"),), ("open_shop",)),
        ),
    ),
    "greet_player": _Task(
        ("wave", {}),
        (
            _Method(
                "say hello",
                (_c("not_greeted_recently", seconds=60),),
                ("face_player", "say_hello"),
                ("cooldown", {"seconds": 60}),
            ),
        ),
    ),
    "follow": _Task(
        ("follow", {"target": "@owner"}),
        (
            _Method("catch up", (_c("distance_above", target="@owner", distance=5),), ("catch_up",)),
            _Method("play", (_c("owner_idle"),), ("fetch_stick",)),
        ),
    ),
    "catch_up": _Task(
        ("run_to", {"target": "@owner"}),
        (
            _Method(
                "teleport", (_c("distance_above", target="@owner", distance=30),), ("teleport_to_owner",)
            ),
            _Method("run", (), ("run_to_owner",)),
        ),
    ),
    "idle": _Task(
        ("wander", {"radius": 5}),
        (
            _Method("rest", (_c("is_tired"),), ("sleep",), ("timeout", {"seconds": 20})),
            _Method("wander", (), ("wander", "wait")),
        ),
    ),
}
_ACTION_ARGS: dict[str, dict[str, Any]] = {
    "attack": {"target": "@target"},
    "attack_heavy": {"target": "@target"},
    "use_special": {"target": "@target"},
    "face_target": {"target": "@target"},
    "go_to_last_seen": {"target": "@last_seen"},
    "sprint_to_target": {"target": "@target", "speed": 1.5},
    "move_to_target": {"target": "@target"},
    "run_home": {"target": "@home"},
    "move_to_waypoint": {"target": "@waypoint"},
    "advance_waypoint": {"route": "@patrol_route"},
    "wait_at_waypoint": {"seconds": 2},
    "sneak_to_noise": {"target": "@last_noise"},
    "move_to_noise": {"target": "@last_noise"},
    "run_to_owner": {"target": "@owner"},
    "teleport_to_owner": {"target": "@owner"},
    "fetch_stick": {"owner": "@owner"},
    "wait": {"seconds": 3},
    "wander": {"radius": 5},
    "sleep": {"seconds": 10},
}

_STYLE_TASKS: dict[str, tuple[str, ...]] = {
    "aggressive": ("fight", "investigate", "idle"),
    "cautious": ("survive", "hide", "investigate", "idle"),
    "friendly": ("socialise", "follow", "idle"),
    "patrol": ("guard_alert", "investigate", "patrol"),
}
_STYLE_WORDS = {
    **each("aggressive attack attacks angry fierce boss monster hunter hunts berserk", "aggressive"),
    **each("cautious shy scared timid coward cowardly careful nervous", "cautious"),
    **each("friendly kind shopkeeper merchant villager pet helper nice", "friendly"),
    **each("guard guards patrol patrols sentry watchman watch", "patrol"),
}
# Verbs that add a task whatever the style ("a shy pet that flees").
_TASK_WORDS = {
    **each("chase chases chasing intruder intruders fight fights", "fight"),
    **each("patrol patrols patrolling", "patrol"),
    **each("flee flees fleeing run runs heal heals", "survive"),
    **each("hide hides hiding", "hide"),
    **each("trade trades sell sells greet greets talk talks", "socialise"),
    **each("follow follows following", "follow"),
    **each("investigate investigates listen listens noise", "investigate"),
}
_PRIORITY = (
    "survive",
    "guard_alert",
    "fight",
    "hide",
    "socialise",
    "follow",
    "investigate",
    "patrol",
    "idle",
)

_BLACKBOARD_DEFAULTS: dict[str, Any] = {
    "target": None,
    "attack_range": 1.5,
    "flee_below": 0.3,
    "home": [0, 0],
    "last_noise": None,
    "last_seen": None,
    "patrol_route": [[0, 0], [8, 0], [8, 8], [0, 8]],
    "waypoint": [0, 0],
    "owner": None,
}


@dataclass
class _TreeBuilder:
    next_id: int = 0
    blackboard_keys: set[str] = field(default_factory=set)

    def node(self, kind: str, name: str, **body: Any) -> dict[str, Any]:
        self.next_id += 1
        return {"id": f"n{self.next_id}", "type": kind, "name": name, **body}

    def leaf(self, kind: str, word: str, args: dict[str, Any]) -> dict[str, Any]:
        for value in args.values():
            if isinstance(value, str) and value.startswith("@"):
                self.blackboard_keys.add(value[1:])
        key = "check" if kind == "condition" else "action"
        node = self.node(kind, word.replace("_", " "), **{key: word})
        if args:
            node["args"] = dict(args)
        return node

    def task(self, name: str, budget: int) -> dict[str, Any]:
        spec = _TASKS.get(name)
        if spec is None:
            return self.leaf("action", name, _ACTION_ARGS.get(name, {}))
        if budget <= 1 or not spec.methods:
            return self.leaf("action", spec.fallback[0], spec.fallback[1])
        if budget == 2 or len(spec.methods) == 1:
            return self.method(name, spec.methods[0], budget)
        children = [self.method(name, m, budget - 1) for m in spec.methods]
        return self.node("selector", name.replace("_", " "), children=children)

    def method(self, task: str, m: _Method, budget: int) -> dict[str, Any]:
        decorate = m.decorator is not None and budget >= 3
        inner = budget - 1 if decorate else budget
        kids = [self.leaf("condition", check, args) for check, args in m.conditions]
        kids += [self.task(sub, inner - 1) for sub in m.subtasks]
        node = self.node("sequence", f"{task.replace('_', ' ')}: {m.name}", children=kids)
        if decorate and m.decorator is not None:
            # The decorator node is created after its child; ids stay unique either way.
            kind, params = m.decorator
            node = self.node("decorator", f"{kind} {m.name}", decorator=kind, params=dict(params), child=node)
        return node


def _depth(node: dict[str, Any]) -> int:
    kids = node.get("children", []) + ([node["child"]] if "child" in node else [])
    return 1 + max((_depth(k) for k in kids), default=0)


def _renumber(node: dict[str, Any], counter: list[int]) -> None:
    counter[0] += 1
    node["id"] = f"n{counter[0]}"
    for kid in node.get("children", []):
        _renumber(kid, counter)
    if "child" in node:
        _renumber(node["child"], counter)


def make(req: GenRequest) -> GenResult:
    depth = int(req.params.get("depth", 3))
    style = str(req.params.get("style", "auto"))
    tokens = intent_tokens(req.intent)
    if style not in _STYLE_TASKS:
        style = "aggressive"
        for token in tokens:
            style = _STYLE_WORDS.get(token, style)
    tasks = list(_STYLE_TASKS[style])
    tasks += [_TASK_WORDS[t] for t in tokens if t in _TASK_WORDS]
    if "guard_alert" in tasks:
        tasks = [t for t in tasks if t != "fight"]  # the guard's alert already ends in a fight
    # At low tension the tree keeps the three most important tasks only.
    limit = {"low": 3, "medium": 5, "high": 9}.get(req.tension, 5)
    ordered = [t for t in _PRIORITY if t in tasks][:limit]
    req.progress(0.3, "Deciding what matters most")
    builder = _TreeBuilder()
    children = [builder.task(t, depth - 1) for t in ordered]
    root = builder.node("selector", "root", children=children)
    got = _depth(root)
    if got < depth:
        # Guard a too-shallow tree with a timeout so a long action cannot stall it.
        deepest = max(children, key=_depth)
        index = children.index(deepest)
        wrapped = deepest
        for _ in range(depth - got):
            wrapped = builder.node(
                "decorator", "timeout", decorator="timeout", params={"seconds": 15}, child=wrapped
            )
        children[index] = wrapped
    _renumber(root, [0])
    blackboard = {k: _BLACKBOARD_DEFAULTS[k] for k in sorted(builder.blackboard_keys)}
    name = file_stem(req.intent, "character")
    readable = [t.replace("_", " ") for t in ordered]
    doc = {
        "$schema": TREE_SCHEMA,
        "name": name,
        "style": style,
        "description": f"A {style} behaviour tree. Tasks by priority: {', '.join(readable)}.",
        "blackboard": blackboard,
        "root": root,
    }
    meta = {"schema": TREE_SCHEMA, "style": style, "tasks": ordered, "depth": _depth(root)}
    req.progress(1.0, "All done!")
    return GenResult(
        outputs=[Output(dumps(doc), "application/json", f"{name}.bt.json", "main", meta)], meta=meta
    )


ACTION = ActionSpec(
    id="behavior_tree",
    name="Behaviour tree",
    description="The decision rules a character follows, as a behaviour tree.",
    output="json",
    params=(
        choice(
            "style",
            "Personality",
            ("auto", "aggressive", "cautious", "friendly", "patrol"),
            "auto",
            "How the character tends to act.",
        ),
        integer("depth", "Depth", 3, 2, 6, "How many layers of decisions."),
    ),
    keywords=kw("behavior, behaviour, behavior tree, behaviour tree, brain, ai, patrol, patrols"),
    make=make,
)
