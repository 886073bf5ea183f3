"""file.upload: a file is taken only when its first bytes, its decode and its limits agree."""

from __future__ import annotations

import base64
import io
import json
import struct
import zipfile
import zlib
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from limbs.formats.vox import VoxModel, write_vox
from limbs.models import Asset, Generation
from limbs.parts.file import upload
from limbs.registry import REGISTRY
from limbs.spec import GenRequest
from provenance.models import LedgerEntry

pytestmark = pytest.mark.usefixtures("jobs_running")


def send(client: Client, name: str, data: bytes, **params: Any) -> Any:
    body = {
        "action": "upload",
        "params": {"file": {"name": name, "data": base64.b64encode(data).decode()}, **params},
        "wait": True,
    }
    return client.post("/api/handle/file", body, content_type="application/json")


def picture(fmt: str, size: tuple[int, int] = (16, 12)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buf, format=fmt)
    return buf.getvalue()


def _crc(page: bytes) -> int:
    """Ogg's CRC-32 (polynomial 0x04C11DB7, not reflected), bit by bit, independently."""
    crc = 0
    for byte in page:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
    return crc


def ogg_page(packet: bytes, sequence: int, kind: int) -> bytes:
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, kind, 0, 7, sequence, 0, 1) + bytes([len(packet)])
    page = header + packet
    return page[:22] + struct.pack("<I", _crc(page)) + page[26:]


def sample(kind: str) -> tuple[str, bytes]:
    if kind in ("png", "gif", "webp"):
        return f"red.{kind}", picture(kind.upper())
    if kind == "jpeg":
        return "red.jpg", picture("JPEG")
    if kind == "wav":
        return "coin.wav", REGISTRY.call("audio", "sfx", GenRequest("a coin", {}, 1)).outputs[0].data
    if kind == "ogg":
        return "tune.ogg", ogg_page(b"\x01vorbis" + b"\x00" * 23, 0, 2) + ogg_page(b"\x03vorbis", 1, 4)
    if kind == "glb":
        return "walk.glb", REGISTRY.call("animation", "keyframes", GenRequest("walk", {}, 1)).outputs[0].data
    if kind == "obj":
        return "tri.obj", b"# a triangle\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"
    if kind == "vox":
        return "cube.vox", write_vox([VoxModel((2, 2, 2), ((0, 0, 0, 1), (1, 1, 1, 2)))])
    if kind == "json":
        return "level.json", json.dumps({"level": 1, "enemies": ["bat"]}).encode()
    if kind == "txt":
        return "notes.txt", "A note about my game ✨\n".encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("a.txt", "hello")
    return "pack.zip", buf.getvalue()


def counts() -> tuple[int, int, int]:
    return Generation.objects.count(), Asset.objects.count(), LedgerEntry.objects.count()


@pytest.mark.parametrize("kind", list(upload.TYPES))
def test_every_accepted_type_is_taken_whether_declared_or_read_from_its_bytes(
    alice_api: Client, kind: str
) -> None:
    name, data = sample(kind)
    for declared in ("auto", kind):
        response = send(alice_api, name, data, type=declared)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["status"] == "succeeded", body
        [asset] = body["assets"]
        assert alice_api.get(asset["url"]).content == data
        fmt = upload.TYPES[kind]
        assert asset["mime"] == {f.id: f.mimes[0] for f in upload.ACCEPTED if f is not None}[fmt]


@pytest.mark.parametrize(
    ("name", "data", "declared", "words"),
    [
        ("red.jpg", picture("PNG"), "jpeg", "first bytes are those of a PNG"),
        ("red.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "auto", "cannot be used"),
        ("song.mid", b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x00\x60", "auto", "does not take"),
        ("blob.bin", bytes(range(256)) * 4, "auto", "cannot tell"),
        ("notes.txt", picture("PNG"), "txt", "sent as text"),
        ("big.png", picture("PNG", (5000, 4000)), "png", "uploads may be up to"),
        ("broken.obj", b"v 0 0 0\nf 1 2 3\n", "obj", "refers to vertex 2"),
        ("level.json", b'{"level": ', "json", "does not parse"),
    ],
)
def test_a_bad_file_gets_a_422_naming_the_problem_and_nothing_is_stored(
    alice_api: Client, name: str, data: bytes, declared: str, words: str
) -> None:
    before = counts()
    response = send(alice_api, name, data, type=declared)
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["field"] == "params.file"
    assert words in error["message"]
    assert counts() == before


def test_a_zip_bomb_is_refused_before_it_is_inflated(alice_api: Client) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\x00" * (80 * 1024 * 1024))
    assert len(buf.getvalue()) < 200_000
    before = counts()
    response = send(alice_api, "bomb.zip", buf.getvalue())
    assert response.status_code == 422
    assert "bomb" in response.json()["error"]["message"] or "expands" in response.json()["error"]["message"]
    assert counts() == before


def test_a_file_over_the_limit_gets_413(alice_api: Client) -> None:
    data = zlib.compress(b"x") + b"\x00" * (upload.MAX_BYTES + 1)
    response = send(alice_api, "huge.txt", data)
    assert response.status_code == 413
    assert response.json()["error"]["field"] == "params.file"


def test_a_file_that_is_not_base64_is_named(alice_api: Client) -> None:
    body = {"action": "upload", "params": {"file": {"name": "x.png", "data": "not base64!"}}, "wait": True}
    response = alice_api.post("/api/handle/file", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "params.file"


def test_the_label_names_the_file_and_the_same_upload_is_one_asset(alice_api: Client) -> None:
    name, data = sample("png")
    first = send(alice_api, name, data, label="My hero!", tags="hero, red").json()
    again = send(alice_api, name, data, label="My hero!", tags="hero, red").json()
    assert first["assets"][0]["name"] == "My hero.png"
    assert again["assets"][0]["id"] == first["assets"][0]["id"]
    stored = Asset.objects.get(pk=first["assets"][0]["id"])
    assert stored.meta["tags"] == ["hero", "red"] and stored.meta["width"] == 16
