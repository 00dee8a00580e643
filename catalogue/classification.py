"""How a service has been classified through time, each period in the words of the scheme
in force: "Mức độ 3 từ 03/2011; một phần từ 08/2022; toàn trình từ 07/2026".

Read from the service's revisions (the states that actually held, published ones only)
and the days the schemes changed: a level-3 service untouched in 2022 became "một phần"
on 1/8/2022 because the measure changed, not because anyone edited it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .clock import start_of_day, today_vn
from .models import Revision, Service
from .schemes import SCHEMES, Scheme, scheme_on
from .vocabulary import ONLINE_KIND_LABELS, VIETNAM_TZ, Status


@dataclass(frozen=True)
class Period:
    label: str   # "mức độ 3", "một phần", "toàn trình"
    since: date
    scheme: Scheme


def label_of(level: int, kind: str, scheme: Scheme) -> str:
    if scheme.by_kind:
        return ONLINE_KIND_LABELS[kind].lower()
    return f"mức độ {int(level)}"


def classification_history(session: Session, service: Service) -> list[Period]:
    """The classification periods of ``service`` up to today, oldest first."""
    rows = session.execute(
        select(Revision.number, Revision.effective_at, Revision.superseded_at, Revision.status,
               Revision.level, Revision.online_kind)
        .where(Revision.service_id == service.id)
    ).all()
    held = sorted((r for r in rows if r.superseded_at is None or r.superseded_at > r.effective_at),
                  key=lambda r: (r.effective_at, r.number))
    moments: list[datetime] = [r.effective_at for r in held]
    moments += [start_of_day(s.starts) for s in SCHEMES[1:]]  # type: ignore[misc]
    today = today_vn()
    periods: list[Period] = []
    for moment in sorted(set(moments)):
        day = moment.astimezone(VIETNAM_TZ).date()
        if day > today:
            break
        state = next((r for r in reversed(held) if r.effective_at <= moment
                      and (r.superseded_at is None or r.superseded_at > moment)), None)
        if state is None or state.status != Status.PUBLISHED:
            continue
        scheme = scheme_on(day)
        label = label_of(state.level, state.online_kind, scheme)
        if not periods or periods[-1].label != label:
            periods.append(Period(label, day, scheme))
    return periods


def history_line(periods: list[Period]) -> str:
    """One line, e.g. "Mức độ 3 từ 03/2011; một phần từ 08/2022; toàn trình từ 07/2026"."""
    text = "; ".join(f"{p.label} từ {p.since:%m/%Y}" for p in periods)
    return text[:1].upper() + text[1:]
