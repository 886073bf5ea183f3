"""What the ghost reads of the studio: the record of a request the person may see, and the
providers' breakers at this moment (``introspect`` explains the one with the other)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # readers are handed a view; they never import the studio
    from limbs.studio import StudioView


def generation(view: StudioView, params: Mapping[str, Any]) -> dict[str, Any]:
    target = view.generations().get(pk=params["generation"])
    record = target.as_json() | {"breakers": view.breakers()}
    # Plain JSON values only (times as ISO text), as every snapshot is canonical JSON.
    plain: dict[str, Any] = json.loads(json.dumps(record, default=str))
    return plain
