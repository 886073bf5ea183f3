from __future__ import annotations

import json
import math

import pytest

from provenance.canonical import canonical_json


def test_it_writes_a_fixed_object_as_these_exact_bytes() -> None:
    # These bytes are a forever contract: if this test fails, old signatures break.
    value = {
        "b": [1, 2.5, True, False, None],
        "a": 'é "q" \\ / \n\t\x01\x7f 🎮',
        "c": {"z": 1.0, "y": -0.0, "x": 1e21, "w": 1e-7, "v": -12, "u": 0.1},
        "": {},
        "e": [],
        "big": 2**70,
    }
    expected = (
        b'{"":{},"a":"\xc3\xa9 \\"q\\" \\\\ / \\n\\t\\u0001\x7f \xf0\x9f\x8e\xae",'
        b'"b":[1,2.5,true,false,null],"big":1180591620717411303424,'
        b'"c":{"u":0.1,"v":-12,"w":0.0000001,"x":1000000000000000000000,"y":0,"z":1},"e":[]}'
    )
    assert canonical_json(value) == expected


def test_it_ignores_insertion_order() -> None:
    assert canonical_json({"b": 1, "a": 2}) == canonical_json({"a": 2, "b": 1}) == b'{"a":2,"b":1}'


def test_it_sorts_keys_by_code_point() -> None:
    assert canonical_json({"b": 0, "B": 0, "é": 0, "a": 0}) == '{"B":0,"a":0,"b":0,"é":0}'.encode()


def test_it_writes_integers_as_integers_and_whole_floats_without_a_fraction() -> None:
    assert (
        canonical_json([3, 3.0, -3.0, 10**20, 1e20])
        == b"[3,3,-3,100000000000000000000,100000000000000000000]"
    )


def test_it_escapes_every_control_character() -> None:
    text = "".join(chr(code) for code in range(0x20))
    written = canonical_json(text).decode()
    assert written.startswith('"\\u0000\\u0001')
    assert "\\b\\t\\n\\u000b\\f\\r" in written
    assert all(ord(char) >= 0x20 for char in written)


@pytest.mark.parametrize(
    "number", [0.1, 1 / 3, 5e-324, 1.7976931348623157e308, 123456.789e-30, 2.0**60, -1e16]
)
def test_it_gives_the_same_bytes_after_a_json_round_trip(number: float) -> None:
    # The database may hand a number back as int or float; the bytes must not care.
    written = canonical_json({"n": number})
    assert canonical_json(json.loads(written)) == written
    assert canonical_json(json.loads(json.dumps({"n": number}))) == written
    assert float(json.loads(written)["n"]) == number


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_it_rejects_nan_and_infinity(number: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        canonical_json({"x": [number]})


@pytest.mark.parametrize(
    "value", [(1, 2), {1, 2}, b"bytes", object(), {1: "int key"}, {"d": {"nested": (1,)}}]
)
def test_it_rejects_values_that_are_not_json_types(value: object) -> None:
    with pytest.raises(TypeError):
        canonical_json(value)


def test_it_rejects_a_lone_surrogate() -> None:
    with pytest.raises(ValueError, match="surrogate"):
        canonical_json("\ud800")
