"""Divine · World bible: The big book of your world: its groups, places and history.

A Markdown book and its JSON twin (``pog.world_bible/1``). ``world_markdown`` also renders
a model's JSON, so the prose a person reads always agrees with the data.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from limbs.craft import markov as _markov
from limbs.craft import words as words
from limbs.craft.grammar import Grammar
from limbs.formats import OutputInvalid
from limbs.formats.world_bible import validate_world_bible
from limbs.params import choice, integer, kw
from limbs.parts.divine._theme import dumps, file_stem, read_theme, theme_grammar
from limbs.parts.divine._world_ask import (
    WORLD_BIBLE_FORMAT,
    parse_world_bible,
    world_bible_max_tokens,
    world_bible_prompt,
)
from limbs.providers.tasks import TEXT_TO_JSON, JsonAsk, Task
from limbs.spec import ActionSpec, GenRequest, GenResult, Output


def _ident(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "item"
    base = base if base[0].isalpha() else "x_" + base
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}_{n}", n + 1
    taken.add(ident)
    return ident


def _unique(make: Any, taken: set[str], tries: int = 60) -> str:
    """Call ``make()`` until it yields a name not in ``taken`` (numbered as a last resort)."""
    name = ""
    for _ in range(tries):
        name = str(make())
        if name not in taken:
            taken.add(name)
            return name
    n = 2
    while f"{name} {n}" in taken:
        n += 1
    taken.add(f"{name} {n}")
    return f"{name} {n}"


def _sentences(tension: str) -> int:
    return {"low": 1, "medium": 2, "high": 3}.get(tension, 2)


_PLACE_NAME = (
    "#adj# #land#",
    "#noun##suffix#",
    "#noun##suffix# #land#",
    "The #adj# #land#",
    "#markov# #land#",
)
_SUFFIX = ("hold", "reach", "haven", "fall", "mouth", "gate", "watch", "mere", "spire", "stead")
_FACTION_NAME = (
    "The #group# of the #adj# #noun#",
    "The #adj# #group#",
    "The #noun# #group#",
    "The #group# of #noun.s#",
)
_ERA_NAME = ("The Age of #noun.s#", "The #adj# Years", "The Time of #creature.title#", "The #noun# Wars")
_FACTION_TEXT = (
    "They prize #value# above all else.",
    "Their banners show the sign of the #noun.lower# on #adj.lower# cloth.",
    "They trade in #resource# and keep tame #creature#.",
    "Every child of theirs learns the old songs about #disaster#.",
    "They fear #creature# more than any army.",
    "Their elders meet by firelight to settle every quarrel.",
)
_PLACE_TEXT = (
    "Travellers come here for #resource#.",
    "At night #creature# can be heard from the #land.lower#.",
    "The locals still tell of #disaster#.",
    "Its walls are carved with the sign of the #noun.lower#.",
    "A market here sells #resource# and stranger things.",
    "Few stay after dark, and fewer say why.",
)
_MOTTO = (
    "By #noun# and #noun#, we endure.",
    "#adj# hearts, #adj.lower# hands.",
    "The #noun# remembers.",
    "We hold the #land.lower#.",
    "For #value#!",
)


@dataclass
class _World:
    factions: list[dict[str, Any]] = field(default_factory=list)
    places: list[dict[str, Any]] = field(default_factory=list)
    eras: list[dict[str, Any]] = field(default_factory=list)


def make(req: GenRequest) -> GenResult:
    n_factions = int(req.params.get("factions", 3))
    n_places = int(req.params.get("places", 5))
    n_eras = int(req.params.get("eras", 3))
    theme = read_theme(req.intent, str(req.params.get("genre", "auto")))
    rng = random.Random(words.derive_seed(req.seed, req.intent, "divine.world_bible"))
    g = theme_grammar(theme, rng)
    g.add("suffix", _SUFFIX)
    g.add("markov", _markov.names("place", 12, rng, length="medium"))
    sentences = _sentences(req.tension)
    req.progress(0.1, "Dreaming up the land")

    taken_names: set[str] = set()
    taken_ids: set[str] = set()
    world = _World()
    for _ in range(n_places):
        name = _unique(lambda: g.expand(rng.choice(_PLACE_NAME)), taken_names)
        kind = g.flatten("kind")
        world.places.append({"id": _ident(name, taken_ids), "name": name, "kind": kind})
    leaders = _markov.names(theme.genre.culture, n_factions, rng, length="medium")
    for i in range(n_factions):
        name = _unique(lambda: g.expand(rng.choice(_FACTION_NAME)), taken_names)
        world.factions.append(
            {
                "id": _ident(name, taken_ids),
                "name": name,
                "leader": f"{g.flatten('leader_title')} {leaders[i]}",
                "motto": g.expand(rng.choice(_MOTTO)),
            }
        )
    for _ in range(n_eras):
        name = _unique(lambda: g.expand(rng.choice(_ERA_NAME)), taken_names)
        world.eras.append({"id": _ident(name, taken_ids), "name": name})
    req.progress(0.4, "Drawing borders and roads")
    _relate(world, rng)
    _history(world, g, rng, {"low": 1, "medium": 2, "high": 3}.get(req.tension, 2))
    req.progress(0.7, "Writing it all down")
    for faction in world.factions:
        seat = _by_id(world.places, faction["seat"])
        lead = f"{faction['name']} rule from {seat['name']}, led by {faction['leader']}."
        faction["description"] = " ".join([lead, *_pick_lines(g, rng, _FACTION_TEXT, sentences)])
    for place in world.places:
        ruler = place["ruled_by"]
        owner = f"held by {_by_id(world.factions, ruler)['name']}" if ruler else "claimed by no one"
        lead = f"{place['name']} is {g.expand('#adj.lower.a#')} {place['kind']}, {owner}."
        place["description"] = " ".join([lead, *_pick_lines(g, rng, _PLACE_TEXT, sentences)])
    for era in world.eras:
        era["description"] = g.expand(
            f"In {era['name']} the land was shaped by #resource# and by #disaster#."
        )
    flavour_words = " and ".join(f.key for f in theme.flavours)
    title = g.expand("The #adj# #land.s#") if rng.random() < 0.5 else g.expand("The #noun# Lands")
    summary = (
        f"A {theme.genre.key} world of {flavour_words}, home to {len(world.factions)} "
        f"{'faction' if len(world.factions) == 1 else 'factions'} and {len(world.places)} "
        f"{'place' if len(world.places) == 1 else 'places'} worth visiting"
        + (f', imagined from "{req.intent.strip()}".' if req.intent.strip() else ".")
    )
    doc = {
        "format": "pog.world_bible/1",
        "title": title,
        "summary": summary,
        "genre": theme.genre.key,
        "flavours": [f.key for f in theme.flavours],
        "factions": world.factions,
        "places": world.places,
        "history": world.eras,
    }
    markdown = world_markdown(doc)
    stem = file_stem(req.intent, "world")
    meta = {
        "title": title,
        "genre": theme.genre.key,
        "flavours": [f.key for f in theme.flavours],
        "factions": len(world.factions),
        "places": len(world.places),
        "eras": len(world.eras),
        "events": sum(len(e["events"]) for e in world.eras),
    }
    req.progress(1.0, "All done!")
    return GenResult(
        outputs=[
            Output(markdown.encode("utf-8"), "text/markdown", f"{stem}.md", "main", meta),
            Output(dumps(doc), "application/json", f"{stem}.json", "data", {"format": doc["format"]}),
        ],
        meta=meta,
    )


def _pick_lines(g: Grammar, rng: random.Random, pool: Sequence[str], n: int) -> list[str]:
    return [g.expand(line) for line in rng.sample(list(pool), min(n, len(pool)))]


def _by_id(items: list[dict[str, Any]], ident: str) -> dict[str, Any]:
    return next(item for item in items if item["id"] == ident)


def _relate(world: _World, rng: random.Random) -> None:
    """Seats, rulers, alliances, rivalries and roads, all symmetric and consistent."""
    places, factions, eras = world.places, world.factions, world.eras
    order = list(range(len(places)))
    rng.shuffle(order)
    for i, faction in enumerate(factions):
        faction["seat"] = places[order[i % len(places)]]["id"]
        faction["allies"], faction["rivals"] = [], []
    for place in places:
        rulers = [f["id"] for f in factions if f["seat"] == place["id"]]
        place["ruled_by"] = (
            rulers[0] if rulers else (rng.choice(factions)["id"] if rng.random() < 0.4 else None)
        )
        place["routes"] = []
        place["founded_in"] = eras[0]["id"] if rulers else rng.choice(eras)["id"]
    for i, a in enumerate(factions):
        for b in factions[i + 1 :]:
            roll = rng.random()
            if roll < 0.35:
                a["allies"].append(b["id"])
                b["allies"].append(a["id"])
            elif roll < 0.75:
                a["rivals"].append(b["id"])
                b["rivals"].append(a["id"])
    # A random spanning tree keeps every place reachable by road, then a few shortcuts.
    for i in range(1, len(places)):
        j = rng.randrange(i)
        places[i]["routes"].append(places[j]["id"])
        places[j]["routes"].append(places[i]["id"])
    for _ in range(len(places) // 3):
        a, b = rng.sample(places, 2) if len(places) > 1 else (places[0], places[0])
        if a is not b and b["id"] not in a["routes"]:
            a["routes"].append(b["id"])
            b["routes"].append(a["id"])
    for item in [*factions, *places]:
        for key in ("allies", "rivals", "routes"):
            if key in item:
                item[key].sort()


_EVENTS: tuple[tuple[str, int, int], ...] = (
    # (template, factions needed, places needed)
    ("{f0} founded {p0} beside the #land.lower#.", 1, 1),
    ("{f0} and {f1} fought over the #resource# of {p0}.", 2, 1),
    ("{f0} and {f1} swore a peace at {p0}.", 2, 1),
    ("{p0} was struck by #disaster#; {f0} took in the survivors.", 1, 1),
    ("A road of #noun.lower# stones was laid between {p0} and {p1}.", 0, 2),
    ("#creature.capitalize# came down on {p0}, and {f0} drove them off.", 1, 1),
    ("{f0} found #resource# beneath {p0} and grew rich.", 1, 1),
    ("The leader of {f0} vanished on the way to {p0}.", 1, 1),
)


def _history(world: _World, g: Grammar, rng: random.Random, per_era: int) -> None:
    year = rng.randrange(0, 40)
    fids = [f["id"] for f in world.factions]
    pids = [p["id"] for p in world.places]
    names = {item["id"]: item["name"] for item in [*world.factions, *world.places]}
    for era in world.eras:
        length = rng.randrange(80, 400)
        era["start_year"], era["end_year"] = year, year + length
        years = sorted(rng.sample(range(year, year + length + 1), per_era))
        events: list[dict[str, Any]] = []
        usable = [e for e in _EVENTS if e[1] <= len(fids) and e[2] <= len(pids)]
        for when in years:
            template, nf, np_ = rng.choice(usable)
            fs = rng.sample(fids, nf)
            ps = rng.sample(pids, np_)
            text = template.format(
                **{f"f{i}": names[f] for i, f in enumerate(fs)},
                **{f"p{i}": names[p] for i, p in enumerate(ps)},
            )
            events.append({"year": when, "text": g.expand(text), "factions": fs, "places": ps})
        era["events"] = events
        year += length + 1


def world_markdown(doc: dict[str, Any]) -> str:
    """The Markdown twin of a valid world bible JSON (also used for a model's JSON, so the
    prose a person reads always agrees with the data)."""
    names = {item["id"]: item["name"] for key in ("factions", "places", "history") for item in doc[key]}

    def anchor(ident: str) -> str:
        return f"[{names[ident]}](#{re.sub(r'[^a-z0-9 -]', '', names[ident].lower()).replace(' ', '-')})"

    def listing(ids: list[str]) -> str:
        return ", ".join(anchor(i) for i in ids) or "none"

    out = [f"# {doc['title']}", "", f"> {doc['summary']}", ""]
    out += [f"*Genre: {doc['genre']}. Flavour: {', '.join(doc['flavours'])}.*", "", "## Factions", ""]
    for f in doc["factions"]:
        out += [
            f"### {f['name']}",
            "",
            f"- **Leader:** {f['leader']}",
            f"- **Motto:** \u201c{f['motto']}\u201d",
        ]
        out += [f"- **Seat:** {anchor(f['seat'])}", f"- **Allies:** {listing(f['allies'])}"]
        out += [f"- **Rivals:** {listing(f['rivals'])}", "", f["description"], ""]
    out += ["## Places", ""]
    for p in doc["places"]:
        ruler = anchor(p["ruled_by"]) if p["ruled_by"] else "no one"
        out += [f"### {p['name']}", "", f"- **Kind:** {p['kind']}", f"- **Ruled by:** {ruler}"]
        out += [f"- **Founded in:** {anchor(p['founded_in'])}", f"- **Roads to:** {listing(p['routes'])}"]
        out += ["", p["description"], ""]
    out += ["## History", ""]
    for era in doc["history"]:
        out += [
            f"### {era['name']} (years {era['start_year']}\u2013{era['end_year']})",
            "",
            era["description"],
            "",
        ]
        out += [f"- **Year {e['year']}:** {e['text']}" for e in era["events"]]
        out.append("")
    return "\n".join(out)


def check(outputs: Sequence[Output]) -> None:
    """The JSON and the Markdown tell the same world."""
    doc = next((o for o in outputs if o.mime == "application/json"), None)
    markdown = next((o for o in outputs if o.mime == "text/markdown"), None)
    if doc is None or markdown is None:
        raise OutputInvalid("a world bible needs both its JSON and its Markdown")
    validate_world_bible(doc.data, markdown.data)


def _ask(req: GenRequest) -> JsonAsk:
    return JsonAsk(
        prompt=world_bible_prompt(req),
        max_tokens=world_bible_max_tokens(req),
        seed=req.seed,
        temperature=0.7,
    )


def _answer(req: GenRequest, text: str, source: str) -> list[Output]:
    """A model's JSON as the generator's two outputs: Markdown (main) and JSON (data)."""
    doc = parse_world_bible(text, req)
    markdown = world_markdown(doc)
    validate_world_bible(doc, markdown)
    stem = words.slug(req.intent, "world")[:60].rstrip("-") or "world"
    meta = {
        "title": doc["title"],
        "genre": doc["genre"],
        "flavours": list(doc["flavours"]),
        "factions": len(doc["factions"]),
        "places": len(doc["places"]),
        "eras": len(doc["history"]),
        "events": sum(len(era["events"]) for era in doc["history"]),
        "source": source,
    }
    data = (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    return [
        Output(markdown.encode("utf-8"), "text/markdown", f"{stem}.md", "main", meta),
        Output(data, "application/json", f"{stem}.json", "data", {"format": WORLD_BIBLE_FORMAT}),
    ]


TASK = Task(TEXT_TO_JSON, _ask, _answer)


ACTION = ActionSpec(
    id="world_bible",
    name="World bible",
    description="The big book of your world: its groups, places and history.",
    output="text",
    ai_tiers=("cloudflare", "gemini", "ollama"),
    task=TASK.shape.name,
    deadline_s=45.0,
    params=(
        choice(
            "genre",
            "Kind of world",
            ("auto", "fantasy", "sci-fi", "spooky", "pirate", "cosy"),
            "auto",
            "Auto guesses from your words.",
        ),
        integer("factions", "Groups", 3, 1, 8, "Kingdoms, clans or teams living there."),
        integer("places", "Places", 5, 1, 12, "Towns, caves and other spots to visit."),
        integer("eras", "Ages of history", 3, 1, 6, "How far back the history goes."),
    ),
    keywords=kw("world bible, lore, history, legend, myth, faction, kingdom, story, tale, plot"),
    check=check,
    make=make,
)
