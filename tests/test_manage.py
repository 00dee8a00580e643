"""The editing pages as an editor uses them: create, rows, errors, edit, workflow, history."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from catalogue.models import Revision, Service
from portal.extensions import db
from tests.manage_support import TOKEN, form_data, sign_in
from tests.support import service_data

JUSTICE = "tuphap@daklak.gov.vn"


def _token(page) -> str:
    return TOKEN.search(page.get_data(as_text=True)).group(1)


def _errors(page) -> list[str]:
    return re.findall(r'class="field-error"[^>]*>([^<]*)<', page.get_data(as_text=True))


def _service(code: str = "1.001193") -> Service:
    db.session.expire_all()
    return db.session.scalar(select(Service).where(Service.code == code))


def _create(client, **overrides):
    token = _token(client.get("/manage/services/new"))
    return client.post("/manage/services/new", data=form_data(service_data(**overrides), token))


def test_editor_creates_a_draft_recorded_as_their_revision(client, accounts):
    sign_in(client, JUSTICE)
    answer = _create(client)
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/manage/services/1.001193/edit")
    service = _service()
    assert service.status == "draft"
    assert service.steps == service_data()["steps"]
    assert service.documents == service_data()["documents"]
    revision = service.revisions[0]
    assert (revision.action, revision.actor, revision.user_id) == ("create", JUSTICE, accounts["justice"].id)
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Đã tạo bản nháp “Đăng ký khai sinh”" in page


def test_list_shows_own_drafts_with_search_and_status_filter(client, accounts, make_service):
    make_service()
    make_service(code="2.000001", name="Cấp bản sao trích lục hộ tịch", status="published")
    make_service(code="3.000001", name="Đăng ký doanh nghiệp tư nhân", agency="so-ke-hoach-va-dau-tu")
    sign_in(client, JUSTICE)
    page = client.get("/manage/services").get_data(as_text=True)
    assert "Đăng ký khai sinh" in page and "Cấp bản sao trích lục" in page
    assert "Đăng ký doanh nghiệp" not in page  # another agency's service
    drafts = client.get("/manage/services?status=draft").get_data(as_text=True)
    assert "Đăng ký khai sinh" in drafts and "Cấp bản sao" not in drafts
    found = client.get("/manage/services?q=trich luc").get_data(as_text=True)  # no diacritics
    assert "Cấp bản sao trích lục" in found and "Đăng ký khai sinh" not in found


def test_refused_save_shows_vietnamese_errors_beside_fields_and_keeps_what_was_typed(client, accounts):
    sign_in(client, JUSTICE)
    record = service_data(name="", online_url="ftp://khong-hop-le", summary="Tóm tắt tôi đã gõ",
                          documents=[{"name": "Giấy chứng sinh", "copies": 1},
                                     {"name": "Tờ khai", "copies": "nhiều"}])
    token = _token(client.get("/manage/services/new"))
    page = client.post("/manage/services/new", data=form_data(record, token))
    assert page.status_code == 422
    body = page.get_data(as_text=True)
    errors = _errors(page)
    assert any("Tên thủ tục" in e and "không được để trống" in e for e in errors)
    assert any("http:// hoặc https://" in e for e in errors)
    # The copies error sits on the second document's row, right after its input.
    assert re.search(r'id="documents-1-copies"[^>]*value="nhiều"[^>]*>\s*<p class="field-error"', body)
    assert "Tóm tắt tôi đã gõ" in body and 'value="ftp://khong-hop-le"' in body
    assert db.session.scalar(select(func.count()).select_from(Service)) == 0


def test_row_buttons_add_remove_and_move_rows_without_saving(client, accounts):
    sign_in(client, JUSTICE)
    token = _token(client.get("/manage/services/new"))
    data = form_data(service_data(steps=["Một", "Hai", "Ba"]), token)
    del data["save"]
    moved = client.post("/manage/services/new", data={**data, "row": "up:steps:2"})
    body = moved.get_data(as_text=True)
    assert moved.status_code == 200
    order = re.findall(r'id="steps-\d" name="steps-\d" type="text" value="([^"]*)"', body)
    assert order == ["Một", "Ba", "Hai"]
    removed = client.post("/manage/services/new", data={**data, "row": "remove:steps:0"})
    assert re.findall(r'name="steps-\d" type="text" value="([^"]*)"', removed.get_data(as_text=True)) \
        == ["Hai", "Ba"]
    added = client.post("/manage/services/new", data={**data, "row": "add:documents"})
    assert added.get_data(as_text=True).count('name="documents-2-name"') == 1
    down = client.post("/manage/services/new", data={**data, "row": "down:documents:0"})
    names = re.findall(r'name="documents-\d-name" type="text" value="([^"]*)"', down.get_data(as_text=True))
    assert names == ["Giấy chứng sinh", "Tờ khai đăng ký khai sinh"]
    assert db.session.scalar(select(func.count()).select_from(Service)) == 0


def test_error_on_a_step_lands_on_the_row_the_editor_sees(client, accounts):
    sign_in(client, JUSTICE)
    long_step = "x" * 20_001
    page = _create(client, steps=["Bước một", "", long_step])
    assert page.status_code == 422
    body = page.get_data(as_text=True)
    # Blank row 1 is left out for validation, yet the error is shown on row 2 (the long one).
    assert re.search(r'id="steps-2"[^>]*>\s*<p class="field-error"[^>]*>Trình tự thực hiện \(steps\[1\]\)',
                     body)


def test_duplicate_code_is_refused_beside_the_code(client, accounts, make_service):
    make_service()
    sign_in(client, JUSTICE)
    page = _create(client, name="Bản trùng mã")
    assert page.status_code == 422
    assert any("đã được dùng" in e for e in _errors(page))
    assert _service().name == "Đăng ký khai sinh"


def test_edit_records_which_fields_changed_and_history_shows_them(client, accounts, make_service):
    service = make_service()
    sign_in(client, JUSTICE)
    edit = client.get("/manage/services/1.001193/edit")
    record = service_data(fees="50.000 đồng", steps=["Nộp hồ sơ", "Nhận kết quả"])
    answer = client.post("/manage/services/1.001193/edit",
                         data=form_data(record, _token(edit), service.version))
    assert answer.status_code == 302
    latest = _service().revisions[-1]
    assert latest.action == "update" and latest.actor == JUSTICE
    assert latest.changes["fees"] == ["Miễn lệ phí", "50.000 đồng"]
    assert set(latest.changes) == {"fees", "steps"}
    history = client.get("/manage/services/1.001193/history").get_data(as_text=True)
    assert "Miễn lệ phí" in history and "50.000 đồng" in history and "Nộp hồ sơ" in history
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", history)
    assert JUSTICE in history and "Phí, lệ phí" in history


def test_stale_copy_is_refused_with_what_changed_meanwhile(client, accounts, make_service):
    service = make_service()
    old_version = service.version
    sign_in(client, JUSTICE)
    token = _token(client.get("/manage/services/1.001193/edit"))
    first = client.post("/manage/services/1.001193/edit",
                        data=form_data(service_data(fees="Một trăm nghìn đồng"), token, old_version))
    assert first.status_code == 302
    second = client.post("/manage/services/1.001193/edit",
                         data=form_data(service_data(result="Bản của tôi"), token, old_version))
    assert second.status_code == 409
    body = second.get_data(as_text=True)
    assert "đã được sửa trong lúc bạn làm việc" in body
    assert "Một trăm nghìn đồng" in body  # what the other edit changed
    assert "Bản của tôi" in body  # what this editor typed is still in the form
    current = _service()
    assert current.fees == "Một trăm nghìn đồng" and current.result == "Giấy khai sinh"


def test_publish_archive_restore_move_through_the_workflow(client, accounts, make_service):
    make_service(partial_reason="presence")
    sign_in(client, JUSTICE)
    for action, status in (("publish", "published"), ("archive", "archived"), ("restore", "draft")):
        page = client.get("/manage/services/1.001193/edit")
        version = _service().version
        answer = client.post(f"/manage/services/1.001193/{action}",
                             data={"csrf_token": _token(page), "version": version})
        assert answer.status_code == 303
        assert _service().status == status
    actions = [r.action for r in _service().revisions]
    assert actions == ["create", "publish", "archive", "restore"]
    assert _service().published_at is not None


def test_publish_from_a_stale_page_is_refused(client, accounts, make_service):
    service = make_service()
    stale = service.version
    sign_in(client, JUSTICE)
    token = _token(client.get("/manage/services/1.001193/edit"))
    client.post("/manage/services/1.001193/edit", data=form_data(service_data(fees="Khác"), token, stale))
    answer = client.post("/manage/services/1.001193/publish", data={"csrf_token": token, "version": stale})
    assert answer.status_code == 409
    assert "Khác" in answer.get_data(as_text=True)
    assert _service().status == "draft"


def test_an_older_revision_can_be_restored(client, accounts, make_service):
    service = make_service()
    sign_in(client, JUSTICE)
    token = _token(client.get("/manage/services/1.001193/edit"))
    client.post("/manage/services/1.001193/edit",
                data=form_data(service_data(name="Tên đã sửa nhầm"), token, service.version))
    assert _service().name == "Tên đã sửa nhầm"
    history = client.get("/manage/services/1.001193/history")
    assert "Khôi phục nội dung bản số 1" in history.get_data(as_text=True)
    answer = client.post("/manage/services/1.001193/revisions/1/restore",
                         data={"csrf_token": _token(history), "version": _service().version})
    assert answer.status_code == 303
    restored = _service()
    assert restored.name == "Đăng ký khai sinh"
    assert restored.revisions[-1].action == "revert"
    assert restored.revisions[-1].changes["name"] == ["Tên đã sửa nhầm", "Đăng ký khai sinh"]


def test_preview_shows_the_draft_as_the_public_will_see_it(client, accounts, make_service):
    make_service()
    sign_in(client, JUSTICE)
    page = client.get("/manage/services/1.001193/preview").get_data(as_text=True)
    assert "Đăng ký khai sinh" in page and "Sở Tư pháp" in page
    assert "Mức độ 3:" in page and "nộp và xử lý hồ sơ trực tuyến" in page
    assert 'class="service"' in page  # the public page itself, not a look-alike
    assert "Công chức tư pháp - hộ tịch kiểm tra hồ sơ." in page
    assert "Bản nháp" in page


def test_admin_edits_any_agency_and_may_move_a_service(client, accounts, make_service):
    service = make_service()
    sign_in(client, "admin@daklak.gov.vn")
    assert "Đăng ký khai sinh" in client.get("/manage/services").get_data(as_text=True)
    token = _token(client.get("/manage/services/1.001193/edit"))
    answer = client.post("/manage/services/1.001193/edit",
                         data=form_data(service_data(agency="so-ke-hoach-va-dau-tu"), token, service.version))
    assert answer.status_code == 302
    assert _service().agency.code == "so-ke-hoach-va-dau-tu"


def test_changing_the_code_moves_the_edit_page(client, accounts, make_service):
    service = make_service()
    sign_in(client, JUSTICE)
    token = _token(client.get("/manage/services/1.001193/edit"))
    answer = client.post("/manage/services/1.001193/edit",
                         data=form_data(service_data(code="1.001193-moi"), token, service.version))
    assert answer.headers["Location"].endswith("/manage/services/1.001193-moi/edit")
    assert db.session.scalar(select(func.count()).select_from(Revision)) == 2


def test_restoring_a_revision_of_another_agency_is_refused_as_the_edit_form_would(
        client, accounts, make_service):
    """The service began under Sở Kế hoạch và Đầu tư and an admin moved it to Sở Tư pháp:
    the justice editor may not revert it to revision 1, which would hand it to an agency
    the edit form would refuse them."""
    service = make_service(agency="so-ke-hoach-va-dau-tu")
    sign_in(client, "admin@daklak.gov.vn")
    token = _token(client.get("/manage/services/1.001193/edit"))
    client.post("/manage/services/1.001193/edit",
                data=form_data(service_data(agency="so-tu-phap"), token, service.version))
    client.post("/logout", data={"csrf_token": token})
    assert _service().agency.code == "so-tu-phap"
    sign_in(client, JUSTICE)
    history = client.get("/manage/services/1.001193/history")
    answer = client.post("/manage/services/1.001193/revisions/1/restore",
                         data={"csrf_token": _token(history), "version": _service().version})
    assert answer.status_code == 303
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Không thể khôi phục bản số 1: Bạn không được đặt thủ tục vào cơ quan này." in page
    assert _service().agency.code == "so-tu-phap" and _service().revisions[-1].action == "update"


def test_restoring_onto_a_code_now_used_by_another_service_is_a_clear_message(
        client, accounts, make_service):
    service = make_service(code="1.000001")
    sign_in(client, JUSTICE)
    token = _token(client.get("/manage/services/1.000001/edit"))
    client.post("/manage/services/1.000001/edit",
                data=form_data(service_data(code="1.000002"), token, service.version))
    make_service(code="1.000001", name="Thủ tục mới dùng lại mã cũ")
    history = client.get("/manage/services/1.000002/history")
    answer = client.post("/manage/services/1.000002/revisions/1/restore",
                         data={"csrf_token": _token(history), "version": _service("1.000002").version})
    assert answer.status_code == 303
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Không thể khôi phục bản số 1: Mã thủ tục “1.000001” đã được dùng cho thủ tục khác." in page
    assert _service("1.000002").name == "Đăng ký khai sinh"
