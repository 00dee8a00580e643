"""Benchmark of the statistics page and API at the demo size and at 100,000 services.

Builds a catalogue of generated services with realistic revision histories (created as
drafts, published days later, raised a level or two over the years, some archived, some
edited without a change of state) directly with bulk inserts, then times
``GET /statistics`` and ``GET /api/v1/statistics`` through the Flask test client, and
``GET /statistics/index`` (the Decision 766 indicators: decisions, effective dates,
missing parts and online kinds are generated too) cold (the first request of a fresh app,
no page cache; the app's setup, which builds the working-day calendar and compiles the
page's templates, timed apart) and
warm without the page cache.

    .venv/bin/python bench/statistics_page.py                  # SQLite, 720 and 100,000 services
    .venv/bin/python bench/statistics_page.py --sizes 100000 --runs 30
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/statistics_page.py

On PostgreSQL the run works in a schema of its own and drops it at the end.
Prints medians and p95 in milliseconds, wall clock and CPU time of the process.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where its own name would
# shadow the standard library's ``statistics``: put the project root there instead.
if Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from typing import Any  # noqa: E402

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.scratch_schema import scratch_schema  # noqa: E402
from catalogue import workdays  # noqa: E402
from catalogue.clock import start_of_day  # noqa: E402
from catalogue.history import rebuild_superseded  # noqa: E402
from catalogue.models import Agency, Field, Revision, Service  # noqa: E402
from catalogue.vocabulary import default_online_kind  # noqa: E402
from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.warm import forget_compiled  # noqa: E402

START = datetime(2009, 1, 1, tzinfo=UTC)
SPAN_DAYS = (datetime(2026, 11, 1, tzinfo=UTC) - START).days
BATCH = 5000


def build_catalogue(session: Any, n_services: int, seed: int = 6) -> int:
    """Insert agencies, fields and ``n_services`` services with their histories; returns
    the number of revisions written."""
    rng = random.Random(seed)
    province = Agency(code="ubnd-tinh", name="Ủy ban nhân dân tỉnh Đắk Lắk")
    districts = Agency(code="cap-huyen", name="Các huyện, thị xã, thành phố")
    session.add_all([province, districts])
    session.flush()
    departments = [Agency(code=f"so-{i:02d}", name=f"Sở số {i:02d}", parent_id=province.id)
                   for i in range(1, 21)]
    towns = [Agency(code=f"huyen-{i:02d}", name=f"UBND huyện số {i:02d}", parent_id=districts.id)
             for i in range(1, 16)]
    # As in a real catalogue, each department owns a few fields of its own, the districts
    # share the district fields, and the tier follows the agency.
    fields = [Field(code=f"linh-vuc-{i:03d}", name=f"Lĩnh vực {i:03d}") for i in range(1, 101)]
    session.add_all([*departments, *towns, *fields])
    session.flush()
    owned = {d.id: [f.id for f in fields[4 * k:4 * k + 4]] for k, d in enumerate(departments)}
    owned.update({t.id: [f.id for f in fields[80:]] for t in towns})
    agency_ids = [a.id for a in departments + towns]
    department_ids = {d.id for d in departments}

    services: list[dict[str, Any]] = []
    revisions: list[dict[str, Any]] = []
    written = 0
    next_id = 1
    for i in range(n_services):
        sid = next_id
        next_id += 1
        agency_id = rng.choice(agency_ids)
        state = {
            "status": "draft", "level": rng.choices([1, 2, 3], weights=[3, 5, 2])[0],
            "agency_id": agency_id, "field_id": rng.choice(owned[agency_id]),
            "tier": "province" if agency_id in department_ids
            else rng.choices(["district", "commune"], weights=[7, 3])[0],
            "audience": rng.choice(["citizen", "business", "both"]),
        }
        state["online_kind"] = "none"
        when = START + timedelta(days=rng.randrange(SPAN_DAYS), seconds=rng.randrange(86400))
        history = [("create", when, dict(state))]
        if rng.random() < 0.92:
            when += timedelta(days=rng.randrange(1, 30), seconds=rng.randrange(86400))
            state["status"] = "published"
            history.append(("publish", when, dict(state)))
            for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
                when += timedelta(days=rng.randrange(10, 700), seconds=rng.randrange(86400))
                if rng.random() < 0.6 and state["level"] < 4:
                    state["level"] += 1
                history.append(("update", when, dict(state)))
            if rng.random() < 0.1:
                when += timedelta(days=rng.randrange(30, 900))
                state["status"] = "archived"
                history.append(("archive", when, dict(state)))
        history = _through_reforms(history, rng.random() < 0.65)
        state = history[-1][2]
        published_at = next((w for a, w, _ in history if a == "publish"), None)
        index_facts = _index_facts(rng, published_at or when)
        services.append({
            "id": sid, "code": f"BM.{i:06d}", "name": f"Thủ tục hành chính số {i}",
            "level": state["level"], "agency_id": state["agency_id"], "field_id": state["field_id"],
            "tier": state["tier"], "audience": state["audience"], "summary": "", "steps": [],
            "method": "", "documents": [], "processing_days": None, "fees": "", "result": "",
            "legal_basis": [], "requirements": "", "forms": [], "online_url": None,
            "online_kind": state["online_kind"],
            "status": state["status"], "published_at": published_at, "created_at": history[0][1],
            "updated_at": history[-1][1], "version": len(history),
        })
        for number, (action, stamp, st) in enumerate(history, start=1):
            revisions.append({
                "service_id": sid, "number": number, "version": number, "action": action,
                "user_id": None, "actor": "bench", "recorded_at": stamp, "effective_at": stamp,
                "changes": {}, "snapshot": {}, **st, **index_facts,
            })
        if len(services) >= BATCH:
            written += _flush(session, services, revisions)
    written += _flush(session, services, revisions)
    rebuild_superseded(session)
    return written


def _index_facts(rng: random.Random, published: datetime) -> dict[str, Any]:
    """What the index indicators read: a decision dated a few days before publication (one
    in ten missing), effective a few days after it, missing parts (one in five), a reason
    for the partial ones."""
    decided = (published - timedelta(days=rng.randrange(0, 12))).date()
    effective = decided + timedelta(days=rng.randrange(0, 15))
    return {
        "decision_date": decided if rng.random() < 0.9 else None,
        "applies_from": start_of_day(effective),
        "missing_parts": 0 if rng.random() < 0.8 else rng.randrange(1, 128),
        "partial_reason": rng.choice(["presence", "verification", "technical", None]),
    }


# The schemes' days, 00:00 in Vietnam, and what each does to a service's state.
REFORMS = (
    (datetime(2022, 7, 31, 17, tzinfo=UTC), "convert"),   # Decree 42/2022: kinds from levels
    (datetime(2025, 6, 30, 17, tzinfo=UTC), "two-tier"),  # no district tier
    (datetime(2026, 6, 30, 17, tzinfo=UTC), "review"),    # Decree 224/2026: toàn trình default
)


def _reformed(state: dict[str, Any], reform: str, to_full: bool) -> dict[str, Any]:
    state = dict(state)
    if reform == "convert":
        state["online_kind"] = default_online_kind(state["level"]).value
    elif reform == "two-tier" and state["tier"] == "district":
        state["tier"] = "commune"
    elif reform == "review" and state["online_kind"] == "partial" and to_full:
        state.update(level=4, online_kind="full")
    return state


def _through_reforms(history: list[tuple[str, datetime, dict[str, Any]]],
                     to_full: bool) -> list[tuple[str, datetime, dict[str, Any]]]:
    """The history with the three reforms applied on their days: a revision at each
    reform that changes the service's state, and every later state reformed too (the
    longer history of today's catalogue)."""
    out: list[tuple[str, datetime, dict[str, Any]]] = []
    done: list[str] = []
    pending = list(REFORMS)
    end = datetime(2026, 12, 1, tzinfo=UTC)

    def reform_until(moment: datetime) -> None:
        while pending and pending[0][0] <= moment:
            day, reform = pending.pop(0)
            done.append(reform)
            if out:
                new = _reformed(out[-1][2], reform, to_full)
                if new != out[-1][2]:
                    out.append(("update", day, new))

    for action, when, state in history:
        reform_until(when)
        for reform in done:
            state = _reformed(state, reform, to_full)
        out.append((action, when, state))
    reform_until(end)
    return out


def _flush(session: Any, services: list[dict[str, Any]], revisions: list[dict[str, Any]]) -> int:
    if services:
        session.execute(insert(Service), services)
    written = len(revisions)
    if revisions:
        session.execute(insert(Revision), revisions)
    services.clear()
    revisions.clear()
    return written


def _median_p95(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values), values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def time_get(client: Any, url: str, runs: int) -> dict[str, tuple[float, float]]:
    """Wall-clock and CPU milliseconds (median, p95) of ``runs`` requests.

    CPU time is this process's: with SQLite it is all the work of a request; it shows
    what the figures would be on an idle machine when other jobs share the CPUs.
    """
    client.get(url)  # first request warms the connection pool and template cache
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return {"wall": _median_p95(wall), "cpu": _median_p95(cpu)}


def _database(tmp: Path) -> tuple[str, Any]:
    """A fresh database: a SQLite file, or a PostgreSQL schema dropped by the cleanup."""
    base = os.environ.get("DATABASE_URL", "").strip()
    if base and make_url(base).get_backend_name() == "postgresql":
        return scratch_schema(base, f"bench_{uuid.uuid4().hex[:10]}")
    return f"sqlite:///{tmp / 'bench.db'}", lambda: None


def run(size: int, runs: int) -> None:
    from flask_migrate import upgrade

    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        os.environ["PORTAL_INSTANCE"] = str(tmp / "instance")
        url, drop = _database(tmp)
        try:
            # No page cache: every request renders the page (the cold figure). Building
            # 100,000 histories takes PostgreSQL longer than a request's statement limit.
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                              "PAGE_CACHE_SECONDS": 0, "DATABASE_STATEMENT_TIMEOUT": 900,
                              "SEARCH_INDEX_DIR": str(tmp / "index")})
            with app.app_context():
                upgrade(directory=app.extensions["migrate"].directory)
                started = time.perf_counter()
                revisions = build_catalogue(db.session, size)
                db.session.commit()
                with db.engine.begin() as conn:
                    conn.execute(text("ANALYZE"))
                built = time.perf_counter() - started
                client = app.test_client()
                print(f"{db.engine.dialect.name}: {size:,} services, {revisions:,} revisions "
                      f"(built in {built:.1f} s; load average {os.getloadavg()[0]:.1f} "
                      f"on {os.cpu_count()} CPUs)")
                for label, url_path in (
                    ("page today", "/statistics"),
                    ("page 2011-07-07", "/statistics?as_of=2011-07-07"),
                    ("page 2023-06-30", "/statistics?as_of=2023-06-30"),
                    ("api today", "/api/v1/statistics"),
                    ("api 2011-07-07", "/api/v1/statistics?as_of=2011-07-07"),
                    ("report 2011 H1", "/statistics/report?from=2011-01-01&to=2011-06-30"),
                ):
                    got = time_get(client, url_path, runs)
                    (median, p95), (cpu_median, cpu_p95) = got["wall"], got["cpu"]
                    print(f"  {label:<16} median {median:7.1f} ms  p95 {p95:7.1f} ms   "
                          f"(cpu median {cpu_median:6.1f} ms, p95 {cpu_p95:6.1f} ms; {runs} runs)")
                db.session.remove()
                db.engine.dispose()
            time_index(url, tmp, runs)
        finally:
            drop()


def time_index(url: str, tmp: Path, runs: int) -> None:
    """/statistics/index and its API: cold, then warm, the page cache off (a fresh app, the
    holiday calendar, the working-day sums and the compiled templates dropped, as in a
    just-started worker)."""
    forget_compiled()
    workdays._library_calendar.cache_clear()
    workdays._library_days.cache_clear()
    workdays._PREFIXES.clear()
    started, started_cpu = time.perf_counter(), time.process_time()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "PAGE_CACHE_SECONDS": 0,
                      "SEARCH_INDEX_DIR": str(tmp / "index")})
    print(f"  app setup (calendar, templates) {(time.perf_counter() - started) * 1000:.1f} ms "
          f"(cpu {(time.process_time() - started_cpu) * 1000:.1f} ms)")
    with app.app_context():
        client = app.test_client()
        for label, url_path in (
            ("index today", "/statistics/index"),
            ("index 2023-12-31", "/statistics/index?as_of=2023-12-31"),
            ("index api today", "/api/v1/statistics/index"),
        ):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url_path)
            cold = (time.perf_counter() - started) * 1000
            cold_cpu = (time.process_time() - started_cpu) * 1000
            assert response.status_code == 200, (url_path, response.status_code)
            got = time_get(client, url_path, runs)
            (median, p95), (cpu_median, _) = got["wall"], got["cpu"]
            print(f"  {label:<16} cold {cold:7.1f} ms (cpu {cold_cpu:6.1f})  warm median {median:7.1f} ms"
                  f"  p95 {p95:7.1f} ms (cpu median {cpu_median:6.1f} ms; {runs} runs)")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1080, 100_000])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    for size in args.sizes:
        run(size, args.runs)


if __name__ == "__main__":
    main()
