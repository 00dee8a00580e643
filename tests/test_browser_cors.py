"""A web page of another site reads the open data API with fetch(), in real Chromium:
the page is served from another port (another origin) than the portal."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

pytestmark = pytest.mark.browser

OUTSIDE_PAGE = """<!doctype html><html lang="vi"><meta charset="utf-8">
<title>Trang của một hệ thống khác</title><p>Ứng dụng bên ngoài đọc dữ liệu mở.</p></html>""".encode()


class _Outside(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(OUTSIDE_PAGE)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def outside_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Outside)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    server.server_close()


FETCH = """async (url) => {
  try {
    const r = await fetch(url);
    const body = r.headers.get('content-type').includes('json') ? await r.json() : null;
    return {status: r.status, total: body && body.total, next: body && body.links && body.links.next,
            etag: r.headers.get('ETag'), link: r.headers.get('Link')};
  } catch (e) { return {error: String(e)}; }
}"""

REVALIDATE = """async ([url, etag]) => {
  const r = await fetch(url, {headers: {'If-None-Match': etag}, cache: 'no-store'});
  return r.status;
}"""


def test_a_page_of_another_origin_reads_the_api(browser, live_server, outside_site, make_service):
    for i in range(3):
        make_service(status="published", code=f"5.{i}", name=f"Thủ tục {i}")
    assert outside_site.rsplit(":", 1)[1] != live_server.rsplit(":", 1)[1]
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    page.goto(outside_site)
    answer = page.evaluate(FETCH, f"{live_server}/api/v1/services?per_page=2")
    assert answer.get("error") is None, answer
    assert answer["status"] == 200 and answer["total"] == 3
    assert answer["next"].endswith("/api/v1/services?page=2&per_page=2")
    # The validators are exposed to the script too (Access-Control-Expose-Headers).
    assert answer["etag"] and 'rel="next"' in answer["link"]
    # Revalidating from the other site (a preflighted header) gets the 304.
    assert page.evaluate(REVALIDATE, [f"{live_server}/api/v1/services?per_page=2", answer["etag"]]) == 304
    # A page for people is not open to other sites' scripts: the browser refuses it.
    refused = page.evaluate(FETCH, f"{live_server}/services")
    assert "Failed to fetch" in refused.get("error", ""), refused
    context.close()
