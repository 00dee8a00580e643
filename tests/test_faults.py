"""Faults a province will meet in production, made to happen for real.

- a process killed (SIGKILL) in the middle of a save: the database holds the whole change
  or none of it, never a half-written service;
- the database going away while the portal serves, and coming back;
- several editors saving the same service at the same moment: one wins, the others are
  told, no edit disappears without a word.
"""

from __future__ import annotations

import json
import os
import select as select_module
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from catalogue.file_formats import parse_json
from catalogue.models import Agency, ChangeLog, Field, Revision, Service
from catalogue.operations import (
    Actor,
    ConflictError,
    content_of,
    find_service,
    record_of,
    update_service,
)
from catalogue.transfer import import_catalogue
from catalogue.validation import validate_service
from portal import create_app
from portal.extensions import db
from tests.support import free_port, get, service_data, stop, wait_until_serving, worker_pids

ROOT = Path(__file__).resolve().parent.parent

# The real `portal import` command, with one observation point: after the Nth flush of
# its transaction it says how many services that transaction already holds, then waits
# on stdin, where the test kills it. Nothing of the import itself is replaced.
IMPORT_THEN_WAIT = """
import sys
from sqlalchemy import event
from sqlalchemy.orm import Session
from catalogue import fast_insert

pause_at = int(sys.argv[1])
steps = 0

SERVICES = "SELECT count(*) FROM service"
IMPORTED = "SELECT count(*) FROM revision WHERE action = 'import'"

def step(count):
    global steps
    steps += 1
    if steps == pause_at + 1:
        print(f"midway {count(SERVICES)} {count(IMPORTED)}", flush=True)
        sys.stdin.readline()

def session_count(session):
    return lambda sql: session.connection().exec_driver_sql(sql).scalar()

def driver_count(raw):  # the bulk writes may run on a thread of their own
    def count(sql):
        cursor = raw.cursor()
        cursor.execute(sql)
        return cursor.fetchone()[0]
    return count

# Each statement the import runs through the session (the per-service queries of
# updates, the batch queries) is a step, and so is each bulk write of the fast path
# (rows handed to the driver at once); the import pauses after the Nth.
@event.listens_for(Session, "do_orm_execute")
def pause_midway(orm_execute_state):
    step(session_count(orm_execute_state.session))

write = fast_insert.TableWriter.write
def write_then_step(self, rows):
    write(self, rows)
    step(driver_count(self.raw))
fast_insert.TableWriter.write = write_then_step

sys.argv = ["portal", "import", sys.argv[2]]
from portal.cli import main
main()
"""


def catalogue_file(services: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "agencies": [
            {"code": "ubnd-tinh", "name": "Ủy ban nhân dân tỉnh Đắk Lắk", "parent": None},
            {"code": "so-tu-phap", "name": "Sở Tư pháp", "parent": "ubnd-tinh"},
        ],
        "fields": [{"code": "ho-tich", "name": "Hộ tịch"}],
        "services": services,
    }


def numbered(i: int, edition: str) -> dict[str, Any]:
    return {
        **service_data(code=f"DL.{i:05d}", name=f"Thủ tục số {i} ({edition})",
                       summary=f"Bản {edition} của thủ tục {i}."),
        "status": "published",
        "published_at": "2011-07-01T08:00:00+07:00",
    }


def table_counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Service, Revision, ChangeLog, Agency, Field)
    }


def catalogue_state() -> dict[str, dict[str, Any]]:
    """Every service as export gives it, and how many revisions each has."""
    db.session.expire_all()
    state = {}
    for service in db.session.scalars(select(Service)):
        record = record_of(service)
        record["revisions"] = len(service.revisions)
        record["version"] = service.version
        state[service.code] = record
    return state


def run_import(database_url: str, tmp_path: Path, path: Path, pause_at: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "PORTAL_INSTANCE": str(tmp_path / "inst"),
           "SEARCH_INDEX_DIR": str(tmp_path / "index"), "PYTHONWARNINGS": "ignore"}
    return subprocess.Popen(
        [sys.executable, "-c", IMPORT_THEN_WAIT, str(pause_at), str(path)],
        cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )


def kill_when_midway(proc: subprocess.Popen, timeout: float = 60) -> str:
    """Wait for the import to report it is mid-transaction, then SIGKILL it."""
    try:
        ready, _, _ = select_module.select([proc.stdout], [], [], timeout)
        line = proc.stdout.readline().strip() if ready else ""
        assert line.startswith("midway"), f"never reached the middle: {line!r} {proc.stderr.read()}"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        return line
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_import_killed_midway_leaves_the_catalogue_as_it_was(app, tmp_path):
    """SIGKILL in the middle of an import that updates 80 services and adds 220."""
    first = [numbered(i, "cũ") for i in range(80)]
    import_catalogue(db.session, parse_json(json.dumps(catalogue_file(first))), Actor("test"))
    db.session.commit()
    before_counts, before_state = table_counts(), catalogue_state()
    db.session.remove()

    second = [numbered(i, "mới") for i in range(300)]
    path = tmp_path / "catalogue-2.json"
    path.write_text(json.dumps(catalogue_file(second), ensure_ascii=False), encoding="utf-8")
    url = app.config["SQLALCHEMY_DATABASE_URI"]

    with run_import(url, tmp_path, path, pause_at=100) as proc:
        line = kill_when_midway(proc)
    held, updated = map(int, line.split()[1:])
    # The transaction really was half-way: it held the new services (written first, in
    # bulk) and some of the 80 updates, not all.
    assert held == len(second) and 0 < updated < len(first)
    assert proc.returncode == -signal.SIGKILL

    assert table_counts() == before_counts
    assert catalogue_state() == before_state

    # The same file, left to finish, goes in whole: only the kill kept it out.
    with run_import(url, tmp_path, path, pause_at=10**9) as proc:
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    after = catalogue_state()
    assert len(after) == len(second)
    assert all(after[s["code"]]["name"] == s["name"] for s in second)


def test_import_killed_at_random_moments_is_all_or_nothing(app, tmp_path):
    """Kills at several points of one import: every time, all of it or none of it."""
    services = [numbered(i, "mới") for i in range(120)]
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(catalogue_file(services), ensure_ascii=False), encoding="utf-8")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.remove()
    for pause_at in (1, 4, 6):  # before writing; services written; revisions and log too
        with run_import(url, tmp_path, path, pause_at=pause_at) as proc:
            kill_when_midway(proc)
        assert proc.returncode == -signal.SIGKILL
        counts = table_counts()
        assert counts["service"] == 0 and counts["revision"] == 0, pause_at
        assert counts["agency"] == 0 and counts["change_log"] == 0, pause_at
        db.session.remove()


# ---------------------------------------------------------------- editors at once


def _refs(session: Session) -> tuple[set[str], set[str]]:
    return (set(session.scalars(select(Agency.code))), set(session.scalars(select(Field.code))))


@pytest.mark.parametrize("editors", [2, 4])
def test_editors_saving_at_once_never_lose_an_edit(app, make_service, editors):
    code = make_service(status="published").code
    db.session.remove()
    start_together = threading.Barrier(editors, timeout=30)
    outcome: dict[str, Any] = {}
    engine = db.engine

    def edit(name: str) -> None:
        with Session(engine) as session:
            service = find_service(session, code)
            agencies, fields = _refs(session)
            seen_version = service.version
            clean = validate_service({**content_of(service), "summary": f"Sửa bởi {name}."},
                                     agency_codes=agencies, field_codes=fields)
            start_together.wait()
            try:
                update_service(session, service, clean, Actor(name), expected_version=seen_version)
                session.commit()
                outcome[name] = "saved"
            except (ConflictError, StaleDataError) as exc:
                session.rollback()
                outcome[name] = exc

    names = [f"editor-{i}@daklak.gov.vn" for i in range(editors)]
    threads = [threading.Thread(target=edit, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    winners = [name for name, result in outcome.items() if result == "saved"]
    losers = [name for name, result in outcome.items() if result != "saved"]
    assert len(outcome) == editors
    assert len(winners) == 1, outcome
    assert all(isinstance(outcome[n], ConflictError | StaleDataError) for n in losers)

    service = find_service(db.session, code)
    assert service.summary == f"Sửa bởi {winners[0]}."
    updates = [r for r in service.revisions if r.action == "update"]
    assert [r.actor for r in updates] == winners

    # A loser who was told reloads the service and saves again: both edits are in the history.
    loser = losers[0]
    agencies, fields = _refs(db.session)
    clean = validate_service({**content_of(service), "summary": f"Sửa lại bởi {loser}."},
                             agency_codes=agencies, field_codes=fields)
    update_service(db.session, service, clean, Actor(loser), expected_version=service.version)
    db.session.commit()
    db.session.expire_all()
    actors = [r.actor for r in find_service(db.session, code).revisions if r.action == "update"]
    assert actors == [winners[0], loser]


def test_edit_from_an_outdated_copy_is_refused_and_names_the_newer_change(app, make_service):
    service = make_service(status="published")
    agencies, fields = _refs(db.session)
    stale_version = service.version
    first = validate_service({**content_of(service), "fees": "50.000 đồng"},
                             agency_codes=agencies, field_codes=fields)
    update_service(db.session, service, first, Actor("a@daklak.gov.vn"), expected_version=stale_version)
    db.session.commit()
    second = validate_service({**content_of(service), "fees": "Miễn phí"},
                              agency_codes=agencies, field_codes=fields)
    with pytest.raises(ConflictError) as refused:
        update_service(db.session, service, second, Actor("b@daklak.gov.vn"),
                       expected_version=stale_version)
    db.session.rollback()
    assert [r.actor for r in refused.value.newer] == ["a@daklak.gov.vn"]
    assert find_service(db.session, service.code).fees == "50.000 đồng"


# ---------------------------------------------------------------- database going away


class TcpRelay:
    """A TCP relay in front of PostgreSQL: stopping it is the database server going away."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = 0
        self.listener: socket.socket | None = None
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()

    def start(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.port = self.listener.getsockname()[1]
        self.listener.listen(16)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        if self.listener is not None:
            try:  # wakes the thread blocked in accept(); close() alone does not on Linux
                self.listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.listener.close()
            self.listener = None
        with self.lock:
            for sock in self.sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self.sockets = []


def test_database_going_away_while_serving_and_coming_back(app, make_service, tmp_path, monkeypatch):
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        pytest.skip("needs a database server to take away (run with TEST_DATABASE_URL=postgresql...)")
    make_service(status="published")
    relay = TcpRelay((url.host or "127.0.0.1", url.port or 5432))
    relay.start()
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "served"))
    served = create_app({**{k: app.config[k] for k in ("SECRET_KEY", "SEARCH_INDEX_DIR")},
                         "TESTING": True,
                         "SQLALCHEMY_DATABASE_URI": url.set(host="127.0.0.1", port=relay.port)
                         .render_as_string(hide_password=False)})
    client = served.test_client()
    try:
        assert client.get("/").status_code == 200
        assert client.get("/services?q=khai+sinh").status_code == 200  # builds the search index
        assert client.get("/healthz").status_code == 200

        relay.stop()
        page = client.get("/")
        assert page.status_code == 503
        assert "Không kết nối được cơ sở dữ liệu" in page.get_data(as_text=True)
        health = client.get("/healthz")
        assert health.status_code == 503 and health.get_json()["database"].startswith("error")

        relay.start()
        assert client.get("/").status_code == 200
        assert client.get("/healthz").get_json()["database"] == "ok"
    finally:
        relay.stop()
        with served.app_context():
            db.engine.dispose()


# ---------------------------------------------------------------- search index damaged


def _damage(index_dir: Path, how: str) -> None:
    """What an operator's slip or a disk fault does to the index directory."""
    real = Path(os.path.realpath(index_dir))
    files = [p for p in real.rglob("*") if p.is_file()]
    assert files, f"no index files in {real}"
    if how == "deleted":
        shutil.rmtree(real)
        if index_dir.is_symlink():
            index_dir.unlink()
    else:
        # Garbage over every byte, each file keeping its size (a truncated file under a
        # worker's memory map is another fault: SIGBUS, see the note on issue 7).
        for path in files:
            size = path.stat().st_size
            with path.open("r+b") as handle:
                handle.write((b"\x00\xffnot an index" * (size // 14 + 1))[:size])


@pytest.mark.parametrize("how", ["deleted", "corrupted"])
def test_search_index_damaged_while_serving_is_rebuilt(app, make_service, runner, tmp_path, how):
    """gunicorn with 2 workers serving searches; the index is deleted or overwritten with
    garbage under them: searches keep answering the same results, /healthz stays ok."""

    make_service(status="published")
    make_service(code="2.000635", name="Đăng ký kết hôn", level=2, online_url=None, status="published",
                 summary="Đăng ký kết hôn giữa hai công dân Việt Nam.", result="Giấy chứng nhận kết hôn",
                 documents=[{"name": "Tờ khai đăng ký kết hôn", "copies": 1}],
                 forms=[{"title": "Tờ khai đăng ký kết hôn", "url": "https://example.gov.vn/kh.doc"}])
    assert runner.invoke(args=["reindex"]).exit_code == 0
    index_dir = Path(app.config["SEARCH_INDEX_DIR"])
    port = free_port()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "SEARCH_INDEX_DIR": str(index_dir), "PORTAL_INSTANCE": str(tmp_path / "served"),
           "WEB_CONCURRENCY": "2", "PORT": str(port), "PYTHONWARNINGS": "ignore"}
    with (tmp_path / "gunicorn.log").open("w") as log:
        proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "portal:create_app()",
                                 "-c", "gunicorn.conf.py"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=log)
    try:
        wait_until_serving(port, proc)

        def codes_found(q: str) -> list[str]:
            status, body = get(port, f"/api/v1/services?q={q}")
            assert status == 200, body[:300]
            return [item["code"] for item in json.loads(body)["items"]]

        # Each worker opens the index before the damage (several requests reach both).
        before = {q: [codes_found(q) for _ in range(4)] for q in ("khai+sinh", "ket+hon")}
        assert "1.001193" in before["khai+sinh"][0] and before["ket+hon"][0] == ["2.000635"]

        _damage(index_dir, how)
        after = {q: [codes_found(q) for _ in range(4)] for q in ("khai+sinh", "ket+hon")}
        assert after == before

        # Fresh workers (a deploy, a crash) open the index from disk, not from memory.
        old_workers = worker_pids(proc.pid)
        proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (worker_pids(proc.pid) & old_workers
                                                or len(worker_pids(proc.pid)) < 2):
            time.sleep(0.2)
        assert not worker_pids(proc.pid) & old_workers
        wait_until_serving(port, proc)
        reopened = {q: [codes_found(q) for _ in range(4)] for q in ("khai+sinh", "ket+hon")}
        assert reopened == before
        status, body = get(port, "/services?q=khai+sinh")
        assert status == 200 and 'href="/services/1.001193"' in body.decode()
        status, body = get(port, "/healthz")
        assert status == 200, body
        assert json.loads(body)["search_index"] == "ok"
    finally:
        stop(proc)
