"""Parameters: the helpers limb packages declare them with, and ``validate_params``, the one
place where a person's parameters are checked and defaults filled in (pure Python)."""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from limbs.spec import ActionSpec, ParamSpec, Upload


class ParamError(ValueError):
    """A parameter failed validation; ``field`` names it for the 422 (or 413) response."""

    def __init__(self, field: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.status = status


# "Any file the studio understands" for asset inputs that take every kind.
ANY_ASSET = ("image/", "audio/", "model/", "text/", "application/")
IMAGE = ("image/",)
MODEL = ("model/",)
AUDIO = ("audio/",)
JSON = ("application/json",)
CODE = ("text/", "application/javascript", "application/x-python")


def integer(
    name: str,
    label: str,
    default: int | None,
    lo: int,
    hi: int,
    hint: str,
    *,
    required: bool = False,
) -> ParamSpec:
    return ParamSpec(name, "integer", label, hint, default, required, minimum=lo, maximum=hi)


def number(
    name: str,
    label: str,
    default: float | None,
    lo: float,
    hi: float,
    hint: str,
    *,
    step: float | None = None,
) -> ParamSpec:
    return ParamSpec(name, "number", label, hint, default, minimum=lo, maximum=hi, step=step)


def choice(name: str, label: str, choices: Sequence[str], default: str | None, hint: str) -> ParamSpec:
    return ParamSpec(name, "choice", label, hint, default, choices=tuple(choices))


def boolean(name: str, label: str, default: bool, hint: str) -> ParamSpec:
    return ParamSpec(name, "boolean", label, hint, default)


def string(
    name: str,
    label: str,
    hint: str,
    *,
    default: str | None = None,
    max_length: int = 200,
    required: bool = False,
) -> ParamSpec:
    return ParamSpec(name, "string", label, hint, default, required, max_length=max_length)


def text(name: str, label: str, hint: str, *, max_length: int = 20000) -> ParamSpec:
    return ParamSpec(name, "text", label, hint, None, max_length=max_length)


def asset(
    name: str,
    label: str,
    accepts: tuple[str, ...],
    hint: str,
    *,
    required: bool = True,
) -> ParamSpec:
    return ParamSpec(name, "asset", label, hint, None, required, accepts=accepts)


def generation(name: str, label: str, hint: str, *, required: bool = True) -> ParamSpec:
    """The id of one of the person's requests (generations)."""
    return ParamSpec(name, "generation", label, hint, None, required)


def relic(name: str, label: str, hint: str, *, required: bool = True) -> ParamSpec:
    """A relic cache the person may see, by its sha256 (as the museum names it)."""
    return ParamSpec(name, "relic", label, hint, None, required, max_length=64)


def assets(name: str, label: str, accepts: tuple[str, ...], hint: str, *, most: int = 100) -> ParamSpec:
    """Several of the person's assets, in order (a list of ids, or ids separated by commas)."""
    return ParamSpec(name, "assets", label, hint, None, True, accepts=accepts, max_items=most)


def file(name: str, label: str, hint: str, *, max_bytes: int, required: bool = True) -> ParamSpec:
    """A file sent with the request: an upload from a form, or ``{"name", "data": base64}``."""
    return ParamSpec(name, "file", label, hint, None, required, max_bytes=max_bytes)


def kw(words: str) -> tuple[str, ...]:
    """Keywords written as one comma-separated string, easier to read than a tuple."""
    return tuple(w.strip() for w in words.split(",") if w.strip())


LEVEL = ("low", "medium", "high")

_SHA256 = re.compile(r"[0-9a-f]{64}")


def _coerce_bool(spec: ParamSpec, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "1", "yes", "on"}:
        return True
    if isinstance(value, str) and value.lower() in {"false", "0", "no", "off", ""}:
        return False
    raise ParamError(spec.name, f"{spec.label} must be true or false.")


def _coerce_number(spec: ParamSpec, value: Any) -> int | float:
    if isinstance(value, bool):
        raise ParamError(spec.name, f"{spec.label} must be a number, not true/false.")
    try:
        if spec.type == "integer":
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            number: int | float = int(str(value).strip()) if isinstance(value, str) else int(value)
        else:
            number = float(value)
    except (TypeError, ValueError):
        kind = "a whole number" if spec.type == "integer" else "a number"
        raise ParamError(spec.name, f"{spec.label} must be {kind}.") from None
    if spec.type == "number" and not math.isfinite(number):
        raise ParamError(spec.name, f"{spec.label} must be a finite number.")
    if spec.minimum is not None and number < spec.minimum:
        raise ParamError(spec.name, f"{spec.label} must be at least {_fmt(spec.minimum)}.")
    if spec.maximum is not None and number > spec.maximum:
        raise ParamError(spec.name, f"{spec.label} must be at most {_fmt(spec.maximum)}.")
    return number


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _upload(spec: ParamSpec, value: Any) -> Upload:
    if isinstance(value, Upload):
        upload = value
    elif isinstance(value, Mapping) and isinstance(value.get("data"), str):
        try:
            data = base64.b64decode(value["data"], validate=True)
        except (binascii.Error, ValueError):
            raise ParamError(spec.name, f"{spec.label}: 'data' must be the file in base64.") from None
        upload = Upload(str(value.get("name") or "upload")[:160], data)
    else:
        raise ParamError(spec.name, f'{spec.label} must be a file: {{"name": ..., "data": base64}}.')
    if not upload.data:
        raise ParamError(spec.name, f"{spec.label} is empty.")
    if spec.max_bytes is not None and len(upload.data) > spec.max_bytes:
        raise ParamError(
            spec.name,
            f"{spec.label} is {len(upload.data)} bytes; the limit is {spec.max_bytes} bytes.",
            status=413,
        )
    return upload


def _id_list(spec: ParamSpec, value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise ParamError(spec.name, f"{spec.label} must be a list of ids of your assets.")
    ids = [v.strip() for v in items if v.strip()]
    if not ids:
        raise ParamError(spec.name, f"{spec.label}: choose at least one.")
    if spec.max_items is not None and len(ids) > spec.max_items:
        raise ParamError(spec.name, f"{spec.label}: at most {spec.max_items}, not {len(ids)}.")
    if len(set(ids)) != len(ids):
        raise ParamError(spec.name, f"{spec.label}: the same asset is chosen twice.")
    return ids


def validate_params(action: ActionSpec, raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """Check ``raw`` against the action's schema; return values with defaults filled.

    Unknown parameters are rejected so typos do not silently do nothing.
    Asset parameters are returned as the id string; resolving and ownership
    checks happen where the database is available.
    """
    raw = dict(raw or {})
    known = {p.name for p in action.params}
    for name in raw:
        if name not in known:
            allowed = ", ".join(sorted(known)) or "none"
            raise ParamError(name, f"Unknown parameter '{name}'. Allowed: {allowed}.")
    clean: dict[str, Any] = {}
    for spec in action.params:
        value = raw.get(spec.name)
        if value is None or (isinstance(value, str) and value.strip() == "" and spec.type != "text"):
            if spec.required:
                raise ParamError(spec.name, f"{spec.label} is required.")
            if spec.default is not None:
                clean[spec.name] = spec.default
            continue
        if spec.type in ("integer", "number"):
            clean[spec.name] = _coerce_number(spec, value)
        elif spec.type == "boolean":
            clean[spec.name] = _coerce_bool(spec, value)
        elif spec.type == "choice":
            text = str(value)
            if text not in spec.choices:
                raise ParamError(spec.name, f"{spec.label} must be one of: {', '.join(spec.choices)}.")
            clean[spec.name] = text
        elif spec.type in ("string", "text"):
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise ParamError(spec.name, f"{spec.label} must be text.")
            text = str(value)
            if spec.max_length is not None and len(text) > spec.max_length:
                raise ParamError(
                    spec.name, f"{spec.label} is too long (at most {spec.max_length} characters)."
                )
            clean[spec.name] = text
        elif spec.type == "file":
            clean[spec.name] = _upload(spec, value)
        elif spec.type == "assets":
            clean[spec.name] = _id_list(spec, value)
        elif spec.type == "relic":
            digest = value.strip().lower() if isinstance(value, str) else ""
            if not _SHA256.fullmatch(digest):
                raise ParamError(spec.name, f"{spec.label} must be a relic cache's sha256 (64 hex digits).")
            clean[spec.name] = digest
        elif spec.type in ("asset", "generation"):
            if not isinstance(value, str) or not value.strip():
                what = "assets" if spec.type == "asset" else "requests"
                raise ParamError(spec.name, f"{spec.label} must be the id of one of your {what}.")
            clean[spec.name] = value.strip()
    return clean
