"""Intent parsing shared by the procedural generators: colours, moods and subjects.

A child types "a red dragon guarding a golden castle at night"; this module turns
that into plain data (subjects with their colours, time of day, setting, theme)
without any language model. Everything is table driven and deterministic.
"""

from __future__ import annotations

import colorsys
import hashlib
import re
from dataclasses import dataclass, field

RGB = tuple[int, int, int]

COLOURS: dict[str, RGB] = {
    "red": (218, 42, 42),
    "crimson": (188, 22, 52),
    "scarlet": (232, 48, 32),
    "ruby": (200, 24, 64),
    "orange": (244, 134, 30),
    "amber": (240, 160, 30),
    "peach": (252, 180, 140),
    "yellow": (250, 212, 48),
    "gold": (238, 184, 40),
    "golden": (238, 184, 40),
    "lime": (150, 218, 52),
    "green": (58, 176, 72),
    "emerald": (22, 158, 98),
    "mint": (140, 228, 180),
    "olive": (128, 130, 44),
    "teal": (22, 148, 150),
    "turquoise": (40, 198, 190),
    "cyan": (40, 200, 230),
    "aqua": (60, 210, 220),
    "blue": (44, 98, 220),
    "azure": (60, 150, 240),
    "sapphire": (30, 78, 200),
    "navy": (28, 40, 120),
    "indigo": (76, 52, 160),
    "purple": (138, 60, 190),
    "violet": (150, 80, 220),
    "lavender": (180, 150, 230),
    "pink": (245, 118, 178),
    "rose": (234, 88, 120),
    "magenta": (218, 40, 170),
    "brown": (140, 90, 50),
    "chocolate": (110, 62, 32),
    "tan": (210, 178, 138),
    "cream": (245, 232, 200),
    "beige": (225, 210, 180),
    "bronze": (180, 112, 52),
    "copper": (190, 102, 60),
    "black": (44, 44, 56),
    "white": (242, 242, 246),
    "grey": (140, 142, 152),
    "gray": (140, 142, 152),
    "silver": (192, 196, 208),
}

# Words that suggest a colour for the hero only when no explicit colour was given.
HINT_COLOURS: dict[str, RGB] = {
    "fire": (232, 78, 30),
    "fiery": (232, 78, 30),
    "flame": (232, 78, 30),
    "flaming": (232, 78, 30),
    "lava": (220, 60, 24),
    "ice": (150, 206, 240),
    "icy": (150, 206, 240),
    "frost": (150, 206, 240),
    "frozen": (150, 206, 240),
    "snow": (226, 236, 248),
    "shadow": (72, 56, 104),
    "crystal": (170, 220, 255),
    "sea": (40, 150, 190),
    "water": (40, 150, 190),
    "candy": (250, 140, 200),
    "stone": (130, 130, 136),
    "rock": (130, 130, 136),
    "metal": (170, 176, 190),
    "steel": (170, 176, 190),
    "iron": (150, 152, 160),
    "wooden": (150, 100, 56),
    "wood": (150, 100, 56),
    "leaf": (70, 170, 70),
    "leafy": (70, 170, 70),
    "spooky": (120, 80, 170),
    "ghostly": (220, 230, 245),
    "toxic": (140, 220, 40),
    "poison": (140, 220, 40),
    "sunny": (250, 200, 60),
}

RAINBOW: tuple[RGB, ...] = (
    (230, 50, 50),
    (245, 150, 40),
    (250, 220, 60),
    (70, 190, 80),
    (50, 120, 225),
    (140, 70, 200),
)

# Canonical subject -> words that mean it. Order matters only for readability.
SUBJECTS: dict[str, tuple[str, ...]] = {
    "dragon": ("dragon", "wyvern", "drake", "dinosaur", "dino", "trex", "rex"),
    "castle": ("castle", "palace", "fortress", "fort", "citadel", "kingdom", "tower"),
    "tree": ("tree", "oak", "pine", "fir", "palm", "willow", "birch"),
    "forest": ("forest", "woods", "woodland", "jungle", "grove"),
    "house": ("house", "home", "cottage", "cabin", "hut", "barn", "shop", "village", "igloo"),
    "cat": ("cat", "kitten", "kitty", "tiger", "lion", "leopard", "panther", "cheetah"),
    "dog": ("dog", "puppy", "pup", "doggy", "doggo", "wolf", "fox"),
    "fish": ("fish", "goldfish", "shark", "clownfish", "salmon", "tuna"),
    "whale": ("whale", "dolphin", "orca"),
    "rocket": ("rocket", "spaceship", "starship", "spacecraft", "ufo", "shuttle"),
    "boat": ("boat", "ship", "sailboat", "yacht", "raft"),
    "robot": ("robot", "bot", "android", "mech", "cyborg", "droid"),
    "flower": ("flower", "tulip", "daisy", "sunflower", "blossom", "bouquet", "lily", "garden"),
    "mountain": ("mountain", "volcano", "peak", "cliff"),
    "unicorn": ("unicorn", "pegasus", "horse", "pony", "horsey", "foal"),
    "bird": ("bird", "parrot", "owl", "eagle", "duck", "chicken", "penguin", "phoenix", "robin", "crow"),
    "sword": ("sword", "blade", "katana", "dagger", "sabre", "saber"),
    "monster": ("monster", "beast", "ogre", "troll", "goblin", "yeti", "alien", "bigfoot"),
    "ghost": ("ghost", "spirit", "phantom", "spectre", "specter"),
}
SUBJECT_OF: dict[str, str] = {word: canon for canon, words in SUBJECTS.items() for word in words}

# Nouns that describe the whole picture rather than a thing in it.
SCENE_NOUNS = frozenset(
    [
        "landscape",
        "scene",
        "place",
        "world",
        "land",
        "view",
        "day",
        "sky",
        "valley",
        "meadow",
        "field",
        "island",
        "beach",
        "sea",
        "ocean",
        "lake",
        "river",
        "space",
        "galaxy",
        "planet",
        "star",
        "stars",
        "universe",
        "background",
        "picture",
        "image",
        "drawing",
        "painting",
        "wallpaper",
        "sunset",
        "sunrise",
        "dawn",
        "dusk",
        "evening",
        "morning",
        "night",
        "midnight",
        "moon",
        "sun",
        "weather",
        "storm",
        "rain",
        "cloud",
        "clouds",
        "rainbow",
        "lagoon",
        "desert",
        "snow",
        "winter",
        "summer",
        "spring",
        "autumn",
    ]
)

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "with",
        "and",
        "in",
        "on",
        "at",
        "by",
        "to",
        "for",
        "from",
        "under",
        "over",
        "near",
        "next",
        "is",
        "are",
        "was",
        "were",
        "be",
        "it",
        "its",
        "my",
        "his",
        "her",
        "their",
        "our",
        "your",
        "some",
        "very",
        "one",
        "two",
        "three",
        "four",
        "five",
        "lots",
        "many",
        "full",
        "that",
        "this",
        "these",
        "those",
        "who",
        "which",
        "has",
        "have",
        "having",
        "into",
        "out",
        "up",
        "down",
        "like",
        "as",
        "or",
        "but",
        "so",
        "i",
        "me",
        "we",
        "you",
        "want",
        "make",
        "draw",
        "paint",
        "show",
        "create",
        "please",
        "can",
        "could",
        "would",
        "let",
        "lets",
        "some",
        "any",
        "all",
        "just",
        "really",
        "super",
        "quite",
        "tiny",
        "small",
        "little",
        "big",
        "giant",
        "huge",
        "large",
        "massive",
        "tall",
        "long",
        "short",
        "mini",
        "cute",
        "friendly",
        "funny",
        "silly",
        "cool",
        "awesome",
        "beautiful",
        "pretty",
        "nice",
        "amazing",
        "epic",
        "lovely",
        "old",
        "new",
        "young",
        "baby",
        "happy",
        "sad",
        "angry",
        "scary",
        "spooky",
        "magic",
        "magical",
        "fluffy",
        "fuzzy",
        "furry",
        "shiny",
        "sparkly",
        "sparkling",
        "glowing",
        "brave",
        "kind",
        "wild",
        "lonely",
        "sleepy",
        "dark",
        "bright",
        "light",
        "hot",
        "cold",
        "good",
        "bad",
        "evil",
        "mighty",
        "royal",
        "ancient",
        "tiny",
        "mean",
        "fat",
        "thin",
        "strong",
        "fast",
        "slow",
        "mama",
        "papa",
        "mommy",
        "daddy",
        "king",
        "queen",
        "prince",
        "princess",
        "knight",
        "wizard",
        "witch",
        "pirate",
        "hero",
    ]
)

# Words that end a noun phrase ("a zorblax eating cake": the subject is the zorblax).
BOUNDARIES = frozenset(
    [
        "with",
        "and",
        "in",
        "on",
        "at",
        "by",
        "to",
        "for",
        "from",
        "under",
        "over",
        "near",
        "next",
        "beside",
        "behind",
        "above",
        "below",
        "inside",
        "outside",
        "who",
        "that",
        "which",
        "while",
        "where",
        "when",
        "is",
        "are",
        "was",
        "were",
        "has",
        "have",
        "having",
        "holding",
        "guarding",
        "eating",
        "playing",
        "flying",
        "sitting",
        "standing",
        "running",
        "jumping",
        "swimming",
        "sleeping",
    ]
)

TIME_WORDS: dict[str, str] = {
    "night": "night",
    "nighttime": "night",
    "midnight": "night",
    "moon": "night",
    "moonlight": "night",
    "moonlit": "night",
    "stars": "night",
    "starry": "night",
    "dark": "night",
    "sunset": "sunset",
    "dusk": "sunset",
    "evening": "sunset",
    "twilight": "sunset",
    "sunrise": "dawn",
    "dawn": "dawn",
    "morning": "dawn",
    "day": "day",
    "daytime": "day",
    "noon": "day",
    "sunny": "day",
}

# Mood/biome words -> theme. Later themes in a sentence win over earlier ones.
THEME_WORDS: dict[str, str] = {
    "happy": "happy",
    "cheerful": "happy",
    "sunny": "happy",
    "bright": "happy",
    "joyful": "happy",
    "fun": "happy",
    "spooky": "spooky",
    "scary": "spooky",
    "creepy": "spooky",
    "haunted": "spooky",
    "halloween": "spooky",
    "ghost": "spooky",
    "ghostly": "spooky",
    "evil": "spooky",
    "snow": "snow",
    "snowy": "snow",
    "winter": "snow",
    "ice": "snow",
    "icy": "snow",
    "frozen": "snow",
    "christmas": "snow",
    "arctic": "snow",
    "desert": "desert",
    "sand": "desert",
    "sandy": "desert",
    "egypt": "desert",
    "lava": "lava",
    "volcano": "lava",
    "volcanic": "lava",
    "fire": "lava",
    "fiery": "lava",
    "hell": "lava",
    "inferno": "lava",
    "forest": "forest",
    "jungle": "forest",
    "woods": "forest",
    "woodland": "forest",
    "magic": "magic",
    "magical": "magic",
    "fairy": "magic",
    "enchanted": "magic",
    "dream": "magic",
    "dreamy": "magic",
    "wizard": "magic",
    "candy": "candy",
    "sweet": "candy",
    "cake": "candy",
    "pastel": "candy",
}

SETTING_WORDS: dict[str, str] = {
    "ocean": "sea",
    "sea": "sea",
    "beach": "sea",
    "island": "sea",
    "lake": "sea",
    "lagoon": "sea",
    "coast": "sea",
    "pirate": "sea",
    "boat": "sea",
    "ship": "sea",
    "sailboat": "sea",
    "underwater": "underwater",
    "reef": "underwater",
    "coral": "underwater",
    "mermaid": "underwater",
    "fish": "underwater",
    "goldfish": "underwater",
    "shark": "underwater",
    "clownfish": "underwater",
    "salmon": "underwater",
    "tuna": "underwater",
    "whale": "underwater",
    "dolphin": "underwater",
    "orca": "underwater",
    "octopus": "underwater",
    "space": "space",
    "galaxy": "space",
    "planet": "space",
    "cosmic": "space",
    "universe": "space",
    "rocket": "space",
    "spaceship": "space",
    "starship": "space",
    "spacecraft": "space",
    "ufo": "space",
    "astronaut": "space",
    "alien": "space",
    "moonbase": "space",
}

STYLE_WORDS: dict[str, str] = {
    "pixel": "pixel",
    "pixelated": "pixel",
    "8bit": "pixel",
    "retro": "pixel",
    "arcade": "pixel",
    "storybook": "storybook",
    "fairytale": "storybook",
    "watercolor": "storybook",
    "watercolour": "storybook",
    "pastel": "storybook",
    "crayon": "storybook",
    "night": "night",
    "midnight": "night",
}

SIZE_WORDS: dict[str, float] = {
    "tiny": 0.78,
    "small": 0.86,
    "little": 0.88,
    "mini": 0.8,
    "big": 1.08,
    "large": 1.08,
    "huge": 1.14,
    "giant": 1.16,
    "massive": 1.16,
}

FLAG_WORDS: dict[str, str] = {
    "rainbow": "rainbow",
    "sparkle": "sparkle",
    "sparkly": "sparkle",
    "sparkling": "sparkle",
    "glitter": "sparkle",
    "glittery": "sparkle",
    "magic": "sparkle",
    "magical": "sparkle",
    "shiny": "sparkle",
    "fire": "fire",
    "breathing": "fire",
    "flames": "fire",
    "flame": "fire",
    "fiery": "fire",
    "cloudy": "clouds",
    "clouds": "clouds",
    "stormy": "clouds",
    "rain": "clouds",
    "snowing": "snowfall",
    "snowfall": "snowfall",
    "snowflakes": "snowfall",
    "bats": "bats",
    "wings": "wings",
    "winged": "wings",
    "flying": "flying",
}


@dataclass(frozen=True)
class Subject:
    kind: str  # canonical subject, or "creature" for unknown nouns
    word: str  # the word the child used ("kitten", "zorblax")
    colours: tuple[RGB, ...] = ()


@dataclass(frozen=True)
class Intent:
    text: str  # normalised intent
    tokens: tuple[str, ...]
    subjects: tuple[Subject, ...]
    colours: tuple[RGB, ...]  # every colour word in order
    colour_words: tuple[str, ...]
    hint: RGB | None
    time: str  # day | sunset | dawn | night
    setting: str  # land | sea | underwater | space
    theme: str  # plain | happy | spooky | snow | desert | lava | forest | magic | candy
    style: str | None  # style suggested by the words, if any
    flags: frozenset[str] = field(default_factory=frozenset)
    scale: float = 1.0

    @property
    def hero(self) -> Subject | None:
        return self.subjects[0] if self.subjects else None

    def has(self, *words: str) -> bool:
        return any(w in self.tokens for w in words)


def normalise(intent: str) -> str:
    """Lower-case, drop punctuation and collapse spaces; the form every hash uses."""
    text = intent.lower().replace("8-bit", "8bit").replace("t-rex", "trex")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def derive_seed(seed: int, intent: str, salt: str) -> int:
    """A 64-bit seed mixing the user's seed with a stable hash of the intent."""
    digest = hashlib.sha256(f"{salt}\x00{normalise(intent)}\x00{int(seed)}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def word_hash(word: str) -> int:
    return int.from_bytes(hashlib.sha256(word.encode()).digest()[:8], "little")


def _singular(token: str) -> str:
    for known in (COLOURS, SUBJECT_OF):
        if token in known:
            return token
    if token.endswith("ies") and token[:-3] + "y" in SUBJECT_OF:
        return token[:-3] + "y"
    if token.endswith("ves") and token[:-3] + "f" in SUBJECT_OF:
        return token[:-3] + "f"
    if token.endswith("es") and token[:-2] in SUBJECT_OF:
        return token[:-2]
    if token.endswith("s") and token[:-1] in SUBJECT_OF:
        return token[:-1]
    return token


def _looks_like_noun(token: str) -> bool:
    if token in STOPWORDS or token in BOUNDARIES or token in SCENE_NOUNS or token in COLOURS:
        return False
    if token in HINT_COLOURS or token in THEME_WORDS or token in STYLE_WORDS or token in FLAG_WORDS:
        return False
    if token in TIME_WORDS or token in SIZE_WORDS or token.isdigit() or len(token) < 3:
        return False
    return not token.endswith(("ing", "ly", "ed", "ful", "ish", "ous", "est"))


def _unknown_noun(tokens: list[str]) -> str | None:
    """The head noun of the first noun phrase made only of words we do not know."""
    chunk: list[str] = []
    for token in [*tokens, "and"]:
        if token in BOUNDARIES:
            nouns = [t for t in chunk if _looks_like_noun(t)]
            if nouns:
                return nouns[-1]
            chunk = []
        else:
            chunk.append(token)
    return None


def parse(intent: str) -> Intent:
    text = normalise(intent)
    tokens = [_singular(t) for t in text.split()]

    colour_words = [t for t in tokens if t in COLOURS]
    colours = [COLOURS[t] for t in colour_words if t in COLOURS]

    # Colours directly in front of a subject noun belong to it; the rest go to the hero.
    found: list[tuple[str, str, list[RGB]]] = []
    claimed: set[int] = set()
    for i, token in enumerate(tokens):
        canon = SUBJECT_OF.get(token)
        if canon is None:
            continue
        own: list[RGB] = []
        for j in range(i - 1, max(-1, i - 4), -1):
            if tokens[j] in BOUNDARIES:
                break
            if tokens[j] in COLOURS and j not in claimed:
                own.insert(0, COLOURS[tokens[j]])
                claimed.add(j)
        found.append((canon, token, own))
    if not found:
        noun = _unknown_noun(tokens)
        if noun is not None:
            found.append(("creature", noun, []))

    spare = [COLOURS[t] for j, t in enumerate(tokens) if t in COLOURS and j not in claimed]
    subjects: list[Subject] = []
    seen: set[str] = set()
    for n, (canon, word, own) in enumerate(found):
        if canon in seen:
            continue
        seen.add(canon)
        cols = list(own)
        if n == 0:
            cols.extend(spare)
        subjects.append(Subject(canon, word, tuple(cols[:3])))

    hint = next((HINT_COLOURS[t] for t in tokens if t in HINT_COLOURS), None)
    time = "day"
    theme = "plain"
    setting = "land"
    style: str | None = None
    flags: set[str] = set()
    scale = 1.0
    for token in tokens:
        time = TIME_WORDS.get(token, time)
        theme = THEME_WORDS.get(token, theme)
        setting = SETTING_WORDS.get(token, setting)
        style = STYLE_WORDS.get(token, style)
        scale = SIZE_WORDS.get(token, scale)
        if token in FLAG_WORDS:
            flags.add(FLAG_WORDS[token])
    if theme == "spooky" and time == "day":
        time = "night"
    return Intent(
        text=text,
        tokens=tuple(tokens),
        subjects=tuple(subjects),
        colours=tuple(colours),
        colour_words=tuple(colour_words),
        hint=hint,
        time=time,
        setting=setting,
        theme=theme,
        style=style,
        flags=frozenset(flags),
        scale=scale,
    )


# Function words a file name can do without; adjectives stay ("happy-cat").
_SLUG_SKIP = frozenset(
    " ".join(
        (
            "a an the of and or but with in on at by to for from is are was were be it its",
            "my his her their our your some this that these those who which i me we you",
            "want make draw paint show create please can could would let lets",
            "picture image drawing painting",
        )
    ).split()
)


def slug(intent: str, fallback: str, max_words: int = 4) -> str:
    """A short file-name stem from the meaningful words ("red-dragon")."""
    words = [t for t in normalise(intent).split() if t not in _SLUG_SKIP and t not in BOUNDARIES]
    return "-".join(words[:max_words]) or fallback


def hex_colour(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def clamp_rgb(r: float, g: float, b: float) -> RGB:
    return (
        round(min(255.0, max(0.0, r))),
        round(min(255.0, max(0.0, g))),
        round(min(255.0, max(0.0, b))),
    )


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return clamp_rgb(*(x + (y - x) * t for x, y in zip(a, b, strict=True)))


def scale(c: RGB, k: float) -> RGB:
    return clamp_rgb(c[0] * k, c[1] * k, c[2] * k)


def shift_hue(c: RGB, degrees: float, sat: float = 1.0, val: float = 1.0) -> RGB:
    h, s, v = colorsys.rgb_to_hsv(c[0] / 255, c[1] / 255, c[2] / 255)
    r, g, b = colorsys.hsv_to_rgb((h + degrees / 360.0) % 1.0, min(1.0, s * sat), min(1.0, v * val))
    return clamp_rgb(r * 255, g * 255, b * 255)


def hsv(h: float, s: float, v: float) -> RGB:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return clamp_rgb(r * 255, g * 255, b * 255)


def darker(c: RGB, k: float = 0.35) -> RGB:
    """An outline/shadow tone: darker and nudged toward blue-purple, as painters do."""
    return mix(scale(c, k), (22, 14, 44), 0.3)
