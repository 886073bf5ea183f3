"""image.remove_background: the border's colours flood away; the subject stays."""

from __future__ import annotations

import numpy as np

from limbs.formats.png import validate_png
from tests.limbs.parts.image.samples import decode, encode, run, subject_on_background


def test_removing_the_background_makes_corners_clear_and_keeps_the_subject() -> None:
    result = run("remove_background", subject_on_background())
    report = validate_png(result.outputs[0].data, require_alpha=True)
    assert (report["width"], report["height"]) == (100, 80)
    alpha = decode(result.outputs[0].data)[..., 3]
    assert alpha[0, 0] == alpha[-1, -1] == alpha[0, -1] == alpha[-1, 0] == 0
    assert alpha[40, 50] == 255 and alpha[40, 35] == 255  # the light eye is enclosed, so it stays
    assert result.meta["background"] and 0.6 < result.meta["removed"] < 0.85


def test_a_lower_tolerance_removes_less_of_a_noisy_background() -> None:
    source = subject_on_background(noise=6.0)
    removed = [run("remove_background", source, tolerance=t).meta["removed"] for t in (0, 10, 40)]
    assert removed[0] < removed[1] <= removed[2]


def test_feather_softens_the_edge_inward_only() -> None:
    hard = decode(run("remove_background", subject_on_background(), feather=0).outputs[0].data)[..., 3]
    soft = decode(run("remove_background", subject_on_background(), feather=4).outputs[0].data)[..., 3]
    assert set(np.unique(hard)) <= {0, 255}
    partial = (soft > 0) & (soft < 255)
    assert partial.sum() > 100
    assert not (partial & (hard == 0)).any()  # nothing of the background comes back


def test_a_subject_the_colour_of_the_background_is_kept_when_enclosed() -> None:
    arr = np.full((60, 60, 3), 255, np.uint8)
    arr[10:50, 10:50] = (0, 0, 0)
    arr[20:40, 20:40] = (255, 255, 255)  # a white hole inside the black frame
    alpha = decode(run("remove_background", encode(arr), feather=0).outputs[0].data)[..., 3]
    assert alpha[30, 30] == 255 and alpha[5, 5] == 0


def test_remove_background_is_deterministic() -> None:
    src = subject_on_background()
    assert run("remove_background", src).outputs[0].data == run("remove_background", src).outputs[0].data
