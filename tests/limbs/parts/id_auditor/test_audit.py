"""id_auditor.audit: duplicates, gaps and clashes per kind and source, the chart, and the relic id helpers."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from limbs.formats.png import validate_png
from limbs.parts.id_auditor import audit, reserve
from limbs.parts.id_auditor._ids import build_ids_input
from limbs.spec import GeneratorInputError, GenRequest, GenResult
from relics.formats.config import read_config
from relics.formats.ids import ids_from_classic_config, ids_from_rs3
from relics.formats.jag import read_jag
from relics.formats.rs3_config import ItemConfig, NpcConfig

# Items 0..9 then 12, 13 and 20, with 3 and 12 used twice: gaps 10-11 and 14-19.
ITEMS = [0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9, 12, 12, 13, 20]


def ids_input(*sources: tuple[str, str, dict[str, list[Any]]]) -> bytes:
    return json.dumps({"sources": [{"name": n, "kind": k, "ids": ids} for n, k, ids in sources]}).encode()


def run_audit(ids: bytes, **params: Any) -> GenResult:
    return audit.make(GenRequest(intent="", params=params, seed=0, snapshots={"ids": ids}))


def run_reserve(ids: bytes, **params: Any) -> GenResult:
    return reserve.make(GenRequest(intent="", params=params, seed=0, snapshots={"ids": ids}))


def report_of(result: GenResult) -> dict[str, Any]:
    main = [o for o in result.outputs if o.role == "main"]
    assert len(main) == 1 and main[0].mime == "application/json"
    doc: dict[str, Any] = json.loads(main[0].data)
    return doc


@pytest.fixture(scope="module")
def rsc_cache_dir() -> Path:
    """The real client-204 cache from POG_RSC_CACHE_DIR (as tests/relics/conftest.py finds it)."""
    value = os.environ.get("POG_RSC_CACHE_DIR", "")
    if not value:
        pytest.skip("POG_RSC_CACHE_DIR is not set: no real RuneScape Classic cache to audit")
    path = Path(value)
    if not (path / "config85.jag").is_file():
        pytest.skip(f"POG_RSC_CACHE_DIR={value} does not hold a client-204 cache (no config85.jag)")
    return path


def test_duplicates_and_gaps_are_found_exactly_on_a_synthetic_table() -> None:
    report = report_of(run_audit(ids_input(("game", "project", {"item": ITEMS}))))
    item = report["types"]["item"]["sources"]["game"]
    assert item["count"] == 15 and item["distinct"] == 13
    assert (item["min"], item["max"]) == (0, 20)
    assert item["duplicates"] == [
        {"id": 3, "times": 2, "where": ["#3", "#4"]},
        {"id": 12, "times": 2, "where": ["#11", "#12"]},
    ]
    assert item["gaps"] == [[10, 11], [14, 19]]
    assert item["missing"] == 8 and item["gap_ranges"] == 2
    assert report["summary"] == {"duplicate_ids": 2, "colliding_ids": 0, "ok": False}


def test_a_duplicate_says_where_each_copy_is_when_the_caller_labels_ids() -> None:
    table = [{"id": 7, "where": "items/sword.json"}, 8, {"id": 7, "where": "items/axe.json"}]
    report = report_of(run_audit(ids_input(("game", "project", {"item": table}))))
    (twin,) = report["types"]["item"]["sources"]["game"]["duplicates"]
    assert twin == {"id": 7, "times": 2, "where": ["items/sword.json", "items/axe.json"]}


def test_a_clean_table_is_ok_and_gaps_alone_do_not_fail_it() -> None:
    report = report_of(run_audit(ids_input(("game", "project", {"npc": [0, 1, 2, 9]}))))
    npc = report["types"]["npc"]["sources"]["game"]
    assert npc["duplicates"] == [] and npc["gaps"] == [[3, 8]]
    assert report["summary"]["ok"] is True


def test_collisions_between_two_sources_are_reported_as_shared_ranges() -> None:
    ids = ids_input(
        ("game", "project", {"item": [100, 101, 102, 103, 250], "npc": [5]}),
        ("rsc204", "relic", {"item": [*range(102), 250], "npc": [0, 1, 2]}),
    )
    report = report_of(run_audit(ids, scope="project"))
    assert report["audited"] == ["game"] and report["compared_with"] == ["rsc204"]
    (clash,) = report["types"]["item"]["collisions"]
    assert clash["sources"] == ["game", "rsc204"] and clash["kinds"] == ["project", "relic"]
    assert clash["ranges"] == [[100, 101], [250, 250]] and clash["count"] == 3
    assert report["types"]["npc"]["collisions"] == []
    assert report["summary"]["colliding_ids"] == 3 and report["summary"]["ok"] is False
    # The relic is only a reference here: it is not audited itself.
    assert set(report["types"]["item"]["sources"]) == {"game"}


def test_a_relic_audit_can_name_one_cache_and_one_kind_of_id() -> None:
    ids = ids_input(
        ("a", "relic", {"item": [0, 0, 1], "npc": [0, 2]}),
        ("b", "relic", {"item": [5]}),
    )
    report = report_of(run_audit(ids, scope="relic", cache="a", type="npc"))
    assert report["audited"] == ["a"] and list(report["types"]) == ["npc"]
    assert report["types"]["npc"]["sources"]["a"]["gaps"] == [[1, 1]]
    whole = report_of(run_audit(ids, scope="relic"))
    assert whole["audited"] == ["a", "b"]
    assert whole["types"]["item"]["sources"]["a"]["duplicate_ids"] == 1
    with pytest.raises(GeneratorInputError) as err:
        run_audit(ids, scope="relic", cache="nope")
    assert err.value.field == "cache" and "a, b" in err.value.message


def test_the_preview_chart_is_a_png_with_a_bar_per_kind_and_source() -> None:
    ids = ids_input(("game", "project", {"item": ITEMS, "npc": [0, 1]}), ("r", "relic", {"item": [20]}))
    result = run_audit(ids)
    (preview,) = [o for o in result.outputs if o.role == "preview"]
    assert preview.mime == "image/png"
    validate_png(preview.data)
    with Image.open(io.BytesIO(preview.data)) as im:
        pixels = np.asarray(im.convert("RGB")).reshape(-1, 3).astype(int)
    green = (pixels[:, 1] > 100) & (pixels[:, 0] < 80)
    red = (pixels[:, 0] > 180) & (pixels[:, 1] < 60)
    orange = (pixels[:, 0] > 220) & (pixels[:, 1] > 90) & (pixels[:, 1] < 130) & (pixels[:, 2] < 30)
    assert green.sum() > 1000 and red.any() and orange.any()
    clean = run_audit(ids_input(("game", "project", {"npc": [0, 1]})))
    (quiet,) = [o for o in clean.outputs if o.role == "preview"]
    with Image.open(io.BytesIO(quiet.data)) as im:
        calm = np.asarray(im.convert("RGB")).reshape(-1, 3).astype(int)
    assert not ((calm[:, 0] > 180) & (calm[:, 1] < 60)).any()


def test_audit_is_deterministic() -> None:
    ids = ids_input(("game", "project", {"item": ITEMS}), ("r", "relic", {"item": [1, 2, 40]}))
    first, second = run_audit(ids), run_audit(ids)
    assert [o.data for o in first.outputs] == [o.data for o in second.outputs]


def test_bad_audit_params_name_their_field() -> None:
    ids = ids_input(("game", "project", {"item": [1]}))
    for params, field in (({"scope": "world"}, "scope"), ({"type": "x y"}, "type"), ({"cache": 5}, "cache")):
        with pytest.raises(GeneratorInputError) as err:
            run_audit(ids, **params)
        assert err.value.field == field


def test_ids_from_rs3_keeps_the_stored_ids_in_order() -> None:
    items = [ItemConfig(id=4), ItemConfig(id=2), ItemConfig(id=4)]
    assert ids_from_rs3(items, [NpcConfig(id=7)]) == {"item": [4, 2, 4], "npc": [7]}
    report = report_of(run_audit(build_ids_input([("rs3", "relic", ids_from_rs3(items, []))]), scope="relic"))
    assert report["types"]["item"]["sources"]["rs3"]["duplicates"][0]["id"] == 4


def test_the_real_client_204_config_audits_clean_and_collides_with_a_careless_project(
    rsc_cache_dir: Path,
) -> None:
    config = read_config(read_jag((rsc_cache_dir / "config85.jag").read_bytes(), "config85.jag"))
    tables = ids_from_classic_config(config)
    assert tables["item"] == list(range(len(config.items))) and len(tables["item"]) == 1290
    assert len(tables["npc"]) == len(config.npcs) and len(tables["object"]) == len(config.objects)
    assert len(tables["prayer"]) == len(config.prayers) and len(tables["spell"]) == len(config.spells)
    assert len(tables["sprite"]) <= config.item_sprite_count == max(tables["sprite"]) + 1
    assert "tree2" in config.model_names() and len(tables["model"]) == len(config.model_names())
    project = {"item": [1289, 1290, 1291], "npc": [0]}
    raw = build_ids_input([("rsc204", "relic", tables), ("game", "project", project)])
    relic = report_of(run_audit(raw, scope="relic", cache="rsc204"))
    items = relic["types"]["item"]["sources"]["rsc204"]
    assert (items["count"], items["min"], items["max"]) == (1290, 0, 1289)
    # Index-based ids cannot repeat or skip; sprite slots may skip unused frames.
    for kind, entry in relic["types"].items():
        rows = entry["sources"]["rsc204"]
        assert rows["duplicates"] == [], kind
        if kind != "sprite":
            assert rows["gaps"] == [], kind
    clash = {c["sources"][0]: c for c in relic["types"]["item"]["collisions"]}["game"]
    assert clash["ranges"] == [[1289, 1289]]
    reserved = report_of(run_reserve(raw, type="item", count=10))
    assert reserved["ids"] == list(range(1292, 1302))
    preview = next(o for o in run_audit(raw, scope="relic").outputs if o.role == "preview")
    validate_png(preview.data)
