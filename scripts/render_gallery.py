"""Render one example per action of the eight creative limbs into ``docs/gallery/`` and write
``docs/gallery.md``, so a visitor sees what the studio makes before running it.

Run from the repository root::

    .venv/bin/python scripts/render_gallery.py

It calls the procedural generators directly (pure Python, no Django, no network) with fixed
seeds, so the same code gives the same files. Outputs that are not pictures get one: a
waveform for sounds, a software render for GLBs, the quest diagram as SVG; text outputs are
quoted in the page instead.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageSequence

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from limbs import previews
from limbs.formats import wav
from limbs.formats.json import read_json
from limbs.formats.quest import is_quest
from limbs.params import validate_params
from limbs.parts.quantum.variants import render_glb
from limbs.registry import REGISTRY, get_limb
from limbs.spec import GenRequest, GenResult, Output

REPO = Path(__file__).resolve().parents[1]
LIMBS = ("image", "video", "audio", "material", "animation", "divine", "quantum", "entity")
MAX_SIDE = 384  # pictures are shown at this size at most; bigger ones are scaled down
PIXEL_SIDE = 256  # tiny pixel art is scaled up (nearest neighbour) to about this
PREVIEW_SIDE = 900  # a generator's own preview picture (a sheet, a waveform) is kept up to this
EXCERPT_LINES = 24
BUDGET_BYTES = 8 * 1024 * 1024


@dataclass
class Example:
    limb: str
    action: str
    intent: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)  # parameter -> key of an earlier output
    seed: int = 7
    note: str = ""


# Keys name outputs later examples take as inputs ("sprite" is the knight from image.sprite).
EXAMPLES: tuple[tuple[str, Example], ...] = (
    ("scene", Example("image", "generate", "a red dragon over a castle at sunset")),
    ("sprite", Example("image", "sprite", "a brave knight with a blue shield", {"size": 32})),
    ("tile", Example("image", "tile", "mossy cobblestones")),
    ("palette", Example("image", "palette", inputs={"image": "scene"})),
    ("cutout", Example("image", "remove_background", inputs={"image": "sprite_on_grass"})),
    ("upscaled", Example("image", "upscale", inputs={"image": "sprite"})),
    ("variation", Example("image", "variation", inputs={"image": "sprite"})),
    ("gif", Example("video", "animate", params={"motion": "bob"}, inputs={"image": "sprite"})),
    ("frames", Example("video", "extract_frames", inputs={"animation": "gif"})),
    ("sheet", Example("video", "sprite_sheet", inputs={"frames": "frames"})),
    ("coin", Example("audio", "sfx", "a shiny coin pickup")),
    ("music", Example("audio", "music", "a happy village tune", {"bars": 8})),
    ("speech", Example("audio", "speech", "Welcome, brave knight! The dragon is near.")),
    ("analysis", Example("audio", "analyze", inputs={"sound": "coin"})),
    ("pbr", Example("material", "pbr", "", {"resolution": "256"})),
    ("shader", Example("material", "shader", "shimmering water")),
    ("keyframes", Example("animation", "keyframes", "a knight waving hello")),
    ("walk", Example("animation", "walk_cycle", inputs={"sprite": "sprite"})),
    ("bible", Example("divine", "world_bible", "a desert kingdom of glass towers")),
    ("quest", Example("divine", "quest", "find the lost sword of the lake")),
    ("dialogue", Example("divine", "dialogue", "two castle guards argue about dragons")),
    ("names", Example("divine", "names", "elvish forest names", {"count": 8})),
    (
        "variants",
        Example("quantum", "variants", "a friendly slime monster", {"action": "sprite", "count": 6}),
    ),
    ("hybrid", Example("quantum", "entangle", inputs={"first": "sprite", "second": "variation_1"})),
    ("entity", Example("entity", "archetype", "a sneaky goblin thief")),
    ("tree", Example("entity", "behavior_tree", "a castle guard on patrol")),
    ("balanced", Example("entity", "balance", inputs={"entities": "party"})),
)


@dataclass
class Rendered:
    example: Example
    result: GenResult
    ms: float
    picture: str = ""  # file name under docs/gallery/, if any
    alt: str = ""
    excerpt: str = ""
    language: str = ""
    extra: list[str] = field(default_factory=list)


# --- pictures ----------------------------------------------------------------------


def _fit(img: Image.Image, pixel_art: bool, limit: int = MAX_SIDE) -> Image.Image:
    side = max(img.size)
    if pixel_art and side * 2 <= PIXEL_SIDE:
        factor = max(2, PIXEL_SIDE // side)
        return img.resize((img.width * factor, img.height * factor), Image.Resampling.NEAREST)
    if side > limit:
        scale = limit / side
        size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
        return img.resize(size, Image.Resampling.NEAREST if pixel_art else Image.Resampling.LANCZOS)
    return img


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _picture_png(data: bytes, pixel_art: bool, limit: int = MAX_SIDE) -> bytes:
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        return _png(_fit(img.convert("RGBA"), pixel_art, limit))


def _animated_gif(data: bytes, pixel_art: bool) -> bytes:
    """Every frame scaled the same way, with the original timing and loop."""
    with Image.open(io.BytesIO(data)) as img:
        durations = []
        frames = []
        for frame in ImageSequence.Iterator(img):
            durations.append(int(frame.info.get("duration", 100)))
            frames.append(_fit(frame.convert("RGBA"), pixel_art))
    buf = io.BytesIO()
    frames[0].save(
        buf, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0, disposal=2
    )
    return buf.getvalue()


def _strip(
    pictures: list[Image.Image], gap: int = 6, background: tuple[int, ...] = (0, 0, 0, 0)
) -> Image.Image:
    height = max(p.height for p in pictures)
    width = sum(p.width for p in pictures) + gap * (len(pictures) - 1)
    strip = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    x = 0
    for picture in pictures:
        strip.alpha_composite(picture.convert("RGBA"), (x, (height - picture.height) // 2))
        x += picture.width + gap
    return strip


def _glb_png(data: bytes, size: int = 320) -> bytes:
    return _png(render_glb(data, size))


def _material_png(result: GenResult) -> bytes:
    """The preview sphere rendered, then each map as a labelled swatch beside it."""
    sphere = render_glb(next(o.data for o in result.outputs if o.role == "preview"), 256).convert("RGBA")
    swatches = []
    for out in result.outputs:
        if not out.meta.get("map"):
            continue
        with Image.open(io.BytesIO(out.data)) as img:
            cell = Image.new("RGBA", (96, 114), (255, 255, 255, 255))
            cell.paste(img.convert("RGB").resize((96, 96), Image.Resampling.LANCZOS), (0, 0))
            ImageDraw.Draw(cell).text((4, 99), str(out.meta["map"])[:15], fill=(40, 40, 60))
            swatches.append(cell)
    rows = [_strip(swatches[i : i + 3]) for i in range(0, len(swatches), 3)]
    grid = Image.new("RGBA", (max(r.width for r in rows), sum(r.height for r in rows) + 6 * (len(rows) - 1)))
    y = 0
    for row in rows:
        grid.alpha_composite(row, (0, y))
        y += row.height + 6
    return _png(_strip([sphere, grid], gap=12))


def _zip_strip(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = sorted(n for n in archive.namelist() if n.lower().endswith(".png"))
        frames = [Image.open(io.BytesIO(archive.read(n))).convert("RGBA") for n in names]
    strip = _strip(frames, gap=2)
    factor = max(1, min(4, 800 // strip.width))
    return _png(strip.resize((strip.width * factor, strip.height * factor), Image.Resampling.NEAREST))


def _tiled(data: bytes) -> bytes:
    """Two by two copies, so the missing seams can be seen."""
    with Image.open(io.BytesIO(data)) as img:
        tile = img.convert("RGBA")
    grid = Image.new("RGBA", (tile.width * 2, tile.height * 2))
    for x in (0, tile.width):
        for y in (0, tile.height):
            grid.paste(tile, (x, y))
    return _png(_fit(grid, pixel_art=False))


def _on_grass(data: bytes) -> bytes:
    """The sprite on a flat green background: something for remove_background to remove."""
    with Image.open(io.BytesIO(data)) as img:
        sprite = img.convert("RGBA")
    ground = Image.new("RGBA", sprite.size, (96, 170, 72, 255))
    ground.alpha_composite(sprite)
    return _png(ground.convert("RGB"))


# --- running -----------------------------------------------------------------------


def _run(example: Example, outputs: dict[str, bytes]) -> tuple[GenResult, float]:
    spec = get_limb(example.limb)
    action = spec.action(example.action) if spec else None
    if action is None:
        raise SystemExit(f"unknown action {example.limb}.{example.action}")
    raw = dict(example.params)
    raw.update({name: f"gallery-{key}" for name, key in example.inputs.items()})
    params = validate_params(action, raw)
    inputs = {name: outputs[key] for name, key in example.inputs.items()}
    started = time.perf_counter()
    result = REGISTRY.call(
        example.limb,
        example.action,
        GenRequest(intent=example.intent, params=params, seed=example.seed, inputs=inputs),
    )
    return result, (time.perf_counter() - started) * 1000


def _main(result: GenResult) -> Output:
    return next((o for o in result.outputs if o.role == "main"), result.outputs[0])


def _excerpt(data: bytes, lines: int = EXCERPT_LINES) -> str:
    text = data.decode("utf-8", errors="replace").rstrip("\n").splitlines()
    shown = "\n".join(text[:lines])
    return shown + (f"\n… ({len(text) - lines} more lines)" if len(text) > lines else "")


def _picture_for(key: str, example: Example, result: GenResult) -> tuple[str, bytes, str]:
    """(extension, bytes, alt text) of the gallery picture, or ("", b"", "") for text outputs."""
    main = _main(result)
    preview = next((o for o in result.outputs if o.role == "preview"), None)
    # Small outputs here are pixel art (sprites and what is made from them): keep their edges.
    small = max(int(main.meta.get("width") or 999), int(main.meta.get("height") or 0)) <= 128
    pixel = bool(main.meta.get("pixel_art")) or small or example.limb == "video"
    what = example.intent or f"{example.limb}.{example.action}"
    if key == "pbr":
        return "png", _material_png(result), "A stone material on a sphere, and its six maps"
    if key == "tile":
        return "png", _tiled(main.data), "Four copies of a seamless cobblestone tile, side by side"
    if key == "frames":
        return "png", _zip_strip(main.data), "The frames taken out of the animation, in a row"
    if main.mime in wav.MIMES:
        return "png", previews.waveform_png(main.data), f"Waveform of the sound: {what}"
    if main.mime == "model/gltf-binary":
        return "png", _glb_png(main.data), f"A render of the 3D animation's first pose: {what}"
    doc = read_json(main.data) if main.mime == "application/json" else None
    if doc is not None and is_quest(doc):
        return (
            "svg",
            previews.quest_svg(doc, ident="gallery-quest").encode(),
            f"Quest map: {doc.get('title')}",
        )
    # A set of variants, or a main that is data: the generator's own preview picture says it best.
    several = len([o for o in result.outputs if o.role == "main"]) > 1
    if (
        preview is not None
        and preview.mime.startswith("image/")
        and (several or main.mime == "application/json")
    ):
        return "png", _picture_png(preview.data, False, PREVIEW_SIDE), f"Preview: {what}"
    if main.mime == "image/gif" or (preview is not None and preview.mime == "image/gif"):
        gif = main if main.mime == "image/gif" else preview
        assert gif is not None
        return "gif", _animated_gif(gif.data, pixel_art=True), f"Animation: {what}"
    if main.mime.startswith("image/"):
        return "png", _picture_png(main.data, pixel_art=pixel), f"Picture: {what}"
    return "", b"", ""


def _language(mime: str) -> str:
    return {
        "text/x-glsl": "glsl",
        "text/x-yarn": "yarn",
        "text/markdown": "markdown",
        "application/json": "json",
        "text/vnd.mermaid": "mermaid",
    }.get(mime, "text")


def render(out_dir: Path) -> list[Rendered]:
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.iterdir():
        if old.is_file():
            old.unlink()
    outputs: dict[str, bytes] = {}
    done: list[Rendered] = []
    for key, example in EXAMPLES:
        if key == "balanced":
            # Balancing needs a group: the goblin plus two more characters.
            party = [json.loads(outputs["entity"])]
            for i, words in enumerate(("a tiny forest slime", "a huge fire dragon boss")):
                extra, _ = _run(Example("entity", "archetype", words, seed=20 + i), outputs)
                party.append(json.loads(_main(extra).data))
            outputs["party"] = json.dumps(party).encode()
        result, elapsed = _run(example, outputs)
        main = _main(result)
        outputs[key] = main.data
        if key == "sprite":
            outputs["sprite_on_grass"] = _on_grass(main.data)
        if key == "variation":
            outputs["variation_1"] = main.data
        item = Rendered(example, result, elapsed)
        ext, data, alt = _picture_for(key, example, result)
        if data:
            item.picture = f"{example.limb}-{example.action}.{ext}"
            item.alt = alt
            (out_dir / item.picture).write_bytes(data)
        texty = main.mime.startswith("text/") or main.mime == "application/json"
        if texty and ext != "svg":
            item.excerpt = _excerpt(main.data)
            item.language = _language(main.mime)
        if example.limb == "divine" and example.action == "quest":
            item.extra.append(_excerpt(next(o.data for o in result.outputs if o.role == "diagram"), 40))
        done.append(item)
        print(f"{example.limb}.{example.action}: {elapsed:.0f} ms -> {item.picture or '(text)'}", flush=True)
    return done


# --- the page ----------------------------------------------------------------------


def _size(n: int) -> str:
    return (
        f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.1f} KB" if n >= 1024 else f"{n} B"
    )


def _params_text(example: Example) -> str:
    parts = [f"`{k}={json.dumps(v)}`" for k, v in example.params.items()]
    parts += [f"`{k}` = the {v.replace('_', ' ')} above" for k, v in example.inputs.items()]
    return ", ".join(parts) or "defaults"


def write_page(items: list[Rendered], out_dir: Path, page: Path) -> int:
    total = sum(f.stat().st_size for f in out_dir.iterdir() if f.is_file())
    lines = [
        "# Gallery: what the studio makes",
        "",
        "One example for every action of the eight creative limbs, made by the studio's own",
        "procedural generators: no AI provider, no network, fixed seeds, so",
        "`.venv/bin/python scripts/render_gallery.py` gives these exact files again.",
        "Sounds are shown as their waveform, 3D files as a software render, quests as their map;",
        "text outputs are quoted. The files the studio hands you are listed under each example.",
        "",
        f"Pictures in [`gallery/`](gallery/): {len(list(out_dir.iterdir()))} files, {_size(total)} in all.",
        "",
    ]
    toc = " · ".join(f"[{limb}](#{limb})" for limb in LIMBS)
    lines += [toc, ""]
    for limb in LIMBS:
        spec = get_limb(limb)
        lines += [f"## {limb}", "", f"{spec.icon} {spec.explanation}" if spec else "", ""]
        for item in (i for i in items if i.example.limb == limb):
            ex = item.example
            action = spec.action(ex.action) if spec else None
            title = action.name if action else ex.action
            lines += [f"### {limb}.{ex.action}: {title}", ""]
            if action:
                lines += [action.description, ""]
            said = f"“{ex.intent}”" if ex.intent else "(no words needed)"
            lines += [f"**Asked:** {said} · **params:** {_params_text(ex)} · **seed:** {ex.seed}", ""]
            if item.picture:
                lines += [f"![{item.alt}](gallery/{item.picture})", ""]
            if item.excerpt:
                lines += [f"```{item.language}", item.excerpt, "```", ""]
            for extra in item.extra:
                lines += [
                    "The same quest as a Mermaid diagram (the `.mmd` output):",
                    "",
                    "```mermaid",
                    extra,
                    "```",
                    "",
                ]
            files = ", ".join(f"`{o.name}` ({o.mime}, {_size(len(o.data))})" for o in item.result.outputs)
            lines += [f"**Files:** {files}", ""]
    page.write_text("\n".join(lines).rstrip() + "\n")
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "gallery", help="where the pictures go")
    parser.add_argument("--page", type=Path, default=REPO / "docs" / "gallery.md", help="the Markdown page")
    args = parser.parse_args(argv)
    items = render(args.out)
    total = write_page(items, args.out, args.page)
    print(f"{len(items)} examples, {_size(total)} of pictures in {args.out}; page {args.page}")
    if total > BUDGET_BYTES:
        print(f"warning: the gallery is over its {_size(BUDGET_BYTES)} budget", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
