"""What the workspace shows for an output: a waveform picture for a WAV, a quest drawn as a
diagram, an entity as a card, and which of a generation's outputs goes where.

Pure functions over bytes, parsed JSON and duck-typed assets (``role``, ``mime``, ``meta``),
so the gallery script can use them without Django.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from limbs.craft.waveform import waveform_png as _draw_waveform
from limbs.formats.wav import read_wav

WAVEFORM_WIDTH = 800


# --- audio -----------------------------------------------------------------------


def waveform_png(data: bytes, width: int = WAVEFORM_WIDTH) -> bytes:
    """The min/max waveform of a WAV as a PNG; raises ``OutputInvalid`` for bytes that are not one."""
    wav = read_wav(data)
    mono = wav.samples.mean(axis=1)
    label = f"{wav.frames / wav.rate:.2f} s   {wav.channels} ch   {wav.rate} Hz"
    return _draw_waveform(mono, width, label)


# --- JSON documents --------------------------------------------------------------


# --- the quest diagram -----------------------------------------------------------

NODE_W, NODE_H = 176, 58
GAP_X, GAP_Y, PAD = 72, 26, 20
_CHARS_PER_LINE = 22
_PALETTE = {
    "start": ("#fff4c2", "#b58900"),
    "end": ("#d9f7e3", "#1e8a4c"),
    "step": ("#ffffff", "#5b6178"),
}


@dataclass(frozen=True)
class QuestNode:
    id: str
    title: str
    kind: str
    layer: int
    row: int
    x: float
    y: float
    lines: tuple[str, ...]


@dataclass(frozen=True)
class QuestEdge:
    source: str
    target: str
    label: str
    path: str
    label_x: float
    label_y: float
    back: bool


@dataclass(frozen=True)
class QuestLayout:
    title: str
    nodes: tuple[QuestNode, ...]
    edges: tuple[QuestEdge, ...]
    width: float
    height: float

    def node(self, ident: str) -> QuestNode:
        return next(n for n in self.nodes if n.id == ident)


def _wrap(text: str, width: int = _CHARS_PER_LINE, lines: int = 2) -> tuple[str, ...]:
    out: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if len(candidate) <= width or not current:
            current = candidate
        else:
            out.append(current)
            current = word
    if current:
        out.append(current)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1].rstrip() + "…"
    return tuple(line if len(line) <= width else line[: width - 1] + "…" for line in out) or ("?",)


def _edge_label(label: str, target_title: str) -> str:
    """Labels worth drawing: not 'done', and not just the name of the state it leads to."""
    text = label.strip()
    if text.lower().startswith("choose:"):
        text = text[7:].strip()
    if not text or text.lower() == "done" or text.lower() == target_title.strip().lower():
        return ""
    return text if len(text) <= 24 else text[:23] + "…"


def _centre(ident: str, before: dict[str, list[str]], row: dict[str, int], layer: dict[str, int]) -> float:
    rows = [row[p] for p in before[ident] if p in row and layer[p] < layer[ident]]
    return sum(rows) / len(rows) if rows else -1.0


def quest_layout(doc: Mapping[str, Any]) -> QuestLayout:
    """States in columns by their distance from the start, transitions as arrows."""
    states = [s for s in doc.get("states", []) if isinstance(s, dict) and isinstance(s.get("id"), str)]
    by_id = {s["id"]: s for s in states}
    start = doc.get("start") if doc.get("start") in by_id else (states[0]["id"] if states else None)
    successors = {
        s["id"]: [t["to"] for t in s.get("transitions", []) if isinstance(t, dict) and t.get("to") in by_id]
        for s in states
    }
    layer: dict[str, int] = {}
    order: list[str] = []
    if start is not None:
        layer[start] = 0
        queue = [start]
        while queue:
            current = queue.pop(0)
            order.append(current)
            for nxt in successors[current]:
                if nxt not in layer:
                    layer[nxt] = layer[current] + 1
                    queue.append(nxt)
    # States nobody reaches still get drawn, in a column of their own at the end.
    stray = [s["id"] for s in states if s["id"] not in layer]
    last = max(layer.values(), default=-1) + 1
    for ident in stray:
        layer[ident] = last
        order.append(ident)

    columns: dict[int, list[str]] = {}
    for ident in order:
        columns.setdefault(layer[ident], []).append(ident)
    predecessors: dict[str, list[str]] = {ident: [] for ident in by_id}
    for src, targets in successors.items():
        for dst in targets:
            predecessors[dst].append(src)
    row: dict[str, int] = {}
    for index in sorted(columns):
        # One barycentre pass: sit each state near the states that lead to it, fewer crossings.
        column = columns[index]
        seen = {ident: position for position, ident in enumerate(column)}
        column.sort(key=lambda ident: (_centre(ident, predecessors, row, layer), seen[ident]))
        for position, ident in enumerate(column):
            row[ident] = position

    tallest = max((len(c) for c in columns.values()), default=1)
    body_h = tallest * NODE_H + (tallest - 1) * GAP_Y
    nodes: list[QuestNode] = []
    for index, column in sorted(columns.items()):
        column_h = len(column) * NODE_H + (len(column) - 1) * GAP_Y
        top = PAD + (body_h - column_h) / 2
        for position, ident in enumerate(column):
            state = by_id[ident]
            title = str(state.get("title") or ident)
            kind = str(state.get("kind") or "step")
            x = PAD + index * (NODE_W + GAP_X)
            y = top + position * (NODE_H + GAP_Y)
            nodes.append(QuestNode(ident, title, kind, index, position, x, y, _wrap(title)))
    placed = {n.id: n for n in nodes}

    edges: list[QuestEdge] = []
    below = PAD + body_h
    detour = 0
    for state in states:
        src = placed[state["id"]]
        for transition in state.get("transitions", []):
            if not isinstance(transition, dict) or transition.get("to") not in placed:
                continue
            dst = placed[transition["to"]]
            label = _edge_label(str(transition.get("label", "")), dst.title)
            if dst.layer > src.layer:
                x1, y1 = src.x + NODE_W, src.y + NODE_H / 2
                x2, y2 = dst.x - 2, dst.y + NODE_H / 2
                bend = (x2 - x1) / 2
                path = (
                    f"M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
                )
                lx, ly = (x1 + x2) / 2, (y1 + y2) / 2 - 4
                edges.append(QuestEdge(src.id, dst.id, label, path, lx, ly, False))
            else:
                # Loops back (retry, return to a hub): a curve under the whole diagram.
                detour += 1
                x1, y1 = src.x + NODE_W / 2, src.y + NODE_H
                x2, y2 = dst.x + NODE_W / 2 + 8, dst.y + NODE_H + 2
                low = below + 18 * detour
                path = f"M{x1:.1f},{y1:.1f} C{x1:.1f},{low:.1f} {x2:.1f},{low:.1f} {x2:.1f},{y2:.1f}"
                edges.append(QuestEdge(src.id, dst.id, label, path, (x1 + x2) / 2, low - 2, True))
    columns_n = max(columns, default=0) + 1
    width = 2 * PAD + columns_n * NODE_W + (columns_n - 1) * GAP_X
    height = 2 * PAD + body_h + (18 * detour + 12 if detour else 0)
    return QuestLayout(str(doc.get("title") or "Quest"), tuple(nodes), tuple(edges), width, height)


def quest_svg(doc: Mapping[str, Any], ident: str = "quest") -> str:
    """The diagram as standalone SVG markup (presentation attributes, so CSS may restyle it)."""
    layout = quest_layout(doc)
    uid = "".join(ch for ch in ident if ch.isalnum() or ch in "-_") or "quest"
    arrow = f"{uid}-arrow"
    ends = [n.title for n in layout.nodes if n.kind == "end"]
    summary = (
        f"{len(layout.nodes)} steps from {layout.nodes[0].title if layout.nodes else 'nowhere'}"
        + (f" to {', '.join(ends)}" if ends else "")
        + "."
    )
    out = [
        f'<svg class="quest-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {layout.width:.0f} '
        f'{layout.height:.0f}" width="{layout.width:.0f}" height="{layout.height:.0f}" role="img" '
        f'aria-labelledby="{uid}-title {uid}-desc" font-family="system-ui, -apple-system, Segoe UI, '
        f'Roboto, sans-serif" font-size="13">',
        f'<title id="{uid}-title">Quest map: {escape(layout.title)}</title>',
        f'<desc id="{uid}-desc">{escape(summary)}</desc>',
        f'<defs><marker id="{arrow}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#5b6178"/>'
        "</marker></defs>",
        '<rect class="quest-bg" width="100%" height="100%" rx="12" fill="#f6f7fb"/>',
    ]
    for edge in layout.edges:
        dash = ' stroke-dasharray="5 4"' if edge.back else ""
        out.append(
            f'<path class="quest-edge" d="{edge.path}" fill="none" stroke="#5b6178" stroke-width="1.6"'
            f'{dash} marker-end="url(#{arrow})"/>'
        )
    for edge in layout.edges:
        if edge.label:
            out.append(
                f'<text class="quest-edge-label" x="{edge.label_x:.1f}" y="{edge.label_y:.1f}" '
                'text-anchor="middle" font-size="11" fill="#3b4057" stroke="#f6f7fb" stroke-width="4" '
                f'paint-order="stroke">{escape(edge.label)}</text>'
            )
    for node in layout.nodes:
        fill, stroke = _PALETTE.get(node.kind, _PALETTE["step"])
        out.append(f'<g class="quest-node quest-node--{escape(node.kind)}" data-state="{escape(node.id)}">')
        out.append(
            f'<rect x="{node.x:.1f}" y="{node.y:.1f}" width="{NODE_W}" height="{NODE_H}" rx="10" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="2"/>'
        )
        if node.kind == "end":
            # A double border marks an ending, as in state-machine drawings.
            out.append(
                f'<rect x="{node.x + 4:.1f}" y="{node.y + 4:.1f}" width="{NODE_W - 8}" height="{NODE_H - 8}" '
                f'rx="7" fill="none" stroke="{stroke}" stroke-width="1.2"/>'
            )
        if node.kind == "start":
            out.append(f'<circle cx="{node.x + 12:.1f}" cy="{node.y + 12:.1f}" r="5" fill="{stroke}"/>')
        first = node.y + NODE_H / 2 - (len(node.lines) - 1) * 8 + 4.5
        weight = ' font-weight="600"' if node.kind != "step" else ""
        for i, line in enumerate(node.lines):
            out.append(
                f'<text x="{node.x + NODE_W / 2:.1f}" y="{first + i * 16:.1f}" text-anchor="middle" '
                f'fill="#1d2133"{weight}>{escape(line)}</text>'
            )
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def quest_steps(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The same graph as a list, for screen readers and for anyone who prefers text."""
    layout = quest_layout(doc)
    titles = {n.id: n.title for n in layout.nodes}
    states = {s["id"]: s for s in doc.get("states", []) if isinstance(s, dict) and "id" in s}
    steps = []
    for node in sorted(layout.nodes, key=lambda n: (n.layer, n.row)):
        state = states.get(node.id, {})
        steps.append(
            {
                "id": node.id,
                "title": node.title,
                "kind": node.kind,
                "objectives": [
                    str(o.get("text", "")) for o in state.get("objectives", []) if isinstance(o, dict)
                ],
                "next": [
                    {
                        "title": titles.get(str(t.get("to")), str(t.get("to"))),
                        "label": str(t.get("label", "")),
                    }
                    for t in state.get("transitions", [])
                    if isinstance(t, dict)
                ],
            }
        )
    return steps


# --- the entity card -------------------------------------------------------------

_STAT_ORDER = ("health", "attack", "defense", "magic", "speed", "luck", "crit_chance")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _words(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def entity_card(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Name, role, stats as bars, behaviours and inventory, ready for the template."""
    identity = _dict(_dict(doc.get("components")).get("Identity"))
    raw_stats = {k: _number(v) for k, v in _dict(doc.get("stats")).items()}
    numbers = {k: v for k, v in raw_stats.items() if v is not None}
    ordered = sorted(numbers, key=lambda k: (_STAT_ORDER.index(k) if k in _STAT_ORDER else 99, k))
    # Health is a full life bar and chances are shares of 100 %; every other bar compares with
    # the character's strongest stat, since the numbers have no common maximum.
    shares = {k for k in numbers if ("chance" in k or k.endswith("_rate")) and 0 <= numbers[k] <= 1}
    others = [abs(v) for k, v in numbers.items() if k not in shares and k != "health"]
    biggest = max(others, default=1.0) or 1.0
    stats = []
    for key in ordered:
        value = numbers[key]
        if key in shares:
            percent, text = value * 100, f"{value * 100:.1f} %"
        elif key == "health":
            percent, text = 100.0, f"{value:g} HP"
        else:
            percent, text = abs(value) / biggest * 100, f"{value:g}"
        stats.append({"key": key, "label": _words(key), "value": value, "text": text, "percent": percent})
    behaviours = []
    for item in doc.get("behaviours", []):
        if isinstance(item, dict):
            behaviours.append(
                {
                    "name": _words(str(item.get("id", "?"))),
                    "kind": str(item.get("kind", "")),
                    "trigger": _words(str(item.get("trigger", ""))).lower(),
                    "cooldown": _number(item.get("cooldown")),
                    "power": _number(item.get("power")),
                    "description": str(item.get("description", "")),
                }
            )
    inventory = _dict(doc.get("inventory"))
    items = [
        {
            "name": str(i.get("name") or _words(str(i.get("id", "?")))),
            "kind": str(i.get("kind", "")),
            "quantity": i.get("quantity", 1),
            "value": i.get("value"),
        }
        for i in inventory.get("items", [])
        if isinstance(i, dict)
    ]
    return {
        "name": str(doc.get("name") or identity.get("display_name") or "Someone"),
        "title": str(identity.get("title") or ""),
        "archetype": str(doc.get("archetype", "")),
        "species": str(identity.get("species") or ""),
        "level": doc.get("level"),
        "description": str(identity.get("description") or ""),
        "tags": [str(t) for t in doc.get("tags", []) if isinstance(t, (str, int))],
        "stats": stats,
        "behaviours": behaviours,
        "items": items,
        "gold": inventory.get("gold"),
        "slots": inventory.get("slots"),
    }


# --- which output goes where -----------------------------------------------------

# Kinds that are a picture (or a player) on their own; others need a preview output to look at.
VISUAL = frozenset({"image", "model", "wav", "quest", "entity"})


@dataclass
class OutputPlan:
    """``hero`` is shown big; ``companion`` beside or under it; ``swatches`` are a material's maps;
    ``siblings`` the variants of a set; ``files`` everything else, as a list of downloads."""

    layout: str
    hero: Any = None
    companion: Any = None
    swatches: list[Any] = field(default_factory=list)
    siblings: list[Any] = field(default_factory=list)
    files: list[Any] = field(default_factory=list)


def plan_outputs(outputs: Sequence[Any], kind_of: Callable[[Any], str]) -> OutputPlan:
    """Sort a generation's outputs into places; ``kind_of(asset)`` is the preview kind."""
    mains = [a for a in outputs if a.role == "main"]
    preview = next((a for a in outputs if a.role == "preview"), None)
    if not outputs:
        return OutputPlan("empty")
    if preview is not None and kind_of(preview) == "model" and any(_map(a) for a in outputs):
        swatches = [a for a in outputs if _map(a) and kind_of(a) == "image"]
        return OutputPlan(
            "material", hero=preview, swatches=swatches, files=_rest(outputs, preview, *swatches)
        )
    if len(mains) > 1:
        hero = preview if preview is not None and kind_of(preview) == "image" else None
        return OutputPlan("variants", hero=hero, siblings=mains, files=_rest(outputs, hero, *mains))
    main = mains[0] if mains else outputs[0]
    if kind_of(main) in VISUAL:
        companion = preview if preview is not None and kind_of(preview) in ("image", "model") else None
        return OutputPlan("single", hero=main, companion=companion, files=_rest(outputs, main, companion))
    if preview is not None and kind_of(preview) in ("image", "model"):
        return OutputPlan("pictured", hero=preview, companion=main, files=_rest(outputs, preview, main))
    return OutputPlan("single", hero=main, files=_rest(outputs, main))


def _map(asset: Any) -> bool:
    return isinstance(asset.meta, dict) and bool(asset.meta.get("map"))


def _rest(outputs: Iterable[Any], *shown: Any) -> list[Any]:
    taken = {id(a) for a in shown if a is not None}
    return [a for a in outputs if id(a) not in taken]
