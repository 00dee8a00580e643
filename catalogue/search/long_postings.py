"""A built segment's long posting lists, kept beside it as plain arrays.

Whoosh keeps postings in pickled, compressed blocks of a thousand documents. Decoding a
common word's lists over the four searched fields at 100,000 services (about 100,000
postings) took some 7 ms, and a search never asked before paid that for each common word
it holds, once per worker: most of the cost of a new query at that size.

So a full build (``whoosh_internals.BulkWriter``) also writes, for each segment, every
list of at least ``LONG_FROM`` postings as little-endian arrays in
``<segment id>-long.npost``, with a table of contents (JSON) at its end; reading one is
a single ``pread`` of its bytes. Shorter lists, and the small segments a sync writes, are
read from Whoosh's blocks as before: they cost little. The name must not start with
``<segment id>.``: Whoosh would pack such a file into the segment's compound file and
delete it. Both hold the same postings (the documents deleted since included, as in
Whoosh's lists).
"""

from __future__ import annotations

import json
import os
import struct
from array import array
from pathlib import Path
from typing import BinaryIO

import numpy as np

SUFFIX = "-long.npost"
MAGIC = b"NPOST003"
HEADER = struct.Struct("<8sQQQ")  # magic, table offset, table length, 1 if every list is here
# Lists shorter than this stay in Whoosh's blocks only (fast enough to decode there)...
LONG_FROM = 256
# ...except when the whole catalogue, at most this many documents (a province's), is one
# segment built in one process: every list is kept there, so a term not in the table is
# in no document and Whoosh's term table is not asked either. (Not for the segments of
# a parallel build or an import: each worker would hold the table of every small one.)
COMPLETE_UP_TO = 5000


_NONE = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))


def long_postings_path(folder: str | os.PathLike[str], segment_id: str) -> Path:
    return Path(folder) / f"{segment_id}{SUFFIX}"


def prune_long_postings(folder: str | os.PathLike[str], segment_ids: set[str]) -> None:
    """Delete the files of segments no longer in the index (Whoosh merged them away after a
    sync): Whoosh's own clean-up does not know these names. A process still reading one
    keeps its open descriptor."""
    for path in Path(folder).glob(f"*{SUFFIX}"):
        if path.name[: -len(SUFFIX)] not in segment_ids:
            path.unlink(missing_ok=True)


class LongPostingsWriter:
    """Writes one segment's long lists as they come (in any order), then the table."""

    def __init__(self, path: Path, whole_catalogue: int | None = None):
        """``whole_catalogue``: the number of documents when this segment holds them all."""
        self.path = path
        self.complete = whole_catalogue is not None and whole_catalogue <= COMPLETE_UP_TO
        self.long_from = 1 if self.complete else LONG_FROM
        self.file: BinaryIO = open(path, "wb")  # noqa: SIM115 - closed by finish()
        self.file.write(HEADER.pack(MAGIC, 0, 0, 0))
        self.table: dict[str, list] = {}

    def add(self, field: str, term: str, ids: array, tf: array | None) -> None:
        """Document numbers as gaps from the previous one, in 2 bytes when every gap fits
        (a list this long has small gaps), frequencies in the narrowest width that holds
        them: about half the size of plain 4-byte numbers, decoded by one ``cumsum``."""
        if len(ids) < self.long_from:
            return
        gaps = np.diff(np.asarray(ids, dtype=np.int64), prepend=0)
        gap_type = "<u2" if int(gaps.max()) < 1 << 16 and int(gaps.min()) >= 0 else "<i4"
        entry = [self.file.tell(), len(ids), gap_type, None]
        self.file.write(gaps.astype(gap_type).tobytes())
        if tf is not None:
            counts = np.asarray(tf, dtype=np.int64)
            top = int(counts.max())
            entry[3] = "u1" if top < 1 << 8 else "<u2" if top < 1 << 16 else "<u4"
            self.file.write(counts.astype(entry[3]).tobytes())
        self.table[f"{field}\x00{term}"] = entry

    def finish(self) -> None:
        table = json.dumps(self.table, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        at = self.file.tell()
        self.file.write(table)
        self.file.seek(0)
        self.file.write(HEADER.pack(MAGIC, at, len(table), int(self.complete)))
        self.file.close()

    def cancel(self) -> None:
        self.file.close()
        self.path.unlink(missing_ok=True)


class LongPostings:
    """One segment's long lists, read on demand; ``None`` from :meth:`open` when the
    segment has no such file (written by a sync, or by a build before this file existed)."""

    def __init__(self, fd: int, table: dict[str, list], complete: bool):
        self.fd = fd
        self.table = table
        self.complete = complete

    @classmethod
    def open(cls, path: Path) -> LongPostings | None:
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            magic, at, length, complete = HEADER.unpack(os.pread(fd, HEADER.size, 0))
            if magic != MAGIC:
                raise ValueError(f"{path.name}: not a long-postings file")
            table = json.loads(os.pread(fd, length, at).decode("utf-8"))
        except BaseException:
            os.close(fd)
            raise
        return cls(fd, table, bool(complete))

    def get(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Document numbers (int32) and frequencies (float32; 1 where only presence is
        kept), as Whoosh's blocks give them; None if the list is not in this file (empty
        lists when the file holds every list of its segment)."""
        entry = self.table.get(f"{field}\x00{term}")
        if entry is None:
            return _NONE if self.complete else None
        offset, count, gap_type, tf_type = entry
        gap_size = count * np.dtype(gap_type).itemsize
        size = gap_size + (count * np.dtype(tf_type).itemsize if tf_type else 0)
        raw = os.pread(self.fd, size, offset)
        if len(raw) != size:
            raise ValueError(f"long-postings file cut short at {field}:{term}")
        ids = np.cumsum(np.frombuffer(raw, dtype=gap_type, count=count), dtype=np.int32)
        tf = (np.frombuffer(raw, dtype=tf_type, count=count, offset=gap_size).astype(np.float32)
              if tf_type else np.ones(count, dtype=np.float32))
        return ids, tf

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
