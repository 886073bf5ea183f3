"""limbs.formats.webp: every frame of a (possibly animated) WebP decodes."""

from __future__ import annotations

import pytest

from limbs.formats import OutputInvalid
from limbs.formats.webp import validate_webp
from tests.limbs.formats.samples import webp


def test_validate_webp_decodes_an_animated_webp() -> None:
    report = validate_webp(webp(4), min_frames=2)
    assert report["frames"] == 4
    assert report["durations"] == [50] * 4


def test_validate_webp_rejects_a_riff_that_is_not_webp() -> None:
    with pytest.raises(OutputInvalid):
        validate_webp(b"RIFF\x10\x00\x00\x00WAVEfmt " + b"\x00" * 16)


def test_validate_webp_rejects_corrupt_frame_data() -> None:
    data = bytearray(webp(4))
    data[60:200] = b"\x00" * 140
    with pytest.raises(OutputInvalid):
        validate_webp(bytes(data))
