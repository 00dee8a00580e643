"""A full build of one index generation from the database. With many services it uses
every core: each worker process reads its share of the services straight from the
database and writes one Whoosh segment; the segments are then listed in one table of
contents, with no merge pass."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, select
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC

from ..models import Service, Status
from .rows import service_rows
from .schema import build_schema, document_of
from .state import INDEX_NAME, change_log_mark, write_state
from .whoosh_internals import BulkWriter

SEGMENT_DOCS = 60_000
# Below this many services a build stays in one process (starting workers costs more).
PARALLEL_FROM = 5000


def index_rows(directory: str, rows: Iterable[dict[str, Any]], segment_docs: int = SEGMENT_DOCS,
               whole: bool = False) -> int:
    """Index ``rows`` (service rows as :func:`service_rows` gives them) into a fresh Whoosh
    index in ``directory``: a segment per ``segment_docs``, never merged. ``whole``: the
    rows are the whole catalogue, not one worker's share."""
    ix = whoosh_index.create_in(directory, build_schema(), indexname=INDEX_NAME)
    writer = BulkWriter(ix, whole=whole)
    count = 0
    for row in rows:
        writer.add_document(**document_of(row))
        count += 1
        if count % segment_docs == 0:
            writer.commit(merge=False)
            writer = BulkWriter(ix)  # a second segment: no longer the whole catalogue
    writer.commit(merge=False)
    ix.close()
    return count


def _write_part(url: str, directory: str, part: tuple[int, int] | None) -> int:
    """Index one share of the published services into a fresh Whoosh index."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return index_rows(directory, service_rows(conn, part=part), whole=part is None)
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
    procs = procs or os.cpu_count() or 1
    if procs <= 1 or published < PARALLEL_FROM:
        count = _write_part(url_of(engine), str(target), None)
    else:
        count = _build_parallel(engine, target, procs)
    write_state(target, state)
    return count


def _build_parallel(engine: Engine, target: Path, procs: int) -> int:
    parts = [target / f"part-{k}" for k in range(procs)]
    for p in parts:
        p.mkdir()
    with ProcessPoolExecutor(max_workers=procs, mp_context=get_context("spawn")) as pool:
        counts = list(pool.map(_write_part, [url_of(engine)] * procs, map(str, parts),
                               [(k, procs) for k in range(procs)]))
    return join_parts(target, parts, counts)


def join_parts(target: Path, parts: list[Path], counts: list[int]) -> int:
    """Move each part's segment files into ``target`` and list them all in one table of
    contents: no merge pass."""
    segments = []
    for p in parts:
        toc = TOC.read(FileStorage(str(p)), INDEX_NAME)
        segments.extend(toc.segments)
        for name in os.listdir(p):
            if not name.startswith("_") and not name.endswith(".lock"):
                os.replace(p / name, target / name)
        shutil.rmtree(p)
    TOC(build_schema(), segments, 0).write(FileStorage(str(target)), INDEX_NAME)
    return sum(counts)
