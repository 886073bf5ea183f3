"""Text and numbers the studio can store: the one guard every request's input passes.

Two kinds of input reach Python intact but break what comes after it:

* text that is not valid Unicode to an encoder or a database: a lone surrogate
  (``"\\ud800"``, which JSON may carry as an escape) cannot be encoded as UTF-8, and a NUL
  character (``"\\u0000"``, ``%00``) is refused by PostgreSQL;
* whole numbers outside a signed 64-bit integer, which no database column holds.

Both are refused with 422 naming the field, before anything is stored: text in JSON bodies
of the API through ``StudioParser`` (the one parser of ``pog_site.api``), integers in them
through their schemas (``Int64``, which the OpenAPI document shows too), and URL paths,
path parameters, query strings and form posts of every page and endpoint through
``InputGuardMiddleware``. A leaf module: it imports nothing of the project's apps.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.datastructures import MultiValueDict
from ninja import Field
from ninja.parser import Parser

from pog_site.errors import RequestError

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# A whole number of any size on the wire, as a query string or form field carries it.
_WHOLE = re.compile(r"\s*[+-]?\d+\s*")
# Lone surrogates and NUL: text no encoder or database takes.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
"""An integer field the database can hold (signed 64 bits); larger ones are a 422."""


class InputError(RequestError):
    """Input the studio cannot store: 422 with the field at fault."""

    def __init__(self, code: str, message: str, field: str | None) -> None:
        super().__init__(422, code, message, field)


def text_problem(text: str, field: str | None) -> InputError | None:
    """Why ``text`` cannot be stored, or None."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    what = "a NUL character" if found.group() == "\x00" else "a lone surrogate (not valid Unicode)"
    where = f"{field} holds" if field else "The request holds"
    return InputError("invalid_text", f"{where} {what}, which the studio cannot store.", field)


def int_problem(value: int, field: str | None) -> InputError | None:
    """Why ``value`` cannot be stored as a whole number, or None."""
    if INT64_MIN <= value <= INT64_MAX:
        return None
    return out_of_range(field)


def out_of_range(field: str | None) -> InputError:
    where = field or "A number"
    return InputError(
        "out_of_range", f"{where} is outside the whole numbers the studio can store (64 bits).", field
    )


def _joined(prefix: str, key: str | int) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def json_problems(value: Any, field: str = "") -> Iterator[InputError]:
    """Every string (keys too) in a parsed JSON value that cannot be stored.

    Integers are bounded by the schemas (``Int64`` and the fields' own limits), so that a
    number in a field the endpoint ignores is ignored, as any unknown field is."""
    if isinstance(value, str):
        problem = text_problem(value, field or None)
        if problem is not None:
            yield problem
    elif isinstance(value, dict):
        for key, item in value.items():
            key_problem = text_problem(key, _joined(field, "(a key)"))
            if key_problem is not None:
                yield key_problem
                continue
            yield from json_problems(item, _joined(field, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from json_problems(item, _joined(field, index))


def check_json(value: Any, field: str = "") -> None:
    """Raise the first problem of ``json_problems``."""
    for problem in json_problems(value, field):
        raise problem


def check_text(text: str, field: str) -> None:
    """Raise when ``text`` cannot be stored."""
    problem = text_problem(text, field)
    if problem is not None:
        raise problem


def _no_constant(name: str) -> Any:
    raise RequestError(400, "invalid_json", f"The body is not valid JSON: {name} is not a JSON number.")


class StudioParser(Parser):
    """The API's JSON parser: strict JSON (no NaN or Infinity), with storable text and
    integers only. ``pog_site.api`` turns the ``InputError`` it raises into a 422."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        try:
            data = json.loads(request.body, parse_constant=_no_constant)
        except ValueError as exc:
            raise RequestError(400, "invalid_json", f"The body is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise InputError("invalid_json", "The body must be a JSON object.", None)
        check_json(data)
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        for key in data:
            for value in data.getlist(key):
                if isinstance(value, str):
                    # Only the text is checked here: the API's whole-number parameters are typed
                    # ``Int64`` (a 422 past 64 bits), and a text parameter may hold many digits.
                    problem = text_problem(value, key)
                    if problem is not None:
                        raise problem
        return super().parse_querydict(data, list_fields, request)


def _whole_number_problem(value: str, field: str) -> InputError | None:
    if len(value) < 19 or _WHOLE.fullmatch(value) is None:
        return None  # shorter numbers always fit
    try:
        return int_problem(int(value), field)
    except ValueError:  # more digits than Python converts: surely out of range
        return out_of_range(field)


def request_problem(request: HttpRequest) -> InputError | None:
    """The first part of the URL, query string or (url-encoded) form that cannot be stored.

    Multipart forms are read by their views (a view may choose how uploads are handled,
    which must happen before the body is parsed); their text is checked where it is used.
    """
    problem = text_problem(request.path_info, "path")
    if problem is not None:
        return problem
    try:
        kwargs = resolve(request.path_info).kwargs
    except Resolver404:
        kwargs = {}
    api = request.path_info.startswith("/api/")
    for name, value in kwargs.items():
        if isinstance(value, int) and not isinstance(value, bool):
            problem = int_problem(value, name)
        elif isinstance(value, str):
            # The API's path and query parameters arrive as text and are typed by its schemas
            # (whole numbers as ``Int64``): there a long run of digits may be a name or an id.
            problem = text_problem(value, name) or (None if api else _whole_number_problem(value, name))
        if problem is not None:
            return problem
    sources: list[MultiValueDict[str, Any]] = [request.GET]
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        try:
            sources.append(request.POST)
        except RequestDataTooBig:
            pass  # the view answers it, as it would without this guard
    for source in sources:
        for key in source:
            key_problem = text_problem(key, "(a field name)")
            if key_problem is not None:
                return key_problem
            for value in source.getlist(key):
                problem = text_problem(value, key) or (None if api else _whole_number_problem(value, key))
                if problem is not None:
                    return problem
    return None


def refusal(request: HttpRequest, problem: InputError) -> HttpResponse:
    """The 422 for ``problem``: the API's JSON error shape, or a friendly page."""
    if request.path_info.startswith("/api/"):
        body: dict[str, Any] = {"code": problem.code, "message": problem.message}
        if problem.field:
            body["field"] = problem.field
        return JsonResponse({"error": body}, status=422)
    page = render_to_string("422.html", {"message": problem.message}, request=request)
    return HttpResponse(page, status=422)


class InputGuardMiddleware:
    """Refuses a request whose URL, query string or form holds input the studio cannot
    store, before any view (or the guest maker) sees it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = request_problem(request)
        if problem is not None:
            return refusal(request, problem)
        return self.get_response(request)
