"""The search seam: the pages and the API call these functions, the engine stays behind.

``search_services(session, query)`` and ``suggest(session, prefix, limit)`` answer from
a Whoosh index of the published catalogue kept in ``SEARCH_INDEX_DIR``. The directory is
taken, in order, from the ``index_dir=`` keyword, from :func:`configure` (for code run
outside Flask: benchmarks, scripts), or from ``current_app.config["SEARCH_INDEX_DIR"]``.

Before every answer the engine brings the index up to date with the database's change
log (see ``sync.py``), so what any process or machine committed is found at once; a
missing or damaged index is rebuilt from the database by itself (``engine.py``).
``rebuild_index(session)`` is the ``reindex`` command's work; ``index_status`` and
``check_index`` (``check.py``) only look, for ``/healthz`` and ``search-index check``.

Whoosh package: whoosh-reloaded 2.7.5 (pinned), not whoosh 2.7.4: the same code line and
index format under the same ``import whoosh``, but free of the SyntaxWarnings 2.7.4 emits
on Python 3.12+ (the suite runs with warnings as errors) and passing its own tests on
3.11-3.13. Its one known trap, ``Searcher.refresh()`` returning deleted documents, is
avoided by design: this package never uses Whoosh searchers; a changed generation is
opened afresh (``view.py``).

Package layout: ``analysis`` (Vietnamese folding), ``schema`` (fields, documents),
``state`` (the change-log mark), ``rows`` (services read for the index), ``whoosh_internals``
(every use of Whoosh's private members), ``build`` (full builds), ``generations`` (atomic swap,
locks), ``check`` (health and comparison), ``sync`` (change-log replay),
``view`` (one generation's arrays and posting lists), ``query`` (safe parsing),
``engine`` (ranking, facets, suggestions).
"""

from __future__ import annotations

import atexit
import html
import os
import re
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..freshness import catalogue_stamp
from ..models import Service
from ..publication import public_on
from ..reference import read_reference
from ..vocabulary import AUDIENCES, FACETS, ONLINE_KINDS, TIERS
from .analysis import clean_query, folded_words, highlight_spans, nfc
from .cards import ServiceCard, read_cards
from .check import IndexCheck, check_index, index_status
from .engine import SearchEngine, TermFacets, facet_value
from .query import MAX_CHARS, MAX_WORDS, parse_query
from .state import IndexUnavailable

__all__ = [
    "FACETS", "SORTS", "Hit", "IndexCheck", "IndexUnavailable", "SearchQuery", "SearchResult",
    "check_index", "close_engines", "configure", "index_status", "rebuild_index", "search_services",
    "suggest",
]

SORTS = ("relevance", "name", "newest")
SNIPPET_CHARS = 220


@dataclass
class SearchQuery:
    """What a citizen asked for: words, filters, order and page."""

    q: str = ""
    level: int | None = None
    agency: str | None = None
    field: str | None = None
    tier: str | None = None
    audience: str | None = None
    online_kind: str | None = None
    # Today's commune (slug) a person lives in: keeps the services handled at its centre,
    # i.e. tier ``commune`` (see portal/params/listing.py); not an index field.
    commune: str | None = None
    # A life-event code (catalogue/data/life_events.json): filters by the index's
    # ``life_events`` keyword field; its facet is "life_event".
    life_event: str | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20

    def filters(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in FACETS if getattr(self, k) not in (None, "")}


@dataclass
class Hit:
    service: ServiceCard
    # The folded words to mark in the name and summary.
    words: frozenset[str] = frozenset()

    @cached_property
    def highlights(self) -> dict[str, Markup]:
        """"name" always; "summary" holds a snippet when the summary has a matching word.
        Worked out when a page shows them (the API's answers do not)."""
        return highlights_of(self.service, self.words)


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    suggestion: str | None = None
    # A message for the user about the query itself (e.g. only its first words were used).
    notice: str | None = None


_configured: str | None = None
_engines: OrderedDict[str, SearchEngine] = OrderedDict()


def configure(index_dir: str | os.PathLike[str] | None) -> None:
    """Set the index directory for callers outside a Flask app context."""
    global _configured
    _configured = os.fspath(index_dir) if index_dir is not None else None


def _index_dir(index_dir: str | os.PathLike[str] | None) -> str:
    if index_dir is not None:
        return os.fspath(index_dir)
    if _configured is not None:
        return _configured
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.config["SEARCH_INDEX_DIR"]
    raise RuntimeError("no search index directory: pass index_dir= or call configure()")


def engine_for(index_dir: str | os.PathLike[str] | None = None) -> SearchEngine:
    """The process's engine for a directory (one per directory, reused across requests)."""
    path = os.path.abspath(_index_dir(index_dir))
    engine = _engines.get(path)
    if engine is None:
        engine = _engines[path] = SearchEngine(path)
        while len(_engines) > 8:
            _, old = _engines.popitem(last=False)
            if old.view is not None:
                old.view.close()
    _engines.move_to_end(path)
    return engine


def close_engines() -> None:
    """Close the index files every engine of this process holds open (at exit: the
    interpreter would otherwise find them open while tearing down, and warn)."""
    while _engines:
        _, engine = _engines.popitem()
        if engine.view is not None:
            engine.view.close()
            engine.view = None


atexit.register(close_engines)


def _filter_values(query: SearchQuery, agencies: dict[int, str], fields: dict[int, str]) -> dict[str, int]:
    """Filters as the index stores them; an unknown value matches nothing (-1)."""
    values: dict[str, int] = {}
    for name, value in query.filters().items():
        if name == "level":
            values[name] = int(value)
        elif name == "agency":
            values[name] = next((i for i, c in agencies.items() if c == value), -1)
        elif name == "field":
            values[name] = next((i for i, c in fields.items() if c == value), -1)
        elif name == "tier":
            values[name] = TIERS.index(value) if value in TIERS else -1
        elif name == "audience":
            values[name] = AUDIENCES.index(value) if value in AUDIENCES else -1
        elif name == "online_kind":
            values[name] = ONLINE_KINDS.index(value) if value in ONLINE_KINDS else -1
    return values


def _life_event_terms(query: SearchQuery) -> TermFacets:
    from ..life_events import vocabulary

    chosen = {"life_events": query.life_event} if query.life_event else {}
    return TermFacets(chosen, {"life_events": [e.code for e in vocabulary().events]})


def search_services(session: Session, query: SearchQuery, *,
                    index_dir: str | os.PathLike[str] | None = None,
                    stamp: tuple[int, int] | None = None) -> SearchResult:
    """One page of services for ``query``, with the total and the facets' counts.

    ``stamp``: the catalogue stamp (catalogue/freshness.py), when the caller read it for
    this request; the answer then reflects every change up to it. Read here otherwise."""
    if stamp is None:
        stamp = catalogue_stamp(session.connection())
    engine = engine_for(index_dir)
    parsed = parse_query(query.q)
    wanted = {v for k, v in query.filters().items() if k in ("agency", "field")}
    # Codes by id, as of this stamp (catalogue/reference.py): a rename shows at once.
    reference = read_reference(session, stamp=stamp, need_codes=wanted)
    agencies, fields = reference.agency_codes, reference.field_codes
    page, per_page = max(int(query.page), 1), max(int(query.per_page), 1)
    start = (page - 1) * per_page
    outcome = engine.search(session.get_bind(), parsed, _filter_values(query, agencies, fields),
                            query.sort if query.sort in SORTS else "relevance", start, start + per_page,
                            _life_event_terms(query), stamp[0])
    services = read_cards(session, outcome.sids, stamp, outcome.catalogue_size)
    words = parsed.highlight_words
    hits = [Hit(services[sid], words)
            for sid in outcome.sids if sid in services]
    seen = set(outcome.facets.get("agency", {})) | set(outcome.facets.get("field", {}))
    if not seen <= (set(agencies) | set(fields)):
        reference = read_reference(session, stamp=stamp, need_ids=seen)
        agencies, fields = reference.agency_codes, reference.field_codes
    names = {"agency": agencies, "field": fields}
    facets = {
        "life_event" if name == "life_events" else name:
            {names[name].get(v, str(v)) if name in names else facet_value(name, v): n
             for v, n in counts.items()}
        for name, counts in outcome.facets.items()
    }
    notice = None
    if parsed.truncated:
        notice = f"Câu tìm kiếm quá dài: chỉ dùng {MAX_WORDS} từ đầu tiên."
    elif query.q.strip() and parsed.empty:
        notice = "Câu tìm kiếm không có chữ hay số nào: đang hiển thị toàn bộ danh mục."
    return SearchResult(outcome.total, hits, facets, outcome.suggestion, notice)


def suggest(session: Session, prefix: str, limit: int = 10, *,
            index_dir: str | os.PathLike[str] | None = None) -> list[tuple[str, str]]:
    """Services whose names start like what is being typed, diacritics or not."""
    words = folded_words(clean_query(prefix or "", MAX_CHARS))[:MAX_WORDS]
    if not words:
        return []
    sids = engine_for(index_dir).suggest(session.get_bind(), words, limit)
    rows = {sid: (code, name) for sid, code, name in session.execute(
        select(Service.id, Service.code, Service.name)
        .where(Service.id.in_(sids), public_on()))}
    return [rows[s] for s in sids if s in rows]


def rebuild_index(session: Session, *, index_dir: str | os.PathLike[str] | None = None,
                  procs: int | None = None) -> int:
    """Build a new index generation from the database and swap it in; returns its size."""
    return engine_for(index_dir).rebuild(session.get_bind(), procs)


def highlight(text: str, words: frozenset[str]) -> Markup:
    """``text`` escaped, with the words matching the query wrapped in <mark>."""
    text = nfc(text)
    return _marked(text, highlight_spans(text, words) if words else [], 0, len(text))


def _marked(text: str, spans: list[tuple[int, int]], begin: int, end: int) -> Markup:
    """``text[begin:end]`` escaped, the ``spans`` inside it wrapped in <mark>. Names and
    summaries seldom hold a character to escape: then the pieces are taken as they are."""
    plain = _TO_ESCAPE.search(text, begin, end) is None
    out, last = [], begin
    for a, b in spans:
        if a < begin or b > end:
            continue
        if plain:
            out.append(f"{text[last:a]}<mark>{text[a:b]}</mark>")
        else:
            out.append(f"{html.escape(text[last:a])}<mark>{html.escape(text[a:b])}</mark>")
        last = b
    out.append(text[last:end] if plain else html.escape(text[last:end]))
    return Markup("".join(out))


_TO_ESCAPE = re.compile(r"""[&<>"']""")


def snippet(text: str, words: frozenset[str]) -> Markup | None:
    """A stretch of ``text`` around its first matching word, highlighted; None if none."""
    text = nfc(text)
    spans = highlight_spans(text, words)
    if not spans:
        return None
    first = spans[0][0]
    begin = max(0, first - SNIPPET_CHARS // 3)
    if begin:
        space = text.rfind(" ", 0, begin)
        begin = space + 1 if space >= 0 else begin
    end = min(len(text), begin + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", begin, end)
        end = space if space > first else end
    piece = _marked(text, spans, begin, end)  # escaped already
    return Markup(f"{'…' if begin else ''}{piece}{'…' if end < len(text) else ''}")


def highlights_of(service: ServiceCard, words: frozenset[str]) -> dict[str, Markup]:
    """What a result card marks: its name, and a stretch of its summary if one matches."""
    marks = {"name": highlight(service.name, words)}
    summary = snippet(service.summary or "", words) if words else None
    if summary is not None:
        marks["summary"] = summary
    return marks

