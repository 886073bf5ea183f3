"""Image · Remove background: Makes the background of a picture see-through."""

from __future__ import annotations

from collections.abc import Sequence

from limbs.formats.png import validate_png
from limbs.generators.image_tools import remove_background as make
from limbs.params import IMAGE, asset, integer, kw
from limbs.spec import ActionSpec, Output, main_output


def check(outputs: Sequence[Output]) -> None:
    """A cut-out must carry transparency."""
    validate_png(main_output(outputs).data, require_alpha=True)


ACTION = ActionSpec(
    id="remove_background",
    name="Remove background",
    description="Makes the background of a picture see-through.",
    output="image",
    needs_intent=False,
    params=(
        asset("image", "Picture", IMAGE, "The picture whose background should go."),
        integer(
            "tolerance",
            "Tolerance",
            30,
            0,
            100,
            "How different a colour must be from the background to stay.",
        ),
        integer("feather", "Soft edge", 1, 0, 10, "Pixels of soft edge around what is kept."),
    ),
    keywords=kw("remove background, transparent, cut out, no background"),
    check=check,
    make=make,
)
