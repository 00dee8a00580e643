"""`check-links` against a local HTTP server (never the network): a good link, a broken
one (404), a slow one (timeout), redirects that end well and badly. It reports exactly the
broken ones, per agency, exits 1, and editors see them beside the entry and in a report."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from catalogue.links import LinkCheck
from portal.extensions import db
from tests.manage_support import sign_in

ROUTES = {"/good.pdf": 200, "/missing.pdf": 404, "/gone": 410}


class Handler(BaseHTTPRequestHandler):
    active: dict[str, int] = {}
    peak = 0
    lock = threading.Lock()

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        with Handler.lock:
            Handler.active["now"] = Handler.active.get("now", 0) + 1
            Handler.peak = max(Handler.peak, Handler.active["now"])
        try:
            if self.path == "/slow":
                time.sleep(3)
            if self.path.startswith("/redirect-to"):
                self.send_response(302)
                self.send_header("Location", self.path.removeprefix("/redirect-to"))
                self.end_headers()
                return
            status = ROUTES.get(self.path, 200 if self.path == "/slow" else 404)
            self.send_response(status)
            self.send_header("Content-Type", "application/pdf")
            self.end_headers()
            self.wfile.write(b"%PDF-1.4\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with Handler.lock:
                Handler.active["now"] -= 1

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Handler.peak = 0
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_check_links_reports_exactly_the_broken_links(runner, accounts, make_service, site, client):
    make_service(status="published", forms=[
        {"title": "Tờ khai", "url": f"{site}/good.pdf"},
        {"title": "Mẫu cũ", "url": f"{site}/missing.pdf"},
        {"title": "Mẫu chuyển", "url": f"{site}/redirect-to/good.pdf"},
    ], online_url=f"{site}/slow")
    make_service(code="2.000001", name="Thành lập doanh nghiệp", agency="so-ke-hoach-va-dau-tu",
                 field="thanh-lap-doanh-nghiep", status="published",
                 forms=[{"title": "Giấy đề nghị", "url": f"{site}/redirect-to/gone"}],
                 online_url=f"{site}/good.pdf")
    result = runner.invoke(args=["check-links", "--timeout", "1", "--delay", "0.01", "--per-host", "2"])
    assert result.exit_code == 1, result.output
    broken = {line.split()[1] for line in result.output.splitlines() if line.startswith("  ")}
    assert broken == {f"{site}/missing.pdf", f"{site}/slow", f"{site}/redirect-to/gone"}
    assert "so-tu-phap: 2 liên kết hỏng" in result.output
    assert "so-ke-hoach-va-dau-tu: 1 liên kết hỏng" in result.output
    assert Handler.peak <= 2  # polite: never more than --per-host at once to one host
    rows = db.session.scalars(select(LinkCheck).where(LinkCheck.ok.is_(False))).all()
    assert {r.url for r in rows} == broken
    # Editors see "liên kết hỏng" beside their entry and in their agency's report.
    sign_in(client, "tuphap@daklak.gov.vn")
    listing = client.get("/manage/services").get_data(as_text=True)
    assert "liên kết hỏng" in listing
    report = client.get("/manage/links").get_data(as_text=True)
    assert f"{site}/missing.pdf" in report and "máy chủ trả lời lỗi 404" in report
    assert f"{site}/redirect-to/gone" not in report  # another agency's
    assert "quá thời gian chờ" in report


def test_check_links_for_one_agency_and_all_good_exits_0(runner, accounts, make_service, site):
    make_service(status="published", forms=[{"title": "Tờ khai", "url": f"{site}/good.pdf"}],
                 online_url=f"{site}/redirect-to/good.pdf")
    make_service(code="2.000001", name="Thành lập doanh nghiệp", agency="so-ke-hoach-va-dau-tu",
                 field="thanh-lap-doanh-nghiep", status="published",
                 forms=[{"title": "Giấy đề nghị", "url": f"{site}/missing.pdf"}],
                 online_url=f"{site}/good.pdf")
    result = runner.invoke(args=["check-links", "--agency", "so-tu-phap", "--timeout", "2"])
    assert result.exit_code == 0, result.output
    assert "0 liên kết hỏng" in result.output
    unknown = runner.invoke(args=["check-links", "--agency", "khong-co"])
    assert unknown.exit_code == 1 and "Không có cơ quan" in unknown.output
