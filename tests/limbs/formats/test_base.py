"""limbs.formats.base: the small readers every format module shares."""

from __future__ import annotations

import pytest

from limbs.formats import OutputInvalid
from limbs.formats.base import json_of, nesting_limited, parse_json, plain_text, require, signature, text_of


def test_text_of_decodes_utf8_and_refuses_anything_else() -> None:
    assert text_of("already text") == "already text"
    assert text_of("caf\u00e9".encode()) == "caf\u00e9"
    with pytest.raises(OutputInvalid, match="not UTF-8"):
        text_of(b"caf\xe9")


def test_json_of_wants_an_object() -> None:
    assert json_of(b'{"a": 1}', "thing") == {"a": 1}
    assert json_of({"a": 1}, "thing") == {"a": 1}
    with pytest.raises(OutputInvalid, match="thing must be a JSON object"):
        json_of(b"[1]", "thing")
    with pytest.raises(OutputInvalid, match="thing JSON does not parse"):
        json_of(b"{", "thing")


def test_json_nested_deeper_than_python_reads_is_invalid_not_a_crash() -> None:
    with pytest.raises(OutputInvalid, match="thing does not parse: it is nested too deeply"):
        parse_json("[" * 100_000, "thing")
    with pytest.raises(OutputInvalid, match="nested too deeply"):
        json_of("[" * 100_000, "thing")


def test_a_recursive_checker_turns_running_out_of_stack_into_an_invalid_file() -> None:
    @nesting_limited("tower")
    def depth(node: list[object]) -> int:
        return 1 + max((depth(child) for child in node if isinstance(child, list)), default=0)

    shallow: list[object] = [[[]]]
    assert depth(shallow) == 3
    deep: list[object] = []
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(OutputInvalid, match="tower is nested too deeply to check"):
        depth(deep)


def test_require_checks_presence_and_type_and_never_takes_a_bool_for_a_number() -> None:
    assert require({"n": 3}, "n", int, "doc") == 3
    for bad in ({}, {"n": "3"}, {"n": True}):
        with pytest.raises(OutputInvalid, match="doc: 'n' is missing or has the wrong type"):
            require(bad, "n", int, "doc")
    assert require({"flag": True}, "flag", bool, "doc") is True


def test_plain_text_is_utf8_without_nul_bytes() -> None:
    assert plain_text(b"a\nb\n") == {"bytes": 4, "lines": 2}
    with pytest.raises(OutputInvalid, match="NUL"):
        plain_text(b"a\x00b")


def test_a_signature_sniffer_matches_any_of_its_prefixes() -> None:
    sniffer = signature(b"GIF87a", b"GIF89a")
    assert sniffer(b"GIF89a...") and sniffer(b"GIF87a")
    assert not sniffer(b"GIF8") and not sniffer(b"")
