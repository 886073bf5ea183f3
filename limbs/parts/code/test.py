"""Code · Write tests: Writes a starting set of pytest tests for your code."""

from __future__ import annotations

from limbs.params import CODE, asset, choice, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="test",
    name="Write tests",
    description="Writes a starting set of pytest tests for your code.",
    output="code",
    needs_intent=False,
    params=(
        asset("source", "Code", CODE, "The Python code to test."),
        choice("depth", "How thorough", ("basic", "thorough"), "basic", "Thorough adds edge cases."),
    ),
    keywords=kw("test, tests, pytest, unit test, testing"),
)
