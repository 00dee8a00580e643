"""The command line of the contract, as an operator runs it."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalogue.accounts import find_user, verify_password
from catalogue.models import Service, User
from catalogue.operations import Actor, Lookups, update_service
from catalogue.uploads import store_upload, url_of
from catalogue.validation import validate_service
from portal.extensions import db
from tests.manage_support import TOKEN, form_data, sign_in
from tests.support import service_data

DEMO = Path(__file__).resolve().parent.parent / "catalogue" / "demo" / "daklak.json.gz"


def catalogue_file(tmp_path, *services):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({
        "agencies": [{"code": "so-tu-phap", "name": "Sở Tư pháp", "parent": None}],
        "fields": [{"code": "ho-tich", "name": "Hộ tịch"}],
        "services": list(services),
    }, ensure_ascii=False), encoding="utf-8")
    return path


def test_import_reports_every_bad_row_and_exits_1(runner, tmp_path):
    path = catalogue_file(tmp_path, service_data(), service_data(code="b", name=""),
                          service_data(code="c", level=0))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert "2 lỗi, không có gì được ghi" in result.output
    assert "services[1] (mã b): Tên thủ tục (name): không được để trống." in result.output
    assert "services[2] (mã c): Mức độ (level)" in result.output
    assert "Traceback" not in result.output
    assert db.session.scalar(select(func.count()).select_from(Service)) == 0


def test_import_then_export(runner, tmp_path):
    result = runner.invoke(args=["import", str(catalogue_file(tmp_path, service_data()))])
    assert result.exit_code == 0, result.output
    assert "1 dịch vụ mới" in result.output
    out = tmp_path / "out.csv"
    result = runner.invoke(args=["export", str(out)])
    assert result.exit_code == 0 and "Đã xuất 1 dịch vụ" in result.output
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith("code,name,level,agency")


def test_import_of_a_missing_file_is_a_message(runner, tmp_path):
    result = runner.invoke(args=["import", str(tmp_path / "khong-co.json")])
    assert result.exit_code == 1
    assert "Không đọc được tệp" in result.output


def test_create_user_hashes_the_password(runner, catalogue_refs):
    result = runner.invoke(args=["create-user", "BienTap@SoTuPhap.vn", "--role", "editor",
                                 "--agency", "so-tu-phap", "--password-stdin"],
                           input="mat-khau-dai-du\n")
    assert result.exit_code == 0, result.output
    user = find_user(db.session, "bientap@sotuphap.vn")
    assert user.agency.code == "so-tu-phap"
    assert "mat-khau-dai-du" not in user.password_hash
    assert user.password_hash.startswith("scrypt:")
    assert verify_password(user, "mat-khau-dai-du")


@pytest.mark.parametrize(("args", "message"), [
    (["x@y.vn", "--role", "editor"], "phải thuộc một cơ quan"),
    (["x@y.vn", "--role", "editor", "--agency", "khong-co"], "Không có cơ quan mã"),
    (["khong-phai-email", "--role", "admin"], "email không hợp lệ"),
])
def test_create_user_refusals(runner, catalogue_refs, args, message):
    result = runner.invoke(args=["create-user", *args, "--password-stdin"], input="mat-khau-dai-du\n")
    assert result.exit_code == 1 and message in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_short_password_is_refused(runner):
    result = runner.invoke(args=["create-user", "a@b.vn", "--role", "admin", "--password-stdin"],
                           input="ngan\n")
    assert result.exit_code == 1 and "ít nhất 10 ký tự" in result.output


@pytest.mark.slow
def test_demo_catalogue_loads_once_with_its_history(runner, client):
    result = runner.invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output
    # July 2011, Decree 43: the province's reported figure, by level.
    july = client.get("/api/v1/statistics?as_of=2011-07-07").get_json()
    assert (july["scheme"], july["online_total"]) == ("decree-43-2011", 661)
    assert july["by_level"] == {"1": 30, "2": 420, "3": 235, "4": 6}
    assert july["by_tier"]["district"] > 0
    # 2023, Decree 42: counted by kind.
    mid = client.get("/api/v1/statistics?as_of=2023-06-30").get_json()
    assert mid["scheme"] == "decree-42-2022"
    assert mid["online_total"] == mid["by_online_kind"]["full"] + mid["by_online_kind"]["partial"]
    # Today, Decree 224: two tiers, every partial service with its reason.
    today = client.get("/api/v1/statistics").get_json()
    assert today["scheme"] == "decree-224-2026" and today["by_tier"]["district"] == 0
    assert client.get("/api/v1/statistics?as_of=2025-07-01").get_json()["by_tier"]["district"] == 0
    assert client.get("/api/v1/statistics?as_of=2025-06-30").get_json()["by_tier"]["district"] > 0
    partial = db.session.scalars(select(Service).where(Service.status == "published",
                                                       Service.online_kind == "partial")).all()
    assert partial and all(s.partial_reason for s in partial)
    statuses = dict(db.session.execute(select(Service.status, func.count()).group_by(Service.status)).all())
    assert statuses["draft"] > 0 and statuses["archived"] > 0
    total = sum(statuses.values())
    again = runner.invoke(args=["load-demo"])
    assert again.exit_code == 0 and "không nạp" in again.output
    assert db.session.scalar(select(func.count()).select_from(Service)) == total


@pytest.mark.slow
def test_the_demo_file_imports_as_a_plain_catalogue(runner):
    """`import` reads the demo file as today's catalogue (the histories are load-demo's)."""
    from importlib import resources

    demo = resources.files("catalogue") / "demo" / "daklak.json.gz"
    with resources.as_file(demo) as path:
        result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Service)) > 1000


def test_console_script_and_flask_cli_share_commands(tmp_path):
    """`portal init-db` twice on a fresh database: the schema is created once, nothing breaks."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
           "PORTAL_INSTANCE": str(tmp_path / "instance")}
    script = Path(sys.executable).parent / "portal"
    for _ in range(2):
        done = subprocess.run([str(script), "init-db"], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert "phiên bản mới nhất" in done.stdout
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "portal", "export",
                           str(tmp_path / "empty.json")], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "empty.json").read_text())["services"] == []
    assert (tmp_path / "instance" / "secret_key").exists()


def _age(path: Path, hours: float) -> None:
    stamp = path.stat().st_mtime - hours * 3600
    os.utime(path, (stamp, stamp))


def test_prune_uploads_removes_only_old_files_nothing_refers_to(app, runner, client, accounts,
                                                                make_service):
    """Files of saves never completed go; files of the catalogue or of any revision stay
    (restoring a revision brings its forms back), and so do fresh ones."""
    folder = Path(app.config["UPLOAD_DIR"])
    pdf = b"%PDF-1.4\n%%EOF\n"

    def upload(name: str) -> Path:
        return folder / store_upload(folder, name, io.BytesIO(pdf))

    current, earlier, fresh = upload("to-khai.pdf"), upload("to-khai-cu.pdf"), upload("moi.pdf")
    service = make_service(forms=[{"title": "Tờ khai cũ", "url": url_of(earlier.name)}])
    lookups = Lookups.load(db.session)
    clean = validate_service(service_data(forms=[{"title": "Tờ khai", "url": url_of(current.name)}]),
                             agency_codes=lookups.agencies, field_codes=lookups.fields)
    update_service(db.session, service, clean, Actor("test"), expected_version=service.version)
    db.session.commit()

    # An editor uploads a form with a record that is refused, and never saves it.
    sign_in(client, "tuphap@daklak.gov.vn")
    token = TOKEN.search(client.get("/manage/services/new").get_data(as_text=True)).group(1)
    data = form_data(service_data(code="2.000001", name="", forms=[]), token)
    data.update({"forms-0-title": "", "forms-0-url": "", "forms-0-file": (io.BytesIO(pdf), "bo-do.pdf")})
    refused = client.post("/manage/services/new", data=data, content_type="multipart/form-data")
    assert refused.status_code == 422
    abandoned = next(folder.glob("bo-do-*.pdf"))
    notes = folder / "ghi-chu.txt"  # not a name the portal gives: never touched
    notes.write_text("của quản trị viên")

    for path in (current, earlier, abandoned, notes):
        _age(path, 48)
    _age(fresh, 2)
    result = runner.invoke(args=["prune-uploads"])
    assert result.exit_code == 0, result.output
    assert f"Đã xóa {abandoned.name}" in result.output
    assert "Đã xóa 1 tệp" in result.output
    assert not abandoned.exists()
    assert current.exists() and earlier.exists() and fresh.exists() and notes.exists()

    result = runner.invoke(args=["prune-uploads", "--older-than-hours", "1"])
    assert result.exit_code == 0, result.output
    assert f"Đã xóa {fresh.name}" in result.output and not fresh.exists()
    assert current.exists() and earlier.exists()
    again = runner.invoke(args=["prune-uploads", "--older-than-hours", "1"])
    assert again.exit_code == 0 and "Không có tệp" in again.output
