"""Divine · Dialogue: A conversation script in Yarn Spinner format, with player choices.

The cast and the tone come from the intent's words; with choices, every topic returns to a
hub and the farewell depends on how much trust the player earned.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from limbs.craft import markov as _markov
from limbs.craft import words as words
from limbs.params import boolean, choice, integer, kw
from limbs.parts.divine._theme import each, file_stem
from limbs.spec import ActionSpec, GenRequest, GenResult, Output


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


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
    **each("spooky haunted ghost ghosts creepy scary halloween dark night", "spooky"),
    **each("funny silly joke jokes goofy clown laugh daft", "funny"),
    **each("serious war trial detective murder king queen council grim", "serious"),
    **each("friendly kind happy cosy cozy nice cheerful", "friendly"),
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


def make(req: GenRequest) -> GenResult:
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
    stem = file_stem(req.intent, "dialogue")
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


ACTION = ActionSpec(
    id="dialogue",
    name="Dialogue",
    description="A conversation script in Yarn Spinner format, with player choices.",
    output="text",
    params=(
        integer("characters", "Speakers", 2, 2, 5, "How many characters talk."),
        integer(
            "lines",
            "Lines",
            12,
            4,
            60,
            "About how many lines are spoken (at least 5 more than there are speakers).",
        ),
        boolean("choices", "Player choices", True, "Let the player pick what to say."),
        choice(
            "tone",
            "Tone",
            ("auto", "friendly", "funny", "spooky", "serious"),
            "auto",
            "How the conversation feels.",
        ),
    ),
    keywords=kw("dialogue, dialog, conversation, chat, yarn, talk"),
    make=make,
)
