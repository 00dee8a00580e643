"""``search-index check``: the index compared with the database, as an operator runs it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sqlalchemy import insert

from catalogue.models import ChangeLog, Service
from catalogue.operations import Actor, change_status, find_service
from portal.extensions import db


def test_check_passes_on_a_fresh_index(runner, make_service):
    make_service(status="published")
    make_service(status="published", code="1.000894", name="Đăng ký kết hôn")
    assert runner.invoke(args=["reindex"]).exit_code == 0
    result = runner.invoke(args=["search-index", "check"])
    assert result.exit_code == 0, result.output
    assert "Chỉ mục có 2 dịch vụ; cơ sở dữ liệu có 2 dịch vụ đã công bố." in result.output
    assert "Chỉ mục khớp với cơ sở dữ liệu." in result.output


def test_check_names_a_service_missing_from_the_index(runner, make_service):
    make_service(status="published")
    assert runner.invoke(args=["reindex"]).exit_code == 0
    # Published behind the index's back: no change-log row, so no sync would find it.
    db.session.execute(insert(Service.__table__).from_select(
        [c.name for c in Service.__table__.columns if c.name != "id"],
        Service.__table__.select().with_only_columns(
            *[(Service.__table__.c.code + "x").label("code") if c.name == "code" else c
              for c in Service.__table__.columns if c.name != "id"])))
    db.session.commit()
    result = runner.invoke(args=["search-index", "check"])
    assert result.exit_code == 1
    assert "Thiếu trong chỉ mục (1): 1.001193x" in result.output
    assert "chạy `reindex`" in result.output


def test_check_reports_withdrawn_services_still_indexed_and_pending_changes(runner, make_service):
    make_service(status="published")
    assert runner.invoke(args=["reindex"]).exit_code == 0
    change_status(db.session, find_service(db.session, "1.001193"), "archived", Actor("test"))
    db.session.commit()
    result = runner.invoke(args=["search-index", "check"])
    assert result.exit_code == 1
    assert "Có trong chỉ mục nhưng không còn công bố (1)" in result.output
    assert "Còn 1 thay đổi chưa đưa vào chỉ mục" in result.output
    assert db.session.query(ChangeLog).count() >= 1


def test_check_fails_without_touching_a_missing_index(app, runner, make_service):
    make_service(status="published")
    index_dir = Path(app.config["SEARCH_INDEX_DIR"])
    assert runner.invoke(args=["reindex"]).exit_code == 0
    shutil.rmtree(os.path.realpath(index_dir))
    result = runner.invoke(args=["search-index", "check"])
    assert result.exit_code == 1
    assert "Không mở được chỉ mục tìm kiếm (missing)" in result.output
    assert not os.path.exists(os.path.realpath(index_dir))  # the check built nothing
