"""Schemes of counting online public services through time, as data.

Vietnam changed what "online public service" means twice. Up to 31/07/2022 Decree
43/2011/NĐ-CP counted by level (1-4; the province reported level 2 and above). From
01/08/2022 Decree 42/2022/NĐ-CP counts by kind: toàn trình (``full``) or một phần
(``partial``). From 01/07/2026 Decree 224/2026/NĐ-CP keeps the two kinds, makes toàn
trình the default and asks a partial service for its reason. Every count, page, chart
and export asks :func:`scheme_on` which scheme a date falls under and counts with it,
instead of an if-statement on dates of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from .vocabulary import ONLINE_KINDS, ONLINE_MIN_LEVEL, OnlineKind


@dataclass(frozen=True)
class Scheme:
    code: str              # as the API answers it: "decree-43-2011"
    decree: str            # "Nghị định 43/2011/NĐ-CP"
    starts: date           # first day in force
    by_kind: bool          # counts by online_kind (else by level)
    online_label: str      # what the headline figure is, in a sentence
    online_column: str     # the same, as a table column
    explanation: str       # one line for the reader: how this scheme counts

    def is_online(self, level: int, kind: str) -> bool:
        """Counts as an online public service under this scheme."""
        if self.by_kind:
            return kind in (OnlineKind.FULL, OnlineKind.PARTIAL)
        return level >= ONLINE_MIN_LEVEL

    def online_of(self, by_level: Mapping[int, int], by_kind: Mapping[str, int]) -> int:
        """The scheme's own online total from counts by level and by kind."""
        if self.by_kind:
            return by_kind.get(OnlineKind.FULL, 0) + by_kind.get(OnlineKind.PARTIAL, 0)
        return sum(n for level, n in by_level.items() if level >= ONLINE_MIN_LEVEL)


DECREE_43 = Scheme(
    "decree-43-2011", "Nghị định 43/2011/NĐ-CP", date.min, False,
    "dịch vụ công trực tuyến (mức độ 2 trở lên)", "Trực tuyến (mức độ 2 trở lên)",
    "Đếm theo 4 mức độ; dịch vụ công trực tuyến là dịch vụ từ mức độ 2 (tải được mẫu đơn) "
    "trở lên.",
)
DECREE_42 = Scheme(
    "decree-42-2022", "Nghị định 42/2022/NĐ-CP", date(2022, 8, 1), True,
    "dịch vụ công trực tuyến (toàn trình và một phần)", "Trực tuyến (toàn trình, một phần)",
    "Không còn mức độ: dịch vụ công trực tuyến là dịch vụ toàn trình hoặc một phần.",
)
DECREE_224 = Scheme(
    "decree-224-2026", "Nghị định 224/2026/NĐ-CP", date(2026, 7, 1), True,
    "dịch vụ công trực tuyến (toàn trình và một phần)", "Trực tuyến (toàn trình, một phần)",
    "Toàn trình là mặc định; dịch vụ chỉ trực tuyến một phần phải nêu lý do.",
)
# In order of coming into force; the first also covers every earlier date.
SCHEMES: tuple[Scheme, ...] = (DECREE_43, DECREE_42, DECREE_224)


def scheme_on(day: date) -> Scheme:
    """The scheme in force on ``day``."""
    found = SCHEMES[0]
    for scheme in SCHEMES:
        if day >= scheme.starts:
            found = scheme
    return found


def comparable(first: date, second: date) -> bool:
    """Whether counts on the two days measure "online" the same way (no break between)."""
    return scheme_on(first).by_kind == scheme_on(second).by_kind


def breaks_between(first: date, last: date) -> list[Scheme]:
    """The schemes that come into force after ``first`` and by ``last``."""
    return [s for s in SCHEMES[1:] if first < s.starts <= last]


def last_day(scheme: Scheme) -> date | None:
    """The last day ``scheme`` was in force, None while it still is."""
    index = SCHEMES.index(scheme)
    return SCHEMES[index + 1].starts - timedelta(days=1) if index + 1 < len(SCHEMES) else None


def empty_kinds() -> dict[str, int]:
    return dict.fromkeys(ONLINE_KINDS, 0)
