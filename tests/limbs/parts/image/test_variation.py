"""image.variation: new pictures like one you already have, plus a contact sheet."""

from __future__ import annotations

import numpy as np

from limbs.formats.png import validate_png
from tests.limbs.parts.image.samples import colours_of, decode, photo, run


def test_variations_are_count_pictures_of_the_same_size_plus_a_contact_sheet() -> None:
    result = run("variation", photo(), count=5)
    mains = [o for o in result.outputs if o.role == "main"]
    assert len(mains) == 5
    for o in mains:
        assert validate_png(o.data)["width"] == 120
    sheet = [o for o in result.outputs if o.role == "preview"]
    assert len(sheet) == 1 and validate_png(sheet[0].data)["width"] > 160
    assert len({o.data for o in mains}) == 5


def test_more_amount_makes_variations_further_from_the_original() -> None:
    source = photo()
    original = decode(source, "RGB")

    def distance(amount: float) -> float:
        outs = run("variation", source, amount=amount, count=3).outputs[:3]
        return float(np.mean([np.abs(decode(o.data, "RGB") - original).mean() for o in outs]))

    near, mid, far = distance(0.0), distance(0.3), distance(1.0)
    assert near < 4 and near < mid < far


def test_variations_of_pixel_art_stay_crisp_and_keep_their_colour_count(sprite_png: bytes) -> None:
    result = run("variation", sprite_png, amount=0.6, count=4)
    before = len(colours_of(decode(sprite_png)))
    for o in result.outputs[:4]:
        assert len(colours_of(decode(o.data))) <= before + 1
        assert validate_png(o.data, require_alpha=True)["has_alpha"]


def test_variations_are_deterministic() -> None:
    a = run("variation", photo(), seed=3)
    b = run("variation", photo(), seed=3)
    assert [o.data for o in a.outputs] == [o.data for o in b.outputs]
