"""One index generation opened for searching: per-document arrays and posting lists.

Whoosh keeps the postings on disk; this module reads a term's whole posting list into
numpy arrays once and keeps it for the life of the segment (segments never change after
they are written; deletions are a separate mask). A query then costs a few vector
operations over the catalogue instead of a Python loop per matching document: counting
every match, facet counts and top-k ranking all come from the same arrays.
"""

from __future__ import annotations

import math
import os
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC
from whoosh.reading import SegmentReader

from ..clock import today_vn
from ..publication import day_number
from .long_postings import LongPostings, long_postings_path
from .schema import MATCH_FIELDS, META
from .state import INDEX_NAME, STATE_FILE, SyncState, read_state
from .whoosh_internals import EMPTY_IDS, EMPTY_TF, fixed_column_bytes, read_posting_list

# Memory budgets of a worker's caches (posting lists are ~8 bytes a posting): together
# they keep a worker serving 100,000 services well under 300 MB.
SEGMENT_CACHE_BYTES = 16 * 1024 * 1024  # per segment
VIEW_CACHE_BYTES = 24 * 1024 * 1024
DERIVED_CACHE_BYTES = 32 * 1024 * 1024


class ByteLRU:
    """A least-recently-used cache of array pairs, bounded by their size in bytes."""

    def __init__(self, limit: int):
        self.limit = limit
        self.size = 0
        self.items: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()

    def get(self, key: tuple[str, str]) -> tuple[np.ndarray, np.ndarray] | None:
        hit = self.items.get(key)
        if hit is not None:
            self.items.move_to_end(key)
        return hit

    def put(self, key: tuple[str, str], value: tuple[np.ndarray, np.ndarray]) -> None:
        self.items[key] = value
        self.size += value[0].nbytes + value[1].nbytes + 200
        while self.size > self.limit and len(self.items) > 1:
            _, (a, b) = self.items.popitem(last=False)
            self.size -= a.nbytes + b.nbytes + 200


class SegmentData:
    """A segment's reader, its per-document records and the posting lists read so far."""

    def __init__(self, reader: SegmentReader, doccount: int, long: LongPostings | None = None):
        self.reader = reader
        self.doccount = doccount
        self.long = long  # the segment's long lists as plain arrays, when built with them
        self.meta = self._read_meta()
        self.postings = ByteLRU(SEGMENT_CACHE_BYTES)

    def _read_meta(self) -> np.ndarray:
        meta = np.zeros(self.doccount, dtype=META)
        if not self.reader.has_column("meta"):
            return meta
        column = self.reader.column_reader("meta", translate=False)
        raw, count = fixed_column_bytes(column, self.doccount, META.itemsize)
        meta[:count] = np.frombuffer(raw, dtype=META, count=count)
        return meta

    def read_postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        key = (field, term)
        hit = self.postings.get(key)
        if hit is not None:
            return hit
        if self.long is not None:
            found = self.long.get(field, term)
            if found is not None:  # one read: not worth a place in the cache
                return found
        result = read_posting_list(self.reader, field, term)
        self.postings.put(key, result)
        return result

    def close(self) -> None:
        self.reader.close()
        if self.long is not None:
            self.long.close()


@contextmanager
def closing_on_error(storage: FileStorage) -> Iterator[None]:
    """Close every file opened through ``storage`` if opening the index fails part-way
    (Whoosh leaves them open when a damaged file raises)."""
    opened: list[object] = []
    original = storage.open_file

    def tracking(name: str, *args: object, **kwargs: object) -> object:
        handle = original(name, *args, **kwargs)
        opened.append(handle)
        return handle

    storage.open_file = tracking  # type: ignore[method-assign]
    try:
        yield
    except BaseException:
        for handle in opened:
            try:
                handle.close()  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001, S110 - already broken
                pass
        raise
    finally:
        del storage.open_file


@dataclass
class Leaf:
    segid: str
    data: SegmentData
    offset: int


class View:
    """A consistent picture of one generation: its segments, arrays and sync state."""

    def __init__(self, directory: Path, segments_cache: dict[str, SegmentData]):
        self.directory = directory
        # Plain reads, not mmap: a mapped index counts in every worker's resident memory.
        self.storage = FileStorage(str(directory), supports_mmap=False)
        with closing_on_error(self.storage):
            try:
                self._open(segments_cache)
            except BaseException:  # the long-postings files are not the storage's: close them
                for leaf in getattr(self, "leaves", []):
                    if leaf.segid not in segments_cache and leaf.data.long is not None:
                        leaf.data.long.close()
                raise

    def _open(self, segments_cache: dict[str, SegmentData]) -> None:
        directory = self.directory
        toc = TOC.read(self.storage, INDEX_NAME)
        self.generation = toc.generation
        # The state file is replaced after every change of this generation (see sync.py),
        # so its inode tells cheaply whether the generation moved on.
        self.state_inode = os.stat(directory / STATE_FILE).st_ino
        self.state: SyncState = read_state(directory)
        self.leaves: list[Leaf] = []
        offset = 0
        alive_parts, meta_parts = [], []
        for segment in toc.segments:
            segid = segment.segment_id()
            data = segments_cache.get(segid)
            if data is None:
                reader = SegmentReader(self.storage, toc.schema, segment, generation=toc.generation)
                long = None
                try:
                    long = LongPostings.open(long_postings_path(directory, segid))
                    data = SegmentData(reader, segment.doc_count_all(), long)
                except BaseException:
                    reader.close()
                    if long is not None:
                        long.close()
                    raise
            self.leaves.append(Leaf(segid, data, offset))
            alive = data.meta["live"] == 1
            if segment.has_deletions():
                alive = alive.copy()
                alive[np.fromiter(segment.deleted_docs(), dtype=np.int64)] = False
            alive_parts.append(alive)
            meta_parts.append(data.meta)
            offset += data.doccount
        self.size = offset
        self.meta = np.concatenate(meta_parts) if meta_parts else np.zeros(0, dtype=META)
        self.published_alive = (np.concatenate(alive_parts) if alive_parts
                                else np.zeros(0, dtype=bool))
        self.cols = {name: np.ascontiguousarray(self.meta[name])
                     for name in ("sid", "level", "agency", "field", "tier", "audience", "published",
                                  "online_kind", "from_day", "until_day")}
        self.cols["published"] = self.cols["published"].astype(np.int64)
        self.lengths = {
            f: self.meta[f"len_{f}"].astype(np.float32) for f in MATCH_FIELDS
        }
        self._postings = ByteLRU(VIEW_CACHE_BYTES)  # lists joined across segments
        self._name_rank: np.ndarray | None = None
        self._term_bits: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}
        self.day = -1
        self.use_day(day_number(today_vn()))

    def use_day(self, day: int) -> None:
        """Keep alive only the documents whose service applies on ``day`` (yyyymmdd): a
        service scheduled ahead or abolished stays in the index, unfindable until or from
        its day. Everything derived from the live set is recomputed when the day moves."""
        if day == self.day:
            return
        self.day = day
        self.alive = (self.published_alive & (self.cols["from_day"] <= day)
                      & (self.cols["until_day"] > day))
        self.live_ids = np.flatnonzero(self.alive)
        self.live_count = len(self.live_ids)
        # Results computed from this generation's postings (per-word scores), by key.
        self.derived = ByteLRU(DERIVED_CACHE_BYTES)
        # Whether a word is found in a live document (did-you-mean asks for every word).
        self.known: dict[str, bool] = {}
        # How telling each word is in names (engine._name_weight), by word.
        self.name_weights: dict[str, float] = {}
        # BM25's length normalisation per field (engine.py), by field.
        self.norms: dict[str, np.ndarray] = {}
        self.avg_length = {
            f: max(float(self.lengths[f][self.alive].mean()) if self.live_count else 1.0, 1.0)
            for f in MATCH_FIELDS
        }

    def is_current(self) -> bool:
        try:
            return os.stat(self.directory / STATE_FILE).st_ino == self.state_inode
        except OSError:
            return False

    def segment_cache(self) -> dict[str, SegmentData]:
        return {leaf.segid: leaf.data for leaf in self.leaves}

    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Global document numbers (deleted ones included) and frequencies of a term."""
        key = (field, term)
        hit = self._postings.get(key)
        if hit is not None:
            return hit
        if len(self.leaves) == 1:
            result = self.leaves[0].data.read_postings(field, term)
        else:
            ids, tfs = [], []
            for leaf in self.leaves:
                i, t = leaf.data.read_postings(field, term)
                if len(i):
                    ids.append(i + leaf.offset)
                    tfs.append(t)
            result = (np.concatenate(ids), np.concatenate(tfs)) if ids else (EMPTY_IDS, EMPTY_TF)
            self._postings.put(key, result)
        return result

    def remember(self, key: tuple[str, str], value: tuple[np.ndarray, np.ndarray]) -> None:
        self.derived.put(key, value)

    def term_bits(self, field: str, terms: tuple[str, ...]) -> np.ndarray:
        """For each document, bit k set when it holds ``terms[k]`` (at most 64 terms): which
        of a fixed handful of words (the modifiers, "lại", "cấp lại"…) each match's name
        holds is then one gather, not a pass over each word's postings. Kept per view."""
        bits = self._term_bits.get((field, terms))
        if bits is None:
            if len(terms) > 64:
                raise ValueError("at most 64 terms")
            bits = np.zeros(self.size, dtype=np.uint64)
            for k, term in enumerate(terms):
                bits[self.postings(field, term)[0]] |= np.uint64(1 << k)
            self._term_bits[(field, terms)] = bits
        return bits

    def term_table(self, field: str, terms: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """The postings of ``terms`` of a keyword field laid end to end, and for each
        posting the number of its term: counting a facet of some forty terms (life events)
        over any set of matches is then one gather and one ``bincount``."""
        key = ("term table", field, *terms)
        table = self.derived.get(key)
        if table is None:
            lists = [self.postings(field, term)[0] for term in terms]
            docs = np.concatenate(lists) if lists else EMPTY_IDS
            which = np.repeat(np.arange(len(terms), dtype=np.int32), [len(ids) for ids in lists])
            table = (docs, which)
            self.derived.put(key, table)
        return table

    def idf(self, df: int) -> float:
        n = max(self.live_count, 1)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def name_rank(self) -> np.ndarray:
        """Each document's place in alphabetical order of names (computed once)."""
        if self._name_rank is None:
            order = np.lexsort((self.cols["sid"], self.meta["sort"]))
            rank = np.empty(self.size, dtype=np.int32)
            rank[order] = np.arange(self.size, dtype=np.int32)
            self._name_rank = rank
        return self._name_rank

    def expand_prefix(self, field: str, prefix: str, limit: int) -> list[str]:
        terms: set[str] = set()
        for leaf in self.leaves:
            for i, term in enumerate(leaf.data.reader.expand_prefix(field, prefix)):
                if i >= limit:
                    break
                terms.add(term.decode("utf-8") if isinstance(term, bytes) else term)
        return sorted(terms)[:limit]

    def terms_within(self, field: str, word: str, maxdist: int) -> Iterable[str]:
        found: set[str] = set()
        for leaf in self.leaves:
            for term in leaf.data.reader.terms_within(field, word, maxdist, prefix=1):
                found.add(term.decode("utf-8") if isinstance(term, bytes) else term)
        return found

    def doc_frequency(self, field: str, term: str) -> int:
        ids, _ = self.postings(field, term)
        return int(self.alive[ids].sum()) if len(ids) else 0

    def close(self) -> None:
        for leaf in self.leaves:
            leaf.data.close()
