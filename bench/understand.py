"""What reading a request costs (issue #13): the intent parser plus the HUD's routing, per request,
written to ``docs/benchmarks.md``.

Run from the repository root::

    .venv/bin/python bench/understand.py            # about ten seconds
    .venv/bin/python bench/understand.py --no-doc   # print only

In one process: the embedding model's first load (time and memory), then every prompt below read
and routed ``--rounds`` times with the parser's memo cleared before each reading (a request
seen for the first time), and the same with the memo (the same words asked again).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import REPO, Summary, machine, ms, verdict, write_section

DOC = REPO / "docs" / "benchmarks.md"
TARGET_MS = 5.0
PROMPTS = (
    "a red dragon sleeping on gold",
    "a knight with a sword",
    "a dragon roar",
    "a quest about a lost cat",
    "six versions of my dragon",
    "make it 3D",
    "a little game with my dragon",
    "two blue slimes jumping in a cave at night",
    "a slow spooky song in the rain",
    "a cosy cabin in the snow at sunset",
    "a pixel sprite of a red drgon",
    "a lizard on a rock",
    "an ancient oak in a misty forest",
    "footsteps on gravel",
    "a wizard casting a spell in a stormy forest",
    "a huge wooden crate",
    "a cathedral at dawn",
    "a brave hero with a golden shield and a blue cape riding a horse across the desert",
)


def _rss_kib() -> int:
    text = Path("/proc/self/status").read_text()
    return int(text.split("VmRSS:")[1].split()[0])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=50, help="readings of each prompt")
    parser.add_argument("--no-doc", action="store_true", help="print only, do not write the doc")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pog_site.settings")
    import django

    django.setup()
    from limbs import understand as parser_module
    from limbs import understand_vectors
    from limbs.intent import route_intent

    before = _rss_kib()
    started = time.perf_counter()
    understand_vectors.model()
    load_s = time.perf_counter() - started
    parser_module.understand("a lizard")  # the known words' vectors, once
    first_s = time.perf_counter() - started
    loaded = _rss_kib()

    fresh: list[float] = []
    memo: list[float] = []
    for _ in range(args.rounds):
        for prompt in PROMPTS:
            parser_module._understand.cache_clear()
            t0 = time.perf_counter()
            route_intent(prompt)
            fresh.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            route_intent(prompt)
            memo.append((time.perf_counter() - t0) * 1000)
    first = Summary.of(fresh)
    again = Summary.of(memo)
    info = machine()
    lines = [
        "## Reading a request (issue #13)",
        "",
        "`bench/understand.py`: the intent parser (`limbs/understand.py`) and the HUD's routing "
        f"(`limbs.intent.route_intent`) in one process, {len(PROMPTS)} prompts read "
        f"{args.rounds} times each: with the parser's memo cleared before every reading (words "
        "never seen), and again with it.",
        "",
        "| | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in info.items()),
        "",
        "| measure | result |",
        "|---|---|",
        f"| embedding model load (GloVe 6B 50d: its header and word index) | {load_s * 1000:.0f} ms |",
        f"| first reading with a word matched by meaning (load included) | {first_s * 1000:.0f} ms |",
        f"| process memory added by the model | {(loaded - before) / 1024:.0f} MB |",
        f"| read and route, words never seen: p50 / p95 / max | {ms(first.p50)} / {ms(first.p95)} / "
        f"{ms(max(fresh))} ms |",
        f"| read and route, the same words again: p50 / p95 | {ms(again.p50)} / {ms(again.p95)} ms |",
        "",
        "| target | measured | verdict |",
        "|---|---|---|",
        f"| parsing plus routing under {TARGET_MS:g} ms a request | p95 {ms(first.p95)} ms "
        f"| {verdict(first.p95 < TARGET_MS)} |",
        "| the embedding model loads once per process | one load, reused (`understand_vectors.model()`; "
        "tested) | |",
    ]
    body = "\n".join(lines)
    if not args.no_doc:
        write_section(DOC, "understand", body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
