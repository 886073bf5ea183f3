"""The video limb as a whole: every action names its missing input."""

from __future__ import annotations

import pytest

from limbs.spec import GeneratorInputError
from tests.limbs.parts.video.samples import PARAM, run


@pytest.mark.parametrize("action", ["animate", "sprite_sheet", "extract_frames"])
def test_a_missing_input_names_its_param(action: str) -> None:
    with pytest.raises(GeneratorInputError) as err:
        run(action, None)
    assert err.value.field == PARAM[action]
