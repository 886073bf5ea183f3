"""Relic uploads are staged on disk, checked cheaply on the request, decoded by a background
job, and metered per tier; a cache is registered only when its structure decodes."""

from __future__ import annotations

import base64
import io
import json
import os
import sqlite3
import time
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Tier, User
from pog_site.errors import RequestError
from relics import catalog, museum
from relics.formats.jcache import SQLITE_MAGIC, build_jcache
from relics.formats.js5 import Compression
from relics.models import RelicCache, RelicUpload
from tests.conftest import SCALE
from tests.helpers.api import post_handle, token_client
from tests.relics import synth
from tests.relics.bombs import MIB, bomb, counting
from tests.relics.uploaded import finish, settle

pytestmark = pytest.mark.django_db


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(f"cache/{name}", data)
    return buf.getvalue()


def _post(client: Client, files: dict[str, bytes], **form: str) -> Any:
    parts = [SimpleUploadedFile(name, data) for name, data in files.items()]
    return client.post("/api/relics/caches", {"files": parts, **form})


def _nothing_kept(staging: Path) -> None:
    assert not RelicCache.objects.exists()
    assert not any(staging.glob("*/*")), list(staging.glob("*/*"))


def _random_sqlite(size: int = 1_300_000) -> bytes:
    return SQLITE_MAGIC + os.urandom(size - len(SQLITE_MAGIC))


# --- the background job -------------------------------------------------------------------


def test_a_new_cache_answers_202_and_its_status_goes_from_pending_to_ready(alice_api: Client) -> None:
    sent = alice_api.post(
        "/api/relics/caches",
        {"files": [SimpleUploadedFile("cache.zip", _zip(synth.classic_files()))], "label": "Mine"},
    )
    assert sent.status_code == 202, sent.content
    body = sent.json()
    assert body["status"] == "pending" and body["cache"] is None and body["error"] is None
    assert {f["name"] for f in body["files"]} == set(synth.classic_files())
    assert alice_api.get(body["links"]["self"]).json()["status"] == "pending"
    assert alice_api.get("/api/relics/caches").json()["caches"] == []  # nothing listed before it decodes
    finish(body["id"])
    done = alice_api.get(body["links"]["self"]).json()
    assert done["status"] == "ready" and done["created"] is True and done["error"] is None
    cache = alice_api.get(done["links"]["cache"]).json()
    assert cache["label"] == "Mine" and cache["counts"]["items"] == 2
    assert [c["sha256"] for c in alice_api.get("/api/relics/caches").json()["caches"]] == [done["cache"]]


def test_decoding_never_runs_on_the_request_thread(
    alice_api: Client, monkeypatch: pytest.MonkeyPatch, _staging: Path
) -> None:
    opened: list[str] = []
    real = catalog.open_catalog

    def watched(files: Any) -> Any:
        opened.append("open")
        return real(files)

    monkeypatch.setattr(museum, "open_catalog", watched)
    files = synth.classic_files()
    # A damaged cache: its sizes add up, so only decoding finds what is wrong.
    files["models36.jag"] = files["models36.jag"][:6] + b"\xff" * (len(files["models36.jag"]) - 6)
    sent = _post(alice_api, files)
    assert sent.status_code == 202 and opened == []  # the request only staged it
    finish(sent.json()["id"])
    failed = alice_api.get(sent.json()["links"]["self"]).json()
    assert failed["status"] == "failed" and failed["error"]["file"] == "models36.jag"
    assert isinstance(failed["error"]["offset"], int) and failed["cache"] is None
    _nothing_kept(_staging)


def test_the_job_runs_once_however_often_it_is_delivered(alice_api: Client) -> None:
    sent = _post(alice_api, synth.modern_files()).json()
    assert museum.run_upload(sent["id"]) is not None
    assert museum.run_upload(sent["id"]) is None  # already claimed: nothing to do
    assert RelicCache.objects.count() == 1


def test_the_same_cache_sent_again_is_shelved_at_once(alice_api: Client, bob_api: Client) -> None:
    first = settle(alice_api, _post(alice_api, synth.modern_files()))
    assert first.status_code == 201
    again = _post(alice_api, synth.modern_files())
    assert again.status_code == 200 and again.json()["created"] is False
    theirs = _post(bob_api, synth.modern_files())
    assert theirs.status_code == 201 and theirs.json()["sha256"] == first.json()["sha256"]
    assert RelicUpload.objects.count() == 1


def test_an_upload_is_seen_only_by_its_sender(alice_api: Client, bob_api: Client) -> None:
    sent = _post(alice_api, synth.modern_files()).json()
    assert bob_api.get(sent["links"]["self"]).status_code == 404
    assert bob_api.get("/api/relics/uploads/not-an-id").json()["error"]["code"] == "no_upload"


def test_the_page_shows_a_refused_upload_honestly(alice: User, _staging: Path) -> None:
    browser = Client()
    browser.force_login(alice)
    files = synth.classic_files()
    files["models36.jag"] = files["models36.jag"][:6] + b"\xff" * (len(files["models36.jag"]) - 6)
    sent = browser.post("/relics/upload", {"files": [SimpleUploadedFile("c.zip", _zip(files))]})
    assert sent.status_code == 302
    finish(sent["Location"].rsplit("/", 1)[1])
    page = browser.get(sent["Location"]).content.decode()
    assert "Refused" in page and "models36.jag" in page and "Nothing was registered" in page
    assert 'http-equiv="refresh"' not in page
    assert Client().get(sent["Location"]).status_code == 404  # as unknown to anyone else as never sent
    _nothing_kept(_staging)


# --- a cache must decode --------------------------------------------------------------------


def test_a_sqlite_header_and_random_bytes_named_js5_3_is_refused_and_nothing_kept(
    alice_api: Client, _staging: Path
) -> None:
    sent = _post(alice_api, {"js5-3.jcache": _random_sqlite()})
    assert sent.status_code == 422, sent.content
    error = sent.json()["error"]
    assert error["code"] == "malformed_cache" and "js5-3.jcache" in error["message"]
    assert not RelicUpload.objects.exists()
    assert alice_api.get("/api/relics/caches").json()["caches"] == []
    _nothing_kept(_staging)


def test_a_random_jcache_is_refused_by_every_way_in(alice: User, tmp_path: Path) -> None:
    with pytest.raises(RequestError) as caught:
        museum.register_upload([("js5-3.jcache", _random_sqlite(64 * 1024))], alice)
    assert caught.value.status == 422 and "js5-3.jcache" in caught.value.message
    folder = tmp_path / "rs3"
    folder.mkdir()
    (folder / "js5-3.jcache").write_bytes(_random_sqlite(64 * 1024))
    with pytest.raises(RequestError):
        museum.register_folder(folder, alice, check_allowed=False)
    assert not RelicCache.objects.exists()


def test_a_jcache_with_its_tables_but_no_valid_container_is_refused(
    alice_api: Client, tmp_path: Path, _staging: Path
) -> None:
    path = tmp_path / "js5-2.jcache"
    path.write_bytes(build_jcache({0: {0: b"one"}, 1: {0: b"two"}}))
    with sqlite3.connect(path) as db:
        db.execute("UPDATE cache SET DATA = X'00000000050102030405'")  # CRCs no longer match
    response = _post(alice_api, {"js5-2.jcache": path.read_bytes()})
    assert response.status_code == 422
    message = response.json()["error"]["message"]
    assert "js5-2.jcache" in message and "CRC" in message
    _nothing_kept(_staging)


def test_a_classic_archive_must_decode_its_directory(alice_api: Client, _staging: Path) -> None:
    files = synth.classic_files()
    body = b"\x00\x05" + b"\xee" * 40  # says five entries, holds four bytes of records
    files["filter2.jag"] = len(body).to_bytes(3, "big") * 2 + body
    response = settle(alice_api, _post(alice_api, files))
    assert response.status_code == 422 and response.json()["error"]["file"] == "filter2.jag"
    _nothing_kept(_staging)


# --- budgets ---------------------------------------------------------------------------------


def test_the_194_kb_zip_bomb_is_refused_after_inflating_at_most_its_budget(
    alice_api: Client, monkeypatch: pytest.MonkeyPatch, _staging: Path
) -> None:
    data = bomb()
    assert len(data) < 400_000
    with counting(monkeypatch) as inflated:
        response = _post(alice_api, {"cache.zip": data})
    assert response.status_code == 413 and response.json()["error"]["code"] == "zip_bomb"
    limits = museum.upload_limits()
    assert inflated.bytes <= limits.max_ratio * len(data)
    _nothing_kept(_staging)


def test_an_upload_over_the_cap_is_refused_before_it_is_staged(
    alice_api: Client, settings: Any, _staging: Path
) -> None:
    settings.POG_RELIC_MAX_UPLOAD_MB = 1
    response = _post(alice_api, {"js5-2.jcache": SQLITE_MAGIC + bytes(MIB)})
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
    _nothing_kept(_staging)


def test_registering_a_large_upload_keeps_memory_bounded(alice: User, tmp_path: Path) -> None:
    # 48 groups of 1 MiB of incompressible bytes: a 48 MiB jcache, staged and registered.
    groups = {g: {0: os.urandom(MIB)} for g in range(48)}
    path = tmp_path / "js5-2.jcache"
    path.write_bytes(build_jcache(groups, compression=Compression.NONE))
    del groups
    size = path.stat().st_size
    assert size > 48 * MIB
    tracemalloc.start()
    try:
        with path.open("rb") as fh:
            cache, created = museum.register_upload([("js5-2.jcache", fh)], alice)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert created and cache.total_bytes == size
    # Copying, hashing and checking went chunk by chunk: a few MiB at most, never the file.
    assert peak < 12 * MIB, f"peak {peak / MIB:.1f} MiB"


# --- per-tier upload meters ------------------------------------------------------------------


@pytest.fixture
def stingy(alice: User) -> User:
    alice.tier = Tier.objects.create(
        slug="stingy", name="Stingy", requests_per_period=1000, upload_mb_per_day=2, uploads_per_hour=2
    )
    alice.save(update_fields=["tier"])
    return alice


def test_uploads_an_hour_are_limited_with_a_429_naming_the_limit_and_the_wait(stingy: User) -> None:
    client = token_client(stingy)
    for _ in range(2):
        assert _post(client, {"js5-3.jcache": _random_sqlite(2048)}).status_code == 422
    third = _post(client, {"js5-3.jcache": _random_sqlite(2048)})
    assert third.status_code == 429 and third.json()["error"]["code"] == "upload_rate"
    message = third.json()["error"]["message"]
    assert "2 uploads in an hour" in message and "Stingy" in message and "next one" in message
    assert int(third["Retry-After"]) > 0


def test_megabytes_a_day_are_a_quota_with_a_413_naming_it_and_when_it_frees(stingy: User) -> None:
    client = token_client(stingy)
    too_big = _post(client, {"js5-2.jcache": SQLITE_MAGIC + bytes(3 * MIB)})
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "upload_quota"
    assert "2 MB of uploads a day" in too_big.json()["error"]["message"]
    assert _post(client, {"js5-2.jcache": _random_sqlite(1_500_000)}).status_code == 422  # 1.4 MB spent
    over = _post(client, {"js5-2.jcache": _random_sqlite(1_000_000)})
    assert over.status_code == 413 and over.json()["error"]["code"] == "upload_quota"
    assert "free again in" in over.json()["error"]["message"] and int(over["Retry-After"]) > 0


def test_files_sent_to_limbs_share_the_same_meters(stingy: User) -> None:
    client = token_client(stingy)
    for _ in range(2):
        assert _post(client, {"js5-3.jcache": _random_sqlite(2048)}).status_code == 422
    text = {"name": "notes.txt", "data": base64.b64encode(b"hello there").decode()}
    refused = post_handle(client, "file", action="upload", params={"file": text}, wait=True)
    assert refused.status_code == 429, refused.content
    assert refused.json()["error"]["code"] == "upload_rate"
    assert refused.json()["error"]["field"] == "params.file"


# --- real caches -----------------------------------------------------------------------------


def _zip_folder(folder: Path, names: list[str]) -> SimpleUploadedFile:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in names:
            z.write(folder / name, f"{folder.name}/{name}")
    return SimpleUploadedFile(f"{folder.name}.zip", buf.getvalue())


def test_the_real_classic_cache_uploads_and_decodes(
    rsc_cache_dir: Path, alice: User, roomy_tier: Tier
) -> None:
    alice.tier = roomy_tier
    alice.save(update_fields=["tier"])
    client = token_client(alice)
    names = sorted(p.name for p in rsc_cache_dir.iterdir() if p.suffix in (".jag", ".mem"))
    sent = client.post("/api/relics/caches", {"files": [_zip_folder(rsc_cache_dir, names)]})
    done = settle(client, sent)
    assert done.status_code == 201, done.json()
    assert done.json()["era"] == "classic" and done.json()["counts"]["items"] > 1000


def test_the_real_rs3_files_pass_the_structure_check_and_a_random_one_does_not(
    rs3_cache_dir: Path, alice_api: Client, _staging: Path
) -> None:
    real = {p.name: p.read_bytes() for p in sorted(rs3_cache_dir.glob("js5-*.jcache"))}
    mixed = _post(alice_api, {"js5-3.jcache": _random_sqlite(), **real})
    assert mixed.status_code == 422 and "js5-3.jcache" in mixed.json()["error"]["message"]
    _nothing_kept(_staging)
    # Without index 19 (whose items use opcodes the decoder does not know yet) it registers.
    usable = {name: data for name, data in real.items() if name != "js5-19.jcache"}
    done = settle(alice_api, _post(alice_api, usable))
    assert done.status_code == 201 and done.json()["era"] == "modern"


def test_a_real_rs3_file_the_decoder_cannot_read_fails_naming_the_file_and_offset(
    rs3_cache_dir: Path, alice_api: Client, _staging: Path
) -> None:
    data = (rs3_cache_dir / "js5-19.jcache").read_bytes()
    done = settle(alice_api, _post(alice_api, {"js5-19.jcache": data}))
    if done.status_code != 422:
        pytest.skip("the RS3 item decoder now reads every record of the test cache")
    error = done.json()["error"]
    assert error["file"] == "js5-19.jcache" and isinstance(error["offset"], int)
    assert "js5-19.jcache item" in error["message"]
    _nothing_kept(_staging)


# --- scale mode ------------------------------------------------------------------------------


@pytest.mark.skipif(not SCALE, reason="scale mode only: a real Celery worker decodes the upload")
def test_a_celery_worker_decodes_the_staged_upload(jobs_running: None, alice: User) -> None:
    client = token_client(alice)
    sent = _post(client, synth.modern_files())
    assert sent.status_code == 202, sent.content
    link = sent.json()["links"]["self"]
    until = time.monotonic() + 60
    status = sent.json()
    while status["status"] in ("pending", "decoding") and time.monotonic() < until:
        time.sleep(0.2)
        status = client.get(link).json()
    assert status["status"] == "ready", json.dumps(status)
    assert client.get(status["links"]["cache"]).json()["era"] == "modern"
    assert not Path(RelicUpload.objects.get().staging or "/nonexistent").exists()


# --- one person's uploads cannot crowd out everyone else's work -------------------------------


def test_a_person_decodes_one_upload_at_a_time(alice_api: Client, bob_api: Client) -> None:
    first = _post(alice_api, synth.modern_files())
    assert first.status_code == 202
    second = _post(alice_api, {"cache.zip": _zip(synth.classic_files())})
    assert second.status_code == 429 and second.json()["error"]["code"] == "upload_busy"
    assert int(second["Retry-After"]) > 0
    assert _post(bob_api, {"cache.zip": _zip(synth.classic_files())}).status_code == 202  # others go on
    finish(first.json()["id"])
    again = settle(alice_api, _post(alice_api, {"cache.zip": _zip(synth.classic_files())}))
    assert again.status_code == 201 and again.json()["era"] == "classic"


def test_uploads_a_stopped_server_left_undecoded_are_queued_again(
    alice_api: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = _post(alice_api, synth.modern_files()).json()
    RelicUpload.objects.filter(pk=sent["id"]).update(status=RelicUpload.Status.DECODING)  # the crash
    queued: list[str] = []
    monkeypatch.setattr(museum, "_queue", lambda upload_id: queued.append(str(upload_id)))
    assert museum.resubmit_unfinished_uploads() == 1 and queued == [sent["id"]]
    museum.run_upload(sent["id"])
    assert alice_api.get(sent["links"]["self"]).json()["status"] == "ready"


def test_decoding_errors_cross_back_from_the_generator_process_as_themselves() -> None:
    # Uploads are decoded in a generator process: its refusals must arrive with their
    # file, offset and code, not as a bare message.
    import pickle

    from relics.catalog import RelicCatalogError
    from relics.formats.errors import RelicFormatError
    from relics.uploads import UploadError

    upload = pickle.loads(pickle.dumps(UploadError(422, "bad_cache", "no JS5 tables", "js5-3.jcache", 12)))
    assert (upload.status, upload.code, upload.message, upload.filename, upload.offset) == (
        422,
        "bad_cache",
        "no JS5 tables",
        "js5-3.jcache",
        12,
    )
    errors = (RelicFormatError("config85.jag", 812, "a string", "the end"), RelicCatalogError("x", 0, "y"))
    for error in errors:
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error)
        assert (back.what, back.offset, back.expected, back.found, str(back)) == (
            error.what,
            error.offset,
            error.expected,
            error.found,
            str(error),
        )


def test_a_damaged_upload_refused_through_the_generator_pool_names_its_file(tmp_path: Path) -> None:
    from pog_site import procs
    from relics.decoding import decode_files
    from relics.uploads import UploadError

    bad = tmp_path / "js5-3.jcache"
    bad.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 64)
    with pytest.raises(UploadError) as caught:
        procs.call(decode_files, {"js5-3.jcache": str(bad)})
    assert caught.value.filename == "js5-3.jcache"
    assert procs.size() == 0 or procs.pids()  # the pool exists when there are generator processes
