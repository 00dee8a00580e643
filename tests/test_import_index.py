"""A large import into an empty catalogue is indexed while it writes (two worker
processes fed with the rows written), and the index swapped in after the commit answers
as a rebuild from the database does; a refused import leaves the index as it was."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

import portal.cli
from tests.support import service_data

NAMES = [
    ("Đăng ký khai sinh", "published"), ("Đăng ký kết hôn", "published"),
    ("Đăng ký khai tử", "draft"), ("Cấp giấy phép lái xe", "published"),
    ("Cấp bản sao trích lục hộ tịch", "archived"), ("Đăng ký thường trú", "published"),
    ("Cấp giấy chứng nhận quyền sử dụng đất", "published"), ("Chứng thực bản sao từ bản chính", "published"),
    ("Đăng ký thành lập hộ kinh doanh", "published"), ("Xác nhận tình trạng hôn nhân", "published"),
]
QUERIES = ["dang ky", "đăng ký khai sinh", "giấy phép", "ket hon", "sổ đỏ", "hộ kinh doanh", "khai tử",
           "trích lục", "bản sao", "xác nhận độc thân"]


def catalogue_file(path: Path, copies: int = 3, bad_at: int | None = None) -> Path:
    services = []
    for k in range(copies):
        for i, (name, status) in enumerate(NAMES):
            record = service_data(code=f"T{k}.{i:04d}", name=name if k == 0 else f"{name} (bản {k})",
                                  status=status, summary=f"Thủ tục {name.lower()}, bản {k}.")
            if status != "draft":
                record["published_at"] = "2024-03-01T08:00:00+07:00"
            services.append(record)
    if bad_at is not None:
        services[bad_at]["level"] = 9
    path.write_text(json.dumps({
        "agencies": [{"code": "so-tu-phap", "name": "Sở Tư pháp", "parent": None}],
        "fields": [{"code": "ho-tich", "name": "Hộ tịch"}],
        "services": services}, ensure_ascii=False), encoding="utf-8")
    return path


def answers(client: Any) -> dict[str, list[str]]:
    found = {}
    for q in QUERIES:
        response = client.get("/api/v1/services", query_string={"q": q, "per_page": 50})
        assert response.status_code == 200
        found[q] = [item["code"] for item in response.get_json()["items"]]
    return found


def generations(app: Any) -> set[str]:
    home = Path(app.config["SEARCH_INDEX_DIR"] + ".generations")
    return set(os.listdir(home)) if home.is_dir() else set()


@pytest.fixture
def alongside(monkeypatch):
    """Every file is large enough to be indexed while it is written."""
    monkeypatch.setattr(portal.cli, "STREAMED_INDEX_FROM_BYTES", 0)


def test_index_built_alongside_answers_as_a_rebuild_does(app, client, runner, tmp_path, alongside):
    built = []
    from catalogue.search.streamed import StreamedBuild

    original = StreamedBuild.finish

    def finish(self, state):  # observed, not replaced
        built.append(self.sent)
        return original(self, state)

    StreamedBuild.finish = finish
    try:
        result = runner.invoke(args=["import", str(catalogue_file(tmp_path / "catalogue.json"))])
    finally:
        StreamedBuild.finish = original
    assert result.exit_code == 0, result.output
    assert built == [24]  # the published services of the file, as they were written

    check = runner.invoke(args=["search-index", "check"])
    assert check.exit_code == 0, check.output
    assert "Chỉ mục có 24 dịch vụ; cơ sở dữ liệu có 24 dịch vụ đã công bố." in check.output

    alongside_answers = answers(client)
    assert alongside_answers["đăng ký khai sinh"][0] == "T0.0000"
    assert not any(code.endswith(".0002") or code.endswith(".0004")  # draft, archived
                   for codes in alongside_answers.values() for code in codes)
    assert runner.invoke(args=["reindex"]).exit_code == 0
    assert answers(client) == alongside_answers


def test_refused_import_leaves_the_index_as_it_was(app, client, runner, tmp_path, alongside):
    assert runner.invoke(args=["reindex"]).exit_code == 0
    before = generations(app)
    link = os.readlink(app.config["SEARCH_INDEX_DIR"])

    result = runner.invoke(args=["import", str(catalogue_file(tmp_path / "bad.json", bad_at=27))])
    assert result.exit_code == 1
    assert "services[27]" in result.output and "không có gì được ghi" in result.output

    assert os.readlink(app.config["SEARCH_INDEX_DIR"]) == link
    assert generations(app) == before  # the half-built one removed
    assert all(codes == [] for codes in answers(client).values())


def test_a_catalogue_not_empty_is_indexed_after_the_commit(app, client, runner, tmp_path, alongside,
                                                           make_service):
    """Services already there are not in the rows written: the index is rebuilt or synced after."""
    make_service(status="published", code="9.000001", name="Cấp phiếu lý lịch tư pháp")
    result = runner.invoke(args=["import", str(catalogue_file(tmp_path / "catalogue.json"))])
    assert result.exit_code == 0, result.output
    found = answers(client)
    assert found["đăng ký khai sinh"][0] == "T0.0000"
    response = client.get("/api/v1/services", query_string={"q": "lý lịch tư pháp"})
    assert [item["code"] for item in response.get_json()["items"]] == ["9.000001"]


def test_index_workers_lost_midway_do_not_stop_the_import(app, client, runner, tmp_path, alongside,
                                                          monkeypatch):
    from catalogue.search.streamed import StreamedBuild

    original = StreamedBuild.add

    def add_then_lose_the_workers(self, rows):  # as if killed, out of memory or of disk
        original(self, rows)
        for worker in self.workers:
            worker.kill()
            worker.join()

    monkeypatch.setattr(StreamedBuild, "add", add_then_lose_the_workers)
    result = runner.invoke(args=["import", str(catalogue_file(tmp_path / "catalogue.json"))])
    assert result.exit_code == 0, result.output
    assert "30 dịch vụ mới" in result.output
    assert answers(client)["đăng ký khai sinh"][0] == "T0.0000"  # indexed from the database
    assert not [g for g in generations(app) if not (Path(app.config["SEARCH_INDEX_DIR"] + ".generations")
                                                     / g / "state.json").exists()]
