"""Command line of the portal: ``flask --app portal ...`` or the ``portal`` script.

Each command owns its transaction: it commits once at the end, or rolls back and exits
with status 1 and a message, never a traceback.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import Engine, func, select

from catalogue.accounts import AccountError, create_user
from catalogue.file_formats import Catalogue, ImportFileError, read_catalogue
from catalogue.models import Role, Service, User
from catalogue.operations import Actor
from catalogue.replay import replay_catalogue
from catalogue.transfer import export_catalogue, import_catalogue

from .extensions import db
from .formatting import number_vi

if TYPE_CHECKING:
    from catalogue.search.streamed import ImportIndex

DEMO_FILE = "daklak.json.gz"
# The identifiers of a CPSV-AP export when PUBLIC_BASE_URL is not set: the portal's own address.
CANONICAL_BASE_URL = "https://dichvucong.daklak.gov.vn"


@contextmanager
def deferred_checkpoint(session: Any) -> Iterator[None]:
    """SQLite copies its write-ahead log into the database file at the commit that makes
    the log long (after a bulk import: as much again as it wrote); deferred here, that
    copy is :func:`_upkeep_after_bulk_write`'s, run while the index is finished."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.dbapi_connection
    raw.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        raw.execute("PRAGMA wal_autocheckpoint = 1000")  # SQLite's default, as every connection has


def _upkeep_after_bulk_write(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
    refresh_planner_statistics(engine)


def refresh_planner_statistics(engine: Engine) -> None:
    """ANALYZE after a bulk write. SQLite keeps no statistics of its own: without them
    it counted "most viewed" by walking every published service instead of the few
    viewed ones (17 ms instead of a fraction of one at 100,000 services). PostgreSQL's
    autovacuum keeps its own."""
    if engine.dialect.name != "sqlite":
        return
    with engine.begin() as conn:
        # Sampled (SQLite 3.32+): a full ANALYZE reads every index of a large catalogue.
        conn.exec_driver_sql("PRAGMA analysis_limit = 1000")
        conn.exec_driver_sql("ANALYZE")


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the schema to the newest migration (safe to run again)."""
    from flask_migrate import upgrade

    before = _schema_revision()
    upgrade(directory=current_app.extensions["migrate"].directory)
    after = _schema_revision()
    if before == after:
        click.echo("Cơ sở dữ liệu đã ở phiên bản mới nhất.")
    elif before is None:
        click.echo(f"Đã tạo cơ sở dữ liệu (phiên bản {after}).")
    else:
        click.echo(f"Đã nâng cấp cơ sở dữ liệu: phiên bản {before} → {after}.")


def _schema_revision() -> str | None:
    """The schema's Alembic revision (None before the first migration)."""
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return ", ".join(sorted(heads)) or None


DEMO_EDITOR = ("flask --app portal create-user bientap@so-tu-phap.example --role editor "
               "--agency so-tu-phap")


def _first_steps() -> None:
    """A newcomer's next step after `make run`: how to sign in as an editor."""
    if db.session.scalar(select(func.count()).select_from(User)):
        return
    click.echo("Chưa có tài khoản nào. Để đăng nhập làm biên tập viên của Sở Tư pháp (dữ liệu mẫu):\n"
               f"    .venv/bin/{DEMO_EDITOR}\n"
               f"rồi mở http://127.0.0.1:{os.environ.get('PORT') or 5000}/login "
               "(tài khoản quản trị: --role admin, bỏ --agency).")


# A file this large into an empty catalogue is indexed as it is written (two worker
# processes, catalogue/search/streamed.py); a smaller one is quicker indexed after.
STREAMED_INDEX_FROM_BYTES = 4 << 20


def _index_alongside(path: Path) -> ImportIndex | None:
    from catalogue.search import IndexUnavailable
    from catalogue.search.generations import IndexHome
    from catalogue.search.streamed import ImportIndex

    try:
        if path.stat().st_size < STREAMED_INDEX_FROM_BYTES:
            return None
        return ImportIndex.begin(db.session, IndexHome.at(current_app.config["SEARCH_INDEX_DIR"]))
    except (IndexUnavailable, OSError):
        return None  # indexed after the commit instead


def _import_file(path: Path, actor: Actor) -> None:
    from catalogue.search import IndexUnavailable

    index = _index_alongside(path)
    try:
        catalogue = read_catalogue(path)
        report = import_catalogue(db.session, catalogue, actor,
                                  on_created=index.created if index else None)
        if index is not None:
            index.seal(db.session)
    except ImportFileError as exc:
        db.session.rollback()
        if index is not None:
            index.abandon()
        click.echo(f"Không nhập tệp {path}: {len(exc.problems)} lỗi, không có gì được ghi.",
                   err=True)
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(1)
    except BaseException:
        if index is not None:
            index.abandon()
        raise
    with deferred_checkpoint(db.session):
        db.session.commit()
    upkeep = threading.Thread(target=_upkeep_after_bulk_write, args=(db.engine,), name="upkeep")
    upkeep.start()  # the database's work (C, without Python's lock) beside the index's
    try:
        if index is None:
            raise IndexUnavailable("not built alongside")
        index.finish()
    except (IndexUnavailable, OSError):
        upkeep.join()
        _rebuild_search_index_after(report.created + report.updated)
    upkeep.join()
    click.echo(
        f"Đã nhập {path.name}: {report.created} dịch vụ mới, {report.updated} cập nhật, "
        f"{report.unchanged} không đổi; {report.agencies} cơ quan, {report.fields} lĩnh vực."
    )


def _load_places() -> None:
    from catalogue.places import ATTRIBUTION, load_places, read_place_data

    report = load_places(db.session, read_place_data())
    db.session.commit()
    click.echo(f"Đã nạp {report.communes} xã, phường ({report.created} mới) và "
               f"{report.old_places} dòng địa danh cũ. {ATTRIBUTION}.")


def _load_demo_points() -> None:
    from catalogue.demo_points import create_demo_points

    added = create_demo_points(db.session)
    db.session.commit()
    if added:
        click.echo(f"Đã thêm {added} điểm tiếp nhận hồ sơ (dữ liệu minh họa).")


@click.command("load-places")
@with_appcontext
def load_places_command() -> None:
    """Load today's communes and the old place names that lead to them (safe to run again)."""
    _load_places()


def _rebuild_search_index_after(changed: int) -> None:
    """A large import is indexed by one full build, not replayed change by change (the
    sync would rebuild on its next search anyway; doing it here keeps that search fast)."""
    from catalogue.search import IndexUnavailable, rebuild_index
    from catalogue.search.sync import REBUILD_ABOVE

    if changed <= REBUILD_ABOVE:
        return
    try:
        rebuild_index(db.session, index_dir=current_app.config["SEARCH_INDEX_DIR"])
    except (IndexUnavailable, OSError) as exc:
        click.echo(f"Chưa lập lại được chỉ mục tìm kiếm ({exc}): chạy `reindex`.", err=True)


@click.command("load-demo")
@with_appcontext
def load_demo_command() -> None:
    """Load the demo catalogue of Đắk Lắk, 2010 to today, with each service's dated history
    (catalogue.replay); does nothing if services exist. Today's communes are loaded (or
    refreshed) every time, and the demo's service points that are missing added."""
    _load_places()
    _load_demo_points()
    count = db.session.scalar(select(func.count()).select_from(Service))
    if count:
        click.echo(f"Đã có {count} dịch vụ trong cơ sở dữ liệu: không nạp dữ liệu mẫu.")
    else:
        demo = resources.files("catalogue") / "demo" / DEMO_FILE
        with resources.as_file(demo) as path:
            try:
                catalogue = read_catalogue(Path(path))
                _tag_demo_life_events(catalogue)
                report = replay_catalogue(db.session, catalogue, Actor("load-demo"))
            except ImportFileError as exc:
                db.session.rollback()
                click.echo(f"Không nạp được dữ liệu mẫu: {len(exc.problems)} lỗi.", err=True)
                for problem in exc.problems:
                    click.echo(f"  - {problem}", err=True)
                sys.exit(1)
        db.session.commit()
        refresh_planner_statistics(db.engine)
        click.echo(f"Đã nạp dữ liệu mẫu: {report.services} dịch vụ, {report.revisions} lần "
                   "thay đổi có ghi ngày.")
    _first_steps()


def _tag_demo_life_events(catalogue: Catalogue) -> None:
    """Demo assumption (catalogue/demo_life_events.py): life events guessed from names."""
    from catalogue.demo_life_events import tag_records

    catalogue.services = list(catalogue.services)  # the demo file is small: read it whole
    tag_records(record for _, record in catalogue.services)


@click.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def import_command(path: Path) -> None:
    """Import a catalogue file (.json, .ndjson or .csv, optionally .gz; any size): all rows or none."""
    _import_file(path, Actor(f"import {path.name}"))


@click.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["catalogue", "cpsv-ap"]), default="catalogue",
              show_default=True, help="catalogue: tệp danh mục (.json, .ndjson, .csv); "
                                      "cpsv-ap: JSON-LD theo CPSV-AP 3.x (dịch vụ đã công bố).")
@click.option("--base-url", default=None,
              help="Địa chỉ gốc của cổng, dùng làm định danh trong CPSV-AP (mặc định PUBLIC_BASE_URL, "
                   "nếu không có thì https://dichvucong.daklak.gov.vn).")
@with_appcontext
def export_command(path: Path, fmt: str, base_url: str | None) -> None:
    """Write the whole catalogue (.json, .ndjson or .csv), or the published services as CPSV-AP."""
    try:
        if fmt == "cpsv-ap":
            count = _export_cpsv_ap(path, base_url or current_app.config["PUBLIC_BASE_URL"]
                                       or CANONICAL_BASE_URL)
        else:
            count = export_catalogue(db.session, path)
    except ImportFileError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"Không ghi được {path}: {exc.strerror}.")
    click.echo(f"Đã xuất {count} dịch vụ vào {path}.")


def _export_cpsv_ap(path: Path, base_url: str) -> int:
    """Write to a temporary file beside ``path`` and swap it in once complete."""
    import gzip
    import os

    from catalogue.cpsv import write_cpsv_ap

    tmp = path.with_name(f".{path.name}.tmp")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(tmp, "wt", encoding="utf-8") as out:
            count = write_cpsv_ap(db.session, out, base_url)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    db.session.rollback()
    return count


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


@click.command("check-links")
@click.option("--agency", "agency_code", default=None, help="Only this agency's services (code).")
@click.option("--workers", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Links fetched at once, over all hosts.")
@click.option("--per-host", default=2, show_default=True, type=click.IntRange(1, 16),
              help="Links fetched at once from one host.")
@click.option("--delay", default=0.2, show_default=True, type=click.FloatRange(0, 10),
              help="Seconds between two requests to one host.")
@click.option("--timeout", default=None, type=click.FloatRange(0.1, 120),
              help="Seconds to wait for one link (default: CHECK_LINKS_TIMEOUT, 10).")
@with_appcontext
def check_links_command(agency_code: str | None, workers: int, per_host: int, delay: float,
                        timeout: float | None) -> None:
    """Fetch every form and online URL; report the broken ones per agency; exit 1 if any."""
    from catalogue.link_fetch import check_links
    from catalogue.links import links_to_check, record_link_results
    from catalogue.models import Agency

    if agency_code and db.session.scalar(select(Agency.id).where(Agency.code == agency_code)) is None:
        _fail(f"Không có cơ quan mã “{agency_code}”.")
    targets = list(links_to_check(db.session, agency_code))
    results = check_links(targets, workers=workers, per_host=per_host, delay=delay,
                          timeout=timeout or float(current_app.config["CHECK_LINKS_TIMEOUT"]))
    service_ids = set(db.session.scalars(
        select(Service.id).join(Agency, Service.agency_id == Agency.id)
        .where(Agency.code == agency_code) if agency_code else select(Service.id)))
    record_link_results(db.session, service_ids, results)
    db.session.commit()
    broken = [r for r in results if not r.ok]
    click.echo(f"Đã kiểm tra {len(results)} liên kết của {len({t.service_id for t in targets})} thủ tục: "
               f"{len(broken)} liên kết hỏng.")
    by_agency: dict[str, list] = {}
    for r in broken:
        by_agency.setdefault(r.target.agency, []).append(r)
    for agency in sorted(by_agency):
        click.echo(f"{agency}: {len(by_agency[agency])} liên kết hỏng")
        for r in by_agency[agency]:
            click.echo(f"  {r.target.code} {r.target.url} ({r.problem})")
    if broken:
        sys.exit(1)


COMMANDS = [
    init_db_command, load_places_command, load_demo_command, import_command, export_command,
    create_user_command, reindex_command, search_index_group, prune_uploads_command,
    check_links_command,
]


def init_app(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def main() -> None:
    """The ``portal`` console script: the same commands as ``flask --app portal``."""
    from . import create_app

    FlaskGroup(create_app=create_app, help="Cổng dịch vụ công trực tuyến tỉnh Đắk Lắk")()
