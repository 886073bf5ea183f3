"""Procedural narrative: world bibles, quests, Yarn dialogue and names.

Pure functions of their ``GenRequest`` (no Django, no clock, no global random state).
The intent's words pick a genre and up to two "flavours" (fire, sea, ice, ...) whose
word banks feed a Tracery-style grammar, so "a volcanic island" gets ash and ember
names. Every output is checked by ``limbs.formats.text`` in the tests.
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
from limbs.spec import GenRequest, GenResult, Output


def _each(text: str, value: str) -> dict[str, str]:
    """Map every word of ``text`` to ``value`` (keeps long keyword tables readable)."""
    return dict.fromkeys(text.split(), value)


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _stem(intent: str, fallback: str) -> str:
    """A file-name stem from the intent, short enough for any file system."""
    return words.slug(intent, fallback)[:60].rstrip("-") or fallback


# ---------------------------------------------------------------------------------------
# Genres and flavours
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flavour:
    key: str
    triggers: frozenset[str]
    adjs: tuple[str, ...]
    nouns: tuple[str, ...]
    landforms: tuple[str, ...]
    creatures: tuple[str, ...]
    resources: tuple[str, ...]
    disasters: tuple[str, ...]


def _fl(
    key: str, triggers: str, adjs: str, nouns: str, lands: str, beasts: str, goods: str, woes: str
) -> Flavour:
    return Flavour(
        key,
        frozenset(triggers.split()),
        tuple(adjs.split(",")),
        tuple(nouns.split(",")),
        tuple(lands.split(",")),
        tuple(beasts.split(",")),
        tuple(goods.split(",")),
        tuple(woes.split(",")),
    )


FLAVOURS: dict[str, Flavour] = {
    f.key: f
    for f in (
        _fl(
            "fire",
            "fire fiery volcano volcanic lava magma ash ember flame burning inferno hell forge dragon",
            "Ashen,Cinder,Ember,Molten,Smouldering,Scorched,Obsidian,Blazing",
            "Ash,Ember,Flame,Magma,Cinder,Obsidian,Pyre,Forge,Sulphur",
            "Caldera,Crater,Vents,Cinderfall,Lava Fields,Smoke Peaks,Ashfall",
            "salamanders,fire drakes,ash moths,lava crabs",
            "obsidian,sulphur,fire-glass,smokestone",
            "a river of lava,a great ashfall,the Year of Smoke,an eruption",
        ),
        _fl(
            "sea",
            "sea ocean island isle coast beach reef lagoon harbour harbor tide pirate ship underwater",
            "Tidal,Salt,Coral,Drowned,Briny,Foamy,Sunken,Azure",
            "Tide,Salt,Coral,Pearl,Wave,Gull,Anchor,Kelp",
            "Cove,Reef,Shoals,Isle,Lagoon,Sandbar,Harbour",
            "sea serpents,giant crabs,singing whales,gulls",
            "pearls,salt,coral,driftwood",
            "a great flood,a storm season,the Sinking,a tidal wave",
        ),
        _fl(
            "ice",
            "ice icy snow snowy frozen frost winter arctic glacier cold yeti",
            "Frozen,Frostbitten,Icebound,Pale,Snowy,Glacial,Rimed,Silver",
            "Frost,Ice,Snow,Rime,Glacier,Hail,Winter,Aurora",
            "Glacier,Icefield,Snowdrift,Frozen Lake,Pass,Tundra",
            "ice wolves,snow owls,frost giants,mammoths",
            "ice crystals,furs,whale oil,frostberries",
            "the Long Winter,an avalanche,a killing frost,the Whiteout",
        ),
        _fl(
            "forest",
            "forest woods woodland jungle tree trees grove leaf leafy elf elves wild",
            "Verdant,Mossy,Green,Thorned,Whispering,Tangled,Ancient,Leafy",
            "Oak,Thorn,Moss,Fern,Root,Briar,Willow,Acorn",
            "Grove,Glade,Thicket,Wildwood,Hollow,Canopy",
            "stags,owls,wolves,tree spirits",
            "timber,honey,herbs,amber",
            "a great blight,the Burning of the Woods,a year of locusts,a wild storm",
        ),
        _fl(
            "desert",
            "desert sand sandy dune dunes egypt oasis pyramid cactus dry",
            "Sunbaked,Golden,Dusty,Scorching,Shifting,Amber,Parched,Bright",
            "Sand,Sun,Dune,Mirage,Scorpion,Dust,Oasis,Sphinx",
            "Dunes,Oasis,Mesa,Salt Flats,Canyon,Wadi",
            "sand wyrms,scorpions,camels,jackals",
            "spices,glass,dates,sunstone",
            "a great drought,a sandstorm,the Dry Years,a swarm of scorpions",
        ),
        _fl(
            "sky",
            "sky cloud clouds floating air wind flying bird birds storm",
            "Windswept,Cloudy,Soaring,Skyborn,Stormy,Airy,Gilded,High",
            "Cloud,Wind,Storm,Feather,Thunder,Sky,Gale,Zephyr",
            "Cloudreach,Skyport,Windspire,Floating Isle,Stormtop",
            "griffins,thunderbirds,wind sprites,sky whales",
            "feathers,stormglass,wind crystals,cloud silk",
            "the Great Fall,a sky quake,the Thunder Years,a windless summer",
        ),
        _fl(
            "stone",
            "cave caves underground mine mines mountain mountains dwarf dwarves rock stone deep",
            "Stony,Deep,Granite,Iron,Hollow,Echoing,Crystal,Dark",
            "Stone,Iron,Granite,Crystal,Deep,Anvil,Gem,Lode",
            "Deeps,Mines,Caverns,Halls,Crag,Peak,Chasm",
            "cave trolls,rock golems,blind bats,tunnel worms",
            "iron,gems,silver,coal",
            "a cave-in,the Great Collapse,an earthquake,the Flooding of the Deeps",
        ),
        _fl(
            "swamp",
            "swamp bog marsh mud fen toxic poison frog",
            "Murky,Boggy,Misty,Rotting,Sodden,Green,Croaking,Foggy",
            "Bog,Mire,Reed,Fen,Toad,Moss,Murk,Lily",
            "Marsh,Mire,Fen,Bayou,Reedbeds,Sinkhole",
            "bog witches,giant toads,will-o'-wisps,leeches",
            "peat,reeds,toadstools,swamp pearls",
            "a great fog,a plague of flies,the Sinking of the Roads,a fever summer",
        ),
        _fl(
            "void",
            "space galaxy planet planets star stars cosmic universe alien aliens rocket spaceship moon "
            "asteroid",
            "Stellar,Void,Orbital,Quantum,Nebular,Cosmic,Ion,Dark",
            "Star,Nova,Void,Comet,Orbit,Nebula,Photon,Quasar",
            "Station,Belt,Moonbase,Ring,Dock,Crater",
            "void krakens,star moths,rogue drones,space slugs",
            "helium-3,dark matter,star crystals,scrap",
            "a solar flare,the Blackout,a meteor storm,the Reactor Breach",
        ),
        _fl(
            "gloom",
            "spooky haunted ghost ghosts ghostly creepy scary halloween grave graveyard vampire witch night",
            "Haunted,Shadowed,Grim,Whispering,Pale,Moonlit,Forsaken,Hollow",
            "Shadow,Bone,Raven,Grave,Lantern,Fog,Wraith,Candle",
            "Graveyard,Hollow,Moor,Crypt,Mists,Barrows",
            "ghosts,ravens,bats,wraiths",
            "candles,bone dust,moonflowers,silver",
            "the Night Without Dawn,a plague of ghosts,the Red Moon,the Great Fog",
        ),
        _fl(
            "meadow",
            "cosy cozy meadow farm village garden flower flowers happy sunny spring tea bunny",
            "Sunny,Honeyed,Golden,Blooming,Cosy,Mossy,Merry,Clover",
            "Honey,Clover,Apple,Bramble,Daisy,Willow,Hearth,Meadow",
            "Meadow,Orchard,Mill,Green,Hill,Brook",
            "bunnies,hedgehogs,bees,friendly geese",
            "honey,apples,wool,cheese",
            "a great flood,the Year Without Apples,a very long winter,the Runaway Goat",
        ),
    )
}


@dataclass(frozen=True)
class Genre:
    key: str
    default_flavour: str
    groups: tuple[str, ...]
    place_kinds: tuple[str, ...]
    leaders: tuple[str, ...]
    culture: str
    values: tuple[str, ...]


GENRES: dict[str, Genre] = {
    "fantasy": Genre(
        "fantasy",
        "forest",
        ("Order", "Court", "Clan", "Circle", "House", "Brotherhood", "Guild", "Kingdom"),
        ("city", "keep", "ruin", "shrine", "village", "tower", "market town"),
        ("Queen", "King", "Archmage", "High Priestess", "Warlord", "Elder"),
        "elvish",
        ("honour", "old magic", "knowledge", "gold", "freedom", "the old gods"),
    ),
    "sci-fi": Genre(
        "sci-fi",
        "void",
        ("Syndicate", "Collective", "Directorate", "Fleet", "Union", "Consortium", "Network"),
        ("station", "colony", "outpost", "relay", "dome city", "shipyard"),
        ("Admiral", "Director", "Chairwoman", "Prime Intelligence", "Commander"),
        "alien",
        ("progress", "profit", "the network", "survival", "discovery", "order"),
    ),
    "spooky": Genre(
        "spooky",
        "gloom",
        ("Coven", "Lodge", "Vigil", "Choir", "Society", "Watch"),
        ("manor", "graveyard", "chapel", "crossroads", "lighthouse", "mill"),
        ("Widow", "Lantern Keeper", "Grand Master", "Abbess", "Count"),
        "human",
        ("secrets", "the dead", "old promises", "silence", "candlelight", "memory"),
    ),
    "pirate": Genre(
        "pirate",
        "sea",
        ("Crew", "Brethren", "Armada", "Company", "Navy", "League"),
        ("port", "cove", "wreck", "fort", "smugglers' den", "lighthouse"),
        ("Captain", "Admiral", "Quartermaster", "Governor", "Pirate Queen"),
        "human",
        ("treasure", "freedom", "the sea", "loyalty", "fair shares", "the king's law"),
    ),
    "cosy": Genre(
        "cosy",
        "meadow",
        ("Guild", "Club", "Society", "Co-op", "Circle", "Band"),
        ("village", "bakery", "mill", "market", "orchard", "tea house", "bridge"),
        ("Mayor", "Head Baker", "Postmistress", "Gardener", "Grandmother"),
        "human",
        ("good food", "friendship", "gardens", "tidy hedges", "stories", "the harvest fair"),
    ),
}

_GENRE_WORDS: dict[str, str] = {
    **_each("space galaxy planet alien aliens robot robots cyber scifi sci fi laser rocket", "sci-fi"),
    **_each("spooky haunted ghost ghosts creepy scary halloween vampire zombie", "spooky"),
    **_each("pirate pirates treasure ship ships sailor sailors buccaneer", "pirate"),
    **_each("cosy cozy cute village farm tea bakery garden bunny cottage", "cosy"),
}


@dataclass(frozen=True)
class Theme:
    genre: Genre
    flavours: tuple[Flavour, ...]  # primary first; one or two
    tokens: tuple[str, ...]


def read_theme(intent: str, genre_param: str = "auto") -> Theme:
    """Genre and flavours from the intent's words (later genre words win)."""
    tokens = tuple(words.normalise(intent).split())
    genre_key = genre_param if genre_param in GENRES else "fantasy"
    if genre_param not in GENRES:
        for token in tokens:
            genre_key = _GENRE_WORDS.get(token, genre_key)
    found: list[Flavour] = []
    for token in tokens:
        for flavour in FLAVOURS.values():
            stem = token[:-1] if token.endswith("s") and token[:-1] in flavour.triggers else token
            if stem in flavour.triggers and flavour not in found:
                found.append(flavour)
    genre = GENRES[genre_key]
    if not found:
        found.append(FLAVOURS[genre.default_flavour])
    return Theme(genre, tuple(found[:2]), tokens)


def _theme_grammar(theme: Theme, rng: random.Random) -> Grammar:
    primary = theme.flavours[0]
    second = theme.flavours[1] if len(theme.flavours) > 1 else primary

    # The primary flavour appears twice as often as the secondary one.
    def mix(attr: str) -> list[str]:
        return [*getattr(primary, attr), *getattr(primary, attr), *getattr(second, attr)]

    rules = {
        "adj": mix("adjs"),
        "noun": mix("nouns"),
        "land": mix("landforms"),
        "creature": mix("creatures"),
        "resource": mix("resources"),
        "disaster": mix("disasters"),
        "group": list(theme.genre.groups),
        "kind": list(theme.genre.place_kinds),
        "value": list(theme.genre.values),
        "leader_title": list(theme.genre.leaders),
    }
    return Grammar(rules, rng)


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


def _dumps(doc: Any) -> bytes:
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _sentences(tension: str) -> int:
    return {"low": 1, "medium": 2, "high": 3}.get(tension, 2)


# ---------------------------------------------------------------------------------------
# World bible
# ---------------------------------------------------------------------------------------

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


def world_bible(req: GenRequest) -> GenResult:
    n_factions = int(req.params.get("factions", 3))
    n_places = int(req.params.get("places", 5))
    n_eras = int(req.params.get("eras", 3))
    theme = read_theme(req.intent, str(req.params.get("genre", "auto")))
    rng = random.Random(words.derive_seed(req.seed, req.intent, "divine.world_bible"))
    g = _theme_grammar(theme, rng)
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
    stem = _stem(req.intent, "world")
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
            Output(_dumps(doc), "application/json", f"{stem}.json", "data", {"format": doc["format"]}),
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


# ---------------------------------------------------------------------------------------
# Quest
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    type: str
    title: str
    text: str
    counted: bool = False  # whether the difficulty scales the count


# Each quest kind: trigger words, default subject, middle steps, branch pairs, final step.
_QUEST_KINDS: dict[str, dict[str, Any]] = {
    "rescue": {
        "words": "lost missing rescue save find kidnapped trapped stuck runaway",
        "subject": "puppy",
        "reward": "friend",
        "middle": [
            _Step("go", "Search {place}", "Go to {place}, where the {subject} was last seen."),
            _Step("find", "Find the clues", "Find {count} clues that show where the {subject} went.", True),
            _Step("talk", "Ask around", "Ask {helper} if they have seen the {subject}."),
            _Step("go", "Follow the tracks", "Follow the tracks into {place2}."),
            _Step("solve", "Open the way", "Solve the puzzle of the old gate in {place2}."),
        ],
        "final": _Step("escort", "Bring them home", "Bring the {subject} safely back to {giver}."),
    },
    "fetch": {
        "words": "bring fetch get collect gather ingredients recipe pick harvest berries potion",
        "subject": "moonberries",
        "reward": "item",
        "middle": [
            _Step("go", "Travel to {place}", "Travel to {place}, where the {subject} grow."),
            _Step("collect", "Gather {subject}", "Collect {count} {subject}.", True),
            _Step("talk", "Get advice", "Ask {helper} how to carry the {subject} safely."),
            _Step("craft", "Make a basket", "Craft a basket from {count} reeds.", True),
            _Step("go", "Cross {place2}", "Find a way across {place2}."),
        ],
        "final": _Step("deliver", "Deliver the {subject}", "Give the {subject} to {giver}."),
    },
    "defeat": {
        "words": "defeat slay kill monster beast boss fight battle bandits invaders attack dragon",
        "subject": "troll",
        "reward": "gold",
        "middle": [
            _Step("go", "Find the lair", "Find the {subject}'s lair near {place}."),
            _Step("collect", "Prepare", "Collect {count} potions for the fight.", True),
            _Step("talk", "Learn its weakness", "Ask {helper} about the {subject}'s weakness."),
            _Step("defeat", "Clear the way", "Defeat {count} of the {subject}'s minions.", True),
            _Step("go", "Climb to {place2}", "Climb up to {place2}."),
        ],
        "final": _Step("defeat", "Face the {subject}", "Defeat the {subject}."),
    },
    "deliver": {
        "words": "deliver letter parcel package message post mail gift",
        "subject": "letter",
        "reward": "gold",
        "middle": [
            _Step("talk", "Collect the {subject}", "Pick up the {subject} from {helper}."),
            _Step("go", "Take the road to {place}", "Walk the road to {place}."),
            _Step("protect", "Keep it safe", "Keep the {subject} safe from {count} thieving crows.", True),
            _Step("go", "Cross {place2}", "Cross {place2} before nightfall."),
            _Step("find", "Find the house", "Find the right door among {count} houses.", True),
        ],
        "final": _Step("deliver", "Deliver the {subject}", "Hand the {subject} to {giver}."),
    },
    "explore": {
        "words": "explore map discover ruins cave treasure secret mystery island temple",
        "subject": "lost temple",
        "reward": "secret",
        "middle": [
            _Step("go", "Reach {place}", "Reach the edge of {place}."),
            _Step("find", "Find the map pieces", "Find {count} pieces of the old map.", True),
            _Step("solve", "Read the map", "Work out what the map's riddle means."),
            _Step("go", "Enter {place2}", "Find the hidden entrance in {place2}."),
            _Step("collect", "Light the way", "Collect {count} glow-stones to light the tunnels.", True),
        ],
        "final": _Step("find", "Discover the {subject}", "Discover the {subject} and tell {giver}."),
    },
    "escort": {
        "words": "escort protect guard caravan accompany convoy travel journey",
        "subject": "merchant",
        "reward": "friend",
        "middle": [
            _Step("talk", "Meet the {subject}", "Meet the {subject} at the gates of {place}."),
            _Step("escort", "Set off", "Lead the {subject} along the road."),
            _Step("protect", "Fend off wolves", "Protect the {subject} from {count} wolves.", True),
            _Step("go", "Camp in {place2}", "Make camp in {place2}."),
            _Step("collect", "Gather firewood", "Collect {count} sticks for the campfire.", True),
        ],
        "final": _Step("escort", "Arrive safely", "Bring the {subject} safely to {giver}."),
    },
}

# Two ways past the same obstacle; both count as one step.
_APPROACHES: tuple[tuple[_Step, _Step], ...] = (
    (
        _Step("defeat", "Fight the guards", "Defeat {count} guards at {place2}.", True),
        _Step("sneak", "Sneak past", "Sneak past the guards at {place2} without being seen."),
    ),
    (
        _Step("solve", "Solve the riddle", "Answer the riddle of the stone door."),
        _Step("find", "Find the key", "Find the hidden key near the stone door."),
    ),
    (
        _Step("talk", "Ask nicely", "Persuade {helper} to help you."),
        _Step("collect", "Trade for help", "Bring {helper} {count} shiny shells as payment.", True),
    ),
    (
        _Step("go", "Take the high road", "Take the long, safe high road."),
        _Step("go", "Take the shortcut", "Risk the shortcut through {place2}."),
    ),
)

_COUNTS = {"easy": (2, 3), "normal": (3, 5), "hard": (5, 8)}
_GOLD = {"easy": 20, "normal": 35, "hard": 60}


def _quest_kind(tokens: Sequence[str], rng: random.Random) -> str:
    scores = {k: sum(t in v["words"].split() for t in tokens) for k, v in _QUEST_KINDS.items()}
    best = max(scores.values())
    if best == 0:
        return rng.choice(sorted(_QUEST_KINDS))
    return next(k for k in _QUEST_KINDS if scores[k] == best)


def _quest_subject(intent: str, kind: str) -> str:
    parsed = words.parse(intent)
    if parsed.subjects:
        return parsed.subjects[0].word
    skip = set(_QUEST_KINDS[kind]["words"].split()) | {"quest", "about", "story", "mission", "adventure"}
    nouns = [t for t in parsed.tokens if t not in words.STOPWORDS and t not in skip and len(t) > 2]
    return nouns[-1] if nouns else str(_QUEST_KINDS[kind]["subject"])


def quest(req: GenRequest) -> GenResult:
    steps = int(req.params.get("steps", 5))
    branches = bool(req.params.get("branches", True))
    reward_kind = str(req.params.get("reward", "auto"))
    difficulty = str(req.params.get("difficulty", "normal"))
    rng = random.Random(words.derive_seed(req.seed, req.intent, "divine.quest"))
    theme = read_theme(req.intent)
    g = _theme_grammar(theme, rng)
    req.progress(0.1, "Thinking of a problem to solve")
    kind = _quest_kind(theme.tokens, rng)
    subject = _quest_subject(req.intent, kind)
    people = _markov.names(theme.genre.culture if theme.genre.key != "sci-fi" else "human", 2, rng)
    towns = _markov.names("place", 1, rng)
    giver, helper = people
    fill = {
        "subject": subject,
        "giver": giver,
        "helper": helper,
        "place": f"the {g.flatten('land')}",
        "place2": f"the {g.flatten('adj')} {g.flatten('land')}",
        "home": towns[0],
    }
    lo, hi = _COUNTS.get(difficulty, _COUNTS["normal"])

    def objective(step: _Step, oid: str) -> dict[str, Any]:
        count = rng.randint(lo, hi) if step.counted else 1
        obj = {"id": oid, "type": step.type, "count": count, "text": step.text.format(count=count, **fill)}
        if difficulty == "easy":
            obj["hint"] = f"Look for the glowing marker near {fill['place']}."
        return obj

    # The plan: step 0 is meeting the giver, the last step is the kind's finale.
    spec = _QUEST_KINDS[kind]
    middle: list[_Step] = list(spec["middle"])
    rng.shuffle(middle)
    plan: list[_Step] = [_Step("talk", "Meet {giver}", "Talk to {giver} in {home}.")]
    plan += [middle[i % len(middle)] for i in range(max(0, steps - 2))]
    if steps >= 2:
        plan.append(spec["final"])
    slots: list[list[_Step]] = [[s] for s in plan]
    branch_at: list[int] = []
    if branches and steps >= 3:
        wanted = 1 + (steps >= 6) + (steps >= 9 and req.tension == "high")
        branch_at = sorted(rng.sample(range(1, steps - 1), min(wanted, steps - 2)))
        approaches = rng.sample(_APPROACHES, len(branch_at))
        for at, pair in zip(branch_at, approaches, strict=True):
            slots[at] = list(pair)

    states: list[dict[str, Any]] = []
    ids: list[list[str]] = []
    for n, options in enumerate(slots):
        row = []
        for m, step in enumerate(options):
            sid = "start" if n == 0 else f"step_{n}" + ("" if len(options) == 1 else "_ab"[m + 1])
            state = {
                "id": sid,
                "kind": "start" if n == 0 else "step",
                "title": step.title.format(**fill),
                "description": g.expand(_STEP_FLAVOUR[rng.randrange(len(_STEP_FLAVOUR))]),
                "objectives": [objective(step, f"obj_{n}" + ("" if len(options) == 1 else "ab"[m]))],
                "transitions": [],
            }
            states.append(state)
            row.append(sid)
        ids.append(row)

    # Rewards on the success endings.
    if reward_kind == "auto":
        reward_kind = str(spec["reward"])
    item = g.expand("#adj# #noun# Charm")
    reward_text = {
        "gold": "a purse of gold",
        "item": f"the {item}",
        "friend": f"{fill['subject'] if kind in ('rescue', 'escort') else helper} joins you as a friend",
        "secret": f"a map to a secret place beyond {fill['place2']}",
    }
    amount = (_GOLD.get(difficulty, 35) * steps) if reward_kind == "gold" else 1
    xp = 10 * steps * {"easy": 1, "normal": 2, "hard": 3}.get(difficulty, 2)
    main_rewards = [
        {"type": reward_kind, "amount": amount, "text": reward_text[reward_kind]},
        {"type": "xp", "amount": xp, "text": f"{xp} experience points"},
    ]
    ends = [
        {
            "id": "end_success",
            "kind": "end",
            "outcome": "success",
            "title": "Quest complete",
            "description": f"{giver} cheers. The {subject} story has a happy ending.",
            "objectives": [],
            "rewards": main_rewards,
            "transitions": [],
        }
    ]
    finale_targets = ["end_success"]
    if branches and steps >= 2:
        secret_xp = max(1, xp // 2)
        ends.append(
            {
                "id": "end_secret",
                "kind": "end",
                "outcome": "success",
                "title": "A secret ending",
                "description": f"You keep a promise to {helper} instead, and find something unexpected.",
                "objectives": [],
                "rewards": [
                    {
                        "type": "secret",
                        "amount": 1,
                        "text": g.expand("the hidden #land.lower# of #noun.lower.s#"),
                    },
                    {"type": "xp", "amount": secret_xp, "text": f"{secret_xp} experience points"},
                ],
                "transitions": [],
            }
        )
        finale_targets.append("end_secret")
    if difficulty == "hard":
        ends.append(
            {
                "id": "end_failure",
                "kind": "end",
                "outcome": "failure",
                "title": "Too late",
                "description": "Night falls before you finish. You can try the quest again tomorrow.",
                "objectives": [],
                "rewards": [],
                "transitions": [],
            }
        )
    by_id = {s["id"]: s for s in states}
    for n, row in enumerate(ids):
        for sid in row:
            if n + 1 < len(ids):
                nxt = ids[n + 1]
                labels = ["choose: " + by_id[t]["title"] for t in nxt] if len(nxt) > 1 else ["done"]
                by_id[sid]["transitions"] = [
                    {"to": t, "label": lab} for t, lab in zip(nxt, labels, strict=True)
                ]
            else:
                by_id[sid]["transitions"] = [
                    {"to": t, "label": "return to " + giver if t == "end_success" else "keep the promise"}
                    for t in finale_targets
                ]
    if difficulty == "hard":
        # One step after the start can be failed (the failure end is always reachable).
        risky = ids[rng.randrange(1, len(ids))]
        for sid in risky:
            by_id[sid]["transitions"].append({"to": "end_failure", "label": "run out of time"})
    states.extend(ends)
    title = (
        g.expand(f"The {subject.title()} of the #adj# #land#")
        if rng.random() < 0.5
        else (f"{giver}'s {subject.title()}")
    )
    doc = {
        "format": "pog.quest/1",
        "title": title,
        "summary": f"{giver} in {fill['home']} needs help with the {subject}.",
        "kind": kind,
        "difficulty": difficulty,
        "giver": {"name": giver, "home": fill["home"]},
        "start": "start",
        "states": states,
    }
    req.progress(0.7, "Drawing the quest map")
    mermaid = _mermaid(doc)
    stem = _stem(req.intent, "quest")
    meta = {
        "title": title,
        "kind": kind,
        "subject": subject,
        "steps": steps,
        "branch_points": len(branch_at),
        "states": len(states),
        "reward": reward_kind,
        "difficulty": difficulty,
    }
    req.progress(1.0, "All done!")
    return GenResult(
        outputs=[
            Output(_dumps(doc), "application/json", f"{stem}.quest.json", "main", meta),
            Output(
                mermaid.encode("utf-8"), "text/vnd.mermaid", f"{stem}.mmd", "diagram", {"states": len(states)}
            ),
        ],
        meta=meta,
    )


_STEP_FLAVOUR = (
    "The air smells of #resource#.",
    "Watch out for #creature#.",
    "People here still talk about #disaster#.",
    "The path is marked with #noun.lower# stones.",
    "It is quiet, except for the #creature#.",
)


def _mermaid_text(text: str) -> str:
    """Mermaid labels may not contain quotes, colons or semicolons; keep them plain."""
    return re.sub(r"\s+", " ", re.sub(r"[\"':;#{}<>\[\]|`]", "", text)).strip() or "step"


def _mermaid(doc: dict[str, Any]) -> str:
    out = ["stateDiagram-v2", "    direction LR"]
    for state in doc["states"]:
        out.append(f'    state "{_mermaid_text(state["title"])}" as {state["id"]}')
    out.append(f"    [*] --> {doc['start']}")
    for state in doc["states"]:
        for tr in state["transitions"]:
            out.append(f"    {state['id']} --> {tr['to']} : {_mermaid_text(tr['label'])}")
        if state["kind"] == "end":
            out.append(f"    {state['id']} --> [*]")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------
# Dialogue (Yarn Spinner)
# ---------------------------------------------------------------------------------------

_ROLES = frozenset(
    _split("""
    shopkeeper merchant trader thief guard knight wizard witch king queen prince princess pirate captain
    farmer baker innkeeper blacksmith traveller traveler stranger detective teacher student dragon robot
    ghost cat dog mouse fox owl hero villain soldier sailor miner doctor scientist alien mayor child
    grandma grandpa monk priest bard hunter elf dwarf orc goblin troll fairy
    """)
)
_DEFAULT_ROLES = ("traveller", "innkeeper", "guard", "bard", "stranger")
_TONE_WORDS = {
    **_each("spooky haunted ghost ghosts creepy scary halloween dark night", "spooky"),
    **_each("funny silly joke jokes goofy clown laugh daft", "funny"),
    **_each("serious war trial detective murder king queen council grim", "serious"),
    **_each("friendly kind happy cosy cozy nice cheerful", "friendly"),
}

# Tone -> function -> lines. {other} is someone else present, {topic} the subject.
_TONES: dict[str, dict[str, tuple[str, ...]]] = {
    "friendly": {
        "greet": (
            "Hello, {other}! Lovely to see you.",
            "Well, hello there! Come in, come in.",
            "Oh, {other}! I was hoping you'd stop by.",
            "Good morning! Isn't it a fine day?",
        ),
        "reply": ("Hi! I had to say hello.", "Good to see you too!", "Hello, everyone!", "I brought snacks."),
        "ask": (
            "Can you tell me about {topic}?",
            "What do you know about {topic}?",
            "I keep hearing about {topic}.",
        ),
        "tell": (
            "Ah, {topic}! Everyone in {place} talks about it.",
            "I saw {topic} just yesterday, near {place}.",
            "{topic_c} is the best thing that happened here all year.",
            "My grandmother told me stories about {topic}.",
            "Some days I think about nothing but {topic}.",
            "Between you and me, {topic} is why I moved to {place}.",
            "{topic_c} reminds me of the summer fair.",
            "If you want {topic}, {other} knows more than I do.",
        ),
        "react": (
            "That's wonderful!",
            "Really? Tell me more.",
            "I had no idea!",
            "How exciting!",
            "Oh, I love that.",
            "You always know the best stories.",
        ),
        "hub": ("What else would you like to know?", "Anything else on your mind?"),
        "warm": ("Come back soon, friend!", "You're always welcome here.", "Take care out there!"),
        "cool": ("Well, goodbye then.", "See you around, I suppose."),
    },
    "funny": {
        "greet": (
            "Oh! You startled my sandwich.",
            "Welcome! Please ignore the goat.",
            "Ah, {other}! Did you bring the rubber chicken?",
            "Halt! Who goes there? Oh, it's you. Carry on.",
        ),
        "reply": ("I came for the free biscuits.", "Is that goat always on the roof?", "Hello! I think."),
        "ask": (
            "Is it true about {topic}?",
            "Quick question: {topic}. Go!",
            "Explain {topic} like I'm a potato.",
        ),
        "tell": (
            "{topic_c}? It sneezed on me once.",
            "Nobody knows the truth about {topic}. Except my cat.",
            "I tried to sell {topic} in {place}. Nobody bought it. Rude.",
            "{topic_c} owes me three carrots and an apology.",
            "I wrote a song about {topic}. It has forty verses.",
            "Legend says {topic} can juggle. Legend is me.",
            "{topic_c} is mostly harmless. Mostly.",
            "Ask {other}. They once ate {topic} for a bet.",
        ),
        "react": (
            "That can't be right.",
            "I'm writing that down. In crayon.",
            "Amazing. Terrible. Both.",
            "My eyebrows just left my face.",
            "Say that again, but slower.",
        ),
        "hub": ("Any more silly questions?", "Go on, ask me something ridiculous."),
        "warm": ("Bye! Mind the goat!", "Off you go, you magnificent muffin!", "Farewell! Write me a song!"),
        "cool": ("Finally. I mean, goodbye!", "Don't let the door hit your pockets."),
    },
    "spooky": {
        "greet": (
            "Shh... did you hear that?",
            "You shouldn't be here after dark, {other}.",
            "The candles flickered when you came in.",
            "Ah... a visitor. How rare.",
        ),
        "reply": ("I followed the lights here.", "The door opened by itself.", "Is... anyone else here?"),
        "ask": (
            "What happened with {topic}?",
            "Tell me the truth about {topic}.",
            "Why does nobody speak of {topic}?",
        ),
        "tell": (
            "{topic_c}... it came from {place}, on a night with no moon.",
            "Those who look for {topic} don't come back the same.",
            "I still hear {topic} whispering under the floor.",
            "The candles go out whenever someone says {topic}.",
            "My grandfather wrote about {topic} in his last letter.",
            "The crows of {place} fly away from {topic}.",
            "{other} knows. Ask them why they never sleep.",
            "Some say {topic} is only a story. Some say.",
        ),
        "react": (
            "That's... not comforting.",
            "I felt a chill.",
            "Let's not go there alone.",
            "Did the floor just creak?",
            "I wish you hadn't told me that.",
        ),
        "hub": ("Ask, if you dare.", "The night is long. What else?"),
        "warm": (
            "Go safely. Keep to the lantern light.",
            "You were brave tonight.",
            "May the shadows let you pass.",
        ),
        "cool": ("Leave. Now.", "Don't look back on your way out."),
    },
    "serious": {
        "greet": ("State your business.", "We don't have much time, {other}.", "Sit. We need to talk."),
        "reply": ("I came as fast as I could.", "I'm listening.", "Tell me what you need."),
        "ask": (
            "What's the situation with {topic}?",
            "I need facts about {topic}.",
            "Who is behind {topic}?",
        ),
        "tell": (
            "{topic_c} has changed everything in {place}.",
            "Reports about {topic} reached us three days ago.",
            "The council in {place} is divided over {topic}.",
            "Nobody moves until we know more about {topic}.",
            "I have read every report on {topic}. Twice.",
            "{other} was the last one to see {topic}.",
            "If {topic} reaches the capital, we are finished.",
            "We must deal with {topic} before winter.",
        ),
        "react": (
            "Understood.",
            "Then we act tonight.",
            "That changes the plan.",
            "Noted.",
            "Who else knows about this?",
        ),
        "hub": ("What else do you need to know?", "Ask quickly."),
        "warm": ("You have my trust. Go.", "Good luck. We are counting on you.", "I'll see you at dawn."),
        "cool": ("We're done here.", "Don't waste my time again."),
    },
}
_TOPIC_HINTS: dict[str, tuple[str, ...]] = {
    "shopkeeper": ("the shiny amulet", "the prices"),
    "merchant": ("the caravan", "the rare spices"),
    "thief": ("the missing ruby", "the locked vault"),
    "guard": ("the city gate", "the curfew"),
    "wizard": ("the broken spell", "the talking book"),
    "witch": ("the bubbling cauldron", "the black cat"),
    "pirate": ("the buried treasure", "the ghost ship"),
    "king": ("the crown", "the border war"),
    "queen": ("the crown", "the royal ball"),
    "dragon": ("the dragon's hoard", "the burnt bridge"),
    "robot": ("the power cells", "the broken circuit"),
    "ghost": ("the old manor", "the unfinished letter"),
    "detective": ("the stolen painting", "the muddy footprints"),
    "farmer": ("the harvest", "the runaway pig"),
    "baker": ("the secret recipe", "the missing flour"),
}
_GENERIC_TOPICS = ("the old tower", "the strange lights", "the festival", "the weather", "the road north")


@dataclass(frozen=True)
class _Speaker:
    name: str
    role: str


def _dialogue_cast(tokens: Sequence[str], count: int, rng: random.Random) -> list[_Speaker]:
    roles: list[str] = []
    for token in tokens:
        role = token[:-1] if token.endswith("s") and token[:-1] in _ROLES else token
        if role in _ROLES and role not in roles:
            roles.append(role)
    for role in _DEFAULT_ROLES:
        if len(roles) >= count:
            break
        if role not in roles:
            roles.append(role)
    roles = roles[:count]
    culture = {"robot": "robot", "alien": "alien", "elf": "elvish", "dwarf": "dwarvish", "orc": "orcish"}
    cast: list[_Speaker] = []
    taken: set[str] = set()
    for role in roles:
        pool = _markov.names(culture.get(role, "human"), 6, rng, length="short", avoid=frozenset(taken))
        # Names that start alike ("Mara", "Maram") are hard to tell apart in a script.
        name = next((p for p in pool if all(p[:3].lower() != t[:3] for t in taken)), pool[0])
        taken.add(name.lower())
        cast.append(_Speaker(name, role))
    return cast


def _topics(tokens: Sequence[str], cast: Sequence[_Speaker], rng: random.Random) -> list[str]:
    topics: list[str] = []
    skip = _ROLES | words.STOPWORDS | {"between", "conversation", "dialogue", "talk", "chat", "about"}
    for token in tokens:
        if token not in skip and len(token) > 2 and words._looks_like_noun(token):
            topics.append(f"the {token}")
    for speaker in cast:
        topics.extend(_TOPIC_HINTS.get(speaker.role, ()))
    extra = list(_GENERIC_TOPICS)
    rng.shuffle(extra)
    topics.extend(extra)
    seen: list[str] = []
    for topic in topics:
        if topic not in seen:
            seen.append(topic)
    return seen


def _var(topic: str) -> str:
    return "$asked_" + re.sub(r"[^a-z0-9]+", "_", topic.lower().removeprefix("the ")).strip("_")


def _node_name(topic: str) -> str:
    return (
        "".join(w.capitalize() for w in re.findall(r"[a-z0-9]+", topic.lower().removeprefix("the ")))
        or "Topic"
    )


class _Lines:
    """Writes dialogue lines for one tone, never repeating a line while fresh ones remain."""

    def __init__(self, tone: str, cast: Sequence[_Speaker], place: str, rng: random.Random) -> None:
        self.bank = _TONES[tone]
        self.cast = cast
        self.place = place
        self.rng = rng
        self.used: set[str] = set()
        self.spoken = 0

    def say(self, speaker: _Speaker, function: str, topic: str = "") -> str:
        others = [c.name for c in self.cast if c is not speaker] or [speaker.name]
        other = self.rng.choice(others)
        texts = [
            t.format(other=other, topic=topic, topic_c=topic[:1].upper() + topic[1:], place=self.place)
            for t in self.bank[function]
        ]
        # Prefer a line nobody has said yet; a long script may have to repeat one.
        fresh = [t for t in texts if t not in self.used] or texts
        text = self.rng.choice(fresh)
        self.used.add(text)
        self.spoken += 1
        return f"{speaker.name}: {text}"


def dialogue(req: GenRequest) -> GenResult:
    n_chars = int(req.params.get("characters", 2))
    n_lines = int(req.params.get("lines", 12))
    choices = bool(req.params.get("choices", True))
    tone = str(req.params.get("tone", "auto"))
    rng = random.Random(words.derive_seed(req.seed, req.intent, "divine.dialogue"))
    tokens = [words._singular(t) for t in words.normalise(req.intent).split()]
    if tone not in _TONES:
        tone = "friendly"
        for token in tokens:
            tone = _TONE_WORDS.get(token, tone)
    req.progress(0.1, "Meeting the characters")
    cast = _dialogue_cast(tokens, n_chars, rng)
    place = _markov.names("place", 1, rng)[0]
    lines = _Lines(tone, cast, place, rng)
    topics = _topics(tokens, cast, rng)
    # Every speaker greets once, so the script never has fewer lines than speakers.
    budget = max(n_lines, len(cast) + (5 if choices else 1))
    if choices:
        # More effort buys follow-up choices inside topics; low tension keeps one level.
        deep_chance = {"low": 0.0, "medium": 0.7, "high": 1.0}.get(req.tension, 0.7)
        nodes = _branching_script(cast, topics, lines, budget, rng, deep_chance)
    else:
        nodes = _linear_script(cast, topics, lines, budget, rng)
    header = [
        "// Written by POG Studio (procedural tier).",
        "// Characters: " + ", ".join(f"{c.name} ({c.role})" for c in cast),
        "",
    ]
    text = "\n".join(header + [_render_node(title, body, tags) for title, body, tags in nodes])
    stem = _stem(req.intent, "dialogue")
    meta = {
        "characters": [{"name": c.name, "role": c.role} for c in cast],
        "tone": tone,
        "nodes": [title for title, _, _ in nodes],
        "lines": lines.spoken,
        "choices": choices,
    }
    req.progress(1.0, "All done!")
    return GenResult(
        outputs=[Output(text.encode("utf-8"), "text/x-yarn", f"{stem}.yarn", "main", meta)], meta=meta
    )


def _render_node(title: str, body: list[str], tags: str) -> str:
    head = [f"title: {title}"] + ([f"tags: {tags}"] if tags else [])
    return "\n".join([*head, "---", *body, "===", ""])


_Node = tuple[str, list[str], str]


def _branching_script(
    cast: Sequence[_Speaker],
    topics: list[str],
    lines: _Lines,
    budget: int,
    rng: random.Random,
    deep_chance: float,
) -> list[_Node]:
    """Start greets and offers topics; each topic node tells, may go deeper, returns to
    a hub; the hub offers what is left plus goodbye; the farewell depends on $trust."""
    player, npcs = cast[0], list(cast[1:])
    # Two fixed farewell lines (warm/cool) and one hub line; the rest is shared out.
    n_topics = max(1, min(4, (budget - len(cast) - 3) // 3))
    chosen = topics[:n_topics]
    per_topic = [0] * n_topics
    spare = max(0, budget - len(cast) - 3 - 2 * n_topics)
    for i in range(spare):
        per_topic[i % n_topics] += 1
    nodes: list[_Node] = []
    start = ["<<declare $trust = 0>>"] + [f"<<declare {_var(t)} = false>>" for t in chosen]
    start.append(lines.say(npcs[0], "greet"))
    start += [lines.say(c, "reply") for c in [player, *npcs[1:]]]
    options = [(f"Ask about {t}", _node_name(t)) for t in chosen]
    start += _options(options, "Say goodbye", "Farewell")
    nodes.append(("Start", start, ""))
    for n, topic in enumerate(chosen):
        teller = npcs[n % len(npcs)]
        body = [
            f"<<set {_var(topic)} to true>>",
            lines.say(player, "ask", topic),
            lines.say(teller, "tell", topic),
        ]
        extra = per_topic[n]
        deeper = extra >= 3 and rng.random() < deep_chance
        if deeper:
            # A follow-up choice: pressing on earns trust, changing the subject does not.
            deep_name = _node_name(topic) + "_More"
            body += _options([("Tell me more", deep_name)], "Change the subject", "Hub")
            deep = ["<<set $trust to $trust + 1>>"]
            for k in range(extra):
                speaker = (teller, player)[k % 2] if k < extra - 1 else rng.choice(npcs)
                deep.append(lines.say(speaker, "tell" if speaker is not player else "react", topic))
            deep.append("<<jump Hub>>")
            nodes.append((_node_name(topic), body, ""))
            nodes.append((deep_name, deep, ""))
            body = []
            continue
        for k in range(extra):
            speaker = player if k % 2 == 0 else rng.choice(npcs)
            body.append(lines.say(speaker, "react" if speaker is player else "tell", topic))
        body += ["<<set $trust to $trust + 1>>", "<<jump Hub>>"]
        nodes.append((_node_name(topic), body, ""))
    hub = [lines.say(npcs[0], "hub")]
    hub += _options([(f"Ask about {t}", _node_name(t)) for t in chosen], "Say goodbye", "Farewell", chosen)
    nodes.append(("Hub", hub, ""))
    need = max(1, (n_topics + 1) // 2)
    farewell = [
        f"<<if $trust >= {need}>>",
        "    " + lines.say(npcs[0], "warm"),
        "<<else>>",
        "    " + lines.say(npcs[0], "cool"),
        "<<endif>>",
        "<<stop>>",
    ]
    nodes.append(("Farewell", farewell, "end"))
    return nodes


def _options(
    options: list[tuple[str, str]], last: str, last_target: str, guard: Sequence[str] | None = None
) -> list[str]:
    out: list[str] = []
    for i, (label, target) in enumerate(options):
        condition = f" <<if {_var(guard[i])} == false>>" if guard is not None else ""
        out += [f"-> {label}{condition}", f"    <<jump {target}>>"]
    out += [f"-> {last}", f"    <<jump {last_target}>>"]
    return out


def _linear_script(
    cast: Sequence[_Speaker], topics: list[str], lines: _Lines, budget: int, rng: random.Random
) -> list[_Node]:
    """No choices: scenes in order, each handing over with a jump; the last one stops."""
    greet = [lines.say(cast[0], "greet")] + [lines.say(c, "reply") for c in cast[1:]]
    remaining = budget - len(greet) - 1
    n_scenes = max(1, min(4, remaining // 3))
    scenes: list[_Node] = []
    names = ["Start"] + [_node_name(t) for t in topics[:n_scenes]] + ["Farewell"]
    scenes.append(("Start", [*greet, f"<<jump {names[1]}>>"], ""))
    for s in range(n_scenes):
        topic = topics[s]
        share = remaining // n_scenes + (1 if s < remaining % n_scenes else 0)
        body = [lines.say(cast[s % len(cast)], "ask", topic)] if share else []
        for k in range(1, share):
            speaker = cast[(s + k) % len(cast)]
            body.append(lines.say(speaker, "tell" if k % 2 else "react", topic))
        body.append(f"<<jump {names[s + 2]}>>")
        scenes.append((names[s + 1], body, ""))
    scenes.append(("Farewell", [lines.say(rng.choice(cast), "warm"), "<<stop>>"], "end"))
    return scenes


# ---------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------

_CULTURE_WORDS: dict[str, str] = {
    **_each("elf elves elven elvish fairy fairies fae sylvan", "elvish"),
    **_each("dwarf dwarves dwarven dwarvish miner miners beard", "dwarvish"),
    **_each("orc orcs orcish goblin goblins troll trolls ogre ogres", "orcish"),
    **_each("robot robots android androids droid droids bot bots mech cyborg ai", "robot"),
    **_each("alien aliens space planet martian martians galaxy ufo", "alien"),
    **_each(
        "town towns city cities village villages place places kingdom kingdoms island islands map",
        "place",
    ),
    **_each("human humans person people knight knights villager villagers", "human"),
}


def names(req: GenRequest) -> GenResult:
    count = int(req.params.get("count", 10))
    culture = str(req.params.get("culture", "auto"))
    length = str(req.params.get("length", "medium"))
    tokens = words.normalise(req.intent).split()
    if culture not in _markov.CORPORA:
        culture = "human"
        for token in tokens:
            culture = _CULTURE_WORDS.get(token, culture)
    rng = random.Random(words.derive_seed(req.seed, req.intent, "divine.names"))
    candidates = {"low": 1, "medium": 2, "high": 4}.get(req.tension, 2)
    req.progress(0.2, "Listening to how the names sound")
    made = _markov.names(culture, count, rng, length=length, candidates=candidates)
    stem = _stem(req.intent, "names")
    meta = {"culture": culture, "length": length, "count": len(made)}
    req.progress(1.0, "All done!")
    return GenResult(
        outputs=[
            Output(_dumps(made), "application/json", f"{stem}.json", "main", meta),
            Output(("\n".join(made) + "\n").encode("utf-8"), "text/plain", f"{stem}.txt", "text", meta),
        ],
        meta=meta,
    )
