"""The portal's public address (issue 12, points 7 and 8): with PUBLIC_BASE_URL set,
absolute URLs never carry a Host header a client chose, unknown hosts get a 400 page in
Vietnamese, and an https address puts the Secure flag on the cookies."""

from __future__ import annotations

import re
from typing import Any

import pytest

PUBLIC = "https://dichvucong.daklak.gov.vn"
EVIL = "http://evil.example"


def _absolute_urls(text: str) -> list[str]:
    return re.findall(r"https?://[^\s<\"']+", text)


def _pages(client: Any, code: str, base_url: str) -> dict[str, str]:
    return {path: client.get(path, base_url=base_url).get_data(as_text=True)
            for path in ("/robots.txt", "/sitemap.xml", f"/services/{code}", "/services",
                         "/api/v1/services", "/")}


def test_without_the_setting_the_host_is_still_taken_from_the_request(client, make_service):
    """What the attack run saw, and what stays so when PUBLIC_BASE_URL is not set."""
    make_service("published")
    assert "Sitemap: http://evil.example/sitemap.xml" in client.get("/robots.txt", base_url=EVIL).text


@pytest.mark.config(PUBLIC_BASE_URL=PUBLIC + "/")
def test_absolute_urls_use_the_public_address_whatever_the_host(client, make_service):
    service = make_service("published")
    pages = _pages(client, service.code, PUBLIC)
    assert f"Sitemap: {PUBLIC}/sitemap.xml" in pages["/robots.txt"]
    assert f"<loc>{PUBLIC}/services/{service.code}</loc>" in pages["/sitemap.xml"]
    page = pages[f"/services/{service.code}"]
    assert f'<link rel="canonical" href="{PUBLIC}/services/{service.code}">' in page
    assert f'"url":"{PUBLIC}/services/{service.code}"' in pages["/api/v1/services"].replace(" ", "")
    for path, text in pages.items():
        assert not [u for u in _absolute_urls(text) if "localhost" in u or "evil" in u], path


@pytest.mark.config(PUBLIC_BASE_URL=PUBLIC, ALLOWED_HOSTS="10.0.0.5, portal.internal")
@pytest.mark.parametrize("path", ["/robots.txt", "/sitemap.xml", "/services", "/api/v1/services",
                                  "/healthz", "/login", "/khong-co"])
def test_an_unknown_host_gets_a_400(client, make_service, path):
    for host in ("evil.example", "evil.example:443", "dichvucong.daklak.gov.vn.evil.example"):
        answer = client.get(path, headers={"Host": host})
        assert answer.status_code == 400, (host, answer.status_code)
        assert "evil" not in answer.get_data(as_text=True)
        if path.startswith("/api/"):
            assert answer.get_json()["error"]["code"] == "bad_request"
        else:
            assert "Yêu cầu không hợp lệ" in answer.get_data(as_text=True)
    # The public host and the listed ones (a load balancer's probe) are served.
    assert client.get("/robots.txt", base_url=PUBLIC).status_code == 200
    assert client.get("/robots.txt", headers={"Host": "10.0.0.5:8000"}).text.endswith(
        f"Sitemap: {PUBLIC}/sitemap.xml\n")
    assert client.get("/robots.txt", headers={"Host": "portal.internal"}).status_code == 200


def _session_cookie_header(client: Any, base_url: str) -> str:
    response = client.get("/login", base_url=base_url)  # the CSRF token starts a session
    cookies = [v for v in response.headers.getlist("Set-Cookie") if v.startswith("session=")]
    assert cookies
    return cookies[0]


@pytest.mark.config(PUBLIC_BASE_URL=PUBLIC)
def test_an_https_public_address_makes_the_cookies_secure(app, client):
    assert "; Secure" in _session_cookie_header(client, PUBLIC)
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


@pytest.mark.config(PUBLIC_BASE_URL="http://dichvucong.daklak.gov.vn")
def test_a_plain_http_address_keeps_them_usable_over_http(app, client):
    assert "Secure" not in _session_cookie_header(client, "http://dichvucong.daklak.gov.vn")


@pytest.mark.config(SESSION_COOKIE_SECURE="1")
def test_secure_cookies_can_be_turned_on_without_a_public_address(app, client):
    assert "; Secure" in _session_cookie_header(client, "https://localhost")
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_a_bad_public_address_is_refused_at_start(app_config):
    from portal import create_app

    with pytest.raises(ValueError, match="PUBLIC_BASE_URL"):
        create_app({**app_config, "PUBLIC_BASE_URL": "dichvucong.daklak.gov.vn/portal"})


@pytest.mark.parametrize("host", ["a" * 300, "a" * 64 + ".vn", "a..b", "exa mple.vn", "evil.example:99999",
                                  "evil.example:0", "[::1", "ví-dụ.vn"])
@pytest.mark.parametrize("path", ["/", "/api/v1/services", "/login"])
def test_a_malformed_host_is_a_400_even_without_the_setting(client, path, host):
    answer = client.get(path, headers={"Host": host})
    assert answer.status_code == 400, answer.status_code
    if not path.startswith("/api/"):
        assert "Yêu cầu không hợp lệ" in answer.get_data(as_text=True)


@pytest.mark.parametrize("root", ["", "/dichvucong"])
def test_result_cards_link_each_service_where_the_router_would(app, make_service, root):
    """The cards' links skip the router (portal.public.views.service_url): they must be
    the router's, under a mount point too."""
    from flask import url_for

    from portal.public.views import service_url

    for code in ("1.001193", "BX.000001", "gp-00_a"):
        with app.test_request_context(f"{root}/services", base_url=f"http://localhost{root}"):
            assert service_url(code) == url_for("public.service", code=code)
    make_service(status="published")
    page = app.test_client().get("/services?q=khai+sinh", base_url=f"http://localhost{root}")
    assert f'href="{root}/services/1.001193"' in page.get_data(as_text=True)
