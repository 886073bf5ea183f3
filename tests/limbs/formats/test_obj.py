"""limbs.formats.obj: every statement known, numbers finite, and faces that point only at
vertices, texture coordinates and normals already given (from 1, or back from the end)."""

from __future__ import annotations

import pytest

from limbs.formats import OutputInvalid, sniff
from limbs.formats.obj import FORMAT, sniff_obj, validate_obj

CUBE_CORNER = """\
# one corner of a cube, every statement kind the studio meets
mtllib corner.mtl
o corner
g side
v 0 0 0
v 1 0 0
v 1 1 0 1.0
v 0 1 0 0.5 0.5 0.5
vt 0 0
vt 1 0
vt 1 1
vn 0 0 1
usemtl stone
s off
f 1/1/1 2/2/1 3/3/1
f 1//1 3//1 4//1
f -4/-3 -3/-2 -2/-1
l 1 2 3
p 4
"""


def obj(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


TRIANGLE = ("v 0 0 0", "v 1 0 0", "v 0 1 0")


def test_a_model_with_every_kind_of_statement_passes_and_is_counted() -> None:
    assert validate_obj(CUBE_CORNER.encode()) == {"vertices": 4, "uvs": 3, "normals": 1, "faces": 3}


def test_negative_indices_count_back_from_the_last_vertex_so_far() -> None:
    assert validate_obj(obj(*TRIANGLE, "f -3 -2 -1", "v 2 2 2", "f -1 -2 -4"))["faces"] == 2


@pytest.mark.parametrize(
    ("face", "message"),
    [
        ("f 1 2 4", "refers to vertex 4, but only 3 exist so far"),
        ("f 0 1 2", "refers to vertex 0"),
        ("f -4 -2 -1", "refers to vertex -4"),
        ("f 1/1 2/1 3/1", "texture coordinate 1, but only 0 exist"),
        ("f 1//2 2//2 3//2", "normal 2, but only 0 exist"),
        ("f 1 2 x", "'x' is not a vertex index"),
        ("f 1/a 2 3", "'a' is not a texture coordinate index"),
    ],
)
def test_a_face_pointing_past_what_exists_is_refused(face: str, message: str) -> None:
    with pytest.raises(OutputInvalid, match=message):
        validate_obj(obj(*TRIANGLE, face))


def test_a_face_may_not_point_at_a_vertex_given_after_it() -> None:
    with pytest.raises(OutputInvalid, match="OBJ line 3 refers to vertex 3"):
        validate_obj(obj("v 0 0 0", "v 1 0 0", "f 1 2 3", "v 0 1 0"))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("v 1 2 x", "'x' is not a number"),
        ("v nan 0 0", "'nan' is not a finite number"),
        ("v 0 inf 0", "'inf' is not a finite number"),
        ("v 1 2", "needs 3 to 7 numbers, found 2"),
        ("v 1 2 3 4 5 6 7 8", "needs 3 to 7 numbers, found 8"),
        ("vt", "needs 1 to 3 numbers, found 0"),
        ("vn 0 0 1 0", "needs 3 to 3 numbers, found 4"),
        ("vp 1e999", "not a finite number"),
    ],
)
def test_bad_numbers_are_refused_naming_the_line(line: str, message: str) -> None:
    with pytest.raises(OutputInvalid, match=rf"OBJ line 4.*{message}"):
        validate_obj(obj(*TRIANGLE, line))


@pytest.mark.parametrize("statement", ["curv 0 1 1 2", "surf 0 1 0 1 1 2", "cstype bspline", "hello world"])
def test_unknown_statements_are_refused_rather_than_half_understood(statement: str) -> None:
    word = statement.split()[0]
    with pytest.raises(OutputInvalid, match=f"starts with '{word}', which is not an OBJ statement"):
        validate_obj(obj(*TRIANGLE, statement))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("f 1 2", "a 'f' needs at least 3 corners"),
        ("l 1", "a 'l' needs at least 2 corners"),
        ("p", "a 'p' needs at least 1 corners"),
        ("f 1/1/1/1 2 3", "'1/1/1/1' is not a corner"),
        ("f /1 2 3", "'/1' is not a corner"),
    ],
)
def test_malformed_corners_are_refused(line: str, message: str) -> None:
    with pytest.raises(OutputInvalid, match=message):
        validate_obj(obj(*TRIANGLE, line))


def test_comments_and_blank_lines_are_skipped() -> None:
    assert validate_obj(obj("# a comment", "", "   ", *TRIANGLE, "f 1 2 3 # the only face"))["faces"] == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "no vertices"),
        (b"# nothing but a comment\ng empty\n", "no vertices"),
        (b"v 0 0 0\x00\n", "NUL"),
        (b"v 0 0 0\nv \xff 0 0\n", "not UTF-8"),
    ],
)
def test_what_is_not_a_text_model_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(OutputInvalid, match=message):
        validate_obj(data)


def test_a_small_model_is_sniffed_down_to_its_last_line() -> None:
    assert sniff_obj(b"v 0 0 0\n")
    assert sniff_obj(b"# a point\nv 0 0 0")
    assert sniff(CUBE_CORNER.encode()) is FORMAT


def test_a_large_model_is_sniffed_from_its_first_4096_bytes() -> None:
    head = obj(*[f"v {i} {i} {i}" for i in range(250)])
    padding = 4096 - 3 - len(head)
    assert padding > 2
    big = head + b"#" * (padding - 1) + b"\nusemtl stone\n" + obj(*TRIANGLE) * 100
    # The cut falls inside "usemtl": "use" is no statement, but a half line is not held
    # against the file.
    assert big[4093:4096] == b"use"
    assert sniff_obj(big)


@pytest.mark.parametrize(
    "data",
    [b"", b"hello world\n", b"# only a comment\n", b"f 1 2 3\n", b"v 0 0 0\n\x00", b'{"v": 1}\n'],
)
def test_text_that_is_not_a_model_is_not_sniffed_as_one(data: bytes) -> None:
    assert not sniff_obj(data)
