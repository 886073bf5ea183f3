"""Security · Sign: Adds a signature that proves the file came from this studio unchanged."""

from __future__ import annotations

from limbs.params import ANY_ASSET, asset, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="sign",
    name="Sign",
    description="Adds a signature that proves the file came from this studio unchanged.",
    output="data",
    needs_intent=False,
    params=(asset("asset", "File", ANY_ASSET, "The file to sign."),),
    keywords=kw("sign, signature, signed"),
)
