"""Helpers shared by the test modules: a valid record to vary, page text, files to import,
screenshots. Test modules import these from here, never from one another."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from catalogue.models import Base
from portal.extensions import db

ARTIFACTS = os.path.join(os.path.dirname(__file__), "artifacts")
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def service_data(**overrides: Any) -> dict[str, Any]:
    """A valid level 3 record (Đăng ký khai sinh), to be varied by each test."""
    data: dict[str, Any] = {
        "code": "1.001193",
        "name": "Đăng ký khai sinh",
        "level": 3,
        "agency": "so-tu-phap",
        "field": "ho-tich",
        "tier": "commune",
        "audience": "citizen",
        "summary": "Đăng ký khai sinh cho trẻ em sinh ra tại Việt Nam.",
        "steps": [
            "Người có yêu cầu nộp hồ sơ tại Bộ phận tiếp nhận và trả kết quả.",
            "Công chức tư pháp - hộ tịch kiểm tra hồ sơ.",
            "Trả Giấy khai sinh cho người có yêu cầu.",
        ],
        "method": "Nộp trực tiếp hoặc trực tuyến.",
        "documents": [
            {"name": "Tờ khai đăng ký khai sinh", "copies": 1},
            {"name": "Giấy chứng sinh", "copies": 1},
        ],
        "processing_days": 1,
        "fees": "Miễn lệ phí",
        "result": "Giấy khai sinh",
        "legal_basis": ["Luật Hộ tịch 60/2014/QH13", "Nghị định 123/2015/NĐ-CP"],
        "requirements": "",
        "forms": [{"title": "Tờ khai đăng ký khai sinh", "url": "https://example.gov.vn/to-khai.doc"}],
        "online_url": "https://dichvucong.daklak.gov.vn/nop-truc-tuyen/1.001193",
    }
    data.update(overrides)
    return data


def empty_database() -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
    # What is kept per database and catalogue stamp (agencies' and fields' names and
    # codes, result cards, journeys, notices): the next test starts the ids and the
    # change log afresh, so its stamps repeat for another catalogue, as no deployment's do.
    from catalogue.life_events import _journeys
    from catalogue.notices import forget_notices
    from catalogue.reference import forget_reference
    from catalogue.search.cards import forget_cards

    forget_reference()
    forget_notices()
    forget_cards()
    _journeys.clear()  # kept per catalogue stamp, which a new test's first changes repeat


def text_of(response: Any) -> str:
    return response.get_data(as_text=True)


def write_json(tmp_path: Any, data: Any, name: str = "catalogue.json") -> Any:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def screenshot(page: Any, name: str) -> str:
    """Save a full-page screenshot under tests/artifacts/ (ignored by git); returns the path."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, f"{name}-{getattr(page, 'device', 'page')}.png")
    page.screenshot(path=path, full_page=True)
    return path


# ---------------------------------------------------------------- a served portal

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    try:
        req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read()


def wait_until_serving(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "gunicorn exited"
        try:
            # Up means answering; the search index may still be missing (503 until built).
            status, body = get(port, "/healthz")
            if status in (200, 503) and b'"database":"ok"' in body.replace(b" ", b""):
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail("gunicorn did not start serving")


def worker_pids(master: int) -> set[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid) for pid in children}


def stop(proc: subprocess.Popen) -> None:
    """A graceful stop (SIGTERM: workers finish their requests), a kill after 30 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


BROWSER_AGENT = ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) "
                 "Chrome/126.0 Mobile Safari/537.36")


def visit(client: Any, path: str, visitor: str = "visitor-0000000001") -> Any:
    """A reader's browser opening a page: a browser's user agent and the visitor cookie
    (portal/view_tally.py counts only such views)."""
    client.set_cookie("pv", visitor)
    return client.get(path, headers={"User-Agent": BROWSER_AGENT})
