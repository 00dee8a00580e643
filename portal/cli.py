"""Command line of the portal: ``flask --app portal ...`` or the ``portal`` script.

Each command owns its transaction: it commits once at the end, or rolls back and exits
with status 1 and a message, never a traceback.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import Engine, func, select

from catalogue.accounts import AccountError, create_user
from catalogue.file_formats import ImportFileError, read_catalogue
from catalogue.models import Role, Service
from catalogue.operations import Actor
from catalogue.replay import replay_catalogue
from catalogue.transfer import export_catalogue, import_catalogue

from .extensions import db
from .formatting import number_vi

DEMO_FILE = "daklak.json.gz"


def refresh_planner_statistics(engine: Engine) -> None:
    """ANALYZE after a bulk write. SQLite keeps no statistics of its own: without them
    it counted "most viewed" by walking every published service instead of the few
    viewed ones (17 ms instead of a fraction of one at 100,000 services). PostgreSQL's
    autovacuum keeps its own."""
    if engine.dialect.name != "sqlite":
        return
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the schema to the newest migration (safe to run again)."""
    from flask_migrate import upgrade

    upgrade(directory=current_app.extensions["migrate"].directory)
    click.echo("Cơ sở dữ liệu đã ở phiên bản mới nhất.")


def _import_file(path: Path, actor: Actor) -> None:
    try:
        catalogue = read_catalogue(path, current_app.config["IMPORT_MAX_BYTES"])
        report = import_catalogue(db.session, catalogue, actor)
    except ImportFileError as exc:
        db.session.rollback()
        click.echo(f"Không nhập tệp {path}: {len(exc.problems)} lỗi, không có gì được ghi.",
                   err=True)
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(1)
    db.session.commit()
    refresh_planner_statistics(db.engine)
    click.echo(
        f"Đã nhập {path.name}: {report.created} dịch vụ mới, {report.updated} cập nhật, "
        f"{report.unchanged} không đổi; {report.agencies} cơ quan, {report.fields} lĩnh vực."
    )


@click.command("load-demo")
@with_appcontext
def load_demo_command() -> None:
    """Load the demo catalogue of Đắk Lắk, 2010 to today, with each service's dated history
    (catalogue.replay); does nothing if services exist."""
    count = db.session.scalar(select(func.count()).select_from(Service))
    if count:
        click.echo(f"Đã có {count} dịch vụ trong cơ sở dữ liệu: không nạp dữ liệu mẫu.")
        return
    demo = resources.files("catalogue") / "demo" / DEMO_FILE
    with resources.as_file(demo) as path:
        try:
            catalogue = read_catalogue(Path(path), current_app.config["IMPORT_MAX_BYTES"])
            report = replay_catalogue(db.session, catalogue, Actor("load-demo"))
        except ImportFileError as exc:
            db.session.rollback()
            click.echo(f"Không nạp được dữ liệu mẫu: {len(exc.problems)} lỗi.", err=True)
            for problem in exc.problems:
                click.echo(f"  - {problem}", err=True)
            sys.exit(1)
    db.session.commit()
    refresh_planner_statistics(db.engine)
    click.echo(f"Đã nạp dữ liệu mẫu: {report.services} dịch vụ, {report.revisions} lần thay đổi "
               "có ghi ngày.")


@click.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def import_command(path: Path) -> None:
    """Import a catalogue file (.json or .csv): all rows or none."""
    _import_file(path, Actor(f"import {path.name}"))


@click.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_command(path: Path) -> None:
    """Write the whole catalogue (.json or .csv)."""
    try:
        count = export_catalogue(db.session, path)
    except ImportFileError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"Không ghi được {path}: {exc.strerror}.")
    click.echo(f"Đã xuất {count} dịch vụ vào {path}.")


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--agency", "agency_code", help="Mã cơ quan (bắt buộc với editor).")
@click.option("--password-stdin", is_flag=True, help="Đọc mật khẩu từ dòng đầu của stdin.")
@with_appcontext
def create_user_command(email: str, role: str, agency_code: str | None,
                        password_stdin: bool) -> None:
    """Create an account; the password is read from the prompt or standard input."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Mật khẩu", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(db.session, email, password, role, agency_code)
    except AccountError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(f"Đã tạo tài khoản {user.email} ({user.role}).")


@click.command("reindex")
@click.option("--procs", type=click.IntRange(1, 64), default=None,
              help="Số tiến trình lập chỉ mục (mặc định: số lõi CPU).")
@with_appcontext
def reindex_command(procs: int | None) -> None:
    """Rebuild the search index from the database into a new directory, swapped in atomically."""
    import time

    from catalogue.search import IndexUnavailable, rebuild_index

    started = time.perf_counter()
    try:
        count = rebuild_index(db.session, index_dir=current_app.config["SEARCH_INDEX_DIR"], procs=procs)
    except (IndexUnavailable, OSError) as exc:
        _fail(f"Không lập được chỉ mục tìm kiếm: {exc}")
    refresh_planner_statistics(db.engine)
    click.echo(f"Đã lập chỉ mục tìm kiếm cho {count} dịch vụ đã công bố "
               f"trong {time.perf_counter() - started:.1f} giây.")


@click.group("search-index")
def search_index_group() -> None:
    """Look after the search index (rebuild it with ``reindex``)."""


@search_index_group.command("check")
@with_appcontext
def search_index_check_command() -> None:
    """Compare the search index with the database; exit 1 if they differ in anything."""
    from catalogue.search import check_index

    found = check_index(db.engine, current_app.config["SEARCH_INDEX_DIR"])
    db.session.rollback()
    if found.status != "ok":
        _fail(f"Không mở được chỉ mục tìm kiếm ({found.status}): chạy `reindex` để dựng lại.")
    click.echo(f"Chỉ mục có {number_vi(found.indexed)} dịch vụ; cơ sở dữ liệu có "
               f"{number_vi(found.published)} dịch vụ đã công bố.")
    if found.missing:
        click.echo(f"Thiếu trong chỉ mục ({len(found.missing)}): {', '.join(found.missing[:50])}"
                   + (" ..." if len(found.missing) > 50 else ""))
    if found.extra:
        click.echo(f"Có trong chỉ mục nhưng không còn công bố ({len(found.extra)}): mã nội bộ "
                   + ", ".join(map(str, found.extra[:50])) + (" ..." if len(found.extra) > 50 else ""))
    if found.pending:
        click.echo(f"Còn {number_vi(found.pending)} thay đổi chưa đưa vào chỉ mục "
                   "(sẽ được cập nhật ở lần tìm kiếm sau).")
    if not found.ok:
        _fail("Chỉ mục khác với cơ sở dữ liệu: chạy `reindex` để dựng lại.")
    click.echo("Chỉ mục khớp với cơ sở dữ liệu.")


def _size(count: int) -> str:
    """Vietnamese number style: 1.234,5 KB."""
    if count < 1024:
        return f"{count} byte"
    unit, scale = ("KB", 1024) if count < 1024 * 1024 else ("MB", 1024 * 1024)
    return f"{number_vi(count / scale, 1)} {unit}"


@click.command("prune-uploads")
@click.option("--older-than-hours", type=click.FloatRange(min=0), default=24.0, show_default=True,
              help="Chỉ xóa tệp tải lên từ quá số giờ này (tệp mới có thể còn trên trang đang sửa).")
@with_appcontext
def prune_uploads_command(older_than_hours: float) -> None:
    """Delete uploaded files that no service or revision refers to (saves never completed)."""
    from datetime import timedelta

    from catalogue.uploads import prune_uploads

    report = prune_uploads(db.session, current_app.config["UPLOAD_DIR"],
                           timedelta(hours=older_than_hours))
    db.session.rollback()  # read only: end the transaction the scan opened
    for name, size in report.removed:
        click.echo(f"Đã xóa {name} ({_size(size)})")
    for name, reason in report.failed:
        click.echo(f"Không xóa được {name}: {reason}", err=True)
    hours = f"{older_than_hours:g}".replace(".", ",")
    if report.removed:
        total = sum(size for _, size in report.removed)
        click.echo(f"Đã xóa {len(report.removed)} tệp tải lên không còn được dùng ({_size(total)}); "
                   f"giữ lại {report.kept} tệp đang được dùng hoặc mới tải lên trong {hours} giờ qua.")
    else:
        click.echo(f"Không có tệp tải lên nào cần xóa (giữ lại {report.kept} tệp đang được dùng "
                   f"hoặc mới tải lên trong {hours} giờ qua).")
    if report.failed:
        sys.exit(1)


COMMANDS = [
    init_db_command, load_demo_command, import_command, export_command, create_user_command,
    reindex_command, search_index_group, prune_uploads_command,
]


def init_app(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def main() -> None:
    """The ``portal`` console script: the same commands as ``flask --app portal``."""
    from . import create_app

    FlaskGroup(create_app=create_app, help="Cổng dịch vụ công trực tuyến tỉnh Đắk Lắk")()
