"""limbs.formats.ogg: every page of an Ogg stream is framed right, passes its CRC, follows
the one before it, and the first names a sound codec. The pages are built here, byte by
byte, with a CRC computed independently of the module under test."""

from __future__ import annotations

import pytest

from limbs.formats import OutputInvalid, for_mime, sniff, validate_output
from limbs.formats.ogg import FORMAT, ogg_crc, validate_ogg
from tests.limbs.formats.samples import (
    BOS,
    CONTINUED,
    EOS,
    FLAC_HEAD,
    OPUS_HEAD,
    SPEEX_HEAD,
    VORBIS_ID,
    crc32_ogg,
    ogg_page,
    ogg_stream,
)


def test_the_test_crc_is_the_ogg_crc_of_the_standard_check_string() -> None:
    # 0x89A1897F is CRC-32/POSIX's check value (0x765E7680) without its final inversion.
    assert crc32_ogg(b"123456789") == 0x89A1897F
    assert ogg_crc(b"123456789") == 0x89A1897F


def test_a_vorbis_stream_of_three_pages_passes() -> None:
    assert validate_ogg(ogg_stream()) == {"pages": 3, "streams": 1, "codecs": ["vorbis"]}


@pytest.mark.parametrize(("first", "codec"), [(OPUS_HEAD, "opus"), (FLAC_HEAD, "flac")])
def test_opus_and_flac_streams_are_recognised_by_their_first_packet(first: bytes, codec: str) -> None:
    assert validate_ogg(ogg_stream(first))["codecs"] == [codec]


def test_streams_chained_one_after_another_each_count() -> None:
    report = validate_ogg(ogg_stream(serial=1) + ogg_stream(OPUS_HEAD, serial=2, pages=2))
    assert report == {"pages": 5, "streams": 2, "codecs": ["opus", "vorbis"]}


def test_a_packet_longer_than_255_bytes_spans_several_lacing_values() -> None:
    long_packet = bytes(range(256)) * 3  # 768 bytes: lacing 255, 255, 255, 3
    data = ogg_page(VORBIS_ID, kind=BOS) + ogg_page(long_packet, sequence=1, kind=EOS)
    assert validate_ogg(data)["pages"] == 2


def test_a_packet_continued_on_the_next_page_is_fine() -> None:
    # A segment table ending in 255 leaves the packet open; the next page continues it.
    data = ogg_page(VORBIS_ID, kind=BOS) + ogg_page(b"\x55" * 510, sequence=1, last_goes_on=True)
    data += ogg_page(b"\x66" * 10, sequence=2, kind=CONTINUED | EOS)
    assert validate_ogg(data)["pages"] == 3


def test_a_damaged_byte_fails_the_crc_check() -> None:
    data = bytearray(ogg_stream())
    data[-5] ^= 0x40
    with pytest.raises(OutputInvalid, match="page 2 fails its CRC check"):
        validate_ogg(bytes(data))


def test_a_wrong_stored_crc_fails_the_crc_check() -> None:
    data = bytearray(ogg_stream())
    data[22] ^= 0x01  # the first page's CRC field itself
    with pytest.raises(OutputInvalid, match="page 0 fails its CRC check"):
        validate_ogg(bytes(data))


def test_a_skipped_page_is_caught() -> None:
    data = (
        ogg_page(VORBIS_ID, kind=BOS)
        + ogg_page(b"a" * 20, sequence=1)
        + ogg_page(b"c" * 20, sequence=3, kind=EOS)
    )
    with pytest.raises(OutputInvalid, match="skips from page 1 to 3"):
        validate_ogg(data)


def test_a_page_repeated_is_caught() -> None:
    data = ogg_page(VORBIS_ID, kind=BOS) + ogg_page(b"a" * 20, sequence=1) + ogg_page(b"a" * 20, sequence=1)
    with pytest.raises(OutputInvalid, match="skips from page 1 to 1"):
        validate_ogg(data)


@pytest.mark.parametrize("first", [SPEEX_HEAD, b"\x03vorbis" + b"\x00" * 20, b"", b"OggS" * 10])
def test_a_first_packet_that_is_not_vorbis_opus_or_flac_is_refused(first: bytes) -> None:
    with pytest.raises(OutputInvalid, match="no Vorbis, Opus or FLAC"):
        validate_ogg(ogg_stream(first))


def test_a_stream_must_begin_with_a_page_marked_first() -> None:
    with pytest.raises(OutputInvalid, match="does not begin with a first page"):
        validate_ogg(ogg_page(VORBIS_ID, kind=0))


def test_a_stream_that_goes_on_after_its_last_page_is_refused() -> None:
    data = ogg_page(VORBIS_ID, kind=BOS | EOS) + ogg_page(b"more", sequence=1)
    with pytest.raises(OutputInvalid, match="goes on after its last page"):
        validate_ogg(data)


def test_an_unknown_page_version_is_refused() -> None:
    with pytest.raises(OutputInvalid, match="version 1, expected 0"):
        validate_ogg(ogg_page(VORBIS_ID, kind=BOS, version=1))


def test_bytes_between_pages_are_refused() -> None:
    first = ogg_page(VORBIS_ID, kind=BOS)
    with pytest.raises(OutputInvalid, match=f"no Ogg page starts at byte {len(first)}"):
        validate_ogg(first + b"junk" + ogg_page(b"x", sequence=1, kind=EOS))


@pytest.mark.parametrize(
    ("cut", "message"),
    [(20, "cut short"), (27, "cut segment table"), (-5, "runs past the end")],
)
def test_a_truncated_file_is_refused(cut: int, message: str) -> None:
    data = ogg_page(VORBIS_ID, kind=BOS)
    with pytest.raises(OutputInvalid, match=message):
        validate_ogg(data[:cut])


def test_an_empty_file_is_not_an_ogg() -> None:
    with pytest.raises(OutputInvalid, match="empty"):
        validate_ogg(b"")


def test_ogg_is_found_by_its_type_and_its_first_bytes() -> None:
    data = ogg_stream()
    for mime in FORMAT.mimes:
        assert for_mime(mime) is FORMAT
    assert sniff(data) is FORMAT
    assert validate_output("audio/ogg", data)["codecs"] == ["vorbis"]
