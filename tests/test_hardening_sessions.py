"""Signing out ends the session on the server: a copied cookie no longer signs anyone in."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.manage_support import csrf_of, sign_in

EDITOR = "tuphap@daklak.gov.vn"


def _session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_a_cookie_copied_before_logout_is_refused_after_it(app, client, accounts):
    sign_in(client, EDITOR)
    assert client.get("/manage/services").status_code == 200
    copied = _session_cookie(client)
    answer = client.post("/logout", data={"csrf_token": csrf_of(client, "/manage/services")})
    assert answer.status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied)
    replay = thief.get("/manage/services")
    assert replay.status_code == 302
    assert "/login" in replay.headers["Location"]


def test_logout_ends_the_other_sessions_of_the_account_too(app, client, accounts):
    """The chosen design: logging out bumps the account's session epoch (sign out everywhere)."""
    other = app.test_client()
    sign_in(other, EDITOR)
    sign_in(client, EDITOR)
    client.post("/logout", data={"csrf_token": csrf_of(client, "/manage/services")})
    assert other.get("/manage/services").status_code == 302
    sign_in(client, EDITOR)  # signing in again works at once
    assert client.get("/manage/services").status_code == 200
