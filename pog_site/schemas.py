"""What every request and response schema of the API shares (``<Thing>In``, ``<Thing>Out``),
and named-id enumerations.

A leaf module: the apps' routers import it, it imports nothing of theirs.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from functools import cache
from typing import Any

from ninja import Schema
from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator


@cache
def _scalar_types(annotation: Any) -> frozenset[type]:
    """The plain types a field's annotation admits, through ``Annotated`` and unions."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _scalar_types(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return frozenset().union(*(_scalar_types(arg) for arg in typing.get_args(annotation)))
    return frozenset({annotation}) if isinstance(annotation, type) else frozenset()


class In(Schema):
    """A request body. JSON's ``true`` is not a number and ``1`` or ``"yes"`` is not a
    boolean: pydantic would convert them, the schema says they are wrong, so they are a
    422 naming the field. Numbers keep pydantic's own rules otherwise (``148.0`` is the
    whole number 148, as JSON Schema says), and the OpenAPI document is unchanged."""

    @field_validator("*", mode="before")
    @classmethod
    def _json_types(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is None:
            return value
        admits = _scalar_types(field.annotation)  # type: ignore[arg-type]
        if isinstance(value, bool):
            if bool not in admits and admits & {int, float}:
                raise ValueError("expected a number, not true or false")
        elif value is not None and admits and admits <= {bool, type(None)}:
            raise ValueError("expected true or false")
        return value


class Out(BaseModel):
    """A response body. Keys an endpoint adds later pass through unchanged (the schema
    allows more properties); routers serialise with ``exclude_unset`` so a key the view
    did not send is not added as null.

    A plain pydantic model, not ninja's ``Schema``: the views answer with dicts, never ORM
    objects, and ``Schema`` reads every nested object through a Python getter (a list of
    200 assets cost more to check than to build; under load, checking responses took
    two thirds of the views' time)."""

    model_config = ConfigDict(extra="allow")


def enum_schema(values: Iterable[str]) -> dict[str, Any]:
    """``json_schema_extra`` for a text field or parameter that takes one of ``values``."""
    return {"enum": list(dict.fromkeys(values))}
