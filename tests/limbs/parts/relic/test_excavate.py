"""relic.excavate: a cache sent with the request is checked, decoded, summarised, and
registered for its sender by the one writer (one stored copy, a shelf per person)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.test import Client

from accounts import teams
from accounts.models import User
from limbs.models import Generation, Project
from limbs.parts.file.upload import MAX_BYTES
from provenance.ledger import verify_entry
from provenance.models import LedgerEntry
from relics.models import RelicShelf
from relics.uploads import files_digest
from tests.limbs.parts.relic.helpers import (
    counts,
    document,
    excavate,
    excavated,
    folder,
    handle,
    originals,
    succeeded,
    zipped,
)
from tests.relics import synth


def test_a_zipped_cache_is_registered_for_its_sender_and_summarised(
    alice_api: Client, bob_api: Client
) -> None:
    files = synth.classic_files()
    body = succeeded(excavate(alice_api, zipped(files), name="Synthetic"))
    summary = document(alice_api, body)
    sha = files_digest(files)
    assert summary["format"] == "pog.relic.excavation/1" and summary["cache"] == sha
    assert summary["era"] == "classic" and summary["name"] == "Synthetic"
    assert summary["counts"]["items"] == 2 and summary["entries"] == 19
    assert summary["examples"]["items"] == ["Iron Mace", "Coins"]
    assert summary["examples"]["npcs"] == ["Man", "Ghost"]
    cache = alice_api.get(f"/api/relics/caches/{sha}").json()
    assert cache["label"] == "Synthetic" and cache["counts"]["items"] == 2
    assert cache["visibility"] == {"audience": "you", "teams": [], "public": False}
    assert bob_api.get(f"/api/relics/caches/{sha}").status_code == 404
    # The originals are the bytes sent, and the ledger entry says what was registered.
    assert originals(sha) == files
    entry = LedgerEntry.objects.get(subject=body["generation"])
    assert entry.body["effects"] == [
        {"kind": "relic.register", "cache": sha, "era": "classic", "new_on_your_shelf": True}
    ]
    assert verify_entry(entry)["verified"]


@pytest.mark.parametrize(
    ("filename", "data", "era", "kinds"),
    [
        ("config85.jag", synth.classic_files()["config85.jag"], "classic", {"items", "npcs", "prayers"}),
        ("rs3.zip", zipped(synth.modern_files(), folder="rs3"), "modern", {"items", "npcs"}),
    ],
)
def test_one_cache_file_or_a_modern_folder_is_a_cache_too(
    alice_api: Client, filename: str, data: bytes, era: str, kinds: set[str]
) -> None:
    summary = document(alice_api, succeeded(excavate(alice_api, data, filename)))
    assert summary["era"] == era and kinds <= set(summary["counts"])
    assert "sounds" not in summary["counts"]


def test_the_same_bytes_twice_are_one_copy_with_a_shelf_for_each_person(
    alice: User, bob: User, alice_api: Client, bob_api: Client
) -> None:
    sha = excavated(alice_api, synth.classic_files(), name="Mine")
    assert excavated(bob_api, dict(reversed(synth.classic_files().items())), name="Bob's") == sha
    again = succeeded(excavate(alice_api, zipped(synth.classic_files()), name="Renamed?"))
    assert (
        LedgerEntry.objects.get(subject=again["generation"]).body["effects"][0]["new_on_your_shelf"] is False
    )
    assert alice_api.get(f"/api/relics/caches/{sha}").json()["label"] == "Mine"
    assert bob_api.get(f"/api/relics/caches/{sha}").json()["label"] == "Bob's"
    assert [c["sha256"] for c in alice_api.get("/api/relics/caches").json()["caches"]] == [sha]
    assert set(RelicShelf.objects.values_list("owner", flat=True)) == {alice.pk, bob.pk}
    assert counts()[3] == 1


def test_a_team_project_shares_the_cache_with_the_team(
    alice: User, alice_api: Client, bob_api: Client
) -> None:
    red = teams.create_team(alice, "Red")
    project = Project.objects.create(name="Red game", team=red)
    sha = excavated(alice_api, synth.modern_files(), name="Ours", project=str(project.pk))
    seen = alice_api.get(f"/api/relics/caches/{sha}").json()
    assert seen["visibility"]["audience"] == "team" and seen["visibility"]["teams"] == ["Red"]
    assert bob_api.get(f"/api/relics/caches/{sha}").status_code == 404
    before = counts()
    refused = handle(bob_api, "excavate", project=str(project.pk), file={"name": "x.zip", "data": ""})
    assert refused.status_code == 404 and refused.json()["error"]["field"] == "project"
    assert counts() == before


def _bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config85.jag", b"\x00" * (80 * 1024 * 1024))
    return buf.getvalue()


def _damaged_config() -> bytes:
    config = synth.classic_files()["config85.jag"]
    return config[:6] + config[6:-40] + b"\x00" * 40


def _traversal() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("../../config85.jag", synth.classic_files()["config85.jag"])
    return buf.getvalue()


@pytest.mark.parametrize(
    ("filename", "data", "status", "words"),
    [
        ("notes.txt", b"hello", 422, "not a cache file"),
        ("config85.jag", _damaged_config(), 422, "config85.jag"),
        ("config85.jag", b"\x00\x00\x10\x00\x00\x10abc", 422, "header says"),
        ("js5-19.jcache", b"not sqlite at all", 422, "SQLite format 3"),
        ("cache.zip", zipped({"readme.md": b"# hi"}), 422, "not a cache file"),
        ("media58.jag", synth.classic_files()["media58.jag"], 422, "config"),
        ("cache.zip", _traversal(), 422, "outside the archive"),
        ("cache.zip", b"PK\x03\x04 broken", 422, "zip cannot be read"),
        ("cache.zip", _bomb(), 413, "limit"),
    ],
)
def test_a_cache_the_studio_cannot_read_gets_a_4xx_naming_the_file_and_nothing_is_stored(
    alice_api: Client, filename: str, data: bytes, status: int, words: str
) -> None:
    before = counts()
    response = excavate(alice_api, data, filename)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["field"] == "params.file" and words in error["message"], error
    assert counts() == before


def test_a_file_over_the_json_limit_or_not_a_file_is_named(alice_api: Client) -> None:
    before = counts()
    huge = excavate(alice_api, b"PK\x03\x04" + b"\x00" * MAX_BYTES)
    assert huge.status_code == 413 and huge.json()["error"]["field"] == "params.file"
    for sent in ("config85.jag", {"name": "x.zip", "data": "not base64!"}, None):
        response = handle(alice_api, "excavate", file=sent)
        assert response.status_code == 422 and response.json()["error"]["field"] == "params.file"
    long_name = excavate(alice_api, zipped(synth.modern_files()), name="x" * 81)
    assert long_name.json()["error"]["field"] == "params.name"
    assert counts() == before
    assert not Generation.objects.exists()


def test_the_real_cache_is_excavated_from_a_zip(rsc_cache_dir: Path, alice_api: Client) -> None:
    files = folder(rsc_cache_dir)
    summary = document(alice_api, succeeded(excavate(alice_api, zipped(files), name="RSC 204")))
    assert summary["era"] == "classic"
    assert summary["counts"]["items"] == 1290 and summary["counts"]["npcs"] == 794
    assert summary["examples"]["items"][0] == "Iron Mace" and summary["examples"]["npcs"][0] == "Unicorn"
    # Every file is kept byte for byte as it was sent.
    stored = originals(summary["cache"])
    assert {n: hashlib.sha256(d).hexdigest() for n, d in stored.items()} == {
        n: hashlib.sha256(d).hexdigest() for n, d in files.items()
    }


def test_a_jcache_that_is_a_sqlite_header_and_random_bytes_is_refused(alice_api: Client) -> None:
    import os

    from relics.formats.jcache import SQLITE_MAGIC

    before = counts()
    response = excavate(alice_api, SQLITE_MAGIC + os.urandom(64 * 1024), "js5-3.jcache")
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["field"] == "params.file" and "js5-3.jcache" in error["message"]
    assert counts() == before
