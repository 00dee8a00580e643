"""Signing in and out, throttling, `next`, own password, and the admin's account pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from catalogue.accounts import verify_password
from catalogue.models import User
from catalogue.throttle import MAX_PER_ADDRESS, MAX_PER_PAIR, LoginThrottle, counters
from portal import create_app
from portal.extensions import db
from tests.manage_support import PASSWORD, TOKEN, csrf_of, sign_in

EDITOR = "tuphap@daklak.gov.vn"


def _user(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def test_editor_signs_in_and_lands_on_their_services(client, accounts):
    answer = sign_in(client, EDITOR)
    assert answer.status_code == 302 and answer.headers["Location"] == "/manage/services"
    page = client.get("/manage/services").get_data(as_text=True)
    assert "Sở Tư pháp" in page and "Đăng xuất" in page


def test_wrong_password_is_refused_in_vietnamese(client, accounts):
    answer = sign_in(client, EDITOR, "sai-mat-khau-roi")
    assert answer.status_code == 401
    assert "Email hoặc mật khẩu không đúng" in answer.get_data(as_text=True)
    assert client.get("/manage/services").status_code == 302


def test_email_is_matched_whatever_its_case(client, accounts):
    assert sign_in(client, "  TuPhap@DakLak.gov.vn ").status_code == 302


@pytest.mark.parametrize(("target", "lands"), [
    ("/manage/services/1.001193/edit", "/manage/services/1.001193/edit"),
    ("/manage/services?status=draft", "/manage/services?status=draft"),
    ("https://evil.example/phish", "/manage/services"),
    ("//evil.example/phish", "/manage/services"),
    ("/\\evil.example", "/manage/services"),
    ("javascript:alert(1)", "/manage/services"),
    ("http:/evil.example", "/manage/services"),
])
def test_next_is_followed_only_within_the_site(client, accounts, target, lands):
    token = TOKEN.search(client.get("/login", query_string={"next": target}).get_data(as_text=True)).group(1)
    answer = client.post("/login", data={"email": EDITOR, "password": PASSWORD, "next": target,
                                         "csrf_token": token})
    assert answer.headers["Location"] == lands


def test_a_protected_page_sends_to_sign_in_and_back(client, accounts):
    answer = client.get("/manage/services?status=draft")
    assert answer.headers["Location"] == "/login?next=/manage/services?status%3Ddraft"
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Vui lòng đăng nhập để tiếp tục." in page
    assert 'value="/manage/services?status=draft"' in page


def test_repeated_failures_lock_the_account_at_that_address_for_every_process(client, accounts, app_config):
    for _ in range(MAX_PER_PAIR):
        assert sign_in(client, EDITOR, "doan-mo-mat-khau").status_code == 401
    locked = sign_in(client, EDITOR)  # even the right password now waits
    assert locked.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in locked.get_data(as_text=True)
    # Another worker process (another app on the same database) sees the same count.
    other = create_app(app_config)
    with other.app_context():
        other_client = other.test_client()
        token = csrf_of(other_client)
        again = other_client.post("/login", data={"email": EDITOR, "password": PASSWORD, "csrf_token": token})
        assert again.status_code == 429
        db.session.remove()
        db.engine.dispose()
    # Other accounts are not locked out by someone guessing this one.
    assert sign_in(client, "khdt@daklak.gov.vn").status_code == 302


def test_success_clears_the_account_failures(client, accounts):
    for _ in range(MAX_PER_PAIR - 1):
        sign_in(client, EDITOR, "sai-mat-khau-roi")
    assert sign_in(client, EDITOR).status_code == 302
    keys = set(db.session.scalars(select(LoginThrottle.key)))
    assert counters(EDITOR, "127.0.0.1")[0][0] not in keys


def test_logout_is_a_post_with_csrf(client, accounts):
    sign_in(client, EDITOR)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/manage/services").status_code == 200
    token = csrf_of(client, "/manage/services")
    answer = client.post("/logout", data={"csrf_token": token})
    assert answer.status_code == 302
    assert client.get("/manage/services").status_code == 302


def test_user_changes_own_password(client, accounts):
    sign_in(client, EDITOR)
    token = csrf_of(client, "/account/password")
    wrong = client.post("/account/password", data={"current": "khong-phai", "new": "mat-khau-moi-2024",
                                                   "confirm": "mat-khau-moi-2024", "csrf_token": token})
    assert wrong.status_code == 400 and "Mật khẩu hiện tại không đúng." in wrong.get_data(as_text=True)
    short = client.post("/account/password", data={"current": PASSWORD, "new": "ngan", "confirm": "ngan",
                                                   "csrf_token": token})
    assert "ít nhất 10 ký tự" in short.get_data(as_text=True)
    mismatch = client.post("/account/password", data={"current": PASSWORD, "new": "mat-khau-moi-2024",
                                                      "confirm": "mat-khau-khac-2024", "csrf_token": token})
    assert "không khớp" in mismatch.get_data(as_text=True)
    assert verify_password(_user(EDITOR), PASSWORD)
    done = client.post("/account/password", data={"current": PASSWORD, "new": "mat-khau-moi-2024",
                                                  "confirm": "mat-khau-moi-2024", "csrf_token": token})
    assert done.status_code == 302
    user = _user(EDITOR)
    assert verify_password(user, "mat-khau-moi-2024") and user.password_hash.startswith("scrypt:")


def test_create_user_on_the_command_line_then_sign_in(app, runner, catalogue_refs):
    result = runner.invoke(args=["create-user", "moi@daklak.gov.vn", "--role", "editor",
                                 "--agency", "so-tu-phap", "--password-stdin"],
                           input="mot-mat-khau-dai\n")
    assert result.exit_code == 0, result.output
    client = app.test_client()
    assert sign_in(client, "moi@daklak.gov.vn", "mot-mat-khau-dai").status_code == 302


def test_admin_creates_disables_reenables_and_resets_accounts(client, accounts):
    sign_in(client, "admin@daklak.gov.vn")
    token = csrf_of(client, "/manage/users")
    bad = client.post("/manage/users", data={"email": "moi@daklak.gov.vn", "role": "editor", "agency": "",
                                             "password": "mot-mat-khau-dai", "csrf_token": token})
    assert bad.status_code == 422 and "phải thuộc một cơ quan" in bad.get_data(as_text=True)
    made = client.post("/manage/users", data={"email": "moi@daklak.gov.vn", "role": "editor",
                                              "agency": "so-tu-phap", "password": "mot-mat-khau-dai",
                                              "csrf_token": token})
    assert made.status_code == 303
    new = _user("moi@daklak.gov.vn")
    assert (new.role, new.agency.code) == ("editor", "so-tu-phap")
    assert new.password_hash.startswith("scrypt:")

    # The new editor is signed in elsewhere; disabling ends that session and blocks signing in.
    elsewhere = client.application.test_client()
    assert sign_in(elsewhere, "moi@daklak.gov.vn", "mot-mat-khau-dai").status_code == 302
    assert client.post(f"/manage/users/{new.id}/disable", data={"csrf_token": token}).status_code == 303
    assert _user("moi@daklak.gov.vn").active is False
    assert elsewhere.get("/manage/services").status_code == 302
    assert sign_in(elsewhere, "moi@daklak.gov.vn", "mot-mat-khau-dai").status_code == 401

    assert client.post(f"/manage/users/{new.id}/enable", data={"csrf_token": token}).status_code == 303
    reset = client.post(f"/manage/users/{new.id}/password",
                        data={"password": "mat-khau-dat-lai", "csrf_token": token})
    assert reset.status_code == 303
    fresh = client.application.test_client()
    assert sign_in(fresh, "moi@daklak.gov.vn", "mot-mat-khau-dai").status_code == 401
    assert sign_in(fresh, "moi@daklak.gov.vn", "mat-khau-dat-lai").status_code == 302
    listing = client.get("/manage/users").get_data(as_text=True)
    assert "moi@daklak.gov.vn" in listing and "Đang hoạt động" in listing


def test_admin_cannot_disable_themselves(client, accounts):
    sign_in(client, "admin@daklak.gov.vn")
    token = csrf_of(client, "/manage/users")
    me = accounts["admin"].id
    assert client.post(f"/manage/users/{me}/disable", data={"csrf_token": token}).status_code == 403
    assert _user("admin@daklak.gov.vn").active is True
    assert db.session.scalar(select(func.count()).select_from(User)) == 3


def test_a_password_change_ends_the_other_sessions_but_not_this_one(app, accounts):
    phone, desktop = app.test_client(), app.test_client()
    sign_in(phone, EDITOR)
    sign_in(desktop, EDITOR)
    assert phone.get("/manage/services").status_code == 200
    token = csrf_of(desktop, "/account/password")
    done = desktop.post("/account/password", data={"current": PASSWORD, "new": "mat-khau-moi-2024",
                                                    "confirm": "mat-khau-moi-2024", "csrf_token": token})
    assert done.status_code == 302
    assert desktop.get("/manage/services").status_code == 200
    stale = phone.get("/manage/services")
    assert stale.status_code in (302, 401) and "/login" in stale.headers.get("Location", "/login")


def test_disabling_an_account_ends_its_sessions_for_good(app, accounts):
    """Re-enabling an account lets its owner sign in again, not the sessions it had."""
    editor, admin = app.test_client(), app.test_client()
    sign_in(editor, EDITOR)
    assert editor.get("/manage/services").status_code == 200
    sign_in(admin, "admin@daklak.gov.vn")
    token = csrf_of(admin, "/manage/users")
    user_id = accounts["justice"].id
    assert admin.post(f"/manage/users/{user_id}/disable", data={"csrf_token": token}).status_code == 303
    assert editor.get("/manage/services").status_code == 302
    assert admin.post(f"/manage/users/{user_id}/enable", data={"csrf_token": token}).status_code == 303

    stale = editor.get("/manage/services")
    assert stale.status_code == 302 and stale.headers["Location"].startswith("/login")
    fresh = app.test_client()
    assert sign_in(fresh, EDITOR).status_code == 302
    assert fresh.get("/manage/services").status_code == 200
    assert sign_in(editor, EDITOR).status_code == 302  # the old browser may sign in anew
    assert editor.get("/manage/services").status_code == 200


def _attempt_from(client, address: str, email: str):
    token = csrf_of(client)
    return client.post("/login", data={"email": email, "password": "sai-mat-khau-roi", "csrf_token": token},
                       headers={"X-Forwarded-For": address})


@pytest.mark.parametrize("proxies", ["1", "0"])
def test_address_throttle_reads_the_forwarded_address_only_behind_trusted_proxies(
        app, app_config, monkeypatch, proxies):
    monkeypatch.setenv("TRUSTED_PROXIES", proxies)
    behind = create_app(app_config)
    with behind.app_context():
        client = behind.test_client()
        for i in range(MAX_PER_ADDRESS):
            assert _attempt_from(client, "203.0.113.7", f"khach{i}@example.vn").status_code == 401
        same = _attempt_from(client, "203.0.113.7", "khac@example.vn").status_code
        # A client may send its own header; the proxy appends the address it saw.
        spoofed = _attempt_from(client, "198.51.100.1, 203.0.113.7", "khac@example.vn").status_code
        other = _attempt_from(client, "198.51.100.9", "khac@example.vn").status_code
        db.session.remove()
        db.engine.dispose()
    assert (same, spoofed) == (429, 429)
    # Behind one trusted proxy each visitor has a count of their own; with none, the
    # header is the client's word and changes nothing.
    assert other == (401 if proxies == "1" else 429)


def test_a_malformed_trusted_proxies_setting_stops_the_start(app_config, monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "yes")
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        create_app(app_config)
