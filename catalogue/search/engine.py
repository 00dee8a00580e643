"""The search engine of one index directory: keeps it open, repaired and synced, and
answers queries and prefix suggestions with document-level numpy arithmetic.

Ranking (BM25 per field, summed with field weights):
- every folded query word must occur in the name, code, agency or body (AND);
- name and code weigh 3, agency 1.5, body 1;
- a word typed with diacritics adds a bonus where the name holds that exact form, so
  "bản" ranks "bản" above "bán" and "ban" although all three match;
- each adjacent pair of query words found side by side in the name adds a bonus, so
  the phrase "giay phep lai xe" outranks the same words scattered.
Each facet is counted over the matches with every *other* filter applied.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from ..clock import today_vn
from ..publication import day_number
from ..vocabulary import AUDIENCES, FACETS, ONLINE_KINDS, TIERS
from .build import build_generation
from .generations import IndexHome
from .query import ParsedQuery
from .schema import MATCH_FIELDS
from .state import IndexUnavailable
from .sync import RebuildNeeded, apply_changes, needs_sync
from .view import View

K1 = 1.2
B = 0.75
EXACT_BONUS = 2.5
PAIR_BONUS = 2.0
SUGGEST_BELOW = 3
T = TypeVar("T")


@dataclass
class Outcome:
    total: int
    sids: list[int]
    facets: dict[str, dict[int, int]]
    suggestion: str | None = None
    words: list[str] = field(default_factory=list)


class SearchEngine:
    def __init__(self, index_dir: str | Path):
        self.home = IndexHome.at(index_dir)
        self.lock = threading.RLock()
        self.view: View | None = None

    # ------------------------------------------------------------- keeping it right

    def ready(self, db: Engine) -> View:
        """A view reflecting every change committed before this call."""
        with self.lock:
            for _ in range(3):
                try:
                    view = self._open(db)
                    if needs_sync(db, view.state):
                        apply_changes(db, view.directory)
                        view = self._open(db)
                    return view
                except RebuildNeeded:
                    self._repair(db, broken=self.home.current())
                except (SQLAlchemyError, IndexUnavailable):
                    raise
                except Exception:  # noqa: BLE001 - any damage to a disposable index: rebuild
                    self._repair(db, broken=self.home.current())
            raise IndexUnavailable("the search index could not be repaired")

    def _open(self, db: Engine) -> View:
        current = self.home.current()
        if current is None:
            self._repair(db, broken=None)
            current = self.home.current()
            if current is None:
                raise IndexUnavailable("no search index")
        old = self.view
        if old is not None and old.directory == current and old.is_current():
            return old
        cache = old.segment_cache() if old is not None and old.directory == current else {}
        view = View(current, cache)
        self.view = view
        if old is not None:
            kept = {leaf.segid for leaf in view.leaves} if old.directory == current else set()
            for leaf in old.leaves:
                if leaf.segid not in kept:
                    leaf.data.reader.close()
        return view

    def _repair(self, db: Engine, broken: Path | None) -> None:
        """Build a fresh generation unless another process already replaced ``broken``."""
        if self.view is not None:
            self.view.close()
            self.view = None
        with self.home.build_lock():
            current = self.home.current()
            if current is not None and current != broken:
                try:
                    View(current, {}).close()
                    return
                except Exception:  # noqa: BLE001 - that one is damaged too: build
                    pass
            generation = self.home.new_generation()
            build_generation(db, generation)
            self.home.swap_in(generation)

    def rebuild(self, db: Engine, procs: int | None = None) -> int:
        from .generations import rebuild

        with self.lock:
            if self.view is not None:
                self.view.close()
                self.view = None
            _, count = rebuild(db, self.home, procs)
            return count

    # --------------------------------------------------------------------- queries

    def _guarded(self, db: Engine, work: Callable[[View], T]) -> T:
        """Run ``work`` on a ready view; if the index turns out damaged while reading it,
        rebuild it and run once more."""
        with self.lock:
            view = self.ready(db)
            view.use_day(day_number(today_vn()))  # what applies today, by the catalogue's clock
            try:
                return work(view)
            except (SQLAlchemyError, IndexUnavailable):
                raise
            except Exception:  # noqa: BLE001 - a damaged posting or segment file
                self._repair(db, broken=view.directory)
                return work(self.ready(db))

    def search(self, db: Engine, pq: ParsedQuery, filters: dict[str, int], sort: str,
               start: int, stop: int) -> Outcome:
        return self._guarded(db, lambda view: self._search(view, pq, filters, sort, start, stop))

    def _search(self, view: View, pq: ParsedQuery, filters: dict[str, int], sort: str,
                start: int, stop: int) -> Outcome:
        idx, score = evaluate(view, pq)
        # Filters and facets work on the matches only (sparse), never the catalogue.
        checks = {name: view.cols[name][idx] == value for name, value in filters.items()}
        selected = np.ones(len(idx), dtype=bool)
        for check in checks.values():
            selected &= check
        facets = {}
        for name in FACETS:
            base = np.ones(len(idx), dtype=bool)
            for other, check in checks.items():
                if other != name:
                    base &= check
            counts = np.bincount(view.cols[name][idx[base]].astype(np.int64))
            facets[name] = {int(v): int(n) for v in np.flatnonzero(counts) for n in (counts[v],)}
        idx, score = idx[selected], score[selected]
        total = len(idx)
        page = rank(view, idx, score, sort, not pq.empty, start, stop)
        suggestion = None
        if total < SUGGEST_BELOW and not pq.empty:
            suggestion = did_you_mean(view, pq, total)
        return Outcome(total, [int(s) for s in view.cols["sid"][page]], facets, suggestion)

    def suggest(self, db: Engine, words: list[str], limit: int) -> list[int]:
        return self._guarded(db, lambda view: self._suggest(view, words, limit))

    def _suggest(self, view: View, words: list[str], limit: int) -> list[int]:
        """Services whose names start with the words typed, then names holding them."""
        if not words:
            return []
        chosen: list[int] = []
        for term in view.expand_prefix("name_key", " ".join(words), limit * 4):
            ids, _ = view.postings("name_key", term)
            ids = ids[view.alive[ids]]
            for i in ids[np.argsort(view.name_rank()[ids], kind="stable")]:
                if int(i) not in chosen:
                    chosen.append(int(i))
            if len(chosen) >= limit:
                break
        if len(chosen) < limit:
            mask = view.alive.copy()
            for w in words[:-1]:
                mask &= _present(view, "name", w)
            prefix = np.zeros(view.size, dtype=bool)
            for term in view.expand_prefix("name", words[-1], 200):
                prefix |= _present(view, "name", term)
            mask &= prefix
            mask[chosen] = False
            more = np.flatnonzero(mask)
            order = np.argsort(view.name_rank()[more], kind="stable")[: limit - len(chosen)]
            chosen.extend(int(i) for i in more[order])
        return [int(view.cols["sid"][i]) for i in chosen[:limit]]


def _present(view: View, field_name: str, term: str) -> np.ndarray:
    mask = np.zeros(view.size, dtype=bool)
    ids, _ = view.postings(field_name, term)
    mask[ids] = True
    return mask


def term_scores(view: View, word: str) -> tuple[np.ndarray, np.ndarray]:
    """Documents holding ``word`` in any searched field (sorted, live only) and the
    word's BM25 contribution to each, summed over fields: computed once per generation."""
    key = ("*", word)
    hit = view.derived.get(key)
    if hit is not None:
        return hit
    ids_parts, score_parts = [], []
    for name, weight in MATCH_FIELDS.items():
        ids, tf = view.postings(name, word)
        if not len(ids):
            continue
        norm = K1 * (1.0 - B + B * view.lengths[name][ids] / view.avg_length[name])
        ids_parts.append(ids)
        score_parts.append((weight * view.idf(len(ids))) * (tf * (K1 + 1.0) / (tf + norm)))
    if not ids_parts:
        result = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))
    else:
        ids = np.concatenate(ids_parts)
        scores = np.concatenate(score_parts)
        if len(ids_parts) > 1:
            ids, inverse = np.unique(ids, return_inverse=True)
            scores = np.bincount(inverse, weights=scores).astype(np.float32)
        keep = view.alive[ids]
        result = (ids[keep].astype(np.int32), scores[keep].astype(np.float32))
    view.remember(key, result)
    return result


def _add_bonus(view: View, idx: np.ndarray, score: np.ndarray, field_name: str, term: str,
               bonus: float) -> None:
    ids, _ = view.postings(field_name, term)
    if not len(ids) or not len(idx):
        return
    pos = np.searchsorted(idx, ids)
    inside = pos < len(idx)
    pos = pos[inside]
    hit = idx[pos] == ids[inside]
    score[pos[hit]] += bonus * view.idf(len(ids))


def evaluate(view: View, pq: ParsedQuery) -> tuple[np.ndarray, np.ndarray]:
    """Sorted document numbers matching every word, and their relevance scores.

    AND is an intersection of sorted arrays, starting from the rarest word, so its
    cost follows the smallest posting list rather than the catalogue.
    """
    if pq.empty:
        return view.live_ids, np.zeros(len(view.live_ids), dtype=np.float32)
    lists = sorted((term_scores(view, w) for w in pq.folded), key=lambda t: len(t[0]))
    idx, score = lists[0][0], lists[0][1].copy()
    for ids, scores in lists[1:]:
        if not len(idx):
            break
        pos = np.searchsorted(ids, idx)
        pos[pos >= len(ids)] = 0
        keep = ids[pos] == idx if len(ids) else np.zeros(len(idx), dtype=bool)
        idx, score = idx[keep], score[keep] + scores[pos[keep]]
    for word in pq.exact:
        _add_bonus(view, idx, score, "name_exact", word, EXACT_BONUS)
    for pair in pq.pairs:
        _add_bonus(view, idx, score, "name_pairs", pair, PAIR_BONUS)
    return idx, score


def rank(view: View, idx: np.ndarray, score: np.ndarray, sort: str, has_words: bool,
         start: int, stop: int) -> np.ndarray:
    """Document numbers of the page [start, stop) in the order asked for (top-k only)."""
    if start >= len(idx):
        return idx[:0]
    if sort == "newest":
        primary = -view.cols["published"][idx]
    elif sort == "relevance" and has_words:
        primary = -score
    else:
        primary = view.name_rank()[idx]
    if stop < len(idx):
        kth = np.partition(primary, stop - 1)[stop - 1]
        keep = primary <= kth
        idx, primary = idx[keep], primary[keep]
    order = np.lexsort((view.name_rank()[idx], primary))
    return idx[order][start:stop]


def did_you_mean(view: View, pq: ParsedQuery, total: int) -> str | None:
    """A spelling the catalogue knows for words it does not ("khai sihn" -> "khai sinh")."""
    corrected, changed = [], False
    for typed, word in zip(pq.typed, pq.sequence, strict=True):
        if any(view.doc_frequency(f, word) for f in MATCH_FIELDS):
            corrected.append(typed)
            continue
        best = None
        for name in ("name", "body"):
            for term in view.terms_within(name, word, 2):
                key = (_distance(word, term), -view.doc_frequency(name, term), term)
                if best is None or key < best:
                    best = key
            if best is not None and best[0] <= 1:
                break
        if best is None:
            corrected.append(typed)
        else:
            corrected.append(best[2])
            changed = True
    if not changed:
        return None
    from .query import parse_query

    alternative = " ".join(corrected)
    found, _ = evaluate(view, parse_query(alternative))
    return alternative if len(found) > total else None


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count one, as typing slips do)."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def facet_value(name: str, value: int) -> str:
    if name == "online_kind":
        return ONLINE_KINDS[value] if value < len(ONLINE_KINDS) else str(value)
    if name == "tier":
        return TIERS[value] if value < len(TIERS) else str(value)
    if name == "audience":
        return AUDIENCES[value] if value < len(AUDIENCES) else str(value)
    return str(value)
