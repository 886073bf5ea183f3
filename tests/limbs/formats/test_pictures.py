"""limbs.formats.pictures: how sure the studio is that a valid picture is a real answer."""

from __future__ import annotations

import io

from PIL import Image

from limbs.formats.pictures import picture_confidence


def png(colour: tuple[int, int, int] | None) -> bytes:
    im = Image.new("RGB", (64, 64), colour or (0, 0, 0))
    if colour is None:
        for x in range(64):
            for y in range(64):
                im.putpixel((x, y), ((x * 4) % 256, (y * 4) % 256, ((x + y) * 2) % 256))
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def test_confidence_is_zero_for_a_blank_picture_and_high_for_a_busy_one() -> None:
    assert picture_confidence(png((40, 40, 40))) == 0.0
    assert picture_confidence(png(None)) > 0.9


def test_a_picture_of_one_colour_with_a_speck_on_it_still_scores_low() -> None:
    im = Image.open(io.BytesIO(png((200, 30, 30))))
    im.paste((255, 255, 255), (10, 10, 14, 14))
    out = io.BytesIO()
    im.save(out, "PNG")
    assert picture_confidence(out.getvalue()) < 0.2


def test_what_does_not_decode_scores_zero() -> None:
    assert picture_confidence(b"not a picture") == 0.0
