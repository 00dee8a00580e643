"""The fast path of import for services new to the catalogue: what
:func:`~catalogue.operations.create_service` then
:func:`~catalogue.operations.change_status` (publish, archive) do one service at a time
through the ORM (a revision, a change-log row and the monthly counts for each step),
done for a batch at once, at the driver's speed (:mod:`catalogue.fast_insert`).

The rows are those the slow path writes: each service is first built as a plain object
with the same :func:`~catalogue.operations.apply_content`, its revision
snapshots come from the same :func:`~catalogue.operations.record_of`, and every mapped
column is copied, so a key or column added to the record by anyone reaches the bulk path
with no change here. What differs is only how: one ``executemany`` (SQLite) or ``COPY``
(PostgreSQL) per table for the services of a batch, their revisions and change-log rows, the intervals
(``superseded_at``) computed in memory as each chain is known whole, and the monthly
counts summed in memory and written once at the end (:meth:`BulkServiceWriter.finish`).
"""

from __future__ import annotations

import queue
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, inspect, select
from sqlalchemy.orm import Session

from .fast_insert import TableWriter, last_ids, reserve_ids
from .history import Key, add_monthly, counted_interval, move_monthly
from .models import ChangeLog, Revision, Service, Status, now_utc
from .operations import CONTENT_KEYS, Actor, Lookups, apply_content, iso, record_of, revision_state

_SKIPPED = {"id", "agency_id", "field_id"}
# Writes handed to the background thread and not done yet: a bound on memory.
PENDING_BATCHES = 1


def _service_columns() -> list[tuple[str, Any]]:
    """(attribute key, column) of every column the service row is written with."""
    mapper = inspect(Service)
    return [(attr.key, attr.columns[0]) for attr in mapper.column_attrs if attr.key not in _SKIPPED]


def catalogue_is_empty(session: Session) -> bool:
    """No service at all, of any status: what the bulk writer's own ids and an index
    built alongside an import both rely on."""
    return session.scalar(select(Service.id).limit(1)) is None


class _Draft:
    """A service being built for the bulk path: plain attributes; one never set reads
    None, as on a new ORM instance (so keys others add to record_of read as empty)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return None


class _Background:
    """One thread running each batch's database writes in turn while the caller reads
    and checks the next batch. Used on PostgreSQL only, where the server does the
    writing in its own process while this one prepares the next batch. On SQLite the
    writing is done in this process, a row at a time between takes of Python's lock:
    measured on 20,000 services, a thread made the import slower (7.7–8.3 s against
    6.3–7.2 s written in turn), the two threads queueing for the lock."""

    def __init__(self) -> None:
        self.queue: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize=PENDING_BATCHES)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="bulk-writes", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            work = self.queue.get()
            try:
                if work is None:
                    return
                if self.error is None:
                    work()
            except BaseException as exc:  # noqa: BLE001 - raised on the caller's thread
                self.error = exc
            finally:
                self.queue.task_done()

    def submit(self, work: Callable[[], None]) -> None:
        self.check()
        self.queue.put(work)

    def check(self) -> None:
        if self.error is not None:
            raise self.error

    def drain(self) -> None:
        """Wait until every write submitted is done; raise the first that failed."""
        self.queue.join()
        self.check()

    def stop(self) -> None:
        self.queue.put(None)
        self.thread.join()


Groups = list[tuple[TableWriter, list[dict[str, Any]]]]


class BulkServiceWriter:
    """Writes new services in batches within the caller's transaction (never commits).

    Into a catalogue with no service yet (``fresh``), ids are given here and, on
    PostgreSQL, each batch's writes run on a background thread; the caller calls
    :meth:`finish` (or :meth:`close`) before using the session again. Otherwise every
    write is done when :meth:`add` returns.
    """

    ID_BLOCK = 10_000

    def __init__(self, session: Session, actor: Actor, lookups: Lookups) -> None:
        self.session = session
        self.actor = actor
        self.lookups = lookups
        self.monthly: dict[Key, int] = defaultdict(int)
        self.columns = _service_columns()
        self.written = 0
        self.writers: dict[tuple[str, tuple[str, ...]], TableWriter] = {}
        self.fresh = catalogue_is_empty(session)
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self.free_ids: list[int] = []  # ids this writer may give
        self.background: _Background | None = None

    def _row(self, service: Any) -> dict[str, Any]:
        """The service's row by column name; a column never set takes its default, as an
        ORM insert would give it (every column here has a Python-side default where the
        database has one, so every row has the same keys)."""
        row: dict[str, Any] = {"agency_id": service.agency.id, "field_id": service.field.id}
        for key, column in self.columns:
            value = getattr(service, key, None)
            if value is None and column.default is not None:
                default = column.default
                value = default.arg(None) if default.is_callable else default.arg  # type: ignore[attr-defined]
            row[column.name] = value
        return row

    def _groups(self, table: Table, rows: list[dict[str, Any]]) -> Groups:
        """Rows by set of keys, each with its :class:`TableWriter` (made here, on the
        caller's thread: making one reads the session)."""
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            groups[tuple(row)].append(row)
        found = []
        for keys, group in groups.items():
            writer = self.writers.get((table.name, keys))
            if writer is None:
                writer = self.writers[(table.name, keys)] = TableWriter(self.session, table, keys)
            found.append((writer, group))
        return found

    def _ids_for(self, count: int) -> list[int] | None:
        """Ids for the services of a batch when this writer gives them: from PostgreSQL's
        sequence a block at a time; on SQLite into a fresh catalogue, after the first
        batch, the ones past it (the transaction holds the write lock from its first
        insert: no one else can take them). None: the database gives them."""
        if len(self.free_ids) < count:
            table = Service.__table__
            if self.postgres:
                self.drain()
                block = max(self.ID_BLOCK, count) if self.fresh else count  # a small import takes few
                self.free_ids += reserve_ids(self.session, table, block)  # type: ignore[arg-type]
            elif self.fresh and self.free_ids:
                top = self.free_ids[-1]
                self.free_ids += range(top + 1, top + 1 + max(self.ID_BLOCK, count))
            else:
                return None
        ids, self.free_ids = self.free_ids[:count], self.free_ids[count:]
        return ids

    def _insert_services(self, rows: list[dict[str, Any]]) -> tuple[list[int], Groups]:
        """Ids for the services' rows, and the writes still to do for them."""
        table = Service.__table__
        ids = self._ids_for(len(rows))
        if ids is not None:
            for row, service_id in zip(rows, ids, strict=True):
                row["id"] = service_id
            return ids, self._groups(table, rows)  # type: ignore[arg-type]
        self.drain()
        for writer, group in self._groups(table, rows):  # type: ignore[arg-type]
            writer.write(group)
        ids = last_ids(self.session, table, len(rows))  # type: ignore[arg-type]
        if self.fresh:
            self.free_ids = list(range(ids[-1] + 1, ids[-1] + 1 + self.ID_BLOCK))
        return ids, []

    def _chain(self, clean: Mapping[str, Any], now: datetime) -> tuple[Any, list[dict[str, Any]]]:
        """The transient service in its final state, and its revisions as the slow path
        writes them: create (draft), then publish and archive as the file says."""
        # A plain object, not an ORM instance: the same content rule and serialisation
        # apply, without the attribute instrumentation (a fifth of the time, measured).
        service: Any = _Draft()
        apply_content(service, clean, self.lookups)
        service.status, service.published_at = Status.DRAFT, None
        service.created_at = service.updated_at = now
        # The record is built once: publish and archive change only the status and the
        # two timestamps, so their snapshots are copies with those keys set (as record_of
        # would give them; the content parts are shared, never changed, only serialised).
        first = record_of(service)
        created = {k: [None, v] for k in CONTENT_KEYS if (v := first[k]) not in (None, "", [])}
        steps: list[tuple[str, datetime, dict[str, Any], dict[str, Any]]] = [
            ("create", now, created, first)]
        status = clean["status"]
        if status != Status.DRAFT:
            published: datetime = clean.get("published_at") or now
            service.status, service.published_at, service.updated_at = Status.PUBLISHED, published, published
            steps.append(("publish", published, {"status": [Status.DRAFT, Status.PUBLISHED]},
                          {**first, "status": Status.PUBLISHED, "published_at": iso(published),
                           "updated_at": iso(published)}))
            if status == Status.ARCHIVED:
                archived = max(clean.get("updated_at") or now, published)
                service.status, service.updated_at = Status.ARCHIVED, archived
                steps.append(("archive", archived, {"status": [Status.PUBLISHED, Status.ARCHIVED]},
                              {**steps[-1][3], "status": Status.ARCHIVED, "updated_at": iso(archived)}))
        if clean.get("updated_at"):
            service.updated_at = clean["updated_at"]
        service.version = len(steps)
        revisions = []
        steady = revision_state(service, steps[0][3])  # what no step changes (all but the status)
        for number, (action, effective, changes, snapshot) in enumerate(steps, 1):
            later = [when for _, when, _, _ in steps[number:]]
            revisions.append({
                **steady, "status": snapshot["status"],
                "number": number, "version": number, "action": action, "user_id": self.actor.user_id,
                "actor": self.actor.label, "recorded_at": now, "effective_at": effective,
                "changes": changes, "snapshot": snapshot,
                "agency_id": service.agency.id, "field_id": service.field.id,
                "superseded_at": min(later) if later else None,
            })
        return service, revisions

    def _count_months(self, revision: Mapping[str, Any]) -> None:
        """What close_superseded adds for a revision whose interval is known whole (clipped
        to its service's window, as there)."""
        if revision["status"] != Status.PUBLISHED:
            return
        interval = counted_interval(revision["effective_at"], revision["superseded_at"],
                                    revision["applies_from"], revision["applies_until"])
        move_monthly(self.monthly, interval, int(revision["level"]), str(revision["online_kind"]), 1)

    def add(self, cleans: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Insert services new to the catalogue (their codes are not taken), with history;
        returns the row of each service inserted, by column name, with its id, its
        agency's code and name and its field's name (what the search index reads)."""
        if not cleans:
            return []
        now = now_utc()
        chains = [self._chain(clean, now) for clean in cleans]
        rows = [self._row(service) for service, _ in chains]
        ids, writes = self._insert_services(rows)
        revisions, changes = [], []
        for service_id, (service, chain) in zip(ids, chains, strict=True):
            for revision in chain:
                revision["service_id"] = service_id
                self._count_months(revision)
                revisions.append(revision)
                changes.append({"service_id": service_id, "code": service.code, "recorded_at": now})
        writes += self._groups(Revision.__table__, revisions)  # type: ignore[arg-type]
        writes += self._groups(ChangeLog.__table__, changes)  # type: ignore[arg-type]
        self._submit(writes)
        self.written += len(cleans)
        # New dicts: the rows themselves may be being written on the background thread.
        return [{**row, "id": service_id, "agency_code": service.agency.code,
                 "agency_name": service.agency.name, "field_name": service.field.name}
                for service_id, row, (service, _) in zip(ids, rows, chains, strict=True)]

    def _submit(self, writes: Groups) -> None:
        def work() -> None:
            for writer, rows in writes:
                writer.write(rows)

        if not (self.fresh and self.postgres):
            work()
            return
        if self.background is None:
            self.background = _Background()
        self.background.submit(work)

    def drain(self) -> None:
        """Wait for the writes still running (the session is then the caller's again)."""
        if self.background is not None:
            self.background.drain()

    def close(self) -> None:
        """Stop the background thread once its writes are done (whether they failed or not)."""
        if self.background is not None:
            background, self.background = self.background, None
            background.stop()

    def finish(self) -> None:
        """The monthly counts of everything added, as rows of net change (history.py),
        once every write is done."""
        self.drain()
        self.close()
        add_monthly(self.session, {key: n for key, n in self.monthly.items() if n})
        self.monthly.clear()
