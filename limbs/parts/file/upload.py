"""File · Upload: brings a file from your computer into the studio, after a safety check.

The file's first bytes must be those of the type it is sent as (a PNG that is really a
ZIP is refused), it must decode as that type, and it must stay inside the limits: its size,
the pixels a picture unpacks to, what a zip inflates to. Every refusal names the problem.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from limbs import formats
from limbs.formats import Format, OutputInvalid
from limbs.formats import json as json_format
from limbs.formats import text as text_formats
from limbs.formats.wav import read_wav
from limbs.formats.zip import validate_zip
from limbs.params import ParamError, choice, file, kw, string
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output, Studio, Upload

MAX_BYTES = 8 * 1024 * 1024
# A person's file is trusted less than the studio's own outputs.
MAX_PIXELS = 4096 * 4096
MAX_UNZIPPED = 64 * 1024 * 1024
MAX_ZIP_ENTRIES = 1000
# What may be sent, by the name a person picks; "auto" goes by the file's first bytes.
TYPES = {
    "png": "png",
    "jpeg": "jpeg",
    "gif": "gif",
    "webp": "webp",
    "wav": "wav",
    "ogg": "ogg",
    "glb": "glb",
    "obj": "obj",
    "vox": "vox",
    "json": "json",
    "txt": "text",
    "zip": "zip",
}
ACCEPTED: tuple[Format, ...] = tuple(f for f in map(formats.by_id, TYPES.values()) if f is not None)
assert len(ACCEPTED) == len(TYPES), "every upload type names a format of limbs/formats"


def identify(data: bytes, filename: str, declared: str) -> Format:
    """The format of ``data``: the one its first bytes show, checked against ``declared``."""
    sniffed = formats.sniff(data)
    if sniffed is not None and sniffed not in ACCEPTED:
        raise ParamError("file", f"This is a {sniffed.name}, which the studio does not take as an upload.")
    if declared != "auto":
        wanted = formats.by_id(TYPES[declared])
        assert wanted is not None
        if wanted is text_formats.PLAIN:
            if sniffed is not None and sniffed.id not in ("json", "obj"):
                raise ParamError("file", f"This file was sent as text, but it is a {sniffed.name}.")
            return wanted
        # JSON too big to sniff is still parsed by its check; everything else must match.
        if sniffed is not wanted and not (wanted.id == "json" and sniffed is None):
            found = f"those of a {sniffed.name}" if sniffed is not None else "not those of one"
            raise ParamError(
                "file", f"This file was sent as a {wanted.name}, but its first bytes are {found}."
            )
        return wanted
    if sniffed is not None:
        return sniffed
    if filename.lower().endswith(".json"):
        return json_format.FORMAT
    if b"\x00" not in data[:4096]:
        return text_formats.PLAIN
    kinds = ", ".join(t.upper() for t in TYPES)
    raise ParamError("file", f"The studio cannot tell what kind of file this is. It takes {kinds}.")


def inspect(data: bytes, fmt: Format) -> dict[str, Any]:
    """Decode the file as ``fmt`` within the upload limits; facts about it, or OutputInvalid."""
    if fmt.id == "zip":
        return validate_zip(data, max_entries=MAX_ZIP_ENTRIES, max_total_bytes=MAX_UNZIPPED)
    if fmt.id == "wav":
        wav = read_wav(data)  # a silent sound is still a sound someone may want
        return {"seconds": round(wav.seconds, 4), "rate": wav.rate, "channels": wav.channels}
    facts = fmt.validate(data)
    pixels = int(facts.get("width") or 0) * int(facts.get("height") or 0)
    if pixels > MAX_PIXELS:
        raise OutputInvalid(
            f"the picture is {facts['width']}x{facts['height']}; uploads may be up to {MAX_PIXELS} pixels"
        )
    return facts


def _checked(upload: Upload, declared: str) -> tuple[Format, dict[str, Any]]:
    fmt = identify(upload.data, upload.name, declared)
    try:
        return fmt, inspect(upload.data, fmt)
    except OutputInvalid as exc:
        raise ParamError("file", f"This {fmt.name} cannot be used: {exc}.") from None


def refine(params: dict[str, Any], studio: Studio) -> None:
    upload = params["file"]
    if isinstance(upload, Upload):
        _checked(upload, str(params.get("type", "auto")))


def file_name(label: str, original: str, fmt: Format) -> str:
    """A safe file name: the label (or the sent name) in plain characters, with the
    format's own suffix."""
    stem = PurePosixPath(original.replace("\\", "/")).stem
    base = re.sub(r"[^A-Za-z0-9._ -]+", "", (label or stem)).strip(" .-") or "upload"
    base = base[:100]
    if base.lower().endswith(fmt.suffixes):
        return base
    return base + fmt.suffixes[0]


def make(req: GenRequest) -> GenResult:
    data = req.inputs.get("file")
    if data is None:
        raise GeneratorInputError("file", "Which file? Choose one to upload.")
    sent = req.params.get("file")
    original = str(sent.get("name", "upload")) if isinstance(sent, dict) else "upload"
    try:
        fmt, facts = _checked(Upload(original, data), str(req.params.get("type", "auto")))
    except ParamError as exc:
        raise GeneratorInputError(exc.field, exc.message) from None
    req.progress(0.5, "Checked: it really is a " + fmt.name)
    tags = [t.strip() for t in str(req.params.get("tags", "")).split(",") if t.strip()]
    meta = {"format": fmt.id, "uploaded_as": original[:160], "tags": tags, **facts}
    name = file_name(str(req.params.get("label", "")), original, fmt)
    return GenResult(outputs=[Output(data, fmt.mimes[0], name, meta=meta)], meta={"format": fmt.id})


ACTION = ActionSpec(
    id="upload",
    name="Upload",
    description="Brings a file from your computer into the studio, after a safety check.",
    output="data",
    needs_intent=False,
    uses_tension=False,
    params=(
        file(
            "file", "File", "A picture, sound, 3D model, text or zip from your computer.", max_bytes=MAX_BYTES
        ),
        choice(
            "type",
            "Type",
            ("auto", *TYPES),
            "auto",
            "What kind of file it is. Auto reads it from the file itself.",
        ),
        string("label", "Name", "Optional: a name to remember it by.", max_length=120),
        string("tags", "Tags", "Optional: words to find it by later, separated by commas.", max_length=200),
    ),
    keywords=kw("upload, import, attach, bring"),
    refine=refine,
    make=make,
)
