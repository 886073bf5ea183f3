"""Upload checks: names, magic bytes, sizes, zip bombs and path traversal."""

from __future__ import annotations

import io
import zipfile

import pytest

from relics.uploads import Limits, UploadError, check_cache_file, collect_files, read_zip
from tests.relics import synth

LIMITS = Limits(max_bytes=2 * 1024 * 1024, max_entries=20)


def _zip(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_a_zip_of_a_cache_folder_unpacks_flat() -> None:
    files = synth.classic_files()
    unpacked = collect_files([("rsc.zip", _zip({f"rsc204/{k}": v for k, v in files.items()}))], LIMITS)
    assert unpacked == files


def test_loose_files_are_accepted_as_they_are() -> None:
    files = synth.modern_files()
    assert collect_files(list(files.items()), LIMITS) == files


def test_it_refuses_path_traversal_in_a_zip() -> None:
    for bad in ("../config85.jag", "a/../../config85.jag", "/etc/config85.jag", "C:/config85.jag"):
        with pytest.raises(UploadError) as caught:
            read_zip(_zip({bad: b"x"}), LIMITS)
        assert caught.value.code == "path_traversal" and caught.value.status == 422


def test_it_refuses_a_zip_bomb_before_inflating_it() -> None:
    bomb = _zip({"config85.jag": b"\x00" * (3 * 1024 * 1024)})
    assert len(bomb) < 10_000
    with pytest.raises(UploadError) as caught:
        read_zip(bomb, LIMITS)
    assert caught.value.status == 413


def test_it_refuses_a_zip_whose_headers_understate_the_size() -> None:
    data = bytearray(_zip({"config85.jag": b"\x00" * (3 * 1024 * 1024)}))
    # Claim 10 bytes in the central directory: inflation stops there and the CRC gives it away.
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    with pytest.raises(UploadError) as caught:
        read_zip(bytes(data), Limits(max_bytes=1024 * 1024))
    assert (caught.value.status, caught.value.code) == (422, "bad_zip")
    assert "config85.jag" in caught.value.message


def test_it_refuses_too_many_zip_entries() -> None:
    with pytest.raises(UploadError) as caught:
        read_zip(_zip({f"f{i}.jag": b"" for i in range(25)}), LIMITS)
    assert caught.value.code == "too_many_entries" and caught.value.status == 413


def test_it_refuses_uploads_over_the_size_limit() -> None:
    with pytest.raises(UploadError) as caught:
        collect_files([("config85.jag", b"\x00" * (LIMITS.max_bytes + 1))], LIMITS)
    assert caught.value.status == 413


def test_magic_bytes_are_checked_per_file() -> None:
    with pytest.raises(UploadError, match=r"js5-19\.jcache is not a jcache"):
        check_cache_file("js5-19.jcache", b"PK\x03\x04 not sqlite")
    with pytest.raises(UploadError, match=r"config85\.jag at offset 3"):
        check_cache_file("config85.jag", b"\x00\x00\x10\x00\x00\x10short")
    with pytest.raises(UploadError) as caught:
        check_cache_file("evil.exe", b"MZ")
    assert caught.value.code == "unknown_file"
    check_cache_file("config85.jag", synth.classic_files()["config85.jag"])


def test_an_empty_upload_is_refused() -> None:
    with pytest.raises(UploadError, match="Send a zip"):
        collect_files([], LIMITS)
