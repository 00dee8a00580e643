"""Building, opening, swapping and repairing the on-disk index.

Layout: ``SEARCH_INDEX_DIR`` is a symbolic link to one *generation* directory under
``<SEARCH_INDEX_DIR>.generations/``. A rebuild writes a complete new generation (Whoosh
segments plus ``state.json``, the change-log position it reflects) and then replaces the
link with ``os.replace``: every process sees either the old index or the new one, never
half of either. The index is disposable: the database is the truth, so a missing or
unreadable index is simply built again (under ``<SEARCH_INDEX_DIR>.lock`` so that
several processes finding it broken build it once).

A full build uses every core: each worker process reads its share of the services
straight from the database and writes one Whoosh segment; the segments are then listed
in one table of contents, with no merge pass.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
import uuid
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.engine import Connection
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec, W3PostingsWriter
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC
from whoosh.system import pack_uint
from whoosh.writing import PostingPool, SegmentWriter

from ..models import Agency, ChangeLog, Field, Service, Status
from .analysis import FastExistence, FastFrequency
from .schema import build_schema, document_of

STATE_FILE = "state.json"
INDEX_NAME = "MAIN"
# Bigger posting blocks than Whoosh's 128: the engine reads whole posting lists.
BLOCK_LIMIT = 1024
# Postings of terms in fewer documents than this would be kept in the term table, but
INLINE_LIMIT = 1  # more hits a bug of Whoosh 2.7 (TermInfo.set_inline does not exist)
SEGMENT_DOCS = 60_000
# How long a missing change-log id is waited for before it is taken as rolled back.
GAP_SECONDS = 900
# Below this many services a build stays in one process (starting workers costs more).
PARALLEL_FROM = 5000


class IndexUnavailable(Exception):
    """The index cannot be opened or built (e.g. the directory is not writable)."""


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

    def __init__(self, ix: Any):
        super().__init__(ix, codec=codec())
        self.pool = TermPool(self._tempstorage, self.newsegment, self.schema)

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
        self.perdocwriter.close()
        fw = self.fieldwriter
        docs, freqs = self.pool.docs, self.pool.freqs
        current = None
        # str order is UTF-8 byte order, as Whoosh needs
        keys = sorted((name, word) for name, words in docs.items() for word in words)
        for fieldname, word in keys:
            ids = docs[fieldname].pop(word)
            tf = freqs[fieldname].pop(word, None)
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


@dataclass
class SyncState:
    """The change-log position an index generation reflects.

    ``applied`` is the highest change-log id applied; ``gaps`` are lower ids not seen
    yet (a PostgreSQL transaction may commit id 11 before id 10), with the time each was
    first missed; they are looked for on every sync until they appear or expire.
    """

    applied: int = 0
    gaps: dict[int, float] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"applied": self.applied, "gaps": {str(k): v for k, v in self.gaps.items()}})

    @classmethod
    def from_json(cls, text: str) -> SyncState:
        data = json.loads(text)
        return cls(int(data["applied"]), {int(k): float(v) for k, v in data["gaps"].items()})


def read_state(directory: Path) -> SyncState:
    return SyncState.from_json((directory / STATE_FILE).read_text())


def write_state(directory: Path, state: SyncState) -> None:
    tmp = directory / f".{STATE_FILE}.{uuid.uuid4().hex}"
    tmp.write_text(state.to_json())
    os.replace(tmp, directory / STATE_FILE)


# ------------------------------------------------------------------ reading services

def service_rows(conn: Connection, service_ids: list[int] | None = None,
                 part: tuple[int, int] | None = None) -> Iterator[dict[str, Any]]:
    """Published services as plain rows, with their agency's and field's names."""
    s = Service.__table__
    a = Agency.__table__
    f = Field.__table__
    stmt = (
        select(s, a.c.code.label("agency_code"), a.c.name.label("agency_name"),
               f.c.name.label("field_name"))
        .join(a, s.c.agency_id == a.c.id).join(f, s.c.field_id == f.c.id)
        .where(s.c.status == Status.PUBLISHED.value)
    )
    if service_ids is not None:
        stmt = stmt.where(s.c.id.in_(service_ids))
    if part is not None:
        stmt = stmt.where(s.c.id % part[1] == part[0])
    result = conn.execution_options(yield_per=2000).execute(stmt)
    for row in result.mappings():
        yield dict(row)


def change_log_mark(conn: Connection) -> SyncState:
    """The log position a build starting now reflects: the highest id, and missing ids
    just below it that may still be in flight."""
    top = conn.scalar(select(func.max(ChangeLog.id))) or 0
    window = 1000
    seen = set(conn.scalars(select(ChangeLog.id).where(ChangeLog.id > top - window)))
    now = time.time()
    gaps = {i: now for i in range(max(1, top - window + 1), top + 1) if i not in seen}
    return SyncState(top, gaps)


# ------------------------------------------------------------------------- building

def peak_memory_mb() -> float:
    """This process's peak resident memory since it started (VmHWM)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# The peak memory of the processes of the last build made by this process (for bench/).
last_build_peak_mb = 0.0


def _write_part(url: str, directory: str, part: tuple[int, int] | None) -> tuple[int, float]:
    """Index one share of the published services into a fresh Whoosh index."""
    engine = create_engine(url)
    try:
        ix = whoosh_index.create_in(directory, build_schema(), indexname=INDEX_NAME)
        writer = BulkWriter(ix)
        count = 0
        with engine.connect() as conn:
            for row in service_rows(conn, part=part):
                writer.add_document(**document_of(row))
                count += 1
                if count % SEGMENT_DOCS == 0:
                    writer.commit(merge=False)
                    writer = BulkWriter(ix)
        writer.commit(merge=False)
        ix.close()
        return count, peak_memory_mb()
    finally:
        engine.dispose()


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def build_generation(engine: Engine, target: Path, procs: int | None = None) -> int:
    """Write a complete index of the published catalogue into ``target`` (new dir)."""
    target.mkdir(parents=True)
    with engine.connect() as conn:
        state = change_log_mark(conn)
        published = conn.scalar(
            select(func.count()).select_from(Service).where(Service.status == Status.PUBLISHED.value)
        ) or 0
    global last_build_peak_mb
    procs = procs or os.cpu_count() or 1
    if procs <= 1 or published < PARALLEL_FROM:
        count, last_build_peak_mb = _write_part(url_of(engine), str(target), None)
    else:
        count, last_build_peak_mb = _build_parallel(engine, target, procs)
    write_state(target, state)
    return count


def _build_parallel(engine: Engine, target: Path, procs: int) -> tuple[int, float]:
    parts = [target / f"part-{k}" for k in range(procs)]
    for p in parts:
        p.mkdir()
    with ProcessPoolExecutor(max_workers=procs, mp_context=get_context("spawn")) as pool:
        counts = list(pool.map(_write_part, [url_of(engine)] * procs, map(str, parts),
                               [(k, procs) for k in range(procs)]))
    # One table of contents listing every part's segment: no merge pass.
    segments = []
    for p in parts:
        toc = TOC.read(FileStorage(str(p)), INDEX_NAME)
        segments.extend(toc.segments)
        for name in os.listdir(p):
            if not name.startswith("_") and not name.endswith(".lock"):
                os.replace(p / name, target / name)
        shutil.rmtree(p)
    TOC(build_schema(), segments, 0).write(FileStorage(str(target)), INDEX_NAME)
    return sum(c for c, _ in counts), max(m for _, m in counts)


# ----------------------------------------------------------- the link and the swap

@dataclass(frozen=True)
class IndexHome:
    """Where the index lives: the link, its generations, and the build lock."""

    link: Path

    @classmethod
    def at(cls, directory: str | os.PathLike[str]) -> IndexHome:
        return cls(Path(os.path.abspath(directory)))

    @property
    def generations(self) -> Path:
        return self.link.parent / f"{self.link.name}.generations"

    @property
    def lock_path(self) -> Path:
        return self.link.parent / f"{self.link.name}.lock"

    def current(self) -> Path | None:
        """The generation directory the link points at now, if any."""
        if self.link.is_symlink():
            target = Path(os.path.realpath(self.link))
            return target if target.is_dir() else None
        if self.link.is_dir():  # an index made before generations existed
            return self.link
        return None

    def new_generation(self) -> Path:
        self.generations.mkdir(parents=True, exist_ok=True)
        return self.generations / f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"

    def swap_in(self, generation: Path) -> None:
        """Point the link at ``generation`` in one atomic rename; keep one older one."""
        previous = self.current()
        tmp = self.link.parent / f".{self.link.name}.{uuid.uuid4().hex}.link"
        os.symlink(generation, tmp)
        if self.link.is_dir() and not self.link.is_symlink():
            os.replace(self.link, self.new_generation())
        os.replace(tmp, self.link)
        self._prune(keep={generation, previous})

    def _prune(self, keep: set[Path | None]) -> None:
        # The generation before stays for processes still reading it; older ones go.
        if not self.generations.is_dir():
            return
        for entry in self.generations.iterdir():
            if entry not in keep:
                shutil.rmtree(entry, ignore_errors=True)

    def build_lock(self, timeout: float = 600.0) -> Any:
        self.link.parent.mkdir(parents=True, exist_ok=True)
        return file_lock(self.lock_path, timeout, 0.05,
                         "the index is being rebuilt by another process")


@contextmanager
def file_lock(path: Path, timeout: float, poll: float, busy: str) -> Iterator[None]:
    """An exclusive advisory lock on ``path`` shared by every process on the machine;
    waits up to ``timeout`` seconds, then raises :class:`IndexUnavailable` (never a
    Whoosh LockError to the user)."""
    with open(path, "a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise IndexUnavailable(busy) from None
                time.sleep(poll)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def rebuild(engine: Engine, home: IndexHome, procs: int | None = None) -> tuple[Path, int]:
    """Build a new generation from the database and swap it in (the ``reindex`` command)."""
    with home.build_lock():
        generation = home.new_generation()
        try:
            count = build_generation(engine, generation, procs)
        except BaseException:
            shutil.rmtree(generation, ignore_errors=True)
            raise
        home.swap_in(generation)
        return generation, count


def open_generation(directory: Path) -> Any:
    """Open a generation, checking it is whole: its state and every segment readable."""
    ix = whoosh_index.open_dir(str(directory), indexname=INDEX_NAME)
    read_state(directory)
    with ix.reader() as reader:  # opening a reader touches every segment's files
        reader.doc_count_all()
    return ix
