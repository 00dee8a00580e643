"""Fuzzing every route with hypothesis, as the attack run did (issue 12): any method, a
mangled path, hostile headers and bodies, on every public page, the API and the editing
pages as a stranger reaches them. Whatever comes in, the answer is never a 5xx and never
a traceback. Bounded (a few hundred requests, no deadline): the file runs in well under a
minute on either database.
"""

from __future__ import annotations

import re
import string
from typing import Any
from urllib.parse import quote, unquote_to_bytes

from hypothesis import event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from catalogue.models import Service
from portal.extensions import db
from tests.test_fuzz import FUZZ, assert_no_server_error, query_strings

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "FOO"]
ARGUMENTS = st.one_of(
    st.sampled_from(["1.001193", "2.000635", "1", "0", "-1", "99999999999999999999", "", ".", "..",
                     "%2e%2e", "a" * 300, "%00", "đ", "publish", "restore", "theo-co-quan.csv",
                     "tat-ca.xlsx", "x.pdf", "..%2f..%2fetc%2fpasswd", "%c0%ae", "<script>"]),
    st.text(max_size=30).map(lambda s: quote(s, safe="")),
)
PATH_NOISE = st.sampled_from(["", "/", "//", "/.", "/..", "/%2f", "/%00", "/;x", "/x", "/index.php",
                              "/../..", "/%ZZ", "/\u0111", "/~", "?", "#frag", "/%"])
HEADER_VALUES = st.one_of(
    st.sampled_from(["", "*", "\u00e9", "gzip;q=abc", "bytes=0-0,-1", "bytes=99999999999-",
                     '"x"', 'W/"x", *', "Thu, 01 Jan 1970 00:00:00 GMT", "30 Feb 2026",
                     "text/html;q=2, application/json;q=-1", "vi-VN,vi;q=x,en;q=0.5",
                     "application/json", "multipart/form-data; boundary=", "text/plain; charset=bogus",
                     "session=not-a-signed-cookie", "session=eyJfZnJlc2giOmZhbHNlfQ.invalid.sig",
                     "remember_token=1|" + "a" * 128, "203.0.113.7, , ::1, not-an-ip",
                     "Basic !!!", "a" * 4000]),
    st.text(alphabet=string.printable.replace("\n", "").replace("\r", ""), max_size=60),
)
HEADER_NAMES = ["Host", "Accept", "Accept-Language", "Accept-Encoding", "If-None-Match", "If-Modified-Since",
                "If-Match", "Range", "Cookie", "Content-Type", "X-Forwarded-For", "X-Forwarded-Proto",
                "X-Forwarded-Host", "Referer", "User-Agent", "Authorization", "Origin", "X-CSRFToken"]
BODIES = st.one_of(
    st.none(),
    st.binary(max_size=200),
    st.dictionaries(st.sampled_from(["email", "password", "csrf_token", "next", "code", "name", "level",
                                     "publish", "version", "useful", "q"]) | st.text(max_size=8),
                    st.text(max_size=40), max_size=6),
    st.sampled_from([b"{", b'{"code": "1.001193"}', b"\x00" * 50, b"--x\r\nContent-Disposition: form-data"]),
)


def all_routes(app: Any) -> list[Any]:
    """Every route but the static files: pages, the API, downloads, the editing pages."""
    return sorted((rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"),
                  key=lambda rule: rule.rule)


def send(client: Any, method: str, path: str, **kwargs: Any) -> Any:
    """Open ``path`` as a server would receive it: the test client would read a path that
    starts with ``//`` as a host name, so such a path is handed over as PATH_INFO."""
    if path.startswith("//"):
        raw = unquote_to_bytes(path.partition("?")[0].partition("#")[0]).decode("latin-1")
        return client.open("/", method=method, environ_overrides={"PATH_INFO": raw}, **kwargs)
    return client.open(path, method=method, **kwargs)


def _prepare(client: Any, make_service: Any) -> None:
    if not db.session.scalar(select(func.count()).select_from(Service)):
        make_service(status="published")
        make_service(code="2.000635", name="Đăng ký kết hôn", level=2, online_url=None,
                     status="published")
        client.get("/services?q=khai+sinh")  # a serving portal has its search index built


def _path(rule: Any, data: st.DataObject) -> str:
    parts = {name: data.draw(ARGUMENTS, label=name) or "x" for name in rule.arguments}
    path = re.sub(r"<(?:[^:<>]+:)?([^<>(]+)(?:\([^)]*\))?>", lambda m: parts[m.group(1)], rule.rule)
    if data.draw(st.integers(0, 4), label="mangle") == 0:  # mostly the route itself
        path += data.draw(PATH_NOISE, label="noise")
    return path


@settings(FUZZ, max_examples=200)
@given(data=st.data())
def test_any_method_path_headers_and_body_on_every_route_never_give_5xx(client, make_service, data):
    _prepare(client, make_service)
    rule = data.draw(st.sampled_from(all_routes(client.application)), label="rule")
    path = _path(rule, data)
    own = sorted(rule.methods - {"OPTIONS"})
    method = data.draw(st.sampled_from(own * 3 + METHODS), label="method")
    headers = data.draw(st.dictionaries(st.sampled_from(HEADER_NAMES), HEADER_VALUES, max_size=4),
                        label="headers")
    body = data.draw(BODIES, label="body") if method not in ("GET", "HEAD") else None
    query = data.draw(query_strings, label="query")
    response = send(client, method, path, query_string=query, headers=headers, data=body)
    event(f"{method} {rule.rule} -> {response.status_code}")
    assert_no_server_error(response, f"{method} {path}?{query} {headers}")


raw_paths = st.lists(
    st.one_of(st.text(max_size=12).map(lambda s: quote(s, safe="")),
              st.sampled_from(["services", "api", "v1", "agencies", "statistics", "download", "manage",
                               "files", "static", "..", ".", "%2e", "%252e", "", "1.001193",
                               "sitemap.xml", "robots.txt", "healthz", "login"])),
    min_size=1, max_size=6,
).map(lambda parts: "/" + "/".join(parts))


@settings(FUZZ, max_examples=120)
@given(path=raw_paths, method=st.sampled_from(METHODS), query=query_strings)
def test_made_up_paths_never_give_5xx(client, make_service, path, method, query):
    _prepare(client, make_service)
    response = send(client, method, path, query_string=query)
    assert_no_server_error(response, f"{method} {path}?{query}")
