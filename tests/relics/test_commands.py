"""relic_dump and relic_excavate."""

from __future__ import annotations

import io
import json
import wave
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from accounts.models import User
from relics.models import RelicCache
from tests.relics import synth


def _write(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def test_relic_dump_writes_every_section_and_every_file(tmp_path: Path) -> None:
    cache = _write(tmp_path / "cache", synth.classic_files())
    out = tmp_path / "out"
    stdout = io.StringIO()
    call_command("relic_dump", str(cache), "--out", str(out), stdout=stdout)
    assert "Wrote" in stdout.getvalue()
    for section in ("items", "npcs", "textures", "animations", "objects", "wall_objects", "roofs", "tiles",
                    "projectile_sprites", "spells", "prayers", "models", "sectors", "sounds"):  # fmt: skip
        assert (out / f"{section}.json").is_file(), section
    items = json.loads((out / "items.json").read_text())
    assert items["count"] == 2 and items["records"][0] == {
        "index": 0, "name": "Iron Mace", "description": "A spiky mace", "command": "", "sprite": 0,
        "price": 63, "stackable": 1, "unused": 0, "wearable": 16, "mask": synth.ITEM_MASK, "special": 0,
        "members": 0, "is_stackable": False,
    }  # fmt: skip
    npcs = json.loads((out / "npcs.json").read_text())["records"]
    assert npcs[0]["animations"][:3] == [0, 1, 2] and npcs[0]["hair_colour"] == synth.HAIR
    assert json.loads((out / "projectile_sprites.json").read_text())["value"] == 2
    assert Image.open(out / "items" / "0.png").size == (48, 32)
    assert Image.open(out / "npcs" / "0.png").size == (64, 102)
    assert (out / "models" / "tree2.glb").read_bytes()[:4] == b"glTF"
    assert Image.open(out / "sectors" / "m05050.png").size == (384, 384)
    assert len(json.loads((out / "sectors" / "m05050.json").read_text())["terrain"]["height"]) == 2304
    with wave.open(str(out / "sounds" / "advance.wav")) as w:
        assert w.getnframes() == 4000


def test_relic_dump_reads_an_rs3_folder(tmp_path: Path) -> None:
    cache = _write(tmp_path / "rs3", synth.modern_files())
    call_command("relic_dump", str(cache), "--out", str(tmp_path / "out"), stdout=io.StringIO())
    items = json.loads((tmp_path / "out" / "items.json").read_text())
    assert [(r["index"], r["id"], r["name"]) for r in items["records"]] == [
        (0, 0, "Dwarf remains"), (1, 1, "Iron mace"), (2, 300, "Coins")
    ]  # fmt: skip
    npcs = json.loads((tmp_path / "out" / "npcs.json").read_text())
    assert npcs["records"][0] == {
        "index": 0,
        "id": 0,
        "name": "Unicorn",
        "models": [1, 2],
        "combat_level": 15,
    }


def test_relic_dump_names_the_broken_file(tmp_path: Path) -> None:
    files = synth.classic_files()
    files["config85.jag"] = files["config85.jag"][:-3]
    cache = _write(tmp_path / "cache", files)
    with pytest.raises(CommandError, match=r"config85\.jag"):
        call_command("relic_dump", str(cache), "--out", str(tmp_path / "out"))


def test_relic_dump_of_the_real_cache(rsc_cache_dir: Path, tmp_path: Path) -> None:
    call_command(
        "relic_dump", str(rsc_cache_dir), "--out", str(tmp_path), "--kinds", "items,npcs,prayers,sounds",
        stdout=io.StringIO(),
    )  # fmt: skip
    items = json.loads((tmp_path / "items.json").read_text())
    assert items["count"] == 1290 and items["records"][0]["name"] == "Iron Mace"
    assert json.loads((tmp_path / "prayers.json").read_text())["records"][0]["name"] == "Thick skin"
    assert len(list((tmp_path / "items").glob("*.png"))) == 1290
    assert len(list((tmp_path / "npcs").glob("*.png"))) > 700
    assert len(list((tmp_path / "sounds").glob("*.wav"))) == 37


@pytest.mark.django_db
def test_relic_excavate_is_idempotent_and_publishes(tmp_path: Path, settings: Any, alice: User) -> None:
    cache = _write(tmp_path / "cache", synth.classic_files())
    out = io.StringIO()
    call_command("relic_excavate", str(cache), stdout=out)
    call_command("relic_excavate", str(cache), stdout=out)
    assert "Registered and published" in out.getvalue() and "Already registered" in out.getvalue()
    assert RelicCache.objects.count() == 1
    assert RelicCache.objects.visible_to(alice).count() == 1  # the operator's: everyone sees it
    settings.POG_RELIC_DIRS = []
    with pytest.raises(CommandError, match="POG_RELIC_DIRS"):
        call_command("relic_excavate")
