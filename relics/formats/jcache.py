"""One RS3 ``js5-<index>.jcache`` file: a SQLite database of stored groups plus a reference table.

Tables ``cache`` and ``cache_index`` share the columns ``KEY, DATA, VERSION, CRC``; group
``g`` is the ``cache`` row with ``KEY = g`` and the index's reference table is ``cache_index``
row 1. Files are opened read-only; bytes are loaded with ``Connection.deserialize``.
"""

from __future__ import annotations

import os
import sqlite3
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType

from relics.formats.errors import RelicFormatError
from relics.formats.js5 import (
    FLAG_LENGTHS,
    FLAG_NAMES,
    FLAG_UNCOMPRESSED_CRCS,
    BlobKind,
    Compression,
    GroupEntry,
    ReferenceTable,
    decode_blob,
    decode_reference_table,
    encode_blob,
    encode_group,
    encode_reference_table,
    js5_name_hash,
    split_group,
)

__all__ = ["SQLITE_MAGIC", "JCacheIndex", "build_jcache", "write_jcache"]

SQLITE_MAGIC = b"SQLite format 3\x00"
_TABLES = ("cache", "cache_index")
_COLUMNS = ("KEY", "DATA", "VERSION", "CRC")
_REFERENCE_KEY = 1


def _db_error(
    what: str, exc: sqlite3.Error, expected: str = "a readable jcache SQLite database"
) -> RelicFormatError:
    return RelicFormatError(what, 0, expected, f"{type(exc).__name__}: {exc}")


def _lenient_text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


class JCacheIndex:
    """Reads groups and files of one index through its reference table.

    ``source`` is a path or the file's bytes. With ``verify`` on, each stored group must match
    the CRC the reference table records for it (and its uncompressed CRC and length, when the
    table carries them), so a damaged row is reported rather than decoded into nonsense.
    """

    def __init__(
        self, source: str | os.PathLike[str] | bytes, *, name: str | None = None, verify: bool = True
    ):
        self.verify = verify
        self._table: ReferenceTable | None = None
        if isinstance(source, bytes):
            self.name = name or "jcache bytes"
            if source[:16] != SQLITE_MAGIC:
                raise RelicFormatError(
                    self.name, 0, "the SQLite format 3 header", source[:16].hex() or "no data"
                )
            self._conn = sqlite3.connect(":memory:")
            try:
                self._conn.deserialize(source)
                self._conn.execute("PRAGMA query_only = ON")
            except sqlite3.Error as exc:
                self._conn.close()
                raise _db_error(self.name, exc) from None
        else:
            path = Path(source)
            self.name = name or path.name
            with path.open("rb") as handle:  # a missing file is FileNotFoundError, not a format error
                head = handle.read(16)
            if head != SQLITE_MAGIC:
                raise RelicFormatError(
                    self.name, 0, "the SQLite format 3 header", head.hex() or "an empty file"
                )
            try:
                self._conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
            except sqlite3.Error as exc:
                raise _db_error(self.name, exc) from None
        # Damaged schema text must not surface as UnicodeDecodeError; a TEXT DATA cell stays a str.
        self._conn.text_factory = _lenient_text
        try:
            self._check_schema()
        except BaseException:
            self._conn.close()
            raise

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> JCacheIndex:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- raw rows -------------------------------------------------------------------------

    def _query(self, sql: str, params: tuple[int, ...] = ()) -> list[tuple[object, ...]]:
        try:
            return list(self._conn.execute(sql, params).fetchall())
        except sqlite3.Error as exc:
            raise _db_error(self.name, exc) from None
        except UnicodeDecodeError as exc:
            # SQLite quotes damaged schema text in its messages, which Python then fails to decode.
            raise RelicFormatError(self.name, 0, "a readable jcache SQLite database", str(exc)) from None

    def _check_schema(self) -> None:
        for table in _TABLES:
            rows = self._query(f"PRAGMA table_info({table})")
            if not rows:
                raise RelicFormatError(self.name, 0, f"a table named {table}", "none")
            columns = {str(row[1]).upper() for row in rows}
            missing = [c for c in _COLUMNS if c not in columns]
            if missing:
                raise RelicFormatError(
                    self.name, 0, f"{table} columns {', '.join(_COLUMNS)}", f"no {missing[0]}"
                )

    def _blob(self, table: str, key: int, label: str) -> bytes | None:
        rows = self._query(f"SELECT DATA FROM {table} WHERE KEY = ?", (key,))
        if not rows:
            return None
        data = rows[0][0]
        if not isinstance(data, bytes):
            raise RelicFormatError(self.name, 0, f"a BLOB for {label}", type(data).__name__)
        return data

    def stored_group_ids(self) -> list[int]:
        """Group ids with a ``cache`` row (a client-built cache may lack some the table lists)."""
        rows = self._query("SELECT KEY FROM cache ORDER BY KEY")
        return [r[0] for r in rows if isinstance(r[0], int)]

    # -- reference table ------------------------------------------------------------------

    @property
    def table(self) -> ReferenceTable:
        if self._table is None:
            blob = self._blob("cache_index", _REFERENCE_KEY, "the reference table")
            if blob is None:
                raise RelicFormatError(self.name, 0, "a cache_index row with KEY 1", "none")
            what = f"{self.name} reference table"
            self._table = decode_reference_table(decode_blob(blob, what), what)
        return self._table

    def group_ids(self) -> list[int]:
        return self.table.group_ids()

    def has_group(self, group_id: int) -> bool:
        return group_id in self.table.groups and bool(
            self._query("SELECT 1 FROM cache WHERE KEY = ?", (group_id,))
        )

    def _entry(self, group_id: int) -> GroupEntry:
        entry = self.table.groups.get(group_id)
        if entry is None:
            raise KeyError(f"{self.name}: group {group_id} is not in the reference table")
        return entry

    # -- groups and files -----------------------------------------------------------------

    def group_data(self, group_id: int) -> bytes:
        """The decompressed group; ``KeyError`` if the table lacks it or no row stores it."""
        entry = self._entry(group_id)
        blob = self._blob("cache", group_id, f"group {group_id}")
        if blob is None:
            raise KeyError(f"{self.name}: group {group_id} is listed but not stored")
        what = f"{self.name} group {group_id}"
        if self.verify and zlib.crc32(blob) != entry.crc:
            raise RelicFormatError(
                what, 0, f"CRC {entry.crc:08x} from the reference table", f"{zlib.crc32(blob):08x}"
            )
        data = decode_blob(blob, what)
        if self.verify:
            if entry.uncompressed_length is not None and len(data) != entry.uncompressed_length:
                raise RelicFormatError(
                    what, 0, f"{entry.uncompressed_length} bytes once decoded", f"{len(data)} bytes"
                )
            if entry.uncompressed_crc is not None and zlib.crc32(data) != entry.uncompressed_crc:
                raise RelicFormatError(
                    what, 0, f"uncompressed CRC {entry.uncompressed_crc:08x}", f"{zlib.crc32(data):08x}"
                )
        return data

    def files(self, group_id: int) -> dict[int, bytes]:
        """Every file of a group by file id."""
        entry = self._entry(group_id)
        return split_group(self.group_data(group_id), entry.file_ids, f"{self.name} group {group_id}")

    def file(self, group_id: int, file_id: int) -> bytes:
        files = self.files(group_id)
        if file_id not in files:
            raise KeyError(f"{self.name}: group {group_id} has no file {file_id}")
        return files[file_id]

    def iter_files(self, *, skip_missing: bool = True) -> Iterator[tuple[int, int, bytes]]:
        """Yield ``(group, file, data)`` in id order; unstored groups are skipped unless told not to."""
        stored = set(self.stored_group_ids())
        for group_id in self.group_ids():
            if skip_missing and group_id not in stored:
                continue
            for file_id, data in self.files(group_id).items():
                yield group_id, file_id, data


# --- writer --------------------------------------------------------------------------------


def build_jcache(
    groups: Mapping[int, Mapping[int, bytes]],
    *,
    compression: BlobKind = Compression.GZIP,
    table_compression: BlobKind = Compression.GZIP,
    table_format: int = 7,
    table_version: int = 1,
    flags: int = 0,
    group_versions: Mapping[int, int] | None = None,
    group_names: Mapping[int, str] | None = None,
) -> bytes:
    """Build a whole ``.jcache`` database and return its bytes.

    ``groups`` maps group id to ``{file id: data}``. The reference table records each stored
    blob's CRC, and fills names (from ``group_names`` or the id as text), lengths and
    uncompressed CRCs when ``flags`` asks. Digests (flag 2) need Whirlpool, which the standard
    library lacks, so that flag is refused here; ``encode_reference_table`` takes it directly.
    """
    if flags & ~(FLAG_NAMES | FLAG_LENGTHS | FLAG_UNCOMPRESSED_CRCS):
        raise ValueError(
            "build_jcache writes flags 1, 4 and 8; digests must be supplied via encode_reference_table"
        )
    table = ReferenceTable(table_format, flags, table_version if table_format >= 6 else None)
    rows: list[tuple[int, bytes, int, int]] = []
    for gid in sorted(groups):
        files = groups[gid]
        data = encode_group(files)
        blob = encode_blob(data, compression)
        version = (group_versions or {}).get(gid, 1)
        names = group_names or {}
        entry = GroupEntry(id=gid, crc=zlib.crc32(blob), version=version, file_ids=tuple(sorted(files)))
        if flags & FLAG_NAMES:
            entry.name_hash = js5_name_hash(names.get(gid, str(gid)))
            entry.file_name_hashes = tuple(js5_name_hash(str(fid)) for fid in entry.file_ids)
        if flags & FLAG_LENGTHS:
            entry.compressed_length = len(blob)
            entry.uncompressed_length = len(data)
        if flags & FLAG_UNCOMPRESSED_CRCS:
            entry.uncompressed_crc = zlib.crc32(data)
        table.groups[gid] = entry
        rows.append((gid, blob, version, zlib.crc32(blob)))
    table_blob = encode_blob(encode_reference_table(table), table_compression)
    conn = sqlite3.connect(":memory:")
    try:
        for name in _TABLES:
            conn.execute(
                f"CREATE TABLE {name} (KEY INTEGER PRIMARY KEY, DATA BLOB, VERSION INTEGER, CRC INTEGER)"
            )
        conn.executemany("INSERT INTO cache VALUES (?, ?, ?, ?)", rows)
        conn.execute(
            "INSERT INTO cache_index VALUES (?, ?, ?, ?)",
            (_REFERENCE_KEY, table_blob, table_version, zlib.crc32(table_blob)),
        )
        conn.commit()
        return conn.serialize()
    finally:
        conn.close()


def write_jcache(
    path: str | os.PathLike[str],
    groups: Mapping[int, Mapping[int, bytes]],
    *,
    compression: BlobKind = Compression.GZIP,
    table_compression: BlobKind = Compression.GZIP,
    table_format: int = 7,
    table_version: int = 1,
    flags: int = 0,
    group_versions: Mapping[int, int] | None = None,
    group_names: Mapping[int, str] | None = None,
) -> Path:
    """Write :func:`build_jcache` output to ``path`` and return the path."""
    target = Path(path)
    target.write_bytes(
        build_jcache(
            groups,
            compression=compression,
            table_compression=table_compression,
            table_format=table_format,
            table_version=table_version,
            flags=flags,
            group_versions=group_versions,
            group_names=group_names,
        )
    )
    return target
