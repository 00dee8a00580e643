"""Several processes on one database: what one commits, the others find at once.

The peer is a real second Python process (tests/search_peer.py) with the same
DATABASE_URL: with its own index directory (another machine) or sharing this one's
(another gunicorn worker on this machine).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from catalogue.operations import Actor, change_status, content_of, find_service, update_service
from catalogue.search import SearchQuery, search_services
from catalogue.validation import validate_service
from portal.extensions import db
from tests.support import service_data

ROOT = Path(__file__).resolve().parent.parent


class Peer:
    def __init__(self, url: str, index_dir: Path | str):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.search_peer", url, str(index_dir)], cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert json.loads(self.proc.stdout.readline()) == {"ready": True}

    def send(self, **command) -> dict:
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "the peer process died"
        answer = json.loads(line)
        assert "error" not in answer, answer["error"]
        return answer

    def search(self, q: str) -> list[str]:
        return self.send(op="search", q=q)["codes"]

    def close(self) -> None:
        self.proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
        self.proc.stdin.close()
        self.proc.wait(30)
        self.proc.stdout.close()


@pytest.fixture
def peer_factory(app):
    peers = []

    def make(index_dir):
        peer = Peer(app.config["SQLALCHEMY_DATABASE_URI"], index_dir)
        peers.append(peer)
        return peer

    yield make
    for peer in peers:
        peer.close()


def codes(q: str) -> list[str]:
    return [hit.service.code for hit in search_services(db.session, SearchQuery(q=q)).hits]


def rename_here(code: str, name: str) -> None:
    service = find_service(db.session, code)
    clean = validate_service(content_of(service) | {"name": name},
                             agency_codes={"so-tu-phap", "ubnd-tinh", "so-ke-hoach-va-dau-tu", "cap-huyen",
                                           "ubnd-tp-buon-ma-thuot"},
                             field_codes={"ho-tich", "thanh-lap-doanh-nghiep", "dat-dai"})
    update_service(db.session, service, clean, Actor("test"), expected_version=service.version)
    db.session.commit()


GPLX = service_data(code="1.002809", name="Cấp lại giấy phép lái xe", field="dat-dai",
                    summary="Dành cho người đã được cấp nhưng bị mất hoặc hỏng.")


def test_an_edit_in_one_process_is_found_in_the_other_at_once(app, make_service, peer_factory, tmp_path):
    make_service(status="published")  # Đăng ký khai sinh
    assert codes("khai sinh") == ["1.001193"]  # this process's index is built and warm
    peer = peer_factory(tmp_path / "peer-index")  # another machine: its own index
    assert peer.search("dang ky khai sinh") == ["1.001193"]

    peer.send(op="publish", data=GPLX)  # committed over there...
    assert codes("giay phep lai xe") == ["1.002809"]  # ...found here at once

    rename_here("1.002809", "Đổi bằng điều khiển phương tiện cơ giới đường bộ")
    assert peer.search("doi bang dieu khien") == ["1.002809"]

    peer.send(op="rename", code="1.001193", name="Đăng ký lại khai sinh")
    assert codes("dang ky lai khai sinh")[0] == "1.001193"
    # The result cards kept here (search/cards.py) give way to the new name at once.
    hit = search_services(db.session, SearchQuery(q="khai sinh")).hits[0]
    assert (hit.service.code, hit.service.name) == ("1.001193", "Đăng ký lại khai sinh")

    change_status(db.session, find_service(db.session, "1.002809"), "archived", Actor("test"))
    db.session.commit()
    assert peer.search("doi bang dieu khien") == []
    peer.send(op="archive", code="1.001193")
    assert codes("khai sinh") == []


def test_workers_sharing_one_index_directory_never_fight(app, make_service, peer_factory):
    """Two processes on one index directory (gunicorn workers): each applies the change
    log under the index's lock; searches racing with commits neither fail nor go stale."""
    make_service(status="published")
    assert codes("khai sinh") == ["1.001193"]
    peer = peer_factory(app.config["SEARCH_INDEX_DIR"])
    errors: list[BaseException] = []
    stop = threading.Event()

    def search_meanwhile():
        try:
            while not stop.is_set():
                search_services(db.session, SearchQuery(q="thu tuc"))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    names = [f"Thủ tục cấp giấy phép hoạt động số {i}" for i in range(12)]
    searcher = threading.Thread(target=_in_context(app, search_meanwhile))
    searcher.start()
    try:
        for i, name in enumerate(names):
            peer.send(op="publish", data=service_data(code=f"gp.{i:02d}", name=name, summary=name))
            assert peer.search(f"giay phep hoat dong so {i}")[0] == f"gp.{i:02d}"
    finally:
        stop.set()
        searcher.join(30)
    assert errors == []
    assert search_services(db.session, SearchQuery(q="giay phep hoat dong")).total == len(names)
    rename_here("gp.00", "Thủ tục đăng ký kết hôn")
    assert peer.search("dang ky ket hon")[0] == "gp.00"  # others match a word or two, below


def _in_context(app, fn):
    def run():
        with app.app_context():
            try:
                fn()
            finally:
                db.session.remove()
    return run


def test_postgresql_commits_out_of_id_order_and_nothing_is_missed(app, make_service):
    """A transaction that took change-log id N commits after one that took N+1: the search
    that ran in between saw N+1 only; the next one must still pick up N."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers: ids cannot commit out of order")
    from sqlalchemy.orm import Session

    make_service(status="draft", partial_reason="presence")  # Đăng ký khai sinh, not yet public
    make_service(status="draft", code="1.000894", name="Đăng ký kết hôn", partial_reason="presence")
    assert codes("dang ky") == []
    slow, fast = Session(db.engine), Session(db.engine)
    try:
        change_status(slow, find_service(slow, "1.001193"), "published", Actor("slow"))
        slow.flush()  # holds change-log id N, uncommitted
        change_status(fast, find_service(fast, "1.000894"), "published", Actor("fast"))
        fast.commit()  # id N+1 is visible first
        assert codes("dang ky") == ["1.000894"]
        slow.commit()
        assert set(codes("dang ky")) == {"1.000894", "1.001193"}
    finally:
        slow.close()
        fast.close()
