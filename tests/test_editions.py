"""Editing a published service (contract, second edition): the change waits in a draft
edition while the public page and the API keep the published text; "Lưu và xuất bản"
puts it live where the agency needs no review, else sends it to a reviewer of the
agency, and nobody approves their own edition."""

from __future__ import annotations

import re

from sqlalchemy import select

from catalogue.models import Agency, Edition, Service
from portal.extensions import db
from tests.manage_support import csrf_of, form_data, sign_in
from tests.support import service_data

CODE = "1.001193"
EDIT = f"/manage/services/{CODE}/edit"


def _service() -> Service:
    db.session.expire_all()
    return db.session.scalar(select(Service).where(Service.code == CODE))


def _public(client) -> str:
    return client.get(f"/services/{CODE}").get_data(as_text=True)


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or \
        re.search(rf'value="([^"]*)"[^>]*name="{name}"', page)
    return match.group(1) if match else ""


def _save(client, fees: str, publish: bool = False):
    page = client.get(EDIT).get_data(as_text=True)
    token = _hidden(page, "csrf_token")
    data = form_data(service_data(fees=fees), token, _hidden(page, "version"))
    data["edition_version"] = _hidden(page, "edition_version")
    if publish:
        data["publish"] = "1"
    return client.post(EDIT, data=data)


def _edition_post(client, action: str):
    page = client.get(EDIT).get_data(as_text=True)
    return client.post(f"/manage/services/{CODE}/edition/{action}", data={
        "csrf_token": _hidden(page, "csrf_token"), "version": _hidden(page, "version"),
        "edition_version": _hidden(page, "edition_version")})


def _require_review(on: bool = True) -> None:
    agency = db.session.scalar(select(Agency).where(Agency.code == "so-tu-phap"))
    agency.requires_review = on
    db.session.commit()


def test_a_saved_change_to_a_published_service_waits_in_a_draft_edition(client, accounts, make_service):
    make_service(status="published")
    sign_in(client, "tuphap@daklak.gov.vn")
    answer = _save(client, "Lệ phí mới 8.000 đồng")
    assert answer.status_code == 302
    assert "Đã lưu bản sửa đổi" in client.get(EDIT).get_data(as_text=True)
    # The public page and the API keep the published text; the editor's form shows the edition.
    anonymous = client.application.test_client()
    assert "Miễn lệ phí" in _public(anonymous) and "8.000 đồng" not in _public(anonymous)
    assert anonymous.get(f"/api/v1/services/{CODE}").get_json()["fees"] == "Miễn lệ phí"
    assert "Lệ phí mới 8.000 đồng" in client.get(EDIT).get_data(as_text=True)
    assert _service().fees == "Miễn lệ phí"
    history = client.get(f"/manage/services/{CODE}/history").get_data(as_text=True)
    assert "Bản nháp" in history and "Lệ phí mới 8.000 đồng" in history
    # "Xuất bản bản sửa đổi": live at once (the agency needs no review), reviewed now.
    assert _edition_post(client, "publish").status_code == 303
    assert _service().fees == "Lệ phí mới 8.000 đồng" and _service().reviewed_at is not None
    assert "Lệ phí mới 8.000 đồng" in _public(anonymous)
    history = client.get(f"/manage/services/{CODE}/history").get_data(as_text=True)
    assert "Đã xuất bản" in history
    assert db.session.scalar(select(Edition.is_open)) is None


def test_save_and_publish_goes_live_at_once_without_review(client, accounts, make_service):
    make_service(status="published")
    sign_in(client, "tuphap@daklak.gov.vn")
    _save(client, "Bản nháp trước")
    assert _save(client, "Xuất bản ngay", publish=True).status_code == 302
    assert _service().fees == "Xuất bản ngay"
    assert "Xuất bản ngay" in _public(client.application.test_client())
    assert db.session.scalars(select(Edition.state)).all() == ["published"]


def test_with_review_the_editor_sends_and_another_reviewer_publishes(client, accounts, reviewers,
                                                                     make_service):
    make_service(status="published")
    _require_review()
    sign_in(client, "tuphap@daklak.gov.vn")
    page = _save(client, "Thu 50.000 đồng", publish=True)
    assert page.status_code == 302
    assert _service().fees == "Miễn lệ phí"
    assert db.session.scalar(select(Edition.state)) == "review"
    # The editor cannot publish it (not a reviewer); the page says who must.
    assert "Chờ một người duyệt khác" in client.get(EDIT).get_data(as_text=True)
    assert _edition_post(client, "publish").status_code == 403
    assert _service().fees == "Miễn lệ phí"
    # A reviewer of another agency may not even open it.
    other = client.application.test_client()
    sign_in(other, "duyet-khdt@daklak.gov.vn")
    assert other.get(EDIT).status_code == 403
    # The reviewer of Sở Tư pháp approves: live now.
    reviewer = client.application.test_client()
    sign_in(reviewer, "duyet@daklak.gov.vn")
    assert "Duyệt và xuất bản" in reviewer.get(EDIT).get_data(as_text=True)
    assert _edition_post(reviewer, "publish").status_code == 303
    assert _service().fees == "Thu 50.000 đồng"
    assert "Thu 50.000 đồng" in _public(client.application.test_client())
    history = reviewer.get(f"/manage/services/{CODE}/history").get_data(as_text=True)
    assert "Duyệt và xuất bản bản sửa đổi" in history and "duyet@daklak.gov.vn" in history
    assert "tuphap@daklak.gov.vn" in history


def test_nobody_approves_their_own_edition(client, accounts, reviewers, make_service):
    make_service(status="published")
    _require_review()
    sign_in(client, "duyet@daklak.gov.vn")
    _save(client, "Do người duyệt soạn", publish=True)
    answer = _edition_post(client, "publish")
    assert answer.status_code == 303
    assert "không thể tự duyệt" in client.get(EDIT).get_data(as_text=True)
    assert _service().fees == "Miễn lệ phí"
    # Nor an admin who saved part of it.
    admin = client.application.test_client()
    sign_in(admin, "admin@daklak.gov.vn")
    _save(admin, "Quản trị sửa thêm", publish=True)
    _edition_post(admin, "publish")
    assert _service().fees == "Miễn lệ phí"
    assert db.session.scalar(select(Edition.state)) == "review"


def test_an_outdated_copy_of_the_edition_is_refused(client, accounts, make_service):
    make_service(status="published")
    sign_in(client, "tuphap@daklak.gov.vn")
    _save(client, "Bản một")
    page = client.get(EDIT).get_data(as_text=True)
    stale = form_data(service_data(fees="Bản cũ đè lên"), _hidden(page, "csrf_token"),
                      _hidden(page, "version"))
    stale["edition_version"] = _hidden(page, "edition_version")
    _save(client, "Bản hai")  # someone saves the edition meanwhile
    answer = client.post(EDIT, data=stale)
    assert answer.status_code == 409 and "đã được sửa trong lúc bạn làm việc" in answer.get_data(as_text=True)
    assert db.session.scalar(select(Edition.content).where(Edition.is_open.is_(True)))["fees"] == "Bản hai"
    # A copy made before any edition existed is refused too, once one exists.
    no_edition = form_data(service_data(fees="Không biết có bản sửa đổi"), _hidden(page, "csrf_token"),
                           _hidden(page, "version"))
    assert client.post(EDIT, data=no_edition).status_code == 409


def test_discarding_the_edition_keeps_the_published_text(client, accounts, make_service):
    make_service(status="published")
    sign_in(client, "tuphap@daklak.gov.vn")
    _save(client, "Sẽ bỏ")
    assert _edition_post(client, "discard").status_code == 303
    assert "Miễn lệ phí" in client.get(EDIT).get_data(as_text=True)
    assert db.session.scalar(select(Edition.state)) == "discarded"


def test_admin_turns_review_on_per_agency_and_it_is_off_by_default(client, accounts, make_service):
    assert db.session.scalar(select(Agency.requires_review).where(Agency.code == "so-tu-phap")) is False
    sign_in(client, "admin@daklak.gov.vn")
    token = csrf_of(client, "/manage/agencies")
    answer = client.post("/manage/agencies/so-tu-phap/review",
                         data={"csrf_token": token, "requires_review": "1"})
    assert answer.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(Agency.requires_review).where(Agency.code == "so-tu-phap")) is True
    assert "cần người duyệt" in client.get("/manage/agencies").get_data(as_text=True)
    assert client.post("/manage/agencies/so-tu-phap/review",
                       data={"csrf_token": token, "requires_review": "x"}).status_code == 400
