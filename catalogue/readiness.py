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

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
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
    """One entry per published revision interval ``[start, end)`` (epoch seconds, UTC)."""

    service_id: np.ndarray
    agency_id: np.ndarray
    start: np.ndarray
    end: np.ndarray
    ok_11: np.ndarray
    ok_12: np.ndarray
    ok_13: np.ndarray
    kind: np.ndarray
    eligible: np.ndarray
    # What the list of services to fix shows: why each interval fails, by indicator.
    reasons: list[dict[str, str]] = field(default_factory=list)

    def at(self, instant: datetime) -> np.ndarray:
        t = instant.timestamp()
        return (self.start < t) & (self.end >= t)


def _seconds(stamp: datetime | None) -> float:
    return np.inf if stamp is None else stamp.timestamp()


def _rows(session: Session) -> list[tuple[Any, ...]]:
    """Every published revision interval, as the instants it was public (the revision in
    force and the service applying: ``catalogue.history.published_at`` read as an
    interval), with the facts the indicators read."""
    stmt = (
        select(Revision.service_id, Revision.agency_id, Revision.effective_at, Revision.superseded_at,
               Revision.applies_from, Revision.applies_until, Revision.missing_parts,
               Revision.decision_date, Revision.online_kind, Revision.partial_reason)
        .where(Revision.status == Status.PUBLISHED.value)
    )
    rows = []
    for sid, aid, begins, superseded, applies_from, applies_until, missing, decided, kind, reason in (
            session.execute(stmt)):
        start = max(begins, applies_from) if applies_from is not None else begins
        ends = [e for e in (superseded, applies_until) if e is not None]
        end = min(ends) if ends else None
        if end is not None and end <= start:
            continue  # never public
        effective_day = applies_from.astimezone(VIETNAM_TZ).date() if applies_from is not None else None
        rows.append((sid, aid, start, end, missing, decided, effective_day, _KIND.get(kind, NONE), reason))
    return rows


def load_intervals(session: Session, calendar: WorkCalendar) -> Intervals:
    rows = _rows(session)
    first_published: dict[int, datetime] = {}
    for sid, _, start, *_ in rows:
        if sid not in first_published or start < first_published[sid]:
            first_published[sid] = start
    n = len(rows)
    out = Intervals(
        service_id=np.fromiter((r[0] for r in rows), np.int64, n),
        agency_id=np.fromiter((r[1] for r in rows), np.int64, n),
        start=np.fromiter((_seconds(r[2]) for r in rows), np.float64, n),
        end=np.fromiter((_seconds(r[3]) for r in rows), np.float64, n),
        ok_11=np.zeros(n, bool), ok_12=np.zeros(n, bool), ok_13=np.zeros(n, bool),
        kind=np.fromiter((r[7] for r in rows), np.int8, n), eligible=np.zeros(n, bool),
    )
    between = calendar.working_days_between
    for i, (sid, _, _, _, missing, decision_day, effective_day, kind, reason) in enumerate(rows):
        why: dict[str, str] = {}
        published_day = first_published[sid].astimezone(VIETNAM_TZ).date()
        if decision_day is None:
            why["1.1"] = why["1.2"] = "Chưa ghi ngày quyết định công bố"
        else:
            if effective_day is None:
                why["1.1"] = "Chưa ghi ngày có hiệu lực"
            else:
                gap = between(decision_day, effective_day)
                if gap >= LIMIT_DAYS:
                    out.ok_11[i] = True
                else:
                    why["1.1"] = (f"Quyết định ngày {decision_day:%d/%m/%Y}, hiệu lực "
                                  f"{effective_day:%d/%m/%Y}: cách {gap} ngày làm việc")
            lag = between(decision_day, published_day)
            if lag <= LIMIT_DAYS:
                out.ok_12[i] = True
            else:
                why["1.2"] = (f"Quyết định ngày {decision_day:%d/%m/%Y}, công khai {published_day:%d/%m/%Y}: "
                              f"sau {lag} ngày làm việc")
        if missing is None or missing == 0:
            out.ok_13[i] = missing == 0
            if missing is None:
                why["1.3"] = "Chưa kiểm tra"
        else:
            why["1.3"] = missing_text(parts_of_mask(missing))
        out.eligible[i] = kind == FULL or (kind == PARTIAL and reason not in _LAW_REASONS)
        if kind == NONE:
            why["3.1"] = "Chưa cung cấp trực tuyến"
        elif kind == PARTIAL and out.eligible[i]:
            why["3.1"] = "Một phần, đủ điều kiện toàn trình"
        out.reasons.append(why)
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
    shortfalls: dict[str, list[Shortfall]]
    series: list[tuple[date, Figures]]


def compute_readiness(
    session: Session, as_of: date, calendar: WorkCalendar, *, series_days: Sequence[date] = (),
    agency: str | None = None,
) -> Readiness:
    """The indicators on ``as_of`` for the province and every agency owning published
    services, the services that cost points (of ``agency`` only, when given), and the
    province's figures on each of ``series_days`` (the chart)."""
    iv = load_intervals(session, calendar)
    mask = iv.at(end_of_day(as_of))
    province = _figures(iv, mask)

    agencies = {a.id: a for a in session.scalars(select(Agency))}
    rows: list[AgencyFigures] = []
    for agency_id in np.unique(iv.agency_id[mask]):
        a = agencies[int(agency_id)]
        rows.append(AgencyFigures(a.code, a.name, _figures(iv, mask & (iv.agency_id == agency_id))))
    rows.sort(key=lambda r: (-(r.figures.score or 0), sort_key(r.name), r.code))
    for i, row in enumerate(rows, 1):
        row.rank = i

    only = next((a.id for a in agencies.values() if a.code == agency), None) if agency else None
    shortfalls = _shortfalls(session, iv, mask, agencies, only)
    series = [(day, _figures(iv, iv.at(end_of_day(day)))) for day in series_days]
    return Readiness(as_of, province, rows, shortfalls, series)


def _shortfalls(session: Session, iv: Intervals, mask: np.ndarray, agencies: dict[int, Agency],
                only: int | None) -> dict[str, list[Shortfall]]:
    picked = np.flatnonzero(mask if only is None else mask & (iv.agency_id == only))
    failing = [i for i in picked if iv.reasons[i]]
    ids = {int(iv.service_id[i]) for i in failing}
    names: dict[int, tuple[str, str]] = {}
    id_list = sorted(ids)
    for k in range(0, len(id_list), 5000):
        chunk = id_list[k:k + 5000]
        names.update({sid: (code, name) for sid, code, name in session.execute(
            select(Service.id, Service.code, Service.name).where(Service.id.in_(chunk)))})
    out: dict[str, list[Shortfall]] = defaultdict(list)
    for i in failing:
        code, name = names.get(int(iv.service_id[i]), ("", ""))
        agency_name = agencies[int(iv.agency_id[i])].name
        for key, reason in iv.reasons[i].items():
            out[key].append(Shortfall(code, name, agency_name, reason))
    for items in out.values():
        items.sort(key=lambda s: (sort_key(s.agency), s.code))
    return {key: out.get(key, []) for key in INDICATORS}


def year_ends(first: date, as_of: date) -> list[date]:
    """The days of the chart: 31 December of every year from ``first`` on, then ``as_of``."""
    days = [date(y, 12, 31) for y in range(first.year, as_of.year)]
    return [*days, as_of]


def first_publication_day(session: Session) -> date | None:
    stamp = session.scalar(select(func.min(Revision.effective_at))
                           .where(Revision.status == Status.PUBLISHED.value))
    return stamp.astimezone(VIETNAM_TZ).date() if stamp else None

