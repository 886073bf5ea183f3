"""Divine · Quest: A quest with steps, goals and rewards, drawn as a map of choices.

A ``pog.quest/1`` state machine (JSON) and the same graph as a Mermaid state diagram.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from limbs.craft import markov as _markov
from limbs.craft import words as words
from limbs.params import boolean, choice, integer, kw
from limbs.parts.divine._theme import dumps, file_stem, read_theme, theme_grammar
from limbs.spec import ActionSpec, GenRequest, GenResult, Output


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


def make(req: GenRequest) -> GenResult:
    steps = int(req.params.get("steps", 5))
    branches = bool(req.params.get("branches", True))
    reward_kind = str(req.params.get("reward", "auto"))
    difficulty = str(req.params.get("difficulty", "normal"))
    rng = random.Random(words.derive_seed(req.seed, req.intent, "divine.quest"))
    theme = read_theme(req.intent)
    g = theme_grammar(theme, rng)
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
    stem = file_stem(req.intent, "quest")
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
            Output(dumps(doc), "application/json", f"{stem}.quest.json", "main", meta),
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


ACTION = ActionSpec(
    id="quest",
    name="Quest",
    description="A quest with steps, goals and rewards, drawn as a map of choices.",
    output="json",
    params=(
        integer("steps", "Steps", 5, 2, 12, "How many things the player has to do."),
        boolean("branches", "Choices", True, "Let the player choose different paths."),
        choice(
            "reward",
            "Reward",
            ("auto", "gold", "item", "friend", "secret"),
            "auto",
            "What the player gets at the end.",
        ),
        choice("difficulty", "Difficulty", ("easy", "normal", "hard"), "normal", "How hard the quest is."),
    ),
    keywords=kw("quest, mission, objective, adventure, reward"),
    make=make,
)
