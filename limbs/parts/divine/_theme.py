"""What every divine action reads in the intent, and the helpers they share.

Pure (no Django, no clock, no global random state). The intent's words pick a genre and up
to two "flavours" (fire, sea, ice, ...) whose word banks feed a Tracery-style grammar, so
"a volcanic island" gets ash and ember names.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from limbs.craft import words as words
from limbs.craft.grammar import Grammar


def each(text: str, value: str) -> dict[str, str]:
    """Map every word of ``text`` to ``value`` (keeps long keyword tables readable)."""
    return dict.fromkeys(text.split(), value)


def file_stem(intent: str, fallback: str) -> str:
    """A file-name stem from the intent, short enough for any file system."""
    return words.slug(intent, fallback)[:60].rstrip("-") or fallback


def dumps(doc: Any) -> bytes:
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


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
    **each("space galaxy planet alien aliens robot robots cyber scifi sci fi laser rocket", "sci-fi"),
    **each("spooky haunted ghost ghosts creepy scary halloween vampire zombie", "spooky"),
    **each("pirate pirates treasure ship ships sailor sailors buccaneer", "pirate"),
    **each("cosy cozy cute village farm tea bakery garden bunny cottage", "cosy"),
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


def theme_grammar(theme: Theme, rng: random.Random) -> Grammar:
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
