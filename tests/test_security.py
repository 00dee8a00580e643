"""Every /manage/ route tried as a stranger, as the wrong agency, without CSRF, from a stale
copy and with hostile input: each gets a 4xx or a clear message, and the data is unchanged."""

from __future__ import annotations

import pathlib
import re
import time
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.test import encode_multipart

from catalogue.models import Revision, Service, User
from catalogue.operations import record_of
from portal.extensions import db
from tests.manage_support import csrf_of, form_data, sign_in
from tests.support import service_data

CODE = "1.001193"
TEMPLATES = pathlib.Path(__file__).resolve().parent.parent / "templates"

# Every route of the manage blueprint, with a way to call it. {code} and {user} are filled in.
GETS = [
    "/manage/", "/manage/services", "/manage/services/new", "/manage/services/{code}/edit",
    "/manage/services/{code}/preview", "/manage/services/{code}/history", "/manage/users",
    "/manage/users/{user}/password", "/manage/agencies", "/manage/review", "/manage/links",
    "/manage/feedback", "/manage/notices", "/manage/calendar",
]
POSTS = [
    "/manage/services/new", "/manage/services/{code}/edit", "/manage/services/{code}/publish",
    "/manage/services/{code}/archive", "/manage/services/{code}/restore",
    "/manage/services/{code}/unpublish", "/manage/services/{code}/revisions/1/restore",
    "/manage/users", "/manage/users/{user}/disable", "/manage/users/{user}/enable",
    "/manage/users/{user}/password", "/manage/services/{code}/edition/publish",
    "/manage/services/{code}/edition/discard", "/manage/services/{code}/reviewed",
    "/manage/agencies/{agency}/review", "/manage/notices", "/manage/calendar",
    "/manage/calendar/1/delete",
]
# What a foreign editor may legitimately reach: their own lists and the creation form.
OPEN_TO_EDITORS = {"/manage/", "/manage/services", "/manage/services/new", "/manage/review",
                   "/manage/links", "/manage/feedback"}
# Only admins: accounts, each agency's review rule, the downtime notices.
ADMIN_ONLY = {"/manage/users", "/manage/users/{user}/password", "/manage/agencies", "/manage/notices",
              "/manage/users/{user}/disable", "/manage/users/{user}/enable",
              "/manage/agencies/{agency}/review", "/manage/calendar", "/manage/calendar/1/delete"}
FOREIGN = ["khdt@daklak.gov.vn", "duyet-khdt@daklak.gov.vn"]


def state() -> dict[str, Any]:
    """Everything an attack could change: services, revisions, accounts."""
    db.session.expire_all()
    return {
        "services": [(record_of(s), s.status, s.version) for s in db.session.scalars(select(Service))],
        "revisions": db.session.scalar(select(func.count()).select_from(Revision)),
        "users": [(u.email, u.active, u.password_hash, u.role) for u in
                  db.session.scalars(select(User).order_by(User.id))],
    }


def _payload(token: str | None, version: int) -> dict[str, Any]:
    data = form_data(service_data(name="Đã bị sửa trộm", agency="so-tu-phap"), token, version)
    data.update({"email": "moi@daklak.gov.vn", "role": "admin", "password": "mot-mat-khau-dai"})
    return data


@pytest.fixture
def target(accounts, reviewers, make_service):
    service = make_service()
    return {"code": service.code, "user": accounts["justice"].id, "version": service.version}


def _url(pattern: str, target: dict[str, Any]) -> str:
    return pattern.format(code=target["code"], user=target["user"], agency="so-tu-phap")


def test_the_route_table_covers_every_manage_route(app):
    """A new /manage/ route must be added to the tables above, so it is tried too."""
    adapter = app.url_map.bind("localhost")
    covered = set()
    for method, patterns in (("GET", GETS), ("POST", POSTS)):
        for pattern in patterns:
            endpoint, _ = adapter.match(pattern.format(code=CODE, user=1, agency="x"), method=method)
            covered.add((endpoint, method))
    every = {(r.endpoint, m) for r in app.url_map.iter_rules() if r.endpoint.startswith("manage.")
             for m in r.methods - {"HEAD", "OPTIONS"}}
    assert every == covered


# Each test below walks the whole route table and reports every route that let it through.

def test_anonymous_get_is_sent_to_sign_in(client, target):
    wrong = []
    for pattern in GETS:
        answer = client.get(_url(pattern, target))
        if answer.status_code != 302 or not answer.headers["Location"].startswith("/login?next="):
            wrong.append((pattern, answer.status_code))
    assert wrong == []


def test_anonymous_post_is_refused(client, target):
    before = state()
    wrong = []
    for pattern in POSTS:
        answer = client.post(_url(pattern, target), data=_payload(csrf_of(client), target["version"]))
        if answer.status_code != 401 or "Vui lòng đăng nhập" not in answer.get_data(as_text=True):
            wrong.append((pattern, answer.status_code))
    assert wrong == []
    assert state() == before


@pytest.mark.parametrize("email", FOREIGN)
def test_other_agency_editor_cannot_read(client, target, email):
    sign_in(client, email)
    wrong = []
    for pattern in GETS:
        answer = client.get(_url(pattern, target))
        leaked = "Đăng ký khai sinh" in answer.get_data(as_text=True)
        expected = 302 if pattern == "/manage/" else 200 if pattern in OPEN_TO_EDITORS else 403
        if answer.status_code != expected or leaked:
            wrong.append((pattern, answer.status_code, leaked))
    assert wrong == []


@pytest.mark.parametrize("email", FOREIGN)
def test_other_agency_editor_does_not_see_the_draft_in_lists(client, target, email):
    sign_in(client, email)
    for url in ("/manage/services", "/manage/services?q=khai+sinh", "/manage/services?agency=so-tu-phap",
                "/manage/review", "/manage/links", "/manage/feedback", "/manage/review?agency=so-tu-phap"):
        assert "Đăng ký khai sinh" not in client.get(url).get_data(as_text=True)


@pytest.mark.parametrize("email", FOREIGN)
def test_other_agency_editor_cannot_change(client, target, email):
    sign_in(client, email)
    before = state()
    token = csrf_of(client, "/manage/services/new")
    wrong = []
    for pattern in POSTS:
        data = _payload(token, target["version"])
        if pattern == "/manage/services/new":
            data["code"] = "9.999"  # a new service given to another agency
        answer = client.post(_url(pattern, target), data=data)
        if answer.status_code != 403:
            wrong.append((pattern, answer.status_code))
    assert wrong == []
    assert state() == before


def test_post_without_csrf_token_is_refused(client, target):
    sign_in(client, "admin@daklak.gov.vn")
    before = state()
    wrong = []
    for pattern in POSTS:
        answer = client.post(_url(pattern, target), data=_payload(None, target["version"]))
        if answer.status_code != 400 or "biểu mẫu không hợp lệ" not in answer.get_data(as_text=True):
            wrong.append((pattern, answer.status_code))
    assert wrong == []
    assert state() == before


def test_stale_version_is_refused_with_a_conflict(client, target):
    sign_in(client, "tuphap@daklak.gov.vn")
    token = csrf_of(client, "/manage/services")
    stale = target["version"]
    client.post(f"/manage/services/{CODE}/edit", data=form_data(service_data(fees="Sửa trước"), token, stale))
    before = state()
    wrong = []
    for pattern in [p for p in POSTS if "{code}" in p]:
        answer = client.post(_url(pattern, target), data=_payload(token, stale))
        body = answer.get_data(as_text=True)
        if answer.status_code != 409 or "đã được sửa trong lúc bạn làm việc" not in body \
                or "Sửa trước" not in body:
            wrong.append((pattern, answer.status_code))
    assert wrong == []
    assert state() == before


def test_missing_or_forged_version_is_a_bad_request(client, target):
    sign_in(client, "tuphap@daklak.gov.vn")
    token = csrf_of(client, "/manage/services")
    before = state()
    for version in ("", "abc", "-1", "9" * 30):
        data = form_data(service_data(fees="Không lưu"), token)
        data["version"] = version
        assert client.post(f"/manage/services/{CODE}/edit", data=data).status_code in (400, 409)
        answer = client.post(f"/manage/services/{CODE}/publish",
                             data={"csrf_token": token, "version": version})
        assert answer.status_code in (400, 409)
    assert state() == before


def test_editor_cannot_give_a_service_to_another_agency_by_form_field(client, target):
    sign_in(client, "tuphap@daklak.gov.vn")
    token = csrf_of(client, "/manage/services")
    before = state()
    moved = form_data(service_data(agency="so-ke-hoach-va-dau-tu"), token, target["version"])
    assert client.post(f"/manage/services/{CODE}/edit", data=moved).status_code == 403
    new = form_data(service_data(code="5.5", agency="so-ke-hoach-va-dau-tu"), token)
    assert client.post("/manage/services/new", data=new).status_code == 403
    assert state() == before


@pytest.mark.parametrize("email", ["tuphap@daklak.gov.vn", "duyet@daklak.gov.vn"])
def test_own_agency_editor_and_reviewer_reach_no_admin_route(client, target, email):
    sign_in(client, email)
    before = state()
    token = csrf_of(client, "/manage/services")
    wrong = []
    for pattern in sorted(ADMIN_ONLY):
        url = _url(pattern, target)
        answers = [client.get(url)] if pattern in GETS else []
        if pattern in POSTS:
            answers.append(client.post(url, data=_payload(token, target["version"])))
        wrong += [(pattern, a.status_code) for a in answers if a.status_code != 403]
    assert wrong == []
    assert state() == before


def test_editor_cannot_reach_account_pages(client, target):
    sign_in(client, "tuphap@daklak.gov.vn")
    before = state()
    token = csrf_of(client, "/manage/services")
    assert client.get("/manage/users").status_code == 403
    disable = client.post(f"/manage/users/{target['user']}/disable", data={"csrf_token": token})
    assert disable.status_code == 403
    assert client.post("/manage/users", data=_payload(token, 1)).status_code == 403
    assert state() == before


def test_script_tags_are_stored_as_text_and_shown_escaped(client, target):
    sign_in(client, "tuphap@daklak.gov.vn")
    token = csrf_of(client, "/manage/services")
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    record = service_data(name=hostile, steps=[hostile])
    answer = client.post(f"/manage/services/{CODE}/edit", data=form_data(record, token, target["version"]))
    assert answer.status_code == 302
    for url in (f"/manage/services/{CODE}/edit", f"/manage/services/{CODE}/preview",
                f"/manage/services/{CODE}/history", "/manage/services"):
        body = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body
        assert "&lt;script&gt;" in body


@pytest.mark.parametrize("field", ["name", "steps-0", "forms-0-url"])
def test_a_one_megabyte_field_is_refused_and_changes_nothing(client, target, field):
    sign_in(client, "tuphap@daklak.gov.vn")
    token = csrf_of(client, "/manage/services")
    before = state()
    data = form_data(service_data(), token, target["version"])
    data[field] = "x" * (1024 * 1024)
    answer = client.post(f"/manage/services/{CODE}/edit", data=data)
    assert answer.status_code in (413, 422)
    body = answer.get_data(as_text=True)
    assert ("vượt quá giới hạn" in body) or ("dài quá" in body) or ("phải là" in body)
    assert state() == before


VIETNAMESE = "Người có yêu cầu nộp hồ sơ tại Bộ phận tiếp nhận và trả kết quả. "


def _text_of(size: int) -> str:
    return (VIETNAMESE * (size // len(VIETNAMESE.encode()) + 1)).encode()[:size].decode(errors="ignore")


def _post_multipart(client, url: str, data: dict[str, Any]):
    """As a browser posts the service form (enctype multipart), encoded in memory: the test
    client would spool a large body to a temporary file it never closes."""
    boundary, body = encode_multipart(data)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_a_form_with_more_text_than_any_record_needs_is_refused_before_it_is_read(client, target):
    sign_in(client, "tuphap@daklak.gov.vn")
    token = csrf_of(client, "/manage/services")
    before = state()
    data = form_data(service_data(), token, target["version"])
    data["summary"] = _text_of(1024 * 1024)
    answer = client.post(f"/manage/services/{CODE}/edit", data=data)
    assert answer.status_code == 413
    body = answer.get_data(as_text=True)
    assert "Nội dung gửi lên vượt quá giới hạn" in body and "tệp tải lên" in body
    # Spread over several fields, each small enough alone, as a browser posts the form.
    data = form_data(service_data(), token, target["version"])
    for i in range(5):
        data[f"steps-{i}"] = _text_of(300 * 1024)
    answer = _post_multipart(client, f"/manage/services/{CODE}/edit", data)
    assert answer.status_code == 413 and "Nội dung gửi lên vượt quá giới hạn" in answer.get_data(as_text=True)
    # Signing in reads a form too, before anyone is known.
    login = client.post("/login", data={"email": "x@daklak.gov.vn", "password": "p" * (2 * 1024 * 1024)})
    assert login.status_code == 413
    assert state() == before


def test_a_long_field_under_the_limit_still_gets_its_own_message(client, target):
    sign_in(client, "tuphap@daklak.gov.vn")
    token = csrf_of(client, "/manage/services")
    data = form_data(service_data(), token, target["version"])
    data["summary"] = "Đ" * 20_001
    answer = _post_multipart(client, f"/manage/services/{CODE}/edit", data)
    assert answer.status_code == 422 and "dài quá 20.000 ký tự" in answer.get_data(as_text=True)


def test_a_field_of_stacked_accent_marks_is_answered_at_once(client, target):
    """Unicode normalisation reorders a run of combining marks by insertion sort: 120,000
    marks in alternating order used to hold a worker for about 12 seconds."""
    sign_in(client, "tuphap@daklak.gov.vn")
    token = csrf_of(client, "/manage/services")
    before = state()
    data = form_data(service_data(), token, target["version"])
    data["summary"] = "Đăng ký a" + "\u0301\u0323" * 60_000
    started = time.perf_counter()
    answer = client.post(f"/manage/services/{CODE}/edit", data=data)
    assert time.perf_counter() - started < 3
    assert answer.status_code == 422 and "dài quá 20.000 ký tự" in answer.get_data(as_text=True)
    assert state() == before


def test_security_headers_on_every_kind_of_response(client, target):
    sign_in(client, "tuphap@daklak.gov.vn")
    for url in ("/", "/login", "/manage/services", f"/manage/services/{CODE}/edit", "/no-such-page",
                "/static/portal.css", "/files/nothing-0000000000000000.pdf"):
        answer = client.get(url)
        csp = answer.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["X-Frame-Options"] == "DENY"
        answer.close()


def test_session_cookie_is_httponly_and_samesite(client, accounts):
    answer = sign_in(client, "tuphap@daklak.gov.vn")
    cookies = answer.headers.getlist("Set-Cookie")
    session = [c for c in cookies if c.startswith("session=")]
    assert session and "HttpOnly" in session[0] and "SameSite=Lax" in session[0]


def test_no_template_has_inline_script_or_style():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        # A JSON-LD data block is data, never run: the only script without src allowed.
        if re.search(r"<script(?![^>]*\b(?:src=|type=\"application/ld\+json\"))[^>]*>", text) \
                or re.search(r"<style|\sstyle=", text) \
                or re.search(r"\son[a-z]+=", text):
            offenders.append(path.name)
    assert offenders == []
