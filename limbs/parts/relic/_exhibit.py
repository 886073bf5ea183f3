"""What preview and fork share: the entry a person chose, as the museum read it for them
(the ``entry`` snapshot), and how its file is named and described."""

from __future__ import annotations

import base64
import binascii
import json
import re
import struct
from dataclasses import dataclass
from typing import Any

from limbs.params import ParamError
from limbs.spec import GeneratorInputError, GenRequest, Studio
from relics.catalog import KIND_LABELS, MIME

KINDS = tuple(KIND_LABELS)
# Keys are numbers, sector names, or model names (which may hold spaces).
_KEY = re.compile(r"[^/\x00-\x1f]{1,40}")


@dataclass(frozen=True)
class Shown:
    """The entry's rendered file (PNG, GLB or WAV)."""

    data: bytes
    mime: str
    ext: str


def refine_entry(params: dict[str, Any], studio: Studio) -> None:
    """``entry`` is ``kind/key`` of a kind caches hold (whether this cache has it is read later)."""
    kind, _, key = str(params.get("entry", "")).strip().partition("/")
    key = key.strip()
    if kind not in KIND_LABELS or not _KEY.fullmatch(key):
        raise ParamError(
            "entry", f"Entry must be kind/key, like items/0 or models/tree2; kinds are {', '.join(KINDS)}."
        )
    params["entry"] = f"{kind}/{key}"


def exhibit(req: GenRequest) -> tuple[dict[str, Any], Shown | None]:
    """The chosen entry's decoded record and its rendered file (None for data-only entries)."""
    raw = req.snapshots.get("entry")
    if raw is None:
        raise GeneratorInputError("entry", "The museum's record of this entry was not read.")
    seen = json.loads(raw)
    relic: dict[str, Any] = seen["relic"]
    sent = seen.get("file")
    if sent is None:
        return relic, None
    try:
        data = base64.b64decode(sent["data"], validate=True)
    except (binascii.Error, ValueError):
        raise GeneratorInputError("entry", "The museum's file of this entry could not be read.") from None
    return relic, Shown(data, str(sent["mime"]), str(sent["ext"]))


def relic_meta(relic: dict[str, Any]) -> dict[str, Any]:
    """What an output made from a relic remembers of it; the one writer names it as a parent."""
    return {
        "cache": relic["cache"],
        "entry": f"{relic['kind']}/{relic['key']}",
        "era": relic["era"],
        "kind": relic["kind"],
        "name": relic["name"],
    }


def entry_document(relic: dict[str, Any]) -> bytes:
    """The entry's decoded record as a JSON file (what a data-only entry forks into)."""
    return json.dumps(relic, sort_keys=True, indent=2).encode()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "relic"


def file_meta(relic: dict[str, Any], shown: Shown | None) -> dict[str, Any]:
    """The output's meta: the relic it came from, and a picture's size."""
    meta: dict[str, Any] = {"relic": relic_meta(relic)}
    if shown is not None and shown.mime == MIME["png"] and shown.data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", shown.data[16:24])
        # Sprites are pixel art; a map sector is a picture of land.
        meta |= {"width": width, "height": height, "pixel_art": relic["kind"] != "sectors"}
    return meta
