"""File: Bring in your own files, see them all, and zip them up."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="file",
    name="File",
    category="technical",
    icon="📁",
    explanation="Bring in your own files, see them all, and zip them up.",
    colour="#0d47a1",
    keywords=kw("file, files, upload, import, attach, folder, zip, bundle, download, list, browse"),
    examples=(
        "upload my drawing",
        "list all my files",
        "zip up my files to download",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "upload",
    "list",
    "bundle",
)
