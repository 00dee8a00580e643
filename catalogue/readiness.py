"""The part of the national service index (Bộ chỉ số phục vụ người dân, doanh nghiệp,
Decision 766/QĐ-TTg, 2022) that a catalogue can compute, for the province and each agency,
as of any date; read only.

What is counted (the published services at the end of the day, Vietnam time, as
:mod:`catalogue.statistics` counts them, from the revisions and their ``superseded_at``):

- 1.1 "Công bố TTHC đúng hạn": the publication decision (``decision.date``) is dated at
  least 5 working days before the procedure takes effect (``effective_from``);
- 1.2 "Công khai TTHC đúng hạn": the service was first published on the portal within 5
  working days after its decision (a service first published before its decision, e.g.
  an amended procedure, counts as on time);
- 1.3 "Công khai đầy đủ": the record lacks none of the 7 mandatory parts
  (:mod:`catalogue.completeness`);
- 3.1 "Cung cấp dịch vụ công trực tuyến": the share of services offered online (toàn
  trình or một phần) and, of those eligible for toàn trình (every online service except a
  một phần one whose reason is the law's: the applicant must appear, or an on-site check),
  the share offered toàn trình. Records from before Decree 42/2022 carry the kind their
  level meant (4 toàn trình, 3 một phần, below that not online: migration 0008).

A service without a decision date (or, for 1.1, without ``effective_from``) cannot show it
was on time and counts as not: the entry to fix is listed. Working days follow
:mod:`catalogue.workdays` ("within 5 working days" of a Monday is up to the next Monday).

How: every published revision interval is loaded once, as arrays (numpy), with what each
indicator says of it; the figures at any instant are then a mask over the arrays, so the
page's figures and its chart over the years share one read of the history.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .clock import end_of_day
from .completeness import missing_text, parts_of_mask
from .models import Agency, Revision, Service, Status
from .text import sort_key
from .vocabulary import VIETNAM_TZ
from .workdays import WorkCalendar

LIMIT_DAYS = 5
INDICATORS = ("1.1", "1.2", "1.3", "3.1")

# Online kinds as small integers in the arrays.
NONE, PARTIAL, FULL = 0, 1, 2
_KIND = {"none": NONE, "partial": PARTIAL, "full": FULL}
# Reasons that make toàn trình impossible in law (Decree 224/2026 Art. 14): not "eligible".
_LAW_REASONS = {"presence", "verification"}

TITLES = {
    "1.1": "Công bố thủ tục hành chính đúng hạn",
    "1.2": "Công khai thủ tục hành chính đúng hạn trên Cổng",
    "1.3": "Công khai đầy đủ các bộ phận của thủ tục",
    "3.1": "Cung cấp dịch vụ công trực tuyến",
}
FORMULAS = {
    "1.1": "Số thủ tục có quyết định công bố ban hành trước ngày có hiệu lực ít nhất 5 ngày làm việc, "
           "chia cho tổng số thủ tục đang công khai, nhân 100.",
    "1.2": "Số thủ tục được công khai trên Cổng trong vòng 5 ngày làm việc kể từ ngày ký quyết định "
           "công bố, chia cho tổng số thủ tục đang công khai, nhân 100.",
    "1.3": "Số thủ tục có đủ 7 bộ phận bắt buộc (trình tự, cách thức, hồ sơ, thời hạn, kết quả, "
           "phí và lệ phí, căn cứ pháp lý), chia cho tổng số thủ tục đang công khai, nhân 100.",
    "3.1": "Số thủ tục cung cấp trực tuyến (toàn trình hoặc một phần) chia cho tổng số thủ tục; "
           "và số thủ tục toàn trình chia cho số thủ tục đủ điều kiện toàn trình (trừ các thủ tục "
           "một phần vì luật buộc có mặt hoặc kiểm tra thực địa), nhân 100.",
}


@dataclass
class Intervals:
    """One entry per published revision interval ``[start, end)`` (epoch seconds, UTC),
    with what each indicator says of it; days are proleptic ordinals (-1: not given)."""

    service_id: np.ndarray
    agency_id: np.ndarray
    start: np.ndarray
    end: np.ndarray
    missing: np.ndarray
    decided: np.ndarray
    effective: np.ndarray
    published: np.ndarray  # the day the service was first public (Vietnam time)
    gap_11: np.ndarray  # working days from decision to effect
    lag_12: np.ndarray  # working days from decision to first publication
    kind: np.ndarray
    eligible: np.ndarray
    ok_11: np.ndarray
    ok_12: np.ndarray
    ok_13: np.ndarray

    def at(self, instant: datetime) -> np.ndarray:
        t = instant.timestamp()
        return (self.start < t) & (self.end >= t)

    def fails(self, i: int) -> dict[str, str]:
        """Why interval ``i`` costs points, by indicator (only for the services listed)."""
        why: dict[str, str] = {}
        if self.decided[i] < 0:
            why["1.1"] = why["1.2"] = "Chưa ghi ngày quyết định công bố"
        else:
            decided = date.fromordinal(int(self.decided[i]))
            if self.effective[i] < 0:
                why["1.1"] = "Chưa ghi ngày có hiệu lực"
            elif not self.ok_11[i]:
                why["1.1"] = (f"Quyết định ngày {decided:%d/%m/%Y}, hiệu lực "
                              f"{date.fromordinal(int(self.effective[i])):%d/%m/%Y}: "
                              f"cách {int(self.gap_11[i])} ngày làm việc")
            if not self.ok_12[i]:
                why["1.2"] = (f"Quyết định ngày {decided:%d/%m/%Y}, công khai "
                              f"{date.fromordinal(int(self.published[i])):%d/%m/%Y}: "
                              f"sau {int(self.lag_12[i])} ngày làm việc")
        if self.missing[i] < 0:
            why["1.3"] = "Chưa kiểm tra"
        elif self.missing[i]:
            why["1.3"] = missing_text(parts_of_mask(int(self.missing[i])))
        if self.kind[i] == NONE:
            why["3.1"] = "Chưa cung cấp trực tuyến"
        elif self.kind[i] == PARTIAL and self.eligible[i]:
            why["3.1"] = "Một phần, đủ điều kiện toàn trình"
        return why


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_VN_OFFSET = 7 * 3600


def _vn_days(seconds: np.ndarray) -> np.ndarray:
    """Epoch seconds (UTC) to the ordinal of the day in Vietnam."""
    return np.floor((seconds + _VN_OFFSET) / 86400).astype(np.int64) + _EPOCH_ORDINAL


_NEVER = 2**62  # seconds or microseconds: a bound that is not given (NULL) reads as +-infinity


_DAY_BITS = 22  # a day ordinal (up to 9999-12-31) fits in 22 bits
# The service and the agency in one number: agency ids are the serials of a table of a
# few hundred rows; a row beyond these bounds comes back NULL and fails loudly.
_AGENCY_BITS = 24
_SERVICE_LIMIT = 1 << (62 - _AGENCY_BITS)
_CHUNK = 10_000  # rows converted at a time


def _dialect_sql(dialect: str) -> tuple[Callable[[str], str], Callable[[str], str], str, str, str, str]:
    """How the query reads a timestamp column as whole seconds since the epoch (rounded
    down) and as microseconds, a date as a day ordinal, and the table."""
    if dialect == "sqlite":  # stored as text 'YYYY-MM-DD HH:MM:SS.ffffff', naive UTC
        # unixepoch (SQLite 3.38) reads the text a third faster than strftime('%s').
        modern = sqlite3.sqlite_version_info >= (3, 38)

        def seconds(c: str) -> str:
            return f"unixepoch({c})" if modern else f"CAST(strftime('%s', {c}) AS INTEGER)"

        def micro(c: str) -> str:
            return f"({seconds(c)} * 1000000 + CAST(substr({c}, 21, 6) AS INTEGER))"
        day = "CAST(julianday(decision_date) - 1721424.5 AS INTEGER)"
        # A plain scan: through ix_revision_state (no service_id in it) every row is
        # looked up in the table again, twice as slow for the two thirds of the rows kept.
        return seconds, micro, day, "MAX", "MIN", f"{Revision.__tablename__} NOT INDEXED"

    def seconds(c: str) -> str:
        # PostgreSQL: naive UTC timestamps. date_part gives a double, extract (PostgreSQL
        # 14 on) an exact numeric at twice the cost; a double holds today's seconds with
        # their microseconds to well under a microsecond, so the floor is the same.
        return f"CAST(floor(date_part('epoch', {c})) AS BIGINT)"

    def micro(c: str) -> str:
        return f"CAST(extract(epoch from {c}) * 1000000 AS BIGINT)"
    day = "(decision_date - DATE '0001-01-01' + 1)"
    return seconds, micro, day, "GREATEST", "LEAST", Revision.__tablename__


def _bounds(time: Callable[[str], str], later: str, earlier: str) -> tuple[str, str]:
    """An interval's start (the later of its beginning and ``applies_from``) and end (the
    earlier of its end and ``applies_until``), a bound not given read as +-infinity."""
    return (f"{later}({time('effective_at')}, COALESCE({time('applies_from')}, {-_NEVER}))",
            f"{earlier}(COALESCE({time('superseded_at')}, {_NEVER}), "
            f"COALESCE({time('applies_until')}, {_NEVER}))")


_PUBLISHED = Status.PUBLISHED.value
assert _PUBLISHED.isidentifier()  # a constant of ours, safe to write in the queries


def _sql(dialect: str) -> str:
    """One query, every value a number computed by the database (seconds since the epoch,
    day ordinals, kinds as small integers, NULL as a sentinel): the driver then hands back
    plain integers that numpy takes in one call, with no per-value conversion in Python
    (parsing 390,000 rows of text timestamps cost seconds at 100,000 services). Five numbers
    a row, as each value the driver converts costs as much as the database's work on it:
    the service and its agency in one, ``effective_at``, the interval's end,
    ``applies_from`` (the interval starts at the later of the two, taken by numpy, so each
    timestamp is read once) and the small facts in one (missing parts, decision day, kind,
    reason).

    Whole seconds (rounded down) are enough: every instant the figures are read at is a
    whole second (the end of a day), and ``start < t <= end`` holds for the microseconds
    exactly when it holds for the seconds rounded down. Only an interval shorter than a
    second needs more (:func:`_exact_firsts`)."""
    seconds, _, day, later, earlier, source = _dialect_sql(dialect)
    _, end = _bounds(seconds, later, earlier)
    return (
        f"SELECT CASE WHEN agency_id >= 0 AND agency_id < {1 << _AGENCY_BITS} "
        f"AND service_id >= 0 AND service_id < {_SERVICE_LIMIT} "
        f"THEN CAST(service_id AS BIGINT) * {1 << _AGENCY_BITS} + agency_id END, "
        f"{seconds('effective_at')}, {end}, "
        f"COALESCE({seconds('applies_from')}, {-_NEVER}), "
        f"((CAST(COALESCE(missing_parts, -1) AS BIGINT) + 1) * {1 << _DAY_BITS} "
        f"+ COALESCE({day}, -1) + 1) * 8 "
        f"+ CASE online_kind WHEN 'full' THEN {FULL} WHEN 'partial' THEN {PARTIAL} ELSE {NONE} END * 2 "
        f"+ CASE WHEN partial_reason IN ('presence', 'verification') THEN 1 ELSE 0 END "
        f"FROM {source} WHERE status = '{_PUBLISHED}'"
    )


def _exact_firsts(cursor: Any, dialect: str, services: Sequence[int]) -> dict[int, int]:
    """The first instant (whole seconds, rounded down) each of ``services`` was public, to
    the microsecond: for the services with an interval within one second, which held (and
    may be the first) if its end is after its start by the microseconds."""
    _, micro, _, later, earlier, _ = _dialect_sql(dialect)
    start, end = _bounds(micro, later, earlier)
    out: dict[int, int] = {}
    for k in range(0, len(services), 5000):  # through the index on service_id
        ids = ", ".join(str(int(x)) for x in services[k:k + 5000])
        cursor.execute(f"SELECT service_id, MIN({start}) FROM {Revision.__tablename__} "
                       f"WHERE status = '{_PUBLISHED}' AND service_id IN ({ids}) AND {end} > {start} "
                       "GROUP BY service_id")
        out.update({int(sid): int(first) // 1_000_000 for sid, first in cursor.fetchall()})
    return out


def _to_seconds(values: np.ndarray) -> np.ndarray:
    """Whole seconds as floats, the sentinels to +-infinity."""
    seconds = values.astype(np.float64)
    seconds[values >= _NEVER] = np.inf
    seconds[values <= -_NEVER] = -np.inf
    return seconds


def load_intervals(session: Session, calendar: WorkCalendar) -> Intervals:
    """Every published revision interval, as the instants it was public (the revision in
    force and the service applying: ``catalogue.history.published_at`` read as an
    interval), with the facts the indicators read; computed column by column."""
    connection = session.connection()
    dialect = connection.dialect.name
    raw = connection.connection.dbapi_connection
    # psycopg: integers in binary, not as text the driver parses (a third of its time).
    cursor = raw.cursor(binary=True) if dialect == "postgresql" else raw.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(_sql(dialect))
        # In chunks: the driver's Python integers of one chunk are freed before the next
        # (70 MB at once at 100,000 services, memory the process had to be given).
        parts = []
        while rows := cursor.fetchmany(_CHUNK):
            parts.append(np.fromiter(chain.from_iterable(rows), np.int64, count=5 * len(rows)))
        del rows
        # A row per column, each contiguous once the intervals kept are picked.
        table = (np.concatenate(parts) if parts else np.zeros(0, np.int64)).reshape(-1, 5).T
        del parts
        # The interval's start: the later of effective_at and applies_from (_bounds).
        start_s, end_s = np.maximum(table[1], table[3]), table[2]
        # Within one second, the seconds cannot tell whether the interval held.
        within = (end_s == start_s) & (start_s > -_NEVER) & (end_s < _NEVER)
        unsure = sorted(set((table[0, within] >> _AGENCY_BITS).tolist())) if within.any() else []
        exact = _exact_firsts(cursor, dialect, unsure) if unsure else {}
    finally:
        cursor.close()
    keep = end_s > start_s  # an interval that never held (to the second) is left out
    if not keep.all():  # (rare: a copy of every column)
        table, start_s, end_s = table[:, keep], start_s[keep], end_s[keep]
    sid, aid = table[0] >> _AGENCY_BITS, table[0] & ((1 << _AGENCY_BITS) - 1)
    applies_from, packed = table[3], table[4]
    start, end = _to_seconds(start_s), _to_seconds(end_s)
    law_reason = (packed & 1) == 1
    kind = ((packed >> 1) & 3).astype(np.int8)
    decided = ((packed >> 3) & ((1 << _DAY_BITS) - 1)) - 1
    missing = (packed >> (3 + _DAY_BITS)) - 1
    effective = np.where(applies_from > -_NEVER, (applies_from + _VN_OFFSET) // 86400 + _EPOCH_ORDINAL, -1)
    published = _vn_days(_first_public(sid, start, exact)) if len(sid) else np.zeros(0, np.int64)

    has_decision = decided >= 0
    gap = _working_days(calendar, decided, effective)
    lag = _working_days(calendar, decided, published)
    eligible = (kind == FULL) | ((kind == PARTIAL) & ~law_reason)
    return Intervals(
        service_id=sid, agency_id=aid, start=start, end=end, missing=missing, decided=decided,
        effective=effective, published=published, gap_11=gap, lag_12=lag, kind=kind, eligible=eligible,
        ok_11=has_decision & (effective >= 0) & (gap >= LIMIT_DAYS),
        ok_12=has_decision & (lag <= LIMIT_DAYS),
        ok_13=missing == 0,
    )


def _groups(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``ids`` (sorted) and each one's place among them, as ``np.unique``
    gives them; ids are a table's serial numbers, so every number up to the highest serves
    as a group (some empty) and no sort is needed, unless they spread much wider than
    their number."""
    top = int(ids.max())
    if int(ids.min()) >= 0 and top < 4 * len(ids) + 65536:
        return np.arange(top + 1), ids
    return np.unique(ids, return_inverse=True)


def _first_public(sid: np.ndarray, start: np.ndarray, exact: dict[int, int]) -> np.ndarray:
    """For each interval, the first instant its service was public, whichever revision it
    was (``exact``: the first instants read to the microsecond, :func:`_exact_firsts`)."""
    services, inverse = _groups(sid)
    first = np.full(len(services), np.inf)
    np.minimum.at(first, inverse, start)
    for service, instant in exact.items():
        at = np.searchsorted(services, service)
        if at < len(services) and services[at] == service:
            first[at] = min(first[at], instant)
    return first[inverse]


def _working_days(calendar: WorkCalendar, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``calendar.working_days_between`` element by element, through the prefix sums;
    pairs with a missing day (-1) get 0, pairs outside the sums' span are counted one by one."""
    sums, origin = calendar.prefix_sums()
    ia, ib = a - origin + 1, b - origin + 1
    inside = (ia >= 1) & (ia < len(sums)) & (ib >= 1) & (ib < len(sums))
    out = np.zeros(len(a), np.int64)
    out[inside] = sums[ib[inside]] - sums[ia[inside]]
    for i in np.flatnonzero(~inside & (a >= 0) & (b >= 0)):
        out[i] = calendar.working_days_between(date.fromordinal(int(a[i])), date.fromordinal(int(b[i])))
    return out


# ---------------------------------------------------------------- figures


@dataclass(frozen=True)
class Ratio:
    met: int
    total: int

    @property
    def percent(self) -> float | None:
        return 100 * self.met / self.total if self.total else None


@dataclass
class Figures:
    """The four indicators for one scope (province or agency) on one day."""

    services: int
    i11: Ratio
    i12: Ratio
    i13: Ratio
    online: Ratio  # 3.1: online among all
    full: Ratio  # 3.1: toàn trình among eligible

    def ratio(self, key: str) -> Ratio:
        return {"1.1": self.i11, "1.2": self.i12, "1.3": self.i13, "3.1": self.online,
                "3.1-full": self.full}[key]

    @property
    def score(self) -> float | None:
        """Mean of the indicators' percentages: what ranks agencies (equal weights)."""
        values = [r.percent for r in (self.i11, self.i12, self.i13, self.online) if r.percent is not None]
        return sum(values) / len(values) if values else None


def _figures(iv: Intervals, mask: np.ndarray) -> Figures:
    n = int(mask.sum())
    kind = iv.kind[mask]
    eligible = int(iv.eligible[mask].sum())
    return Figures(
        services=n,
        i11=Ratio(int(iv.ok_11[mask].sum()), n),
        i12=Ratio(int(iv.ok_12[mask].sum()), n),
        i13=Ratio(int(iv.ok_13[mask].sum()), n),
        online=Ratio(int((kind > NONE).sum()), n),
        full=Ratio(int((kind == FULL).sum()), eligible),
    )


def _series(iv: Intervals, days: Sequence[date]) -> list[tuple[date, Figures]]:
    """:func:`_figures` on each of ``days`` without a mask per day: an interval holds at
    ``t`` when ``start < t <= end``, and as every interval kept ends after it starts, the
    intervals holding at ``t`` are those started before ``t`` less those ended before it.
    Both are counted, flag by flag: each bound is placed among the (few) instants with a
    binary search, the flags are summed by place (``bincount``) and the sums run over the
    instants; no sort of the intervals."""
    if not days:
        return []
    instants = np.array([end_of_day(day).timestamp() for day in days])
    order = np.argsort(instants, kind="stable")
    ordered = instants[order]
    flags = (None, iv.ok_11, iv.ok_12, iv.ok_13, iv.kind > NONE, iv.kind == FULL, iv.eligible)

    def before(bounds: np.ndarray) -> np.ndarray:
        """Flags summed over the intervals whose ``bounds`` is before each instant (in
        ``ordered``): a bound is before the instants from the first one after it on."""
        place = np.searchsorted(ordered, bounds, side="right")
        by_place = np.stack([np.bincount(place, weights=f, minlength=len(ordered) + 1) for f in flags])
        return np.cumsum(by_place[:, :len(ordered)], axis=1)

    counts = np.empty((len(flags), len(days)), np.int64)
    counts[:, order] = np.rint(before(iv.start) - before(iv.end)).astype(np.int64)
    out = []
    for k, day in enumerate(days):
        n, m11, m12, m13, online, full, eligible = (int(x) for x in counts[:, k])
        out.append((day, Figures(n, Ratio(m11, n), Ratio(m12, n), Ratio(m13, n), Ratio(online, n),
                                 Ratio(full, eligible))))
    return out


def _figures_by_agency(iv: Intervals, mask: np.ndarray) -> dict[int, Figures]:
    """:func:`_figures` for every agency at once (counts by agency with ``bincount``)."""
    aid = iv.agency_id[mask]
    if not len(aid):
        return {}
    ids, index = _groups(aid)

    def count(flags: np.ndarray) -> np.ndarray:
        return np.bincount(index, weights=flags.astype(np.float64), minlength=len(ids)).astype(int)

    kind = iv.kind[mask]
    n = count(np.ones(len(aid), bool))
    met_11, met_12, met_13 = count(iv.ok_11[mask]), count(iv.ok_12[mask]), count(iv.ok_13[mask])
    online, full, eligible = count(kind > NONE), count(kind == FULL), count(iv.eligible[mask])
    return {int(a): Figures(int(n[k]), Ratio(int(met_11[k]), int(n[k])), Ratio(int(met_12[k]), int(n[k])),
                            Ratio(int(met_13[k]), int(n[k])), Ratio(int(online[k]), int(n[k])),
                            Ratio(int(full[k]), int(eligible[k])))
            for k, a in enumerate(ids) if n[k]}


@dataclass(frozen=True)
class Shortfall:
    """A service that costs points, and why."""

    code: str
    name: str
    agency: str
    reason: str


@dataclass
class AgencyFigures:
    code: str
    name: str
    figures: Figures
    rank: int = 0


@dataclass
class Readiness:
    as_of: date
    province: Figures
    agencies: list[AgencyFigures]
    shortfalls: dict[str, list[Shortfall]]  # at most ``limit`` of each, when given
    shortfall_counts: dict[str, int]
    series: list[tuple[date, Figures]]


def compute_readiness(
    session: Session, as_of: date, calendar: WorkCalendar, *, series_days: Sequence[date] = (),
    agency: str | None = None, limit: int | None = None,
) -> Readiness:
    """The indicators on ``as_of`` for the province and every agency owning published
    services, the services that cost points (of ``agency`` only, when given), and the
    province's figures on each of ``series_days`` (the chart)."""
    iv = load_intervals(session, calendar)
    mask = iv.at(end_of_day(as_of))
    province = _figures(iv, mask)

    agencies = {a.id: a for a in session.scalars(select(Agency))}
    rows = [AgencyFigures(agencies[aid].code, agencies[aid].name, figures)
            for aid, figures in _figures_by_agency(iv, mask).items()]
    rows.sort(key=lambda r: (-(r.figures.score or 0), sort_key(r.name), r.code))
    for i, row in enumerate(rows, 1):
        row.rank = i

    only = next((a.id for a in agencies.values() if a.code == agency), None) if agency else None
    shortfalls, counts = _shortfalls(session, iv, mask, agencies, only, limit)
    series = _series(iv, series_days)
    return Readiness(as_of, province, rows, shortfalls, counts, series)


def _shortfalls(session: Session, iv: Intervals, mask: np.ndarray, agencies: dict[int, Agency],
                only: int | None, limit: int | None) -> tuple[dict[str, list[Shortfall]], dict[str, int]]:
    """The services that cost points on each indicator, by agency (Vietnamese order) and
    service, at most ``limit`` of each (None: all), and how many there are in all."""
    picked = mask if only is None else mask & (iv.agency_id == only)
    failing_by = {
        "1.1": picked & ~iv.ok_11,
        "1.2": picked & ~iv.ok_12,
        "1.3": picked & ~iv.ok_13,
        "3.1": picked & ((iv.kind == NONE) | ((iv.kind == PARTIAL) & iv.eligible)),
    }
    counts = {key: int(m.sum()) for key, m in failing_by.items()}
    # Each agency's place in Vietnamese alphabetical order, then numpy sorts the rows.
    ordered = sorted(agencies, key=lambda aid: sort_key(agencies[aid].name))
    place = np.zeros(max(agencies, default=0) + 1, np.int64)
    place[ordered] = np.arange(len(ordered))
    chosen: dict[str, list[int]] = {}
    for key, m in failing_by.items():
        rows = np.flatnonzero(m)
        rows = rows[np.lexsort((iv.service_id[rows], place[iv.agency_id[rows]]))]
        chosen[key] = [int(i) for i in (rows if limit is None else rows[:limit])]
    ids = sorted({int(iv.service_id[i]) for rows in chosen.values() for i in rows})
    names: dict[int, tuple[str, str]] = {}
    for k in range(0, len(ids), 5000):
        chunk = ids[k:k + 5000]
        names.update({sid: (code, name) for sid, code, name in session.execute(
            select(Service.id, Service.code, Service.name).where(Service.id.in_(chunk)))})
    out: dict[str, list[Shortfall]] = {}
    for key, rows in chosen.items():
        out[key] = []
        for i in rows:
            code, name = names.get(int(iv.service_id[i]), ("", ""))
            out[key].append(Shortfall(code, name, agencies[int(iv.agency_id[i])].name, iv.fails(i)[key]))
    return out, counts


def year_ends(first: date, as_of: date) -> list[date]:
    """The days of the chart: 31 December of every year from ``first`` on, then ``as_of``."""
    days = [date(y, 12, 31) for y in range(first.year, as_of.year)]
    return [*days, as_of]


def first_publication_day(session: Session) -> date | None:
    stamp = session.scalar(select(func.min(Revision.effective_at))
                           .where(Revision.status == Status.PUBLISHED.value))
    return stamp.astimezone(VIETNAM_TZ).date() if stamp else None

