"""Ogg sound (Vorbis, Opus or FLAC in an Ogg container): every page's framing and CRC.

An Ogg stream is a chain of pages, each ``OggS``, version 0, a header-type byte, the
granule position, stream serial, page sequence number, a CRC-32 over the page (with the
CRC field zeroed; polynomial 0x04C11DB7, no reflection), and a segment table. The first
page of each logical stream starts its identification packet, which names the codec.
"""

from __future__ import annotations

import struct
from typing import Any

from limbs.formats.base import Format, OutputInvalid, signature

_CAPTURE = b"OggS"
_HEADER = struct.Struct("<4sBBqIIIB")
MAX_PAGES = 1_000_000


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
        table.append(crc & 0xFFFFFFFF)
    return tuple(table)


_TABLE = _crc_table()


def ogg_crc(page: bytes) -> int:
    crc = 0
    for byte in page:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _TABLE[((crc >> 24) ^ byte) & 0xFF]
    return crc


def _codec(packet: bytes) -> str:
    if packet.startswith(b"\x01vorbis"):
        return "vorbis"
    if packet.startswith(b"OpusHead"):
        return "opus"
    if packet.startswith(b"\x7fFLAC"):
        return "flac"
    raise OutputInvalid("the Ogg stream holds no Vorbis, Opus or FLAC sound")


def validate_ogg(data: bytes) -> dict[str, Any]:
    offset = 0
    pages = 0
    streams: dict[int, dict[str, Any]] = {}
    while offset < len(data):
        if len(data) - offset < _HEADER.size:
            raise OutputInvalid(f"Ogg page at byte {offset} is cut short")
        capture, version, kind, granule, serial, sequence, crc, count = _HEADER.unpack_from(data, offset)
        if capture != _CAPTURE:
            raise OutputInvalid(f"no Ogg page starts at byte {offset}")
        if version != 0:
            raise OutputInvalid(f"Ogg page at byte {offset} has version {version}, expected 0")
        table_end = offset + _HEADER.size + count
        if table_end > len(data):
            raise OutputInvalid(f"Ogg page at byte {offset} has a cut segment table")
        lacing = data[offset + _HEADER.size : table_end]
        end = table_end + sum(lacing)
        if end > len(data):
            raise OutputInvalid(f"Ogg page at byte {offset} runs past the end of the file")
        page = bytearray(data[offset:end])
        page[22:26] = b"\0\0\0\0"
        if ogg_crc(bytes(page)) != crc:
            raise OutputInvalid(f"Ogg page {pages} fails its CRC check (damaged file)")
        stream = streams.get(serial)
        if stream is None:
            if not kind & 0x02:
                raise OutputInvalid(f"Ogg stream {serial} does not begin with a first page")
            stream = streams[serial] = {"codec": _codec(data[table_end:end]), "next": 0, "ended": False}
        if sequence != stream["next"]:
            raise OutputInvalid(f"Ogg stream {serial} skips from page {stream['next'] - 1} to {sequence}")
        if stream["ended"]:
            raise OutputInvalid(f"Ogg stream {serial} goes on after its last page")
        stream["next"] = sequence + 1
        stream["ended"] = bool(kind & 0x04)
        stream["granule"] = granule
        pages += 1
        if pages > MAX_PAGES:
            raise OutputInvalid("Ogg file has too many pages")
        offset = end
    if not streams:
        raise OutputInvalid("Ogg file is empty")
    codecs = sorted({s["codec"] for s in streams.values()})
    return {"pages": pages, "streams": len(streams), "codecs": codecs}


FORMAT = Format(
    id="ogg",
    name="Ogg sound",
    mimes=("audio/ogg", "application/ogg", "audio/vorbis", "audio/opus"),
    kind="audio",
    suffixes=(".ogg", ".oga", ".opus"),
    validate=validate_ogg,
    preview="audio",
    sniff=signature(_CAPTURE),
)
