"""The demo's story from 2010 to today: every assumption about WHEN things happened, in
one place. The records themselves (names, steps, documents, fees, legal bases, which tier
implements them today, whether they have an online channel) are real; the dates and
the order of events below are the demo's, except where a record's legal basis gives one.

The story of each service is a list of dated states (``history`` in the demo file):

1. 2010-01-04 .. 2011-07-07: the 2011 catalogue as build_demo.py picks it (661 services
   online at levels 2-4 on 2011-07-07, as the province reported), in three tiers: a
   procedure that is not provincial today belonged then to a district unit, at district
   or commune tier (build_demo.place).
2. After 2011-07-07, the other real procedures are published on the day their legal basis
   gives ("ngày 24 tháng 6 năm 2025" in the text: the next working day), else on a working
   day of the year of their newest cited document, never before 2011-07-08 (ASSUMPTION:
   the day within the year comes from the code's hash). Their level is what the record
   supports (3 with an online channel and forms, 2 with forms, else 1).
3. Services whose record supports a higher level than they had in 2011 reach it on a
   day between 2013 and 2021 (ASSUMPTION, hash of the code).
4. 2022-08-01, Decree 42/2022: every published service at level 3 becomes "một phần",
   at level 4 "toàn trình" (before, no service had a Decree 42 kind: ``none``).
5. 2025-07-01, two-tier local government: every service at district tier, and every
   commune-tier service a district unit owned, passes to the communes (``ubnd-cap-xa``)
   at commune tier. (Provincial departments merged in 2025 keep their 2011 names here:
   a simplification.)
6. 2026-07-01, Decree 224/2026 review: toàn trình becomes the default. A "một phần" service
   becomes toàn trình (level 4) unless its kind of procedure needs the applicant or an
   inspection (REASON_WORDS), or, for 1 in 4 of the others, a technical obstacle remains
   (ASSUMPTION, hash of the code); those stay "một phần" with that reason.
7. Publication decisions and effective days (ASSUMPTION, hash of the code): the source
   gives each procedure's publishing decision number ("4472/QĐ-BTC") but never its date
   (none of the 1,601 records carries one, in that field or elsewhere) nor the day the
   procedure took effect, which indicators 1.1 and 1.2 of /statistics/index read. The
   demo dates the decision 0-8 weekdays (DECISION_LAG) before the service first appeared
   on the portal, and the procedure taking effect 0 to that many weekdays after the
   decision: never after it first appeared, so which services were public on any day
   is unchanged. A service never published gets neither date. Weekdays only: a public
   holiday in between makes the working-day count a little shorter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable

TZ = dt.timezone(dt.timedelta(hours=7))
COHORT_END = dt.date(2011, 7, 7)
DECREE_42 = dt.date(2022, 8, 1)
TWO_TIER = dt.date(2025, 7, 1)
DECREE_224 = dt.date(2026, 7, 1)
# The story's last day: fixed, so the converter gives the same file every run.
STORY_END = dt.date(2026, 11, 30)
COMMUNES = ("ubnd-cap-xa", "Ủy ban nhân dân các xã, phường")
# Words of a procedure's name that keep it "một phần" in the 2026 review, with the reason.
REASON_WORDS: tuple[tuple[str, str], ...] = (
    ("chứng thực", "presence"), ("kết hôn", "presence"), ("nhận cha", "presence"),
    ("nuôi con nuôi", "presence"), ("giám hộ", "presence"), ("sát hạch", "presence"),
    ("thẩm định", "verification"), ("kiểm tra", "verification"), ("xây dựng", "verification"),
    ("đất", "verification"), ("khai thác", "verification"), ("cấp phép", "verification"),
)
TECHNICAL_SHARE = 4  # 1 in 4 of the others keeps a technical obstacle

_FULL_DATE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})")
_YEAR_IN_NUMBER = re.compile(r"\d+/((?:19|20)\d\d)/")
_DECISION = re.compile(r"^\d{1,5}/QĐ-[A-ZĐ0-9-]{1,20}$")


def _hash(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "big")


def raw_facts(raw: dict) -> dict:
    """What the story reads from a raw record beside build_demo's parsing: the dates its
    legal basis gives, the years of the documents it cites, its publishing decision."""
    legal = " ".join(str(raw.get("can_cu_phap_ly") or "").split())
    dates = []
    for d, m, y in _FULL_DATE.findall(legal):
        try:
            dates.append(dt.date(int(y), int(m), int(d)))
        except ValueError:
            continue
    years = [int(y) for y in _YEAR_IN_NUMBER.findall(legal)]
    number = " ".join(str(raw.get("so_quyet_dinh") or "").split())
    return {"legal_dates": dates, "legal_years": years,
            "decision": {"number": number, "date": None} if _DECISION.match(number) else None}


def _working_day(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _at(day: dt.date, key: str) -> str:
    """A moment in office hours on ``day`` (deterministic)."""
    minute = 7 * 60 + 30 + (_hash("minute", key) % 90) * 5
    if minute >= 11 * 60 + 30:
        minute += 120  # lunch
    return dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60,
                       tzinfo=TZ).isoformat()


def _midnight(day: dt.date) -> str:
    return dt.datetime(day.year, day.month, day.day, tzinfo=TZ).isoformat()


def publication_day(code: str, facts: dict) -> tuple[dt.date, str]:
    """When a procedure outside the 2011 catalogue was published, and on what grounds."""
    dates = [d for d in facts["legal_dates"] if COHORT_END < d <= STORY_END]
    if dates:
        return _working_day(max(dates) + dt.timedelta(days=1)), "legal basis date"
    years = [y for y in facts["legal_years"] if y <= STORY_END.year]
    year = max(years) if years else 2012 + _hash("year", code) % 13
    first = max(dt.date(year, 1, 2), COHORT_END + dt.timedelta(days=1))
    last = dt.date(year, 12, 28) if year < STORY_END.year else STORY_END - dt.timedelta(days=7)
    if first > last:
        first = last
    day = first + dt.timedelta(days=_hash("day", code) % ((last - first).days + 1))
    return min(_working_day(day), last), "legal basis year" if years else "assumed"


DECISION_LAG = 9  # the decision 0..8 weekdays before the first publication


def _weekdays_from(day: dt.date, count: int) -> dt.date:
    """``count`` weekdays after ``day`` (before it when negative), weekends skipped."""
    step = dt.timedelta(days=1 if count >= 0 else -1)
    for _ in range(abs(count)):
        day += step
        while day.weekday() >= 5:
            day += step
    return day


def decision_dates(code: str, decision: dict | None,
                   first_public: dt.date | None) -> tuple[dict | None, str | None]:
    """The publishing decision with its date, and the day the procedure took effect
    (ASSUMPTION 7 above): both None-dated for a service never published."""
    if decision is None or first_public is None:
        return decision, None
    lag = _hash("decision", code) % DECISION_LAG
    decided = _weekdays_from(first_public, -lag)
    effective = _weekdays_from(decided, _hash("effect", code) % (lag + 1))
    return {**decision, "date": decided.isoformat()}, min(effective, first_public).isoformat()


def review_2026(code: str, name: str) -> str | None:
    """The 2026 review of a "một phần" service: None (it becomes toàn trình) or the reason
    it stays partial."""
    lowered = name.lower()
    for word, reason in REASON_WORDS:
        if word in lowered:
            return reason
    return "technical" if _hash("technical", code) % TECHNICAL_SHARE == 0 else None


def kind_of(level: int) -> str:
    return "full" if level >= 4 else "partial" if level == 3 else "none"


def story(
    code: str, name: str, *, facts: dict, supported: int, tier: str, agency: str,
    province_today: bool, start: dict | None, content_for: Callable[[int], dict],
) -> tuple[dict, list[dict]]:
    """Today's state of one service and its dated history.

    ``start``: the 2011 state as build_demo picked it ({"level", "status", "published_at",
    "updated_at"}), or None for a procedure published after 2011. ``supported``: the
    level its record supports. ``content_for(level)``: the level-dependent keys
    (online_url, forms, method, fees). Returns (today's state, history); each history
    entry is {"at": ISO instant, "set": {keys that change}}; the first sets the state
    the service was published (or archived, or drafted) in.
    """
    events: list[tuple[str, dict]] = []
    if start is not None:
        level, status = start["level"], start["status"]
        state = {"status": status, "level": level, "online_kind": "none", "partial_reason": None,
                 "tier": tier, "agency": agency, **content_for(level)}
        if status == "draft":
            return state, []
        events.append((start["published_at"], dict(state, status="published")))
        if status == "archived":
            events.append((start["updated_at"], {"status": "archived"}))
            return state, _entries(events)
        published = dt.date.fromisoformat(start["published_at"][:10])
    else:
        published, _ = publication_day(code, facts)
        level = supported
        state = {"status": "published", "level": level, "online_kind": "none",
                 "partial_reason": None, "tier": tier, "agency": agency, **content_for(level)}
        if published >= TWO_TIER and not province_today:
            state.update(tier="commune", agency=COMMUNES[0])
        if published >= DECREE_42:
            state["online_kind"] = kind_of(level)
        if published >= DECREE_224 and state["online_kind"] == "partial":
            reason = review_2026(code, name)
            state.update(partial_reason=reason) if reason else state.update(
                level=4, online_kind="full", **content_for(4))
        events.append((_at(published, code), dict(state)))

    def change(day: dt.date, at: str, **changes) -> None:
        if day <= published or day > STORY_END:
            return
        new = {k: v for k, v in changes.items() if state.get(k) != v}
        if new:
            state.update(new)
            events.append((at, new))

    if supported > state["level"] and published < DECREE_42:
        rise = dt.date(2013, 1, 2) + dt.timedelta(days=_hash("rise", code) % (9 * 365))
        rise = max(_working_day(rise), published + dt.timedelta(days=30))
        if rise < DECREE_42:
            change(rise, _at(rise, "rise:" + code), level=supported, **content_for(supported))
    if state["level"] >= 3:
        change(DECREE_42, _midnight(DECREE_42), online_kind=kind_of(state["level"]))
    if not province_today and (state["tier"] != "commune" or state["agency"] != COMMUNES[0]):
        change(TWO_TIER, _midnight(TWO_TIER), tier="commune", agency=COMMUNES[0])
    if state["online_kind"] == "partial":
        reason = review_2026(code, name)
        if reason:
            change(DECREE_224, _midnight(DECREE_224), partial_reason=reason)
        else:
            change(DECREE_224, _midnight(DECREE_224), level=4, online_kind="full",
                   **content_for(4))
    return state, _entries(events)


def _entries(events: list[tuple[str, dict]]) -> list[dict]:
    return [{"at": at, "set": changes} for at, changes in events]


def state_on(service: dict, day: dt.date) -> dict | None:
    """The service's state at the end of ``day`` (Vietnam time), from its history: None
    before it was first published (drafts: None throughout)."""
    end = dt.datetime(day.year, day.month, day.day, tzinfo=TZ) + dt.timedelta(days=1)
    state = None
    for entry in service.get("history") or []:
        if dt.datetime.fromisoformat(entry["at"]) >= end:
            break
        state = {**(state or {}), **entry["set"]}
    return state


def figures(services: list[dict], day: dt.date) -> dict:
    """Published services on ``day`` by tier, level and online kind, and the online total
    in the scheme of that day (the same rules as catalogue/schemes.py)."""
    published = [s for s in (state_on(x, day) for x in services)
                 if s is not None and s["status"] == "published"]
    by_kind = {k: sum(1 for s in published if s["online_kind"] == k)
               for k in ("full", "partial", "none")}
    online = (by_kind["full"] + by_kind["partial"] if day >= DECREE_42
              else sum(1 for s in published if s["level"] >= 2))
    return {
        "published": len(published), "online": online, "by_kind": by_kind,
        "by_tier": {t: sum(1 for s in published if s["tier"] == t)
                    for t in ("province", "district", "commune")},
        "by_level": {lv: sum(1 for s in published if s["level"] == lv) for lv in range(1, 5)},
    }
