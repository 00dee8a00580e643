"""Publication in time: a service scheduled with a future effective_from is invisible on
every surface (page, API, search, agency and home counts, statistics) until its day, then
visible at 00:00 Vietnam time by itself, on every gunicorn worker, without a restart or a
write; abolished_on withdraws it the same way. The clock is the catalogue's own
(CATALOGUE_CLOCK_FILE), shared by the test and the served processes. Also: the online_kind
filter and facet, and the classification history on the service page."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from catalogue.clock import CLOCK_FILE_ENV, today_vn
from catalogue.models import Service
from catalogue.operations import Actor, Lookups, content_of, update_service
from portal.extensions import db
from tests.support import free_port, get, service_data, stop, text_of, wait_until_serving, write_json

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
REFS = {
    "agencies": [{"code": "so-tu-phap", "name": "Sở Tư pháp", "parent": None}],
    "fields": [{"code": "ho-tich", "name": "Hộ tịch"}],
}


@pytest.fixture
def clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Set the catalogue's clock: clock("2027-01-14T23:59:59+07:00")."""
    path = tmp_path / "clock.txt"
    monkeypatch.setenv(CLOCK_FILE_ENV, str(path))

    def set_to(instant: str) -> None:
        path.write_text(instant, encoding="utf-8")

    set_to.path = path  # type: ignore[attr-defined]
    return set_to


def _import(tmp_path: Path, services: list[dict[str, Any]]) -> None:
    from catalogue.file_formats import read_catalogue
    from catalogue.transfer import import_catalogue

    import_catalogue(db.session, read_catalogue(write_json(tmp_path, {**REFS, "services": services})),
                     Actor("import"))
    db.session.commit()


def _scheduled(tmp_path: Path) -> None:
    _import(tmp_path, [
        service_data(code="NEW.1", name="Cấp giấy phép bay thử nghiệm", level=4,
                     online_kind="full", status="published",
                     published_at="2027-01-10T08:00:00+07:00", effective_from="2027-01-15"),
        service_data(code="OLD.1", name="Cấp giấy phép khai thác cũ", level=4,
                     online_kind="full", status="published",
                     published_at="2020-01-10T08:00:00+07:00", abolished_on="2027-01-15"),
    ])


def _visible(client: Any) -> dict[str, bool]:
    found = {}
    for code, word in (("NEW.1", "bay"), ("OLD.1", "khai+thac")):
        page = client.get(f"/services/{code}").status_code == 200
        api = client.get(f"/api/v1/services/{code}").status_code == 200
        listed = f'href="/services/{code}"' in text_of(client.get(f"/services?q={word}"))
        searched = code in [i["code"] for i in client.get(f"/api/v1/services?q={word}").get_json()["items"]]
        suggested = bool(client.get(f"/api/v1/suggest?q={word}").get_json()["suggestions"])
        agency = f'/services/{code}"' in text_of(client.get("/agencies/so-tu-phap"))
        views = {page, api, listed, searched, suggested, agency}
        assert len(views) == 1, (code, page, api, listed, searched, suggested, agency)
        found[code] = views.pop()
    return found


def test_a_scheduled_service_appears_and_an_abolished_one_goes_at_midnight(
        client: Any, app: Any, tmp_path: Path, clock: Any) -> None:
    clock("2027-01-14T23:59:59+07:00")
    _scheduled(tmp_path)
    assert today_vn() == date(2027, 1, 14)
    assert _visible(client) == {"NEW.1": False, "OLD.1": True}
    stats = client.get("/api/v1/statistics").get_json()
    assert (stats["as_of"], stats["by_online_kind"]["full"]) == ("2027-01-14", 1)
    clock("2027-01-15T00:00:00+07:00")  # nothing written: only the clock moves
    assert _visible(client) == {"NEW.1": True, "OLD.1": False}
    stats = client.get("/api/v1/statistics").get_json()
    assert (stats["as_of"], stats["by_online_kind"]["full"]) == ("2027-01-15", 1)
    assert client.get("/api/v1/statistics?as_of=2027-01-14").get_json()["online_total"] == 1
    # The counts of each day follow the schedule, whatever the clock says now.
    kinds = client.get("/api/v1/statistics?as_of=2027-01-15").get_json()["by_online_kind"]
    assert kinds["full"] == 1


def test_scheduled_services_count_nowhere_before_their_day(client: Any, app: Any,
                                                         tmp_path: Path, clock: Any) -> None:
    clock("2027-01-14T12:00:00+07:00")
    _scheduled(tmp_path)
    home = text_of(client.get("/"))
    assert re.search(r"<strong>1</strong> dịch vụ công trực tuyến", home)
    listing = client.get("/api/v1/services").get_json()
    assert [i["code"] for i in listing["items"]] == ["OLD.1"]


# ---------------------------------------------------------------- on every gunicorn worker

def test_every_gunicorn_worker_shows_the_scheduled_service_at_its_moment(
        app: Any, tmp_path: Path, clock: Any) -> None:
    clock("2027-01-14T23:59:58+07:00")
    _scheduled(tmp_path)
    from catalogue.search import rebuild_index

    rebuild_index(db.session)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "PORTAL_INSTANCE": str(tmp_path / "instance"), "WEB_CONCURRENCY": "3",
           "PORT": str(port), "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
           "PYTHONWARNINGS": "ignore", CLOCK_FILE_ENV: str(clock.path)}
    with (tmp_path / "gunicorn.log").open("w") as err:
        proc = subprocess.Popen([str(GUNICORN), "portal:create_app()", "-c", "gunicorn.conf.py"],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_until_serving(port, proc)
        paths = ("/services/NEW.1", "/api/v1/services/NEW.1", "/api/v1/services?q=bay")
        # Many requests, so that every worker answers (and caches) some of them.
        before = [get(port, p) for _ in range(12) for p in paths]
        assert {s for s, _ in before[0::3]} == {404}
        assert {json.loads(b)["total"] for _, b in before[2::3]} == {0}
        clock("2027-01-15T00:00:00+07:00")
        after = [get(port, p) for _ in range(12) for p in paths]
        assert {s for s, _ in after[0::3]} == {200} and {s for s, _ in after[1::3]} == {200}
        assert {json.loads(b)["total"] for _, b in after[2::3]} == {1}
        assert proc.poll() is None  # no restart
    finally:
        stop(proc)


# ---------------------------------------------------------------- filters and classification

def test_online_kind_filters_and_facets(client: Any, make_service: Any) -> None:
    make_service(status="published", code="K.1", name="Thủ tục toàn trình", level=4,
                 online_kind="full")
    make_service(status="published", code="K.2", name="Thủ tục một phần", level=3,
                 online_kind="partial", partial_reason="presence")
    body = client.get("/api/v1/services?online_kind=full").get_json()
    assert [i["code"] for i in body["items"]] == ["K.1"]
    assert client.get("/api/v1/services").get_json()["facets"]["online_kind"] == {
        "full": 1, "partial": 1}
    page = text_of(client.get("/services?online_kind=partial"))
    assert 'href="/services/K.2"' in page and 'href="/services/K.1"' not in page
    assert "Hình thức trực tuyến" in page
    bad = client.get("/api/v1/services?online_kind=toan-trinh")
    assert bad.status_code == 400 and "online_kind" in bad.get_json()["error"]["message"]


def test_service_page_shows_todays_classification_and_its_history(client: Any, app: Any,
                                                                 tmp_path: Path) -> None:
    _import(tmp_path, [service_data(code="H.1", level=3, status="published",
                                    published_at="2011-03-15T08:00:00+07:00")])
    service = db.session.scalar(select(Service))
    record = {**content_of(service), "level": 4, "online_kind": "full"}
    update_service(db.session, service, record, Actor("review"), expected_version=None,
                   lookups=Lookups.load(db.session),
                   effective_at=datetime(2026, 6, 30, 17, tzinfo=UTC))
    db.session.commit()
    html = text_of(client.get("/services/H.1"))
    assert "Mức độ 3 từ 03/2011; một phần từ 08/2022; toàn trình từ 07/2026" in html
    assert "<strong>Toàn trình</strong> (theo Nghị định 224/2026/NĐ-CP)" in html
