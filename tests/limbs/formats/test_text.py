"""limbs.formats.text: plain text, Markdown and code are UTF-8 without NUL bytes, and Python
must also parse (it is read, never run)."""

from __future__ import annotations

import pytest

from limbs.formats import Format, OutputInvalid, for_mime, for_suffix
from limbs.formats.text import FORMATS, PLAIN, PYTHON, validate_python

SNAKE = b'''"""A snake that eats apples."""

import random


def step(snake, heading):
    head = (snake[0][0] + heading[0], snake[0][1] + heading[1])
    return [head, *snake[:-1]]


async def tick():
    return step([(0, 0)], (1, 0))
'''


def test_python_that_parses_passes_and_its_functions_are_counted() -> None:
    assert validate_python(SNAKE) == {"bytes": len(SNAKE), "lines": 12, "functions": 2}


@pytest.mark.parametrize(
    ("source", "line"),
    [
        (b"def broken(:\n    pass\n", 1),
        (b"x = 1\nif x\n    y = 2\n", 2),
        (b"print('unclosed\n", 1),
        (b"x = 1\n  y = 2\n", 2),
    ],
)
def test_python_that_does_not_parse_is_refused_with_its_line(source: bytes, line: int) -> None:
    with pytest.raises(OutputInvalid, match=f"Python does not parse: line {line}"):
        validate_python(source)


@pytest.mark.parametrize("source", [b"-" * 100_000 + b"1", b"(" * 5_000 + b")" * 5_000])
def test_python_nested_too_deeply_for_the_parser_is_refused_not_a_crash(source: bytes) -> None:
    with pytest.raises(OutputInvalid, match="Python does not parse"):
        validate_python(source)


def test_python_is_read_never_run() -> None:
    assert validate_python(b"import sys\nsys.exit(3)\nraise SystemExit\n")["functions"] == 0


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.id)
def test_no_text_format_accepts_nul_bytes(fmt: Format) -> None:
    with pytest.raises(OutputInvalid, match="NUL bytes"):
        fmt.validate(b"line one\n\x00line two\n")


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.id)
def test_no_text_format_accepts_bytes_that_are_not_utf8(fmt: Format) -> None:
    with pytest.raises(OutputInvalid, match="not UTF-8"):
        fmt.validate(b"caf\xe9\n")


@pytest.mark.parametrize(
    ("data", "lines"),
    [(b"", 0), (b"one", 1), (b"one\n", 1), (b"one\ntwo", 2), ("caf\u00e9 \u2615\n".encode(), 1)],
)
def test_plain_text_counts_its_lines(data: bytes, lines: int) -> None:
    assert PLAIN.validate(data) == {"bytes": len(data), "lines": lines}


def test_each_text_format_is_found_by_its_types_and_suffixes() -> None:
    for fmt in FORMATS:
        for mime in fmt.mimes:
            assert for_mime(mime) is fmt
        for suffix in fmt.suffixes:
            assert for_suffix(f"notes{suffix.upper()}") is fmt
    assert for_mime("text/x-python") is PYTHON
