"""The production server as an operator runs it: gunicorn with gunicorn.conf.py.

Two workers over the test database; health, one log line per request, a worker killed
(SIGKILL) replaced while the site keeps answering, and a graceful stop on SIGTERM.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from catalogue.usage import ServiceView
from portal.extensions import db
from tests.support import BROWSER_AGENT, free_port, get, stop, wait_until_serving, worker_pids

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


@contextmanager
def gunicorn(app, tmp_path, **settings: str):
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "PORTAL_INSTANCE": str(tmp_path / "instance"), "WEB_CONCURRENCY": "2",
           "PORT": str(port), "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
           "PYTHONWARNINGS": "ignore", **settings}
    with log.open("w") as err:
        proc = subprocess.Popen([str(GUNICORN), "portal:create_app()", "-c", "gunicorn.conf.py"],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_until_serving(port, proc)
        yield proc, port, log
    finally:
        stop(proc)


@pytest.fixture
def served(app, make_service, tmp_path):
    make_service(status="published")
    with gunicorn(app, tmp_path) as running:
        yield running


def test_gunicorn_serves_logs_survives_a_killed_worker_and_stops_gracefully(served):
    proc, port, log = served
    assert len(worker_pids(proc.pid)) == 2

    status, body = get(port, "/?q=khai+sinh")
    assert status == 200 and "Đắk Lắk" in body.decode()
    assert get(port, "/no-such-page")[0] == 404

    time.sleep(0.3)
    lines = log.read_text().splitlines()
    request_lines = [ln for ln in lines if re.search(r" pid=\d+ GET ", ln)]
    assert any(re.search(r"GET /\?q=khai\+sinh 200 \d+\.\dms \d+B$", ln) for ln in request_lines)
    assert any(re.search(r"GET /no-such-page 404 \d+\.\dms", ln) for ln in request_lines)

    # A worker dies hard (out of memory, a bug in a C library): the others keep serving
    # and the master starts a new one.
    victim = min(worker_pids(proc.pid))
    os.kill(victim, signal.SIGKILL)
    answers = [get(port, "/")[0] for _ in range(10)]
    assert answers == [200] * 10
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (len(worker_pids(proc.pid)) < 2
                                            or victim in worker_pids(proc.pid)):
        time.sleep(0.2)
    workers = worker_pids(proc.pid)
    assert len(workers) == 2 and victim not in workers

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(40) == 0


def test_views_are_written_in_batches_and_when_a_worker_stops(app, make_service, tmp_path):
    """Each view is counted in the worker's memory, not written on the reader's time; a
    graceful stop (deploy, restart) writes what the workers counted."""
    service = make_service(status="published")
    with gunicorn(app, tmp_path, VIEW_FLUSH_SECONDS="3600") as (proc, port, _):
        for i in range(5):  # five readers (browsers with the visitor cookie)
            reader = {"User-Agent": BROWSER_AGENT, "Cookie": f"pv=visitor-{i:012d}"}
            assert get(port, "/services/1.001193", reader)[0] == 200
        db.session.expire_all()
        assert db.session.get(ServiceView, service.id) is None  # still in the workers' tallies
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(40) == 0
    db.session.expire_all()
    assert db.session.get(ServiceView, service.id).views == 5
