"""What every response schema of the API shares (``<Thing>Out``), and named-id enumerations.

A leaf module: the apps' routers import it, it imports nothing of theirs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ninja import Schema
from pydantic import ConfigDict


class Out(Schema):
    """A response body. Keys an endpoint adds later pass through unchanged (the schema
    allows more properties); routers serialise with ``exclude_unset`` so a key the view
    did not send is not added as null."""

    model_config = ConfigDict(extra="allow")


def enum_schema(values: Iterable[str]) -> dict[str, Any]:
    """``json_schema_extra`` for a text field or parameter that takes one of ``values``."""
    return {"enum": list(dict.fromkeys(values))}
