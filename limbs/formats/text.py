"""Plain text, Markdown and source code: UTF-8 without NUL bytes; Python must also parse."""

from __future__ import annotations

import ast
import warnings
from typing import Any

from limbs.formats.base import Format, OutputInvalid, plain_text, text_of


def validate_python(data: bytes) -> dict[str, Any]:
    """Python source that parses (never run: ``ast.parse`` only reads it)."""
    facts = plain_text(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(text_of(data))
    except SyntaxError as exc:
        raise OutputInvalid(f"Python does not parse: line {exc.lineno}: {exc.msg}") from None
    except (MemoryError, RecursionError):
        # CPython's parser gives up on deep nesting (``-`` * 100000 + ``1``) this way.
        raise OutputInvalid("Python does not parse: it is nested too deeply") from None
    functions = sum(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) for n in ast.walk(tree))
    return facts | {"functions": functions}


PLAIN = Format(
    id="text",
    name="Text",
    mimes=("text/plain",),
    kind="text",
    suffixes=(".txt", ".text", ".log"),
    validate=plain_text,
    preview="code",
)
MARKDOWN = Format(
    id="markdown",
    name="Markdown",
    mimes=("text/markdown", "text/x-markdown"),
    kind="text",
    suffixes=(".md", ".markdown"),
    validate=plain_text,
    preview="code",
)
CSV = Format(
    id="csv",
    name="CSV table",
    mimes=("text/csv",),
    kind="text",
    suffixes=(".csv",),
    validate=plain_text,
    preview="code",
)
PYTHON = Format(
    id="python",
    name="Python code",
    mimes=("text/x-python", "application/x-python", "text/x-script.python"),
    kind="code",
    suffixes=(".py",),
    validate=validate_python,
    preview="code",
)
JAVASCRIPT = Format(
    id="javascript",
    name="JavaScript code",
    mimes=("text/javascript", "application/javascript"),
    kind="code",
    suffixes=(".js", ".mjs"),
    validate=plain_text,
    preview="code",
)
GDSCRIPT = Format(
    id="gdscript",
    name="GDScript code",
    mimes=("text/x-gdscript",),
    kind="code",
    suffixes=(".gd",),
    validate=plain_text,
    preview="code",
)
FORMATS = (PLAIN, MARKDOWN, CSV, PYTHON, JAVASCRIPT, GDSCRIPT)
