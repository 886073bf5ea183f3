"""Small hand-made parameters and actions the spec and params tests share."""

from __future__ import annotations

from limbs.spec import ActionSpec, ParamSpec

WIDTH = ParamSpec("width", "integer", "Width", default=512, minimum=64, maximum=1024)
DEPTH = ParamSpec("depth", "number", "Depth", default=0.25, minimum=0.05, maximum=1.0, step=0.05)
STYLE = ParamSpec("style", "choice", "Style", default="auto", choices=("auto", "pixel", "night"))
OUTLINE = ParamSpec("outline", "boolean", "Outline", default=True)
TITLE = ParamSpec("title", "string", "Title", max_length=10)
NOTES = ParamSpec("notes", "text", "Notes", max_length=50)
PICTURE = ParamSpec("image", "asset", "Picture", required=True, accepts=("image/",))

ACTION = ActionSpec(
    id="make",
    name="Make",
    description="A test action.",
    output="image",
    params=(WIDTH, DEPTH, STYLE, OUTLINE, TITLE, NOTES),
)
NEEDS_PICTURE = ActionSpec(
    id="lift", name="Lift", description="Needs a picture.", output="model", params=(PICTURE,)
)
