"""Where the index lives on disk, and how a new one replaces the old.

Layout: ``SEARCH_INDEX_DIR`` is a symbolic link to one *generation* directory under
``<SEARCH_INDEX_DIR>.generations/``. A rebuild writes a complete new generation (Whoosh
segments plus ``state.json``, the change-log position it reflects) and then replaces the
link with ``os.replace``: every process sees either the old index or the new one, never
half of either. The index is disposable: the database is the truth, so a missing or
unreadable index is simply built again (under ``<SEARCH_INDEX_DIR>.lock`` so that
several processes finding it broken build it once).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from whoosh import index as whoosh_index

from .build import build_generation
from .state import INDEX_NAME, IndexUnavailable, read_state

GENERATIONS_SUFFIX = ".generations"


@dataclass(frozen=True)
class IndexHome:
    """Where the index lives: the link, its generations, and the build lock."""

    link: Path

    @classmethod
    def at(cls, directory: str | os.PathLike[str]) -> IndexHome:
        """The home whose link is ``directory``, made absolute without following links.

        Given a generation itself (``<link>.generations/<gen>``, what resolving the link
        gives), the home is still the link's: otherwise each repair would nest a new
        ``<gen>.generations/`` inside the old one, and never prune the old ones.
        """
        path = Path(os.path.abspath(directory))
        parent = path.parent
        if parent.name.endswith(GENERATIONS_SUFFIX):
            link = parent.parent / parent.name[: -len(GENERATIONS_SUFFIX)]
            if link.is_symlink():
                return cls(link)
        return cls(path)

    @property
    def generations(self) -> Path:
        return self.link.parent / f"{self.link.name}{GENERATIONS_SUFFIX}"

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
        """The generation before stays for processes still reading it; older ones go, and
        so do half-built ones a failed build left and temporary links a crash left (every
        swap holds the build lock, so no other build is under way)."""
        if not self.generations.is_dir():
            return
        # Compared resolved: the link's target is, a path under the home may not be
        # (an instance directory reached through a symbolic link).
        kept = {Path(os.path.realpath(p)) for p in keep if p is not None}
        for entry in self.generations.iterdir():
            if Path(os.path.realpath(entry)) in kept:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        for stale in self.link.parent.glob(f".{self.link.name}.*.link"):
            stale.unlink(missing_ok=True)

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
