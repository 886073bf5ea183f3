"""limbs.formats.mermaid: the stateDiagram-v2 subset a quest's picture is written in."""

from __future__ import annotations

import pytest

from limbs.formats import OutputInvalid
from limbs.formats.mermaid import validate_mermaid


def test_mermaid_state_diagrams_pass_and_stray_syntax_fails() -> None:
    good = 'stateDiagram-v2\n    state "Begin" as start\n    [*] --> start\n    start --> done : go\n'
    assert validate_mermaid(good)["transitions"] == 2
    with pytest.raises(OutputInvalid, match="line 3"):
        validate_mermaid("stateDiagram-v2\n    [*] --> start\n    start -> done: go: now\n")
    with pytest.raises(OutputInvalid, match="stateDiagram-v2"):
        validate_mermaid("graph TD\n")
