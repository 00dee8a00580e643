"""A new index generation built from the rows an import is writing, while it writes them.

A bulk import into an empty catalogue used to be indexed after its commit, by a full
build reading every service back from the database: a third of the whole import's time
at 100,000 services, on cores the import had left idle. Here worker processes index the
published services as each batch is written (the same :func:`~.build.index_rows`, the
same documents as a build from the database), into a generation that is swapped in only
after the import has committed, and thrown away if it does not.

It serves an empty catalogue only: then every published service after the import is one
the import wrote, and the rows seen are the whole index. Otherwise the caller rebuilds
from the database after the commit, as before.
"""

from __future__ import annotations

import os
import queue
import shutil
from collections.abc import Iterator, Sequence
from multiprocessing import get_context
from operator import itemgetter
from typing import Any

from sqlalchemy.orm import Session

from ..bulk import catalogue_is_empty
from ..collector import Collector, collector_paused
from ..models import Status
from .build import index_rows, join_parts
from .generations import IndexHome
from .state import IndexUnavailable, SyncState, change_log_mark, mark_after_import, write_state

# What a document is made of (schema.document_of and texts_of read these keys).
DOCUMENT_KEYS = (
    "id", "name", "code", "agency_id", "agency_code", "agency_name", "field_id", "field_name",
    "level", "tier", "audience", "published_at", "online_kind", "effective_from", "abolished_on",
    "summary", "steps", "method", "documents", "fees", "result", "legal_basis", "requirements",
    "forms", "life_events",
)
# Batches waiting for a worker: a bound, so a slow worker slows the import down instead
# of letting memory grow.
QUEUE_BATCHES = 4
PUT_WAIT = 1.0
WORKER_NICENESS = 10
# Segments written as the rows come (a full build writes larger ones at the end): what
# is left to write once the import has committed is at most this many documents' worth,
# and a worker holds no more than that in memory.
STREAMED_SEGMENT_DOCS = 25_000
# A row's document values in DOCUMENT_KEYS order, at C speed (a tuple pickles smaller too).
_document_values = itemgetter(*DOCUMENT_KEYS)


def _rows_from(inbox: Any, collector: Collector) -> Iterator[dict[str, Any]]:
    while True:
        batch = inbox.get()
        if batch is None:
            return
        for values in batch:
            yield dict(zip(DOCUMENT_KEYS, values, strict=True))
        collector.batch_done()


def _index_worker(directory: str, inbox: Any, outbox: Any) -> None:
    # Below the import in the scheduler's eyes: the import is one process on the critical
    # path, the workers are two, and they catch up on every core once it has written all.
    os.nice(WORKER_NICENESS)
    # The postings of a segment are held in memory until it is written: the collector
    # would walk them again and again, finding no cycle.
    with collector_paused() as collector:
        outbox.put(index_rows(directory, _rows_from(inbox, collector), STREAMED_SEGMENT_DOCS))


class StreamedBuild:
    """Index worker processes fed with the published rows of an import."""

    def __init__(self, home: IndexHome, procs: int = 2) -> None:
        self.home = home
        self.generation = home.new_generation()
        self.generation.mkdir(parents=True)
        self.parts = [self.generation / f"part-{k}" for k in range(procs)]
        context = get_context("spawn")
        self.outbox = context.Queue()
        self.inboxes = [context.Queue(QUEUE_BATCHES) for _ in self.parts]
        self.workers = []
        for part, inbox in zip(self.parts, self.inboxes, strict=True):
            part.mkdir()
            worker = context.Process(target=_index_worker, args=(str(part), inbox, self.outbox), daemon=True)
            worker.start()
            self.workers.append(worker)
        self.sent = 0

    def _put(self, k: int, item: Any) -> None:
        while True:
            try:
                self.inboxes[k].put(item, timeout=PUT_WAIT)
                return
            except queue.Full:
                if not self.workers[k].is_alive():
                    raise IndexUnavailable("an index worker stopped") from None

    def add(self, rows: Sequence[dict[str, Any]]) -> None:
        """Published service rows (column values, their agency's code and name, their
        field's name), shared among the workers in turn."""
        shares: list[list[tuple[Any, ...]]] = [[] for _ in self.workers]
        for row in rows:
            shares[row["id"] % len(shares)].append(_document_values(row))
        for k, share in enumerate(shares):
            if share:
                self._put(k, share)
        self.sent += len(rows)

    def finish(self, state: SyncState) -> int:
        """Wait for the workers, join their segments, record ``state`` and swap the
        generation in; returns the number of documents."""
        for k in range(len(self.workers)):
            self._put(k, None)
        counts: list[int] = []
        while len(counts) < len(self.workers):
            try:
                counts.append(self.outbox.get(timeout=PUT_WAIT))
            except queue.Empty:
                # A worker that stopped without its count (killed, out of memory or disk)
                # is not waited for: the caller builds the index from the database instead.
                stopped = sum(1 for w in self.workers if not w.is_alive())
                if stopped > len(counts) and self.outbox.empty():
                    self.abandon()
                    raise IndexUnavailable("an index worker stopped") from None
        for worker in self.workers:
            worker.join()
        with self.home.build_lock():
            count = join_parts(self.generation, self.parts, counts)
            write_state(self.generation, state)
            self.home.swap_in(self.generation)
        return count

    def abandon(self) -> None:
        """Stop the workers and remove what they wrote (the import did not commit)."""
        for worker in self.workers:
            worker.kill()
            worker.join()
        shutil.rmtree(self.generation, ignore_errors=True)




class ImportIndex:
    """The search index of an import into an empty catalogue, built as it writes.

    ``begin`` (in the import's transaction, before anything is written) says whether this
    import can have it; ``created`` is the import's ``on_created``; ``seal`` reads the log
    position before the commit; ``finish`` after it swaps the index in; ``abandon`` if the
    import failed.
    """

    def __init__(self, build: StreamedBuild, before: SyncState) -> None:
        self.build = build
        self.before = before
        self.services: set[int] = set()
        self.state: SyncState | None = None
        self.broken = False

    @classmethod
    def begin(cls, session: Session, home: IndexHome, procs: int = 2) -> ImportIndex | None:
        if not catalogue_is_empty(session):
            return None
        before = change_log_mark(session.connection())
        return cls(StreamedBuild(home, procs), before)

    def created(self, rows: list[dict[str, Any]]) -> None:
        """The import's ``on_created``. An index that cannot be built alongside never stops
        the import: the build is dropped, and :meth:`finish` says so after the commit."""
        if self.broken:
            return
        self.services.update(row["id"] for row in rows)
        try:
            self.build.add([row for row in rows if row["status"] == Status.PUBLISHED])
        except IndexUnavailable:
            self.broken = True
            self.build.abandon()

    def seal(self, session: Session) -> None:
        self.state = mark_after_import(session.connection(), self.before, self.services)

    def finish(self) -> int:
        """Swap the index in; :class:`IndexUnavailable` if it could not be built (the
        caller then builds one from the database)."""
        if self.broken:
            raise IndexUnavailable("the index built alongside the import was dropped")
        assert self.state is not None, "seal() before the commit"
        return self.build.finish(self.state)

    def abandon(self) -> None:
        self.build.abandon()


__all__ = ["ImportIndex", "StreamedBuild"]
