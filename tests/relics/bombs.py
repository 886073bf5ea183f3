"""Zip bombs for the upload tests, built by streaming zeros (never held whole in memory),
and a counting wrapper that measures how many bytes an unzipper really inflated."""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

MIB = 1024 * 1024


@functools.cache
def bomb(inflated_mb: int = 190, name: str = "config85.jag") -> bytes:
    """One deflated entry of ``inflated_mb`` MiB of zeros: about 190 KB for the default 190 MB."""
    buf = io.BytesIO()
    zero = bytes(MIB)
    with (
        zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open(name, "w", force_zip64=True) as entry,
    ):
        for _ in range(inflated_mb):
            entry.write(zero)
    return buf.getvalue()


def lying(data: bytes, compress_size: int) -> bytes:
    """``data`` (a one-entry zip) whose central directory claims ``compress_size`` compressed
    bytes, so the ratio its header declares looks harmless."""
    out = bytearray(data)
    central = out.rfind(b"PK\x01\x02")
    out[central + 20 : central + 24] = compress_size.to_bytes(4, "little")
    return bytes(out)


class Inflated:
    """The bytes every ``ZipExtFile.read`` handed back while counting."""

    def __init__(self) -> None:
        self.bytes = 0


@contextmanager
def counting(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inflated]:
    seen = Inflated()
    real = zipfile.ZipExtFile.read

    def read(self: zipfile.ZipExtFile, n: int = -1) -> bytes:
        chunk: Any = real(self, n)
        seen.bytes += len(chunk)
        return bytes(chunk)

    monkeypatch.setattr(zipfile.ZipExtFile, "read", read)
    yield seen
