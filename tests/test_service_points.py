"""Service points: the contract's shape, placeholder contacts, and "open now" in Vietnam time."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from catalogue.clock import frozen_at, now_vn
from catalogue.demo_points import OFFICE_HOURS, PROVINCE_HOURS
from catalogue.service_points import open_state
from catalogue.vocabulary import VIETNAM_TZ

KEYS = ["code", "name", "kind", "commune", "address", "phone", "email", "opening_hours",
        "latitude", "longitude"]


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=VIETNAM_TZ)


@pytest.fixture
def points(runner):
    result = runner.invoke(args=["load-places"])
    assert result.exit_code == 0
    from catalogue.demo_points import create_demo_points
    from portal.extensions import db

    assert create_demo_points(db.session) == 104
    assert create_demo_points(db.session) == 0
    db.session.commit()


def test_the_list_and_one_point_in_the_contracts_shape(client, points):
    body = client.get("/api/v1/service-points").get_json()
    listed = body["service_points"]
    assert len(listed) == 104 and listed[0]["kind"] == "province_centre"
    assert all(list(p) == KEYS for p in listed)
    one = client.get("/api/v1/service-points/xa-tan-an").get_json()
    assert one["name"] == "Trung tâm Phục vụ hành chính công Phường Tân An"
    assert one["commune"] == {"slug": "tan-an", "name": "Tân An", "kind": "phường"}
    assert one["opening_hours"][0] == {"days": ["mon", "tue", "wed", "thu", "fri"],
                                       "opens": "07:00", "closes": "11:00"}
    centre = client.get("/api/v1/service-points/tinh-buon-ma-thuot").get_json()
    assert centre["latitude"] == pytest.approx(12.68) and centre["longitude"] == pytest.approx(108.04)


def test_demo_contacts_follow_the_placeholder_pattern(client, points):
    for p in client.get("/api/v1/service-points").get_json()["service_points"]:
        assert re.fullmatch(r"0000\.000\.\d{3}", p["phone"]), p["phone"]
        assert p["email"].endswith("@example.org")


@pytest.mark.parametrize("code", ["khong-co", "XA-TAN-AN", "a" * 65, "<script>"])
def test_an_unknown_point_is_a_json_404(client, points, code):
    response = client.get(f"/api/v1/service-points/{code}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(("moment", "is_open", "detail"), [
    (vn(2026, 2, 10, 9, 0), True, "Đóng cửa lúc 11:00"),
    (vn(2026, 2, 10, 12, 15), False, "Mở cửa lại lúc 13:30 hôm nay"),
    (vn(2026, 2, 10, 17, 0), False, "Mở cửa lại lúc 07:00 ngày mai"),
    (vn(2026, 2, 13, 18, 0), False, "Mở cửa lại lúc 07:00 thứ hai, 23/02/2026"),  # Tết follows
    (vn(2026, 2, 17, 9, 0), False, "Hôm nay nghỉ lễ (Tết Nguyên Đán). Mở cửa lại lúc 07:00"),
    (vn(2026, 9, 2, 9, 0), False, "Hôm nay nghỉ lễ (Quốc khánh)"),
    (vn(2026, 2, 7, 9, 0), False, "Mở cửa lại lúc 07:00 thứ hai, 09/02/2026"),  # a Saturday
])
def test_open_now_by_weekday_with_the_holidays_closed(moment, is_open, detail):
    state = open_state(OFFICE_HOURS, moment)
    assert state.is_open is is_open
    assert state.label == ("Đang mở cửa" if is_open else "Đã đóng cửa")
    assert state.detail.startswith(detail)


def test_the_provincial_centre_opens_on_saturday_morning():
    assert open_state(PROVINCE_HOURS, vn(2026, 2, 7, 9, 0)).is_open
    assert not open_state(PROVINCE_HOURS, vn(2026, 2, 7, 11, 0)).is_open


def test_vietnam_time_whatever_the_servers_zone():
    # 02:30 UTC is 09:30 in Vietnam: open; 23:30 UTC on Monday is Tuesday 06:30: closed.
    with frozen_at(datetime(2026, 2, 10, 2, 30, tzinfo=UTC)):
        assert now_vn().hour == 9 and open_state(OFFICE_HOURS, now_vn()).is_open
    with frozen_at(datetime(2026, 2, 9, 23, 30, tzinfo=UTC)):
        state = open_state(OFFICE_HOURS, now_vn())
        assert not state.is_open and state.detail == "Mở cửa lại lúc 07:00 hôm nay"
