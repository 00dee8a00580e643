"""Everything that touches Whoosh's private members, in one place: checked against
whoosh-reloaded 2.7.5 (the pinned version; the same code as whoosh 2.7.4). A Whoosh
upgrade is checked here first, and nowhere else needs looking at.

Writing (full builds): a lean codec (bigger posting blocks, no inlined postings), a
posting pool kept as flat arrays, and a segment writer that adds documents without
Whoosh's per-document bookkeeping (``W3PostingsWriter``, ``PostingPool``,
``SegmentWriter`` internals). Reading (every search): a fixed-width column read in one
call, and whole posting lists drained block by block into arrays (``W3LeafMatcher``,
the term table), where Whoosh's public API would go one posting at a time.
"""

from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher, W3PostingsWriter
from whoosh.reading import SegmentReader, TermNotFound
from whoosh.system import pack_uint
from whoosh.writing import PostingPool, SegmentWriter

from .analysis import FastExistence, FastFrequency
from .long_postings import LongPostingsWriter, long_postings_path

# Bigger posting blocks than Whoosh's 128: the engine reads whole posting lists.
BLOCK_LIMIT = 1024
# Postings of terms in fewer documents than this are kept in the term table instead of a
# block of the postings file: a name's own words, its code, its id are in one document or
# a few, and a block each (pickled, compressed, indexed) was most of a build's writing.
INLINE_LIMIT = 16


class FastPostingsWriter(W3PostingsWriter):
    """Whoosh's block writer with its per-posting Python loops done by numpy.

    The bytes written are the same: delta-encoded ids and weights as tuples of Python
    numbers, pickled per block.
    """

    def _mini_ids(self) -> tuple:
        if self._byteids or len(self._ids) < 64:
            return super()._mini_ids()
        ids = np.asarray(self._ids, dtype=np.int64)
        return tuple(np.diff(ids, prepend=0).tolist())

    def finish_postings(self) -> Any:
        """Whoosh's, with its call to a method that does not exist (``set_inline``) made
        to the one that does (``set_inlined``), so short posting lists can be inlined.
        A posting without a value (presence only) is inlined with an empty one: Whoosh
        reads a missing inlined value as ``""``, which its own merge then refuses."""
        terminfo = self._terminfo
        if not self.written() and len(self) < self._inlinelimit:
            terminfo.add_block(self)
            values = self._values if len(self._values) == len(self._ids) else [b""] * len(self._ids)
            terminfo.set_inlined(self._ids, self._weights, values)
        else:
            if self._ids:
                self._write_block(last=True)
            terminfo.set_extent(self._startoffset, self._postfile.tell() - self._startoffset)
        self._terminfo = None
        return terminfo

    def _mini_weights(self) -> tuple | float | None:
        if len(self._weights) < 64:
            return super()._mini_weights()
        weights = np.asarray(self._weights, dtype=np.float32)
        if not len(weights) or (weights == 1.0).all():
            return None
        if (weights == weights[0]).all():
            return float(weights[0])
        return tuple(weights.tolist())


class LeanCodec(W3Codec):
    """Whoosh's codec without per-posting field-length lookups while writing.

    Field lengths are kept in the ``meta`` column for the engine; looking each posting's
    length up (a file-existence check per posting when no length column exists) was the
    largest single cost of a build.
    """

    length_stats = False

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> W3PostingsWriter:
        return FastPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                  compression=self._compression, inlinelimit=self._inlinelimit)


def codec() -> W3Codec:
    return LeanCodec(blocklimit=BLOCK_LIMIT, compression=1, inlinelimit=INLINE_LIMIT)


class TermPool(PostingPool):
    """Collects a bulk build's postings grouped by term, already in document order.

    Whoosh's pool keeps one tuple per posting and sorts them all at commit; grouping by
    term as documents arrive leaves only the (much shorter) list of terms to sort. For
    presence-only fields a posting is one integer appended to its term's array.
    """

    def __init__(self, tempstore: Any, segment: Any, schema: Any):
        super().__init__(tempstore, segment)
        self.fieldnames = set(schema.names())
        # field -> term -> doc numbers; and frequencies for the fields that keep them
        self.docs: dict[str, defaultdict[str, array]] = {
            name: defaultdict(_uint_array) for name in self.fieldnames}
        self.freqs: dict[str, defaultdict[str, array]] = {
            name: defaultdict(_uint_array) for name in self.fieldnames}

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Whoosh's interface, for the few fields without a fast path (``id``, ``name_key``)."""
        fieldname, btext, docnum, _, _ = item
        self.docs[fieldname][btext.decode("utf-8")].append(docnum)


def _uint_array() -> array:
    return array("I")


class BulkWriter(SegmentWriter):
    """A Whoosh segment writer for full builds: postings go to disk a block at a time.

    Same files, codec and format as any Whoosh segment; only the way postings reach the
    codec's block writer differs (whole blocks instead of one call per posting).
    """

    def __init__(self, ix: Any, whole: bool = False):
        super().__init__(ix, codec=codec())
        self.pool = TermPool(self._tempstorage, self.newsegment, self.schema)
        # The whole catalogue goes into this one segment (long_postings: "complete").
        self.whole = whole

    def add_document(self, **fields: Any) -> None:
        """Whoosh's add_document for this schema, with postings appended per term."""
        self._check_state()
        perdoc = self.perdocwriter
        docnum = self.docnum
        pool = self.pool
        schema = self.schema
        perdoc.start_doc(docnum)
        for fieldname in sorted(fields):
            value = fields[fieldname]
            fieldobj = schema[fieldname]
            fmt = fieldobj.format
            if isinstance(fmt, FastExistence):
                docs = pool.docs[fieldname]
                for word in set(fieldobj.analyzer.terms(value)):
                    docs[word].append(docnum)
            elif isinstance(fmt, FastFrequency):
                docs, freqs = pool.docs[fieldname], pool.freqs[fieldname]
                for word, n in Counter(fieldobj.analyzer.terms(value)).items():
                    docs[word].append(docnum)
                    freqs[word].append(n)
            elif fieldobj.indexed:
                for btext, _, weight, vbytes in fieldobj.index(value):
                    pool.add((fieldname, btext, docnum, weight, vbytes))
            perdoc.add_field(fieldname, fieldobj, value if fieldobj.stored else None, 0)
            if fieldobj.column_type is not None:
                perdoc.add_column_value(fieldname, fieldobj.column_type, fieldobj.to_column_value(value))
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        """Whoosh's blocks for every term, and the long lists once more as plain arrays
        beside the segment (long_postings.py)."""
        self.perdocwriter.close()
        folder = getattr(self.storage, "folder", None)
        long_lists = (LongPostingsWriter(long_postings_path(folder, self.newsegment.segment_id()),
                                         self.docnum if self.whole else None) if folder else None)
        try:
            self._write_terms(long_lists)
        except BaseException:
            if long_lists is not None:
                long_lists.cancel()
            raise
        if long_lists is not None:
            long_lists.finish()

    def _write_terms(self, long_lists: LongPostingsWriter | None) -> None:
        fw = self.fieldwriter
        docs, freqs = self.pool.docs, self.pool.freqs
        current = None
        # str order is UTF-8 byte order, as Whoosh needs
        keys = sorted((name, word) for name, words in docs.items() for word in words)
        for fieldname, word in keys:
            ids = docs[fieldname].pop(word)
            tf = freqs[fieldname].pop(word, None)
            if long_lists is not None:
                long_lists.add(fieldname, word, ids, tf)
            if fieldname != current:
                if current is not None:
                    fw.finish_field()
                fw.start_field(fieldname, self.schema[fieldname])
                current = fieldname
            fw.start_term(word.encode("utf-8"))
            pw = fw._postwriter
            for i in range(0, len(ids), BLOCK_LIMIT):
                pw._ids = ids[i:i + BLOCK_LIMIT]
                if tf is None:
                    pw._weights = array("f", [1.0]) * len(pw._ids)
                    pw._values = []
                    pw._maxweight = 1.0
                else:
                    block = tf[i:i + BLOCK_LIMIT]
                    pw._weights = array("f", block)
                    pw._values = [pack_uint(n) for n in block]
                    pw._maxweight = float(max(block))
                if i + BLOCK_LIMIT < len(ids):
                    pw._write_block()
            fw.finish_term()
        if current is not None:
            fw.finish_field()
        fw.close()


# ------------------------------------------------------------------------- reading

EMPTY_IDS = np.zeros(0, dtype=np.int32)
EMPTY_TF = np.zeros(0, dtype=np.float32)


def fixed_column_bytes(column: Any, limit: int, itemsize: int) -> tuple[bytes, int]:
    """A fixed-width column is one contiguous run of records: read it in one call."""
    count = min(column._count, limit)
    return column._dbfile.get(column._basepos, count * itemsize), count


def read_posting_list(reader: SegmentReader, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    """Document numbers and term frequencies of one term in one segment."""
    try:
        matcher = reader._terms.matcher(field, term.encode("utf-8"), reader.schema[field].format)
    except (TermNotFound, KeyError):
        return EMPTY_IDS, EMPTY_TF
    return _drain(matcher)


def _drain(matcher: object) -> tuple[np.ndarray, np.ndarray]:
    """All document numbers and frequencies of a posting list, block by block."""
    if not isinstance(matcher, W3LeafMatcher):  # a posting inlined in the term info
        ids, tfs = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            tfs.append(matcher.weight())
            matcher.next()
        return np.array(ids, dtype=np.int32), np.array(tfs, dtype=np.float32)
    id_blocks, tf_blocks = [], []
    while not matcher._atend:
        if matcher._data is None:
            matcher._read_data()
        raw_ids, raw_weights = matcher._data[0], matcher._data[1]
        n = matcher._blocklength
        id_blocks.append(np.cumsum(np.array(raw_ids, dtype=np.int64)))
        if raw_weights is None:
            tf_blocks.append(np.ones(n, dtype=np.float32))
        elif isinstance(raw_weights, float):
            tf_blocks.append(np.full(n, raw_weights, dtype=np.float32))
        else:
            tf_blocks.append(np.array(raw_weights, dtype=np.float32))
        matcher._next_block()
    if not id_blocks:
        return EMPTY_IDS, EMPTY_TF
    return np.concatenate(id_blocks).astype(np.int32), np.concatenate(tf_blocks)
