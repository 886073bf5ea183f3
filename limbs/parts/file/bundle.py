"""File · Zip up: puts the files you pick into one zip, with a manifest that lists each
file's sha256, size, type and where it came from, so anyone can check the zip is whole."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from limbs.formats import OutputInvalid
from limbs.params import ANY_ASSET, assets, kw, string
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output, main_output

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "pog.bundle/1"
# Every entry gets the same time, so the same files always make the same bytes.
_EPOCH = (1980, 1, 1, 0, 0, 0)


def _entry_name(name: str, taken: set[str]) -> str:
    clean = (
        re.sub(r"[^A-Za-z0-9._ -]+", "_", PurePosixPath(name.replace("\\", "/")).name).strip(" .") or "file"
    )
    stem, suffix = PurePosixPath(clean).stem, PurePosixPath(clean).suffix
    candidate, n = clean, 2
    while candidate.lower() in taken or candidate == MANIFEST:
        candidate, n = f"{stem}-{n}{suffix}", n + 1
    taken.add(candidate.lower())
    return candidate


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data, compresslevel=6)


def make(req: GenRequest) -> GenResult:
    raw = req.snapshots.get("chosen")
    chosen: list[dict[str, Any]] = json.loads(raw) if raw is not None else []
    datas = [req.inputs.get(f"assets[{i}]") for i in range(len(chosen))]
    if not chosen or any(d is None for d in datas):
        raise GeneratorInputError("assets", "Choose the files to zip up.")
    buf = io.BytesIO()
    taken: set[str] = set()
    files = []
    with zipfile.ZipFile(buf, "w") as archive:
        for i, (row, data) in enumerate(zip(chosen, datas, strict=True)):
            assert data is not None
            digest = hashlib.sha256(data).hexdigest()
            if digest != row["sha256"]:
                raise GeneratorInputError("assets", f"{row['name']} changed while it was being zipped.")
            path = _entry_name(row["name"], taken)
            _add(archive, path, data)
            files.append(
                {"path": path, "sha256": digest, "bytes": len(data), "mime": row["mime"], "asset": row["id"]}
            )
            req.progress(0.1 + 0.8 * (i + 1) / len(chosen), f"Packed {path}")
        manifest = {"format": MANIFEST_FORMAT, "files": files}
        _add(archive, MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode())
    name = re.sub(r"[^A-Za-z0-9._ -]+", "", str(req.params.get("name") or "bundle")).strip(" .") or "bundle"
    name = name if name.lower().endswith(".zip") else name + ".zip"
    total = sum(f["bytes"] for f in files)
    output = Output(
        buf.getvalue(), "application/zip", name, meta={"files": len(files), "unpacked_bytes": total}
    )
    return GenResult(outputs=[output], meta={"files": len(files)})


def check(outputs: Sequence[Output]) -> None:
    """Every file the manifest names is in the zip with exactly that sha256, and nothing else is."""
    with zipfile.ZipFile(io.BytesIO(main_output(outputs).data)) as archive:
        names = set(archive.namelist())
        if MANIFEST not in names:
            raise OutputInvalid("the bundle has no manifest.json")
        manifest = json.loads(archive.read(MANIFEST))
        listed = {f["path"] for f in manifest.get("files", [])}
        if listed | {MANIFEST} != names:
            raise OutputInvalid("the bundle's manifest and its files disagree")
        for entry in manifest["files"]:
            if hashlib.sha256(archive.read(entry["path"])).hexdigest() != entry["sha256"]:
                raise OutputInvalid(f"{entry['path']} does not match its sha256 in the manifest")


ACTION = ActionSpec(
    id="bundle",
    name="Zip up",
    description="Puts the files you pick into one zip file, with a list of their checksums.",
    output="archive",
    needs_intent=False,
    uses_tension=False,
    params=(
        assets("assets", "Files", ANY_ASSET, "The files to put in the zip.", most=100),
        string("name", "Zip name", "The name of the zip file.", default="bundle", max_length=80),
    ),
    keywords=kw("zip, bundle, download"),
    reads=("chosen",),
    check=check,
    make=make,
)
