"""Registering, indexing, previews and forks: the museum's state changes."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path
from typing import Any

import pytest

from accounts.models import User
from limbs.models import Asset
from pog_site.errors import RequestError
from provenance.ledger import verify_entry
from relics import forks, museum, uploads
from relics.catalog import ClassicCatalog
from relics.models import RelicCache, RelicEntry, RelicRender
from relics.storage import original_path, read_original
from tests.relics import synth

pytestmark = pytest.mark.django_db


@pytest.fixture
def classic(alice: User) -> RelicCache:
    cache, created = museum.do_register_cache(synth.classic_files(), source="upload", user=alice)
    assert created
    return cache


def test_the_cache_id_is_the_hash_of_sorted_name_hash_pairs(classic: RelicCache) -> None:
    files = synth.classic_files()
    pairs = sorted((name, hashlib.sha256(data).hexdigest()) for name, data in files.items())
    expected = hashlib.sha256("".join(f"{n}\t{h}\n" for n, h in pairs).encode()).hexdigest()
    assert classic.sha256 == expected
    assert uploads.cache_digest(reversed(pairs)) == expected  # order does not matter


def test_registering_the_same_cache_again_is_idempotent(classic: RelicCache, alice: User) -> None:
    reordered = dict(reversed(list(synth.classic_files().items())))
    again, created = museum.do_register_cache(reordered, source="upload", user=alice)
    assert not created and again.pk == classic.pk
    assert RelicCache.objects.count() == 1
    assert RelicEntry.objects.filter(cache=classic).count() == sum(classic.counts.values()) == 19


def test_it_indexes_entries_into_searchable_rows(classic: RelicCache) -> None:
    assert classic.era == "classic" and classic.counts["items"] == 2
    found = list(museum.search_entries(classic, "items", "spiky"))
    assert [e.name for e in found] == ["Iron Mace"]
    assert list(museum.search_entries(classic, "items", "iron nothing")) == []
    assert [e.key for e in museum.search_entries(classic, "items")] == ["0", "1"]


def test_originals_are_stored_read_only_and_content_addressed(classic: RelicCache) -> None:
    files = synth.classic_files()
    for record in classic.files:
        assert read_original(record["blob"]) == files[record["name"]]
        assert record["blob"].endswith(record["sha256"])
        path = original_path(record["blob"])
        assert path is not None and stat.S_IMODE(path.stat().st_mode) == 0o444


def test_a_malformed_cache_is_refused_naming_the_file_and_offset_and_stores_nothing(alice: User) -> None:
    files = synth.classic_files()
    config = bytearray(files["config85.jag"])
    files["config85.jag"] = bytes(config[:6]) + bytes(config[6:-40]) + b"\x00" * 40  # damaged bzip2 body
    with pytest.raises(RequestError) as caught:
        museum.do_register_cache(files, source="upload", user=alice)
    assert caught.value.status == 422 and caught.value.code == "malformed_cache"
    assert "config85.jag" in caught.value.message and "offset" in caught.value.message
    assert not RelicCache.objects.exists() and not RelicEntry.objects.exists()


def test_a_bad_record_in_a_modern_cache_is_a_clear_422(alice: User) -> None:
    from relics.formats.jcache import build_jcache

    files = {"js5-19.jcache": build_jcache({0: {0: b"\x02Sword\x00\x63\x00"}})}  # opcode 99 is unknown
    with pytest.raises(RequestError) as caught:
        museum.do_register_cache(files, source="upload", user=alice)
    assert caught.value.status == 422 and "opcode 99" in caught.value.message


def test_previews_are_rendered_once_and_then_read_back(
    classic: RelicCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = museum.get_entry(classic, "npcs/0")
    first = museum.preview(classic, entry)
    assert first is not None and first.mime == "image/png"
    assert RelicRender.objects.filter(cache=classic, entry_key="npcs/0").count() == 1

    def refuse(*args: Any) -> None:
        raise AssertionError("rendered twice")

    monkeypatch.setattr(ClassicCatalog, "render", refuse)
    again = museum.preview(classic, entry)
    assert again is not None and again.data == first.data and again.sha256 == first.sha256


def _original_bytes(cache: RelicCache) -> dict[str, bytes]:
    out = {}
    for record in cache.files:
        path = original_path(record["blob"])
        assert path is not None
        out[record["name"]] = path.read_bytes()
    return out


@pytest.mark.parametrize(
    ("entry_key", "mime"),
    [("items/0", "image/png"), ("models/tree2", "model/gltf-binary"), ("sounds/advance", "audio/wav"),
     ("spells/0", "application/json"), ("sectors/m05050", "image/png")],
)  # fmt: skip
def test_a_fork_is_an_asset_with_the_relic_as_parent_and_the_original_untouched(
    classic: RelicCache, alice: User, entry_key: str, mime: str
) -> None:
    before = _original_bytes(classic)
    asset = forks.do_fork_relic(alice, classic, entry_key)
    assert asset.owner == alice and asset.mime == mime
    assert asset.read_bytes() and hashlib.sha256(asset.read_bytes()).hexdigest() == asset.sha256
    assert _original_bytes(classic) == before
    assert hashlib.sha256(before["config85.jag"]).hexdigest() == next(
        f["sha256"] for f in classic.files if f["name"] == "config85.jag"
    )
    # The one writer recorded it: a generation of the relic limb whose parent is the relic.
    entry = asset.ledger_entry
    assert entry is not None and entry.kind == "generation" and entry.subject == str(asset.generation_id)
    assert (entry.body["limb"], entry.body["action"]) == ("relic", "fork")
    assert entry.body["parents"] == [{"relic": classic.sha256, "entry": entry_key}]
    assert [o["sha256"] for o in entry.body["outputs"]] == [asset.sha256]
    assert entry.body["owner"] == alice.pk
    assert verify_entry(entry)["verified"]


def test_a_fork_can_be_named_and_forking_twice_gives_one_asset(classic: RelicCache, alice: User) -> None:
    asset = forks.do_fork_relic(alice, classic, "items/0", name="my mace.png")
    assert asset.name == "my mace.png" and (asset.width, asset.height) == (48, 32)
    assert asset.meta["relic"] == {
        "cache": classic.sha256, "entry": "items/0", "era": "classic", "kind": "items", "name": "Iron Mace"
    }  # fmt: skip
    assert forks.do_fork_relic(alice, classic, "items/0").pk == asset.pk
    assert Asset.objects.filter(owner=alice).count() == 1


def test_forks_are_private_to_their_owner(classic: RelicCache, alice: User, bob: User) -> None:
    mine = forks.do_fork_relic(alice, classic, "items/0")
    with pytest.raises(RequestError) as caught:  # alice's cache is hers alone...
        forks.do_fork_relic(bob, classic, "items/0")
    assert caught.value.field == "params.cache" and not Asset.objects.filter(owner=bob).exists()
    # ...until bob registers it too.
    museum.do_register_cache(synth.classic_files(), source="upload", user=bob)
    theirs = forks.do_fork_relic(bob, classic, "items/0")
    assert mine.pk != theirs.pk and mine.sha256 == theirs.sha256
    assert list(Asset.objects.filter(owner=bob)) == [theirs]


def test_forking_a_missing_entry_is_a_404(classic: RelicCache, alice: User) -> None:
    with pytest.raises(RequestError) as caught:
        forks.do_fork_relic(alice, classic, "items/99")
    assert caught.value.status == 404


def test_names_match_across_eras(classic: RelicCache, alice: User) -> None:
    modern, _ = museum.do_register_cache(synth.modern_files(), source="upload", user=alice)
    assert modern.era == "modern" and modern.counts == {"items": 3, "npcs": 2}
    found = list(museum.match(alice, "IRON MACE", era="modern"))
    assert [(m.cache_id, m.kind, m.key) for m in found] == [(modern.pk, "items", "1")]
    assert [m.cache.era for m in museum.match(alice, "Man", kind="npcs")] == ["classic", "modern"]
    assert list(museum.match(alice, "")) == []


def test_a_folder_outside_pog_relic_dirs_is_refused(tmp_path: Path, settings: Any) -> None:
    settings.POG_RELIC_DIRS = [str(tmp_path / "allowed")]
    (tmp_path / "allowed").mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with pytest.raises(RequestError) as caught:
        museum.register_folder(elsewhere)
    assert caught.value.status == 403
    inside = tmp_path / "allowed" / "rsc"
    inside.mkdir()
    for name, data in synth.classic_files().items():
        (inside / name).write_bytes(data)
    (inside / "README.txt").write_text("not a cache file")
    cache, created = museum.register_folder(inside)
    assert created and cache.source == "folder" and cache.label == "rsc"


def test_the_real_cache_registers_fast_and_forks_a_paper_doll(rsc_cache_dir: Path, alice: User) -> None:
    import time

    started = time.monotonic()
    cache, created = museum.register_folder(rsc_cache_dir, alice, check_allowed=False)
    assert created and time.monotonic() - started < 15
    assert cache.counts["items"] == 1290 and cache.counts["npcs"] == 794
    assert museum.get_entry(cache, "items/0").name == "Iron Mace"
    assert museum.get_entry(cache, "prayers/0").name == "Thick skin"
    assert museum.get_entry(cache, "objects/0").fields["model_name"] == "tree2"
    before = _original_bytes(cache)
    asset = forks.do_fork_relic(alice, cache, "npcs/0")
    assert asset.mime == "image/png" and _original_bytes(cache) == before
    assert asset.ledger_entry is not None and verify_entry(asset.ledger_entry)["verified"]
