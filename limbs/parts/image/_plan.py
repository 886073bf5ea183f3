"""How a scene from words will look (image.generate): the subjects' colours, the sky and the hills."""

from __future__ import annotations

from dataclasses import dataclass

from limbs.craft import words as words
from limbs.craft.draw.look import Look
from limbs.craft.words import RGB, Intent, Subject, hsv, mix, scale, shift_hue

# kind -> (main, accent or None to derive from main, extra)
_DEFAULTS: dict[str, tuple[RGB, RGB | None, RGB]] = {
    "dragon": ((72, 172, 92), None, (255, 220, 120)),
    "castle": ((204, 198, 214), (74, 110, 214), (236, 72, 72)),
    "tree": ((72, 168, 70), (226, 52, 52), (255, 200, 220)),
    "forest": ((64, 150, 72), (226, 52, 52), (255, 200, 220)),
    "house": ((246, 226, 182), (204, 66, 54), (240, 90, 140)),
    "cat": ((242, 150, 58), (170, 90, 40), (255, 255, 255)),
    "dog": ((194, 134, 74), (222, 52, 52), (255, 255, 255)),
    "fish": ((250, 140, 40), None, (252, 252, 252)),
    "whale": ((72, 112, 194), None, (255, 255, 255)),
    "rocket": ((236, 236, 244), (222, 52, 52), (255, 210, 60)),
    "boat": ((160, 100, 58), (222, 60, 60), (255, 255, 255)),
    "robot": ((166, 180, 200), (70, 214, 246), (255, 90, 90)),
    "flower": ((246, 118, 178), (252, 206, 52), (255, 255, 255)),
    "mountain": ((122, 118, 156), (232, 64, 64), (255, 255, 255)),
    "unicorn": ((248, 246, 252), (246, 206, 80), (240, 110, 170)),
    "bird": ((66, 152, 234), None, (250, 120, 60)),
    "sword": ((206, 216, 232), (238, 188, 64), (222, 40, 64)),
    "monster": ((150, 94, 214), (248, 232, 200), (255, 255, 255)),
    "ghost": ((240, 244, 255), (200, 210, 240), (255, 255, 255)),
    "creature": ((120, 200, 120), None, (255, 255, 255)),
}

# word -> (variant, main colour when the child named no colour)
_VARIANTS: dict[str, tuple[str, RGB | None]] = {
    "tiger": ("tiger", (246, 140, 40)),
    "lion": ("lion", (232, 178, 84)),
    "leopard": ("spots", (236, 192, 92)),
    "cheetah": ("spots", (236, 192, 92)),
    "panther": ("", (56, 54, 70)),
    "fox": ("fox", (238, 122, 40)),
    "wolf": ("wolf", (142, 148, 164)),
    "shark": ("shark", (128, 150, 180)),
    "dolphin": ("dolphin", (122, 166, 212)),
    "orca": ("", (46, 48, 62)),
    "pine": ("pine", (48, 130, 76)),
    "fir": ("pine", (48, 130, 76)),
    "palm": ("palm", (70, 176, 70)),
    "dinosaur": ("dino", (96, 172, 82)),
    "dino": ("dino", (96, 172, 82)),
    "trex": ("dino", (96, 172, 82)),
    "rex": ("dino", (96, 172, 82)),
    "ufo": ("ufo", (172, 182, 204)),
    "owl": ("owl", (152, 112, 74)),
    "penguin": ("penguin", None),
    "duck": ("duck", (250, 214, 60)),
    "chicken": ("chicken", (246, 244, 240)),
    "phoenix": ("phoenix", (240, 96, 32)),
    "eagle": ("eagle", (122, 86, 54)),
    "parrot": ("parrot", (230, 52, 42)),
    "robin": ("robin", (150, 112, 82)),
    "crow": ("", (54, 54, 68)),
    "volcano": ("volcano", (98, 82, 88)),
    "horse": ("horse", (152, 98, 58)),
    "pony": ("horse", (196, 150, 110)),
    "foal": ("horse", (196, 150, 110)),
    "pegasus": ("pegasus", None),
    "yeti": ("yeti", (236, 240, 250)),
    "alien": ("alien", (112, 212, 92)),
    "troll": ("", (122, 152, 92)),
    "goblin": ("", (112, 172, 72)),
    "ogre": ("", (142, 162, 82)),
    "sunflower": ("sunflower", (252, 204, 40)),
    "blossom": ("", (250, 170, 200)),
}

_SKIES: dict[str, tuple[RGB, RGB, RGB]] = {
    "day": ((62, 132, 226), (122, 182, 242), (200, 230, 250)),
    "sunset": ((62, 56, 140), (232, 112, 112), (255, 200, 124)),
    "dawn": ((104, 140, 214), (232, 172, 196), (255, 218, 174)),
    "night": ((8, 12, 40), (24, 34, 86), (58, 66, 124)),
}
_THEME_SKIES: dict[str, dict[str, tuple[RGB, RGB, RGB]]] = {
    "spooky": {"night": ((20, 8, 36), (72, 30, 84), (150, 86, 96))},
    "lava": {
        "day": ((60, 16, 16), (150, 46, 24), (246, 130, 44)),
        "night": ((24, 6, 8), (90, 20, 16), (200, 70, 30)),
    },
    "magic": {
        "day": ((116, 90, 204), (212, 150, 222), (255, 212, 232)),
        "night": ((30, 16, 70), (90, 50, 140), (170, 110, 180)),
    },
    "candy": {"day": ((150, 200, 250), (248, 190, 230), (255, 230, 242))},
    "snow": {"day": ((120, 168, 226), (186, 214, 240), (236, 244, 252))},
    "desert": {"day": ((86, 160, 230), (168, 206, 240), (250, 226, 182))},
}
_HILLS: dict[str, tuple[RGB, RGB, RGB, RGB]] = {
    "plain": ((120, 162, 204), (98, 172, 110), (80, 156, 74), (112, 192, 82)),
    "happy": ((132, 180, 232), (112, 202, 110), (92, 186, 80), (142, 216, 92)),
    "spooky": ((74, 62, 104), (62, 52, 82), (48, 42, 64), (58, 64, 54)),
    "snow": ((190, 206, 232), (214, 228, 246), (230, 238, 250), (246, 248, 255)),
    "desert": ((220, 170, 122), (232, 186, 122), (226, 172, 102), (242, 204, 134)),
    "lava": ((92, 42, 42), (72, 36, 36), (56, 30, 30), (82, 46, 36)),
    "forest": ((72, 122, 112), (52, 122, 72), (42, 102, 56), (72, 142, 62)),
    "magic": ((172, 152, 222), (150, 202, 172), (130, 190, 150), (170, 222, 150)),
    "candy": ((240, 182, 212), (250, 202, 222), (200, 232, 202), (255, 222, 236)),
}
STORY_INK: RGB = (92, 60, 52)
SEA: tuple[RGB, RGB] = ((96, 176, 214), (22, 78, 150))
SAND: RGB = (234, 210, 150)


@dataclass(frozen=True)
class Plan:
    style: str
    time: str
    setting: str
    theme: str
    sky: tuple[RGB, RGB, RGB]
    hills: tuple[RGB, RGB, RGB, RGB]
    hero: Subject | None
    hero_look: Look | None
    second: Subject | None
    second_look: Look | None
    flags: frozenset[str]
    scale: float

    def palette(self) -> list[str]:
        cols: list[RGB] = [*self.sky, *self.hills]
        if self.hero_look is not None:
            cols += [self.hero_look.main, self.hero_look.accent]
        out: list[str] = []
        for c in cols:
            h = words.hex_colour(c)
            if h not in out:
                out.append(h)
        return out


def _hue_distance(a: RGB, b: RGB) -> float:
    import colorsys

    ha, sa, _ = colorsys.rgb_to_hsv(*(x / 255 for x in a))
    hb, sb, _ = colorsys.rgb_to_hsv(*(x / 255 for x in b))
    if sa < 0.25 or sb < 0.25:
        return 180.0
    d = abs(ha - hb) * 360
    return min(d, 360 - d)


def _look(subject: Subject, intent: Intent, night: bool, water: RGB) -> Look:
    main, accent, extra = _DEFAULTS.get(subject.kind, _DEFAULTS["creature"])
    variant, variant_main = _VARIANTS.get(subject.word, ("", None))
    if subject.kind == "creature":
        variant = subject.word
        main = hsv((words.word_hash(subject.word) % 360) / 360.0, 0.52, 0.9)
    elif variant_main is not None:
        main = variant_main
    if variant == "sunflower":
        accent = (120, 78, 40)
    if subject.kind in ("castle",) and subject.colours:
        pass
    cols = subject.colours
    given_main = bool(cols) or intent.hint is not None
    if cols:
        main = cols[0]
    elif intent.hint is not None:
        main = intent.hint
    if subject.kind == "house" and given_main:
        main = mix(main, (255, 250, 240), 0.25)
    if len(cols) > 1:
        accent = cols[1]
    elif accent is None or (given_main and _hue_distance(main, accent) < 30):
        accent = (
            shift_hue(main, -18, sat=0.95, val=0.74)
            if subject.kind in ("dragon", "fish", "bird", "whale", "creature")
            else mix(main, (255, 255, 255), 0.78)
        )
    if len(cols) > 2:
        extra = cols[2]
    if subject.kind == "unicorn" and intent.has("rainbow"):
        variant = "rainbow"
    wings = "wings" in intent.flags or variant == "pegasus"
    fire = "fire" in intent.flags or variant == "phoenix"
    return Look(main, accent, extra, variant, night, fire, wings, water)


def _night(c: RGB) -> RGB:
    return mix(scale(c, 0.42), (20, 26, 70), 0.35)


def _dusk(c: RGB) -> RGB:
    return mix(c, (150, 80, 120), 0.3)


def plan_scene(intent: Intent, style_param: str) -> Plan:
    style = style_param
    if style == "auto":
        style = intent.style or "classic"
    time = "night" if style == "night" else intent.time
    setting = intent.setting
    hero = intent.hero
    if hero is not None and hero.kind == "boat" and setting == "land":
        setting = "sea"
    if hero is not None and hero.kind in ("fish", "whale") and setting in ("land", "sea"):
        setting = "underwater"
    theme = intent.theme
    if hero is not None and hero.kind == "mountain" and hero.word == "volcano" and theme == "plain":
        theme = "lava"
    if hero is not None and hero.kind == "forest" and theme == "plain":
        theme = "forest"
    sky_time = time if time in _SKIES else "day"
    themed = _THEME_SKIES.get(theme, {})
    if sky_time == "night":
        sky = themed.get("night", _SKIES["night"])
    elif sky_time == "day":
        sky = themed.get("day", _SKIES["day"])
    else:
        sky = _SKIES[sky_time]
    far, mid, near, front = _HILLS.get(theme, _HILLS["plain"])
    hills = (far, mid, near, front)
    if time == "night":
        hills = (_night(far), _night(mid), _night(near), _night(front))
    elif time == "sunset":
        hills = (_dusk(far), _dusk(mid), _dusk(near), _dusk(front))
    night = time == "night"
    water = SEA[0] if not night else scale(SEA[0], 0.45)
    hero_look = _look(hero, intent, night, water) if hero is not None else None
    second = intent.subjects[1] if len(intent.subjects) > 1 else None
    if second is not None and second.kind in ("fish", "whale", "boat") and setting == "land":
        second = None
    second_look = _look(second, intent, night, water) if second is not None else None
    return Plan(
        style=style,
        time=time,
        setting=setting,
        theme=theme,
        sky=sky,
        hills=hills,
        hero=hero,
        hero_look=hero_look,
        second=second,
        second_look=second_look,
        flags=intent.flags,
        scale=intent.scale,
    )
