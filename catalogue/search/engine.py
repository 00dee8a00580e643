"""The search engine of one index directory: keeps it open, repaired and synced, and
answers queries and prefix suggestions with document-level numpy arithmetic.

Ranking (see ``evaluate`` and the README's "Search ranking"): the query's clauses
(``understanding.py``: typed words, vocabulary phrases, their weighted alternatives) are
matched in the name, code, agency and body; a service's score is its coverage of the
meaningful words (rare words and the name weigh more), then the phrase standing in the
name, the share of the name the query holds, BM25 per clause (name and code 3, agency
1.5, body 1), the typed diacritics ("bản" above "bán"), a small penalty for a variant
procedure not asked for, a smaller one for a service only for organisations, and a small
bonus for popularity. Most words suffice: services
matching all but a third of the clauses are found. Each facet is counted over the
matches with every *other* filter applied.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from ..clock import today_vn
from ..publication import day_number
from ..vocabulary import AUDIENCES, FACETS, ONLINE_KINDS, TIERS, Audience
from .analysis import bigrams, has_marks
from .build import build_generation
from .generations import IndexHome
from .query import ParsedQuery, parse_query
from .schema import MATCH_FIELDS
from .state import IndexUnavailable
from .sync import RebuildNeeded, apply_changes, needs_sync
from .understanding import MODIFIERS, VOCABULARY, Alternative, Clause
from .view import View

K1 = 1.2
B = 0.75
EXACT_WEIGHT = 15.0
COVERAGE_WEIGHT = 100.0
PHRASE_WEIGHT = 25.0
PRECISION_WEIGHT = 20.0
NAME_FIELDS = ("name", "code")
RELAX_BELOW = 5
POPULARITY_WEIGHT = 0.5
VIEWS_SECONDS = 60.0
STARTS_WEIGHT = 50.0
SUGGEST_COMPLETIONS = 40
RELAX_COVERAGE = 0.6
MAX_CORRECTIONS = 4
CORRECTION_SECONDS = 0.025
FUZZY_WEIGHT = 0.7
MODIFIER_PENALTY = 8.0
# Most people who search are citizens: among services equally relevant, one only for
# organisations and businesses ranks a little lower ("sổ đỏ": a household's land
# certificate before an organisation's).
AUDIENCE_WEIGHT = 2.0
BUSINESS_ONLY = AUDIENCES.index(Audience.BUSINESS.value)
T = TypeVar("T")


@dataclass
class TermFacets:
    """Filters and facets over keyword fields (whole-term postings, e.g. ``life_events``):
    ``chosen`` field -> the term asked for; ``counted`` field -> the terms to count."""

    chosen: dict[str, str] = field(default_factory=dict)
    counted: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Outcome:
    total: int
    sids: list[int]
    facets: dict[str, dict[Any, int]]
    suggestion: str | None = None
    words: list[str] = field(default_factory=list)
    # How many services the public sees today (the index's live documents).
    catalogue_size: int = 0


class SearchEngine:
    def __init__(self, index_dir: str | Path):
        self.home = IndexHome.at(index_dir)
        self.lock = threading.RLock()
        self.view: View | None = None
        self._views_read = -1e9
        self._views: tuple[np.ndarray, np.ndarray] = (np.zeros(0, np.int64), np.zeros(0, np.int64))
        self._popularity: tuple[int, int, np.ndarray] | None = None
        self._popularity_boost: tuple[np.ndarray, np.ndarray] | None = None

    def popularity(self, db: Engine, view: View) -> np.ndarray:
        """Each document's page views (``service_view``), re-read every ``VIEWS_SECONDS``:
        they break ties between equally relevant services."""
        now = time.monotonic()
        if now - self._views_read > VIEWS_SECONDS:
            from ..usage import ServiceView

            try:
                with db.connect() as conn:
                    rows = conn.execute(select(ServiceView.service_id, ServiceView.views)).all()
            except SQLAlchemyError:
                rows = []
            self._views = (np.array([r[0] for r in rows], dtype=np.int64),
                           np.array([r[1] or 0 for r in rows], dtype=np.int64))
            self._views_read = now
            self._popularity = None
        if self._popularity is not None and self._popularity[:2] == (id(view), int(self._views_read)):
            return self._popularity[2]
        sids, counts = self._views
        docs = np.zeros(view.size, dtype=np.float32)
        if len(sids) and view.size:
            order = np.argsort(view.cols["sid"], kind="stable")
            sorted_sids = view.cols["sid"][order]
            pos = np.searchsorted(sorted_sids, sids)
            pos[pos >= len(sorted_sids)] = 0
            found = sorted_sids[pos] == sids
            docs[order[pos[found]]] = counts[found]
        self._popularity = (id(view), int(self._views_read), docs)
        return docs

    def _boost(self, views: np.ndarray) -> np.ndarray:
        """Each document's popularity as a score, kept with the views it comes from: a
        broad query matches most of the catalogue, and the logarithm over its matches cost
        more than over every document once."""
        kept = self._popularity_boost
        if kept is None or kept[0] is not views:
            kept = self._popularity_boost = (views, POPULARITY_WEIGHT * np.log10(1.0 + views))
        return kept[1]

    # ------------------------------------------------------------- keeping it right

    def ready(self, db: Engine, latest: int | None = None) -> View:
        """A view reflecting every change committed before this call, or before the
        caller read the change log's highest id ``latest`` (a web request reads it once,
        for its page cache, and spares the engine a second query)."""
        with self.lock:
            for _ in range(3):
                try:
                    view = self._open(db)
                    if needs_sync(db, view.state, latest):
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
                    leaf.data.close()
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

    def _guarded(self, db: Engine, work: Callable[[View], T], latest: int | None = None) -> T:
        """Run ``work`` on a ready view; if the index turns out damaged while reading it,
        rebuild it and run once more."""
        with self.lock:
            view = self.ready(db, latest)
            view.use_day(day_number(today_vn()))  # what applies today, by the catalogue's clock
            try:
                return work(view)
            except (SQLAlchemyError, IndexUnavailable):
                raise
            except Exception:  # noqa: BLE001 - a damaged posting or segment file
                self._repair(db, broken=view.directory)
                return work(self.ready(db))

    def search(self, db: Engine, pq: ParsedQuery, filters: dict[str, int], sort: str,
               start: int, stop: int, terms: TermFacets | None = None,
               latest: int | None = None) -> Outcome:
        return self._guarded(db, lambda view: self._search(view, pq, filters, sort, start, stop,
                                                           self.popularity(db, view), terms),
                             latest)

    def _search(self, view: View, pq: ParsedQuery, filters: dict[str, int], sort: str,
                start: int, stop: int, views: np.ndarray,
                terms: TermFacets | None = None) -> Outcome:
        pq = with_names_kept(view, pq)
        fixes = corrections(view, pq) if not pq.empty else {}
        idx, score = evaluate(view, with_corrections(pq, fixes))
        score = score + self._boost(views)[idx]
        # Filters and facets work on the matches only (sparse), never the catalogue.
        checks = {name: view.cols[name][idx] == value for name, value in filters.items()}
        terms = terms or TermFacets()
        for name, term in terms.chosen.items():  # keyword fields (life events): posting lists
            checks[name] = _member(idx, view.postings(name, term)[0])
        selected = np.ones(len(idx), dtype=bool)
        for check in checks.values():
            selected &= check
        facets = {}
        for name in FACETS:
            counts = np.bincount(view.cols[name][_facet_base(idx, checks, name)])
            present = np.flatnonzero(counts)
            facets[name] = dict(zip(present.tolist(), counts[present].tolist(), strict=True))
        for name, values in terms.counted.items():
            docs, which = view.term_table(name, tuple(values))
            inside = np.zeros(view.size, dtype=bool)
            inside[_facet_base(idx, checks, name)] = True
            counts = np.bincount(which[inside[docs]], minlength=len(values))
            present = np.flatnonzero(counts)
            facets[name] = dict(zip([values[i] for i in present.tolist()], counts[present].tolist(),
                                    strict=True))
        idx, score = idx[selected], score[selected]
        total = len(idx)
        page = rank(view, idx, score, sort, not pq.empty, start, stop, views)
        suggestion = None
        if fixes:
            suggestion = " ".join(fixes.get(w, typed) for typed, w in zip(pq.typed, pq.sequence, strict=True))
        return Outcome(total, [int(s) for s in view.cols["sid"][page]], facets, suggestion,
                       catalogue_size=view.live_count)

    def suggest(self, db: Engine, words: list[str], limit: int) -> list[int]:
        return self._guarded(db, lambda view: self._suggest(view, words, limit,
                                                            self.popularity(db, view)))

    def _suggest(self, view: View, words: list[str], limit: int, views: np.ndarray) -> list[int]:
        """Names for what is being typed, by relevance: the words so far are read with the
        vocabulary (abbreviations, everyday names) and the last one may be unfinished;
        every clause must be found in the name. Names starting with the very text typed
        come first."""
        if not words:
            return []
        clauses = list(parse_query(" ".join(words)).clauses)
        last = words[-1]
        wanted = SUGGEST_COMPLETIONS if len(last) > 1 else SUGGEST_COMPLETIONS // 4
        completions = [t for t in view.expand_prefix("name", last, wanted) if t != last]
        if completions and clauses and clauses[-1].alternatives[0].words == (last,):
            extra = tuple(Alternative((t,), 1.0, True) for t in completions)
            clauses[-1] = Clause(clauses[-1].alternatives + extra, 1)
        clauses = [Clause(c.alternatives, c.span) for c in clauses]  # no question words here
        pq = replace(parse_query(" ".join(words)), clauses=tuple(clauses), exact=[])
        idx, score = evaluate(view, pq)
        if not len(idx):
            return []
        in_name = np.ones(len(idx), dtype=bool)
        for clause in clauses:
            any_alt = np.zeros(len(idx), dtype=bool)
            for alt in clause.alternatives:
                every = np.ones(len(idx), dtype=bool)
                for w in alt.words:
                    every &= _member(idx, view.postings("name", w)[0])
                any_alt |= every
            in_name &= any_alt
        idx, score = idx[in_name], score[in_name]
        starting = np.zeros(len(idx), dtype=bool)
        for term in view.expand_prefix("name_key", " ".join(words), limit * 4):
            starting |= _member(idx, view.postings("name_key", term)[0])
        score = score + STARTS_WEIGHT * starting + self._boost(views)[idx]
        page = rank(view, idx, score, "relevance", True, 0, limit, views)
        return [int(view.cols["sid"][i]) for i in page]


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
        norm = _length_norms(view, name)[ids]
        ids_parts.append(ids)
        score_parts.append((weight * view.idf(len(ids))) * (tf * (K1 + 1.0) / (tf + norm)))
    if not ids_parts:
        result = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))
    else:
        ids = np.concatenate(ids_parts)
        scores = np.concatenate(score_parts)
        if len(ids_parts) > 1:
            ids, scores = _union_sum(ids, scores)
        keep = view.alive[ids]
        result = (ids[keep].astype(np.int32), scores[keep].astype(np.float32))
    view.remember(key, result)
    return result


def _length_norms(view: View, name: str) -> np.ndarray:
    """BM25's length normalisation of every document in a field, worked out once per
    view and day (the average length moves with what applies): a common word's lists then
    take one gather instead of a gather and three passes of arithmetic."""
    norms = view.norms.get(name)
    if norms is None:
        norms = view.norms[name] = K1 * (1.0 - B + B * view.lengths[name] / view.avg_length[name])
    return norms


def _union_sum(ids: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each document once, sorted, with its scores summed. A common word's postings over
    four fields run to hundreds of thousands: sorting them (``np.unique``) was the
    largest part of a new query at 100,000 services, counting into one slot per document
    is linear. A rare word's few postings are still sorted (cheaper than a slot for
    every document)."""
    top = int(ids.max()) + 1
    if len(ids) * 8 < top:
        ids, inverse = np.unique(ids, return_inverse=True)
        return ids, np.bincount(inverse, weights=scores).astype(np.float32)
    summed = np.bincount(ids, weights=scores, minlength=top)
    present = np.zeros(top, dtype=bool)
    present[ids] = True
    found = np.flatnonzero(present)
    return found.astype(ids.dtype), summed[found].astype(np.float32)


def _name_weight(view: View, word: str) -> float:
    """How telling a word is in names (its IDF there, at least 0.3): rare words weigh
    more in a document's coverage than "cấp" or "giấy". Kept per view and day with the
    words known (``_known``), and bounded alike."""
    weight = view.name_weights.get(word)
    if weight is None:
        if len(view.name_weights) >= KNOWN_WORDS_KEPT:
            view.name_weights.clear()
        ids, _ = view.postings("name", word)
        weight = view.name_weights[word] = max(
            view.idf(int(view.alive[ids].sum()) if len(ids) else 0), 0.3)
    return weight


def _add_bonus(view: View, idx: np.ndarray, score: np.ndarray, field_name: str, term: str,
               bonus: float, scaled: bool = True) -> None:
    ids, _ = view.postings(field_name, term)
    if not len(ids) or not len(idx):
        return
    if min(len(idx), len(ids)) > DENSE_FROM:
        score[_member(idx, ids)] += bonus * view.idf(len(ids)) if scaled else bonus
        return
    pos = np.searchsorted(idx, ids)
    inside = pos < len(idx)
    pos = pos[inside]
    hit = idx[pos] == ids[inside]
    score[pos[hit]] += bonus * view.idf(len(ids)) if scaled else bonus


def alternative_match(view: View, words: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Documents holding every word of an alternative (sorted, live only), with two rows
    per document: the share of the words found in the name or code, and their summed
    BM25. Computed once per generation and kept."""
    key = ("&", " ".join(words))
    hit = view.derived.get(key)
    if hit is not None:
        return hit
    lists = sorted((term_scores(view, w) for w in words), key=lambda t: len(t[0]))
    idx, score = lists[0][0], lists[0][1].astype(np.float32)
    for ids, scores in lists[1:]:
        if not len(idx):
            break
        idx, score = _intersect(idx, score, ids, scores)
    in_name = np.zeros(len(idx), dtype=np.float32)
    if len(idx):
        for w in set(words):
            found = np.zeros(len(idx), dtype=bool)
            for name in NAME_FIELDS:
                found |= _member(idx, view.postings(name, w)[0])
            in_name += found
        in_name /= len(set(words))
        pairs = bigrams(list(words))
        if pairs:  # words side by side in the name count fully, scattered ones half
            together = np.zeros(len(idx), dtype=np.float32)
            for pair in pairs:
                together += _member(idx, view.postings("name_pairs", pair)[0])
            in_name *= 0.5 + 0.5 * together / len(pairs)
    result = (idx, np.stack([in_name, score]))
    view.remember(key, result)
    return result


# Below this many on either side, two sorted lists are matched by binary search; above
# it, through an array with a slot per document (a scatter and a gather: at 100,000
# services, two common words' lists of tens of thousands meet several times faster).
DENSE_FROM = 1024


def _add_at(total: np.ndarray, ids: np.ndarray, values: np.ndarray) -> None:
    """``total[ids] += values`` for sorted ids without repeats. When they are a good part
    of the catalogue (a common word), scattering them into a zeroed array and adding it
    whole is quicker than numpy's indexed add (a gather and a scatter); the sums are the
    same, as adding zero changes no number."""
    if len(ids) * 4 > len(total):
        spread = np.zeros(len(total), dtype=total.dtype)
        spread[ids] = values
        total += spread
    else:
        total[ids] += values


def _facet_base(idx: np.ndarray, checks: dict[str, np.ndarray], name: str) -> np.ndarray:
    """The matches a facet counts over: those passing every filter but its own (with no
    other filter, all of them, without a copy)."""
    others = [check for other, check in checks.items() if other != name]
    if not others:
        return idx
    base = others[0].copy()
    for check in others[1:]:
        base &= check
    return idx[base]


def _intersect(idx: np.ndarray, score: np.ndarray, ids: np.ndarray, scores: np.ndarray,
               ) -> tuple[np.ndarray, np.ndarray]:
    if not len(ids):
        return idx[:0], score[:0]
    if not len(idx):
        return idx, score
    if min(len(idx), len(ids)) > DENSE_FROM:
        top = int(max(idx[-1], ids[-1])) + 1
        present = np.zeros(top, dtype=bool)
        present[ids] = True
        values = np.zeros(top, dtype=scores.dtype)
        values[ids] = scores
        keep = present[idx]
        kept = idx[keep]
        return kept, score[keep] + values[kept]
    pos = np.searchsorted(ids, idx)
    pos[pos >= len(ids)] = 0
    keep = ids[pos] == idx
    return idx[keep], score[keep] + scores[pos[keep]]


def _member(idx: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Which of the sorted ``idx`` are in the sorted ``ids`` (both without repeats). The
    shorter list is looked up in the longer: a rare word's postings among the many
    matches of a broad query cost their own length, not the matches'."""
    if not len(ids) or not len(idx):
        return np.zeros(len(idx), dtype=bool)
    if min(len(idx), len(ids)) > DENSE_FROM:
        present = np.zeros(int(max(idx[-1], ids[-1])) + 1, dtype=bool)
        present[ids] = True
        return present[idx]
    if len(ids) * 4 < len(idx):
        pos = np.searchsorted(idx, ids)
        pos = pos[pos < len(idx)]
        found = np.zeros(len(idx), dtype=bool)
        found[pos[idx[pos] == ids[:len(pos)]]] = True
        return found
    pos = np.searchsorted(ids, idx)
    pos[pos >= len(ids)] = 0
    return ids[pos] == idx


def evaluate(view: View, pq: ParsedQuery) -> tuple[np.ndarray, np.ndarray]:
    """Sorted document numbers matching the query, and their relevance scores.

    Each clause (a typed word, or a phrase the vocabulary knows) is satisfied by the best
    of its alternatives: weight x (0.5 + 0.5 x share of its words in the name). A
    document's *coverage* is the satisfied share of the typed words; it dominates the
    score, so services matching most meaningful words, in the name first, come first,
    and BM25 (name and code 3, agency 1.5, body 1) orders those alike. A document is a
    match when it satisfies all clauses but a third of them (rounded down); when fewer
    than ``RELAX_BELOW`` documents do, those covering 60 % of the query's weight with
    half its clauses come too; when none does, half the clauses suffice.
    """
    clauses = pq.meaningful
    if pq.empty or not clauses:
        return view.live_ids, np.zeros(len(view.live_ids), dtype=np.float32)
    n = view.size
    cover = np.zeros(n, dtype=np.float32)
    relevance = np.zeros(n, dtype=np.float32)
    count = np.zeros(n, dtype=np.int16)
    total_weight = 0.0
    for clause in clauses:
        found = []
        for alt in clause.alternatives:
            ids, rows = alternative_match(view, alt.words)
            if len(ids):
                found.append((alt, ids, rows))
        weights = [sum(_name_weight(view, w) for w in alt.words) / len(alt.words) for alt, _, _ in found]
        weight = clause.span * (max(weights) if weights else 1.0)
        total_weight += weight
        if len(found) == 1:
            # One alternative found (most clauses): its documents are each once in ``ids``,
            # so the sums go straight to them; the same figures as the general case,
            # without five passes over every document of the catalogue.
            alt, ids, rows = found[0]
            degree = alt.weight * (0.5 + 0.5 * rows[0])
            _add_at(cover, ids, weight * degree)
            _add_at(relevance, ids, alt.weight * rows[1])
            _add_at(count, ids, degree > 0)
            continue
        best = np.zeros(n, dtype=np.float32)
        best_score = np.zeros(n, dtype=np.float32)
        for alt, ids, rows in found:
            degree = alt.weight * (0.5 + 0.5 * rows[0])
            best[ids] = np.maximum(best[ids], degree)
            best_score[ids] = np.maximum(best_score[ids], alt.weight * rows[1])
        cover += weight * best
        relevance += best_score
        count += best > 0
    required = len(clauses) - len(clauses) // 3
    idx = np.flatnonzero(count >= required)
    least = (len(clauses) + 1) // 2
    if len(idx) < RELAX_BELOW and required > least:
        near = (count >= least) & (cover >= RELAX_COVERAGE * total_weight)
        idx = np.flatnonzero((count >= required) | near)
    if not len(idx):
        idx = np.flatnonzero(count >= least)
    score = COVERAGE_WEIGHT * cover[idx] / total_weight + relevance[idx] / len(clauses)
    score += PRECISION_WEIGHT * name_precision(view, pq, idx)
    typed = set(pq.sequence)
    untyped = sum(1 << k for k, (_, folded) in enumerate(MODIFIERS) if folded not in typed)
    variant = (view.term_bits("name_exact", MODIFIER_TERMS)[idx] & untyped) != 0
    score -= MODIFIER_PENALTY * variant
    for word in pq.exact:
        _add_bonus(view, idx, score, "name_exact", word, EXACT_WEIGHT / len(pq.exact), scaled=False)
    score += PHRASE_WEIGHT * phrase_bonus(view, pq, idx)
    score -= AUDIENCE_WEIGHT * (view.cols["audience"][idx] == BUSINESS_ONLY)
    return idx.astype(np.int32), score.astype(np.float32)


MODIFIER_TERMS = tuple(exact for exact, _ in MODIFIERS)


def name_precision(view: View, pq: ParsedQuery, idx: np.ndarray) -> np.ndarray:
    """Share of each name's words that the query (or its expansions) holds: a query
    usually names the procedure, so "Đăng ký thường trú" answers "đăng ký hộ khẩu thường
    trú" better than a long name that merely contains those words."""
    matched = np.zeros(len(idx), dtype=np.float32)
    for word in pq.highlight_words:
        ids, tf = view.postings("name", word)
        if not len(ids) or not len(idx):
            continue
        if min(len(idx), len(ids)) > DENSE_FROM:
            counts = np.zeros(int(max(idx[-1], ids[-1])) + 1, dtype=tf.dtype)
            counts[ids] = tf
            matched += counts[idx]
            continue
        pos = np.searchsorted(ids, idx)
        pos[pos >= len(ids)] = 0
        hit = ids[pos] == idx
        matched[hit] += tf[pos[hit]]
    return np.minimum(matched / np.maximum(view.lengths["name"][idx], 1.0), 1.0)


def phrase_bonus(view: View, pq: ParsedQuery, idx: np.ndarray) -> np.ndarray:
    """How much of the query stands in the name as a phrase (0 to 1): the adjacent pairs
    of the meaningful words as typed, and, for each clause the vocabulary expanded, the
    share of its best expansion's pairs found side by side (at the expansion's weight,
    in proportion to the typed words the clause stands for)."""
    share = np.zeros(len(idx), dtype=np.float32)
    typed = [w for c in pq.meaningful for w in c.alternatives[0].words]
    parts = []
    pairs = list(dict.fromkeys(bigrams(typed)))
    if pairs:
        got = np.zeros(len(idx), dtype=np.float32)
        for pair in pairs:
            got += _member(idx, view.postings("name_pairs", pair)[0])
        parts.append((got / len(pairs), 1.0))
    span = sum(c.span for c in pq.meaningful)
    for clause in pq.meaningful:
        best = np.zeros(len(idx), dtype=np.float32)
        for alt in clause.alternatives[1:]:
            alt_pairs = bigrams(list(alt.words))
            if not alt_pairs:
                continue
            got = np.zeros(len(idx), dtype=np.float32)
            for pair in alt_pairs:
                got += _member(idx, view.postings("name_pairs", pair)[0])
            best = np.maximum(best, alt.weight * got / len(alt_pairs))
        if best.any():
            parts.append((best, clause.span / span))
    for part, weight in parts:
        share += weight * part
    return np.minimum(share, 1.0)


def rank(view: View, idx: np.ndarray, score: np.ndarray, sort: str, has_words: bool,
         start: int, stop: int, views: np.ndarray | None = None) -> np.ndarray:
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
    keys = [view.name_rank()[idx]]
    if views is not None and sort == "relevance":
        keys.append(-views[idx])
    order = np.lexsort((*keys, primary))
    return idx[order][start:stop]


KNOWN_WORDS_KEPT = 50_000


def _known(view: View, word: str) -> bool:
    """Whether any searched field holds ``word`` in a document that applies today: read
    from the word's scores once, then kept as a yes or no for the view and the day (the
    scores themselves may leave the cache long before the word stops being asked)."""
    known = view.known.get(word)
    if known is None:
        if len(view.known) >= KNOWN_WORDS_KEPT:  # words typed at random must not pile up
            view.known.clear()
        known = view.known[word] = bool(len(term_scores(view, word)[0]))
    return known


def corrections(view: View, pq: ParsedQuery) -> dict[str, str]:
    """Typed words the catalogue does not know, with the known word closest to each
    ("sihn" -> "sinh"): ranked as a weaker alternative and offered as "did you mean".

    The work is bounded (issue 12.13a: twelve long random words once cost 400 ms): only
    words of 3 to 12 letters are looked up (no Vietnamese syllable is longer than seven),
    at most ``MAX_CORRECTIONS`` of them, within ``CORRECTION_SECONDS`` in all.
    """
    began = time.perf_counter()
    fixes: dict[str, str] = {}
    looked = 0
    for clause in pq.meaningful:
        alts = clause.alternatives
        if clause.span != 1 or any(not a.typed for a in alts):
            continue  # the vocabulary knows it
        word = alts[0].words[0]
        if word in fixes or any(_known(view, a.words[0]) for a in alts):
            continue
        if not (3 <= len(word) <= 12) or not word.isalpha():
            continue
        if looked >= MAX_CORRECTIONS or time.perf_counter() - began > CORRECTION_SECONDS:
            break
        looked += 1
        best = None
        for name in ("name", "body"):
            for term in view.terms_within(name, word, 1 if len(word) <= 3 else 2):
                key = (_distance(word, term), -view.doc_frequency(name, term), term)
                if best is None or key < best:
                    best = key
            if best is not None and best[0] <= 1:
                break
        if best is not None:
            fixes[word] = best[2]
    return fixes


def with_names_kept(view: View, pq: ParsedQuery) -> ParsedQuery:
    """Question words typed without marks are ambiguous: "can" is "cần" (need) or "căn"
    (of "căn cước"), "di" is "đi" or "di" (of "di chúc"), "cho" is "cho" or part of "cho
    thuê"). One typed as a question word is written ("cho", "khi") is that word; an
    ambiguous one stays meaningful when it stands beside a meaningful neighbour in some
    service's name: "can cuoc" is a phrase of names, "can nhung" is not."""
    if not any(c.stop for c in pq.clauses):
        return pq
    words = list(pq.sequence)
    stop_at = []
    for clause in pq.clauses:
        stop_at += [clause.stop] * clause.span
    clauses, at, changed = [], 0, False
    for clause in pq.clauses:
        typed = pq.typed[at].lower()
        if (clause.stop and clause.span == 1 and not has_marks(typed)
                and typed not in VOCABULARY.question_forms):
            pairs = [f"{words[j]}_{words[at]}" if j < at else f"{words[at]}_{words[j]}"
                     for j in (at - 1, at + 1) if 0 <= j < len(words) and not stop_at[j]]
            if any(view.doc_frequency("name_pairs", pair) for pair in pairs):
                clause, changed = Clause(clause.alternatives, clause.span), True
        clauses.append(clause)
        at += clause.span
    return replace(pq, clauses=tuple(clauses)) if changed else pq


def with_corrections(pq: ParsedQuery, fixes: dict[str, str]) -> ParsedQuery:
    if not fixes:
        return pq
    clauses = []
    for clause in pq.clauses:
        word = clause.alternatives[0].words[0]
        if not clause.stop and clause.span == 1 and word in fixes:
            clause = Clause(clause.alternatives + (Alternative((fixes[word],), FUZZY_WEIGHT, False),), 1)
        clauses.append(clause)
    return replace(pq, clauses=tuple(clauses))


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
