"""The working-day calendar at its edges: weekends, Tết by the lunar calendar, the swaps the
government announced (make-up working Saturdays), and days an admin adds."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from catalogue.workdays import OFF, WORK, CalendarError, WorkCalendar, add_calendar_day, working_days_between
from portal.extensions import db

LIBRARY = WorkCalendar({})


def brute_force(calendar: WorkCalendar, start: date, end: date) -> int:
    return sum(calendar.is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))


def test_a_plain_week_has_five_working_days():
    # Monday 10/11/2025 to Monday 17/11/2025: Tue..Fri and Mon.
    assert LIBRARY.working_days_between(date(2025, 11, 10), date(2025, 11, 17)) == 5
    assert LIBRARY.working_days_between(date(2025, 11, 17), date(2025, 11, 10)) == -5
    assert LIBRARY.working_days_between(date(2025, 11, 10), date(2025, 11, 10)) == 0


def test_tet_by_the_lunar_calendar_is_off():
    # Tết Ất Tỵ: mùng 1 on 29/01/2025; 27/01 to 31/01 are days off.
    for day in range(27, 32):
        assert not LIBRARY.is_working_day(date(2025, 1, day))
    # Friday 24/01/2025 to Monday 03/02/2025: only Monday 03/02 is worked.
    assert LIBRARY.working_days_between(date(2025, 1, 24), date(2025, 2, 3)) == 1
    # Tết Bính Ngọ: mùng 1 on 17/02/2026.
    assert not LIBRARY.is_working_day(date(2026, 2, 17))
    assert LIBRARY.working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1


def test_the_announced_swap_of_april_2025():
    # Saturday 26/04/2025 worked in exchange for Friday 02/05/2025 off (30/4 - 1/5 bridge).
    assert LIBRARY.is_working_day(date(2025, 4, 26))
    assert not LIBRARY.is_working_day(date(2025, 5, 2))
    # Thursday 24/04 to Thursday 08/05: 25/4, 26/4 (Sat, worked), 28/4, 29/4, 5/5 to 8/5.
    assert LIBRARY.working_days_between(date(2025, 4, 24), date(2025, 5, 8)) == 8
    assert brute_force(LIBRARY, date(2025, 4, 24), date(2025, 5, 8)) == 8


def test_an_admin_entry_wins_over_library_and_weekend():
    calendar = WorkCalendar({date(2027, 3, 6): WORK, date(2027, 3, 8): OFF})
    assert calendar.is_working_day(date(2027, 3, 6))  # a Saturday made a working day
    assert not calendar.is_working_day(date(2027, 3, 8))  # a Monday made a day off
    assert calendar.working_days_between(date(2027, 3, 5), date(2027, 3, 9)) == 2
    assert LIBRARY.working_days_between(date(2027, 3, 5), date(2027, 3, 9)) == 2  # Mon, Tue


def test_far_dates_are_counted_day_by_day():
    assert LIBRARY.working_days_between(date(2001, 1, 1), date(2001, 1, 8)) == brute_force(
        LIBRARY, date(2001, 1, 1), date(2001, 1, 8))
    assert LIBRARY.working_days_between(date(2035, 12, 28), date(2036, 1, 7)) == brute_force(
        LIBRARY, date(2035, 12, 28), date(2036, 1, 7))


def test_prefix_sums_agree_with_counting_day_by_day():
    start = date(2024, 12, 20)
    for length in range(0, 60, 3):
        end = start + timedelta(days=length)
        assert LIBRARY.working_days_between(start, end) == brute_force(LIBRARY, start, end)


def test_stored_days_shape_the_answer(app):
    assert working_days_between(db.session, date(2027, 3, 5), date(2027, 3, 9)) == 2
    add_calendar_day(db.session, date(2027, 3, 6), WORK, "Thông báo số 1/TB-BNV ngày 01/02/2027")
    db.session.commit()
    assert working_days_between(db.session, date(2027, 3, 5), date(2027, 3, 9)) == 3
    with pytest.raises(CalendarError, match="đã có"):
        add_calendar_day(db.session, date(2027, 3, 6), WORK, "Thông báo khác")
    with pytest.raises(CalendarError, match="vốn đã là ngày làm việc"):
        add_calendar_day(db.session, date(2027, 3, 9), WORK, "Thông báo khác")
    with pytest.raises(CalendarError, match="văn bản"):
        add_calendar_day(db.session, date(2027, 3, 10), OFF, "   ")


def test_admin_enters_and_removes_an_announced_day(client, accounts):
    from tests.manage_support import csrf_of, sign_in
    from tests.support import text_of

    sign_in(client, accounts["justice"].email)
    assert client.get("/manage/calendar").status_code == 403
    client = client.application.test_client()
    sign_in(client, accounts["admin"].email)
    page = client.get("/manage/calendar")
    assert page.status_code == 200 and "Chưa nhập ngày nào" in text_of(page)
    # Without the CSRF token nothing is saved.
    refused = client.post("/manage/calendar", data={"day": "06/03/2027", "kind": "work", "decision": "TB 1"})
    assert refused.status_code in (400, 422)
    token = csrf_of(client, "/manage/calendar")
    bad = client.post("/manage/calendar", data={"day": "31/02/2027", "kind": "work", "decision": "TB 1",
                                                 "csrf_token": token})
    assert bad.status_code == 422 and "Ngày không hợp lệ" in text_of(bad)
    done = client.post("/manage/calendar", data={"day": "06/03/2027", "kind": "work",
                                                  "decision": "Thông báo 1/TB-BNV", "csrf_token": token},
                       follow_redirects=True)
    assert "06/03/2027" in text_of(done) and "Thông báo 1/TB-BNV" in text_of(done)
    assert working_days_between(db.session, date(2027, 3, 5), date(2027, 3, 9)) == 3
    from catalogue.models import CalendarDay

    day_id = db.session.scalar(db.select(CalendarDay.id))
    client.post(f"/manage/calendar/{day_id}/delete", data={"csrf_token": token})
    assert working_days_between(db.session, date(2027, 3, 5), date(2027, 3, 9)) == 2
