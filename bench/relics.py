"""Cold decode of the whole RuneScape Classic client-204 cache, written to ``docs/benchmarks.md``.

Run from the repository root::

    .venv/bin/python bench/relics.py                 # 7 cold repeats, then the doc section
    .venv/bin/python bench/relics.py --repeats 3     # quicker
    .venv/bin/python bench/relics.py --profile       # one in-process cProfile of every stage

Every repeat is a fresh ``python`` process (``--child``) that reads the cache files from
disk and decodes everything, so no Python-level state (parsed archives, imported modules,
caches) carries from one repeat to the next; the OS page cache does stay warm. Stages:

* config: ``config85.jag`` to a :class:`~relics.formats.config.GameConfig`;
* sprites: every sprite entry of ``media``, ``entity`` (``.jag`` + ``.mem``) and ``textures``
  to RGBA, every frame, each with its own palette (frame counts inferred from the data);
* models: every ``.ob3`` entry of ``models36.jag`` to vertices and n-gon faces;
* landscape: every ``land``/``maps`` entry (``.jag`` before ``.mem``) resolved to its sector
  name and decoded into :class:`~relics.formats.landscape.Sector` objects;
* sounds: every ``.pcm`` entry of ``sounds1.mem`` to 16-bit PCM.

GLB export of every model is timed after the stages as an extra row, outside the total.
Peak memory is the child's own ``ru_maxrss`` (``getrusage(RUSAGE_SELF)`` at the end of the
stages, before the GLB export); a separate child with ``tracemalloc`` gives each stage's
peak of traced (Python and numpy) allocations above what was live when the stage began.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):
    sys.path.insert(0, str(REPO_DIR))

TARGET_S = 1.0
JS_REFERENCE_S = 3.0  # 2003scape's JavaScript libraries, same work, same machine (from the brief)
STAGES = ("config", "sprites", "models", "landscape", "sounds")
SPRITE_FILES = ("media58.jag", "entity24.jag", "entity24.mem", "textures17.jag")
LAND_FILES = ("land63.jag", "land63.mem", "maps63.jag", "maps63.mem")
NEEDED = ("config85.jag", *SPRITE_FILES, "models36.jag", *LAND_FILES, "sounds1.mem")


def default_cache() -> Path:
    value = os.environ.get("POG_RSC_CACHE_DIR", "")
    return Path(value) if value else (REPO_DIR.parent / "shared" / "relics" / "rsc204").resolve()


# --- the child: one cold decode --------------------------------------------------------------


class Work:
    """The decode stages over one cache directory; each returns counts for the report."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.models: list[Any] = []

    def read(self, name: str) -> bytes:
        return (self.cache / name).read_bytes()

    def config(self) -> dict[str, int]:
        from relics.formats.config import read_config
        from relics.formats.jag import read_jag

        config = read_config(read_jag(self.read("config85.jag"), "config85.jag"))
        return {"items": len(config.items), "npcs": len(config.npcs), "objects": len(config.objects)}

    def sprites(self) -> dict[str, int]:
        from relics.formats.jag import name_hash, read_jag
        from relics.formats.sprites import INDEX_DAT, read_sprite

        index_hash = name_hash(INDEX_DAT)
        entries = frames = pixels = 0
        for file in SPRITE_FILES:
            archive = read_jag(self.read(file), file)
            index = archive.get(INDEX_DAT)
            if index is None:
                raise RuntimeError(f"{file} has no {INDEX_DAT}")
            for h, data in archive.entries.items():
                if h == index_hash:
                    continue
                rgba = read_sprite(data, index).rgba_frames()
                entries += 1
                frames += len(rgba)
                pixels += sum(f.shape[0] * f.shape[1] for f in rgba)
        return {"entries": entries, "frames": frames, "rgba_pixels": pixels}

    def models_stage(self) -> dict[str, int]:
        from relics.formats.jag import read_jag
        from relics.formats.ob3 import decode_ob3

        archive = read_jag(self.read("models36.jag"), "models36.jag")
        self.models = [decode_ob3(data, f"model {h:#010x}") for h, data in archive.entries.items()]
        return {
            "models": len(self.models),
            "vertices": sum(len(m.vertices) for m in self.models),
            "faces": sum(len(m.faces) for m in self.models),
        }

    def landscape(self) -> dict[str, int]:
        from relics.formats.jag import read_jag
        from relics.formats.landscape import decode_sector, resolve_sector_entries

        archives = [(file, read_jag(self.read(file), file)) for file in LAND_FILES]
        names = resolve_sector_entries(h for _, archive in archives for h in archive.entries)
        parts: dict[tuple[int, int, int], dict[str, bytes]] = {}
        for file, archive in archives:
            for h, data in archive.entries.items():
                if h not in names:
                    raise RuntimeError(f"{file} holds an entry ({h:#010x}) that is not a sector name")
                plane, x, y, ext = names[h]
                parts.setdefault((plane, x, y), {}).setdefault(ext, data)  # .jag before .mem
        sectors = [
            decode_sector(*key, hei=got.get("hei"), dat=got.get("dat"), loc=got.get("loc"))
            for key, got in parts.items()
        ]
        return {"sectors": len(sectors), "entries": sum(len(p) for p in parts.values())}

    def sounds(self) -> dict[str, int]:
        from relics.formats.jag import read_jag
        from relics.formats.sounds import SOUND_NAMES, decode_mulaw

        archive = read_jag(self.read("sounds1.mem"), "sounds1.mem")
        samples = 0
        for name in SOUND_NAMES:
            data = archive.get(f"{name}.pcm")
            if data is None:
                raise RuntimeError(f"sounds1.mem has no {name}.pcm")
            samples += len(decode_mulaw(data, f"{name}.pcm"))
        return {"sounds": len(SOUND_NAMES), "samples": samples}

    def glb(self) -> dict[str, int]:
        from relics.formats.ob3 import model_to_glb

        sizes = [len(model_to_glb(m)) for m in self.models]
        return {"glbs": len(sizes), "bytes": sum(sizes)}

    def stage(self, name: str) -> Callable[[], dict[str, int]]:
        return {
            "config": self.config,
            "sprites": self.sprites,
            "models": self.models_stage,
            "landscape": self.landscape,
            "sounds": self.sounds,
            "glb": self.glb,
        }[name]


def _maxrss_kib() -> int:
    # Linux reports ru_maxrss in KiB.
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def child(cache: Path, mode: str) -> dict[str, Any]:
    """One cold run in this (fresh) process: ``time`` or ``trace`` (tracemalloc per stage)."""
    started = time.perf_counter()
    import numpy  # noqa: F401  (timed with the format modules it serves)

    import relics.formats.config
    import relics.formats.jag
    import relics.formats.landscape
    import relics.formats.ob3
    import relics.formats.sounds
    import relics.formats.sprites  # noqa: F401

    out: dict[str, Any] = {"imports_s": time.perf_counter() - started, "rss_after_imports_kib": _maxrss_kib()}
    work = Work(cache)
    seconds: dict[str, float] = {}
    counts: dict[str, dict[str, int]] = {}
    peaks: dict[str, int] = {}
    for name in (*STAGES, "glb"):
        if name == "glb":
            out["rss_peak_kib"] = _maxrss_kib()
        if mode == "trace":
            tracemalloc.start()
            base = tracemalloc.get_traced_memory()[0]
        begin = time.perf_counter()
        counts[name] = work.stage(name)()
        seconds[name] = time.perf_counter() - begin
        if mode == "trace":
            peaks[name] = tracemalloc.get_traced_memory()[1] - base
            tracemalloc.stop()
        if name != "models":
            gc.collect()  # each stage's results go; the models stay for the GLB row
    out.update(seconds=seconds, counts=counts, trace_peak_bytes=peaks, rss_with_glb_kib=_maxrss_kib())
    return out


def run_child(cache: Path, mode: str) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--cache", str(cache)]
    begin = time.perf_counter()
    proc = subprocess.run(command, cwd=REPO_DIR, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - begin
    if proc.returncode != 0:
        raise RuntimeError(f"the child failed ({proc.returncode}):\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout)
    result["process_s"] = wall
    return result


def profile(cache: Path, top: int) -> str:
    work = Work(cache)
    prof = cProfile.Profile()
    prof.enable()
    for name in STAGES:
        work.stage(name)()
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    return buf.getvalue()


# --- the parent: repeats and the doc ---------------------------------------------------------


@dataclass
class Result:
    runs: list[dict[str, Any]]
    trace: dict[str, Any] | None
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]

    def series(self, key: str) -> list[float]:
        return [float(r["seconds"][key]) for r in self.runs]

    def totals(self) -> list[float]:
        return [sum(float(r["seconds"][s]) for s in STAGES) for r in self.runs]


def wait_for_quiet(max_load: float, patience_s: float) -> tuple[float, float, float]:
    """Poll the 1-minute load average until it is below ``max_load`` (or patience runs out)."""
    until = time.monotonic() + patience_s
    load = os.getloadavg()
    while load[0] >= max_load and time.monotonic() < until:
        print(f"load average {load[0]:.2f} >= {max_load:g}; waiting", flush=True)
        time.sleep(15)
        load = os.getloadavg()
    return load


def measure(cache: Path, repeats: int, trace: bool) -> Result:
    before = os.getloadavg()
    runs = []
    for i in range(repeats):
        runs.append(run_child(cache, "time"))
        total = sum(runs[-1]["seconds"][s] for s in STAGES)
        print(f"  repeat {i + 1}/{repeats}: stages {total * 1000:.0f} ms", flush=True)
    traced = run_child(cache, "trace") if trace else None
    return Result(runs, traced, before, os.getloadavg())


def _ms(values: list[float], best: bool = False) -> str:
    from bench._common import Summary, ms

    s = Summary.of([v * 1000 for v in values])
    return ms(s.low if best else s.p50)


def _mib(kib: float) -> str:
    return f"{kib / 1024:.1f}"


def _describe(name: str, counts: dict[str, int]) -> str:
    text = {
        "config": "{items} items, {npcs} npcs, {objects} objects … (all 11 sections)",
        "sprites": "{entries} sprite entries, {frames} frames to RGBA ({rgba_pixels} px)",
        "models": "{models} `.ob3` models to vertices + n-gon faces ({vertices} vertices, {faces} faces)",
        "landscape": "{entries} entries into {sectors} sectors (heights, walls, objects)",
        "sounds": "{sounds} mu-law sounds to 16-bit PCM ({samples} samples)",
        "glb": "{glbs} models to GLB (flat colours, no textures; {bytes} bytes)",
    }[name]
    return text.format(**counts)


def render(args: argparse.Namespace, info: dict[str, str], res: Result, notes: list[str]) -> str:
    from bench._common import Summary, verdict

    first = res.runs[0]
    totals = res.totals()
    total_ok = Summary.of(totals).p50 <= TARGET_S
    n = len(res.runs)
    lines = ["## Relics: cold decode of the client-204 cache", ""]
    lines += [f"Command: `.venv/bin/python bench/relics.py --repeats {n}`; cache `{args.cache.name}/`.", ""]
    lines += ["| machine | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in info.items()]
    lines.append(
        "| load average (1, 5, 15 min) | before "
        + ", ".join(f"{v:.2f}" for v in res.load_before)
        + "; after "
        + ", ".join(f"{v:.2f}" for v in res.load_after)
        + " |"
    )
    lines += [
        "",
        f"Each of the {n} repeats is a fresh Python process that reads the files from disk "
        "(the OS page cache is warm) and decodes everything; times are `perf_counter` inside "
        "that process, median and best over the repeats.",
        "",
        "| stage | what | median ms | best ms |",
        "|---|---|---|---|",
    ]
    for name in STAGES:
        lines.append(
            f"| {name} | {_describe(name, first['counts'][name])} | {_ms(res.series(name))} "
            f"| {_ms(res.series(name), True)} |"
        )
    lines.append(
        f"| **total** | the five stages, reading included | **{_ms(totals)}** | {_ms(totals, True)} |"
    )
    lines += [
        f"| *extra:* GLB export | {_describe('glb', first['counts']['glb'])}; not in the total "
        f"| {_ms(res.series('glb'))} | {_ms(res.series('glb'), True)} |",
        "| *extra:* imports | numpy and `relics.formats` in the fresh process; not in the total "
        f"| {_ms([r['imports_s'] for r in res.runs])} | {_ms([r['imports_s'] for r in res.runs], True)} |",
        "| *extra:* whole process | interpreter start to exit (stages, GLB, imports, JSON out) "
        f"| {_ms([r['process_s'] for r in res.runs])} | {_ms([r['process_s'] for r in res.runs], True)} |",
        "",
        f"Target: total under {TARGET_S * 1000:.0f} ms (2003scape's JavaScript libraries take about "
        f"{JS_REFERENCE_S:g} s for the same work here): {verdict(total_ok)}.",
        "",
        "Peak memory of the child process (`getrusage(RUSAGE_SELF).ru_maxrss`, read inside it):",
        "",
        "| point | MiB (median over repeats) |",
        "|---|---|",
        f"| after the imports | {_mib(Summary.of([r['rss_after_imports_kib'] for r in res.runs]).p50)} |",
        f"| **after the five stages** | **{_mib(Summary.of([r['rss_peak_kib'] for r in res.runs]).p50)}** |",
        f"| after the GLB export too | {_mib(Summary.of([r['rss_with_glb_kib'] for r in res.runs]).p50)} |",
        "",
    ]
    if res.trace is not None:
        peaks = res.trace["trace_peak_bytes"]
        lines += [
            "Per stage, one more child with `tracemalloc` (Python and numpy allocations, peak above "
            "what was live when the stage began; slower, so not timed):",
            "",
            "| stage | traced peak MiB |",
            "|---|---|",
        ]
        lines += [f"| {name} | {peaks[name] / 2**20:.1f} |" for name in (*STAGES, "glb")]
        lines.append("")
    lines += [
        "Notes: a stage's results stay alive until the stage ends (the decoded models until after "
        "the GLB row), then are dropped, as an importer that stores each stage would do. Sprites "
        "are drawn with their own palettes (no item tint or entity colours, which only swap "
        "palette entries); frame counts are inferred from the data. Landscape entry names are "
        "resolved against every possible sector name (4 planes x 100 x 100 x 3 extensions) "
        "with `resolve_sector_entries`.",
    ]
    lines += ["", *notes] if notes else []
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--cache", type=Path, default=default_cache(), help="the client-204 cache folder")
    parser.add_argument("--repeats", type=int, default=7, help="cold repeats (at least 5 for the doc)")
    parser.add_argument("--doc", type=Path, default=REPO_DIR / "docs" / "benchmarks.md")
    parser.add_argument("--max-load", type=float, default=1.0, help="wait for a 1-minute load below this")
    parser.add_argument("--patience", type=float, default=300.0, help="seconds to wait for that")
    parser.add_argument("--no-trace", action="store_true", help="skip the tracemalloc child")
    parser.add_argument("--no-write", action="store_true", help="print the section, leave the doc alone")
    parser.add_argument("--profile", action="store_true", help="cProfile the stages in-process and exit")
    parser.add_argument("--child", choices=("time", "trace"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    missing = [n for n in NEEDED if not (args.cache / n).is_file()]
    if missing:
        print(f"{args.cache} is not a client-204 cache: missing {', '.join(missing)}", file=sys.stderr)
        return 2
    if args.child:
        print(json.dumps(child(args.cache, args.child)))
        return 0
    if args.profile:
        print(profile(args.cache, 30))
        return 0
    # Imported here, not at the top: the children must not pay for httpx at start-up.
    from bench._common import machine, write_section

    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    notes: list[str] = []
    if args.repeats < 5:
        notes.append(f"Only {args.repeats} repeats (fewer than 5): treat the medians as rough.")
    load = wait_for_quiet(args.max_load, args.patience)
    if load[0] >= args.max_load:
        notes.append(f"The 1-minute load average was still {load[0]:.2f} when the runs started.")
    info = machine()
    print(f"{args.repeats} cold repeats on {args.cache}", flush=True)
    res = measure(args.cache, args.repeats, not args.no_trace)
    body = render(args, info, res, notes)
    print(body)
    if not args.no_write:
        write_section(args.doc, "relics", body)
        print(f"\nwritten to {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
