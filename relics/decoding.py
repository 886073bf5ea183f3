"""Decoding a cache's files, as a generator process runs it (``pog_site.procs``).

Pure: it imports the relic formats and the catalogue, never Django. A cache of damaged
files can take seconds of processor to refuse, and an honest one seconds to index; in a
child process that time is spent on a core of its own, not under the server's interpreter
lock where every other request waits for it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from relics.catalog import DiskFiles, EntryInfo, open_catalog
from relics.uploads import check_structure


def decode_files(
    paths: dict[str, str], *, progress: Callable[[float, str], None]
) -> tuple[str, list[EntryInfo]]:
    """Check every file's structure, open the catalogue and list its entries: the era and
    the entries. Raises ``UploadError`` or ``RelicFormatError`` naming the file and offset."""
    files = DiskFiles({name: Path(path) for name, path in paths.items()})
    for name in files:
        check_structure(name, files.path(name))
    progress(0.5, "Reading the cache's entries")
    catalog = open_catalog(files)
    return catalog.era, list(catalog.entries())
