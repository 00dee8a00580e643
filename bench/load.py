"""Load test: the portal under gunicorn on 127.0.0.1, against a one-line Flask app.

    .venv/bin/python bench/load.py                     # demo catalogue, 2 workers
    .venv/bin/python bench/load.py --services 100000   # the demo grown to 100,000 services
    .venv/bin/python bench/load.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

It prepares an instance directory under bench/out/ (init-db, load-demo, grow the
catalogue with bulk inserts if asked, reindex when the command exists), starts gunicorn
with gunicorn.conf.py and N workers on a free port, sends a bounded number of requests to
each route from a small asyncio client (C connections at once, one request each, as
gunicorn's sync workers close the connection), and the same to bench/hello.py served the
same way, in interleaved rounds so that other load on the machine weighs on both alike.
It prints requests per second and p50/p95/p99 latency per route, and each route's
throughput as a fraction of the hello app's.

Each route is asked twice over. First one page again and again, after a short warm-up:
a popular page, which the portal's page cache (portal/page_cache.py) serves from memory.
Then, cold, a different page at each request ("varied": every published service page,
queries made of service names, every level and field filter), which the portal must
render; the last column says how many distinct pages that was, so the share of requests
that found a page already cached (a page is asked again only once the list wraps
around) can be judged.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
SEARCH_WORDS = "dang ky khai sinh"
# Distinct services (and queries made of their names) that the varied routes go through.
VARIANTS = 5000


# ---------------------------------------------------------------- the client


@dataclass
class RouteFigures:
    name: str
    path: str
    # Asked in turn, one per request; just ``path`` when empty (the same page again).
    variants: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    absent: str | None = None

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


async def one_request(port: int, path: str) -> tuple[int, float]:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    data = await reader.read()
    elapsed = time.perf_counter() - started
    writer.close()
    await writer.wait_closed()
    return int(data[9:12] or 0), elapsed


async def hammer(port: int, paths: list[str], requests: int, concurrency: int,
                 offset: int = 0) -> tuple[list[float], int, float]:
    """``requests`` GETs of ``paths`` in turn, ``concurrency`` in flight at any moment."""
    latencies: list[float] = []
    errors = 0
    left = requests
    turn = offset

    async def worker() -> None:
        nonlocal left, errors, turn
        while left > 0:
            left -= 1
            path = paths[turn % len(paths)]
            turn += 1
            try:
                status, elapsed = await one_request(port, path)
            except OSError:
                errors += 1
                continue
            if 200 <= status < 400:
                latencies.append(elapsed)
            else:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - started


def measure_rounds(targets: list[tuple[int, RouteFigures]], requests: int, concurrency: int,
                   rounds: int) -> None:
    """Every route a share of its requests per round, the hello app included, interleaved:
    other load on the machine then weighs on the portal and the reference alike."""
    live = []
    for port, figures in targets:
        status = probe(port, figures.path)
        if status != 200:
            figures.absent = f"{status}/absent" if status == 404 else f"HTTP {status}"
            continue
        if not figures.variants:  # a varied route is measured cold: no warm-up of its pages
            asyncio.run(hammer(port, [figures.path], max(20, requests // 10), concurrency))
        live.append((port, figures))
    for number in range(rounds):
        share = requests // rounds
        for port, figures in live:
            latencies, errors, seconds = asyncio.run(
                hammer(port, figures.variants or [figures.path], share, concurrency, number * share))
            figures.latencies += latencies
            figures.errors += errors
            figures.seconds += seconds


def probe(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn with the repository's config, on a free port, stopped gracefully at the end."""

    def __init__(self, app: str, workers: int, env: dict[str, str], log: Path):
        self.port = free_port()
        self.log = log
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), app, "-c", str(ROOT / "gunicorn.conf.py")],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log.open("w"),
            env={**env, "WEB_CONCURRENCY": str(workers), "PORT": str(self.port)},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn {app} exited; see {log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn {app} did not start; see {log}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---------------------------------------------------------------- the catalogue


def portal_env(instance: Path, database_url: str | None) -> dict[str, str]:
    env = {**os.environ, "PORTAL_INSTANCE": str(instance), "PYTHONWARNINGS": "ignore"}
    env.pop("DATABASE_URL", None)
    env.pop("SEARCH_INDEX_DIR", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def flask(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "flask"), "--app", "portal", *args], cwd=ROOT, env=env,
                          check=check, capture_output=True, text=True)


def prepare(instance: Path, env: dict[str, str], services: int) -> None:
    instance.mkdir(parents=True, exist_ok=True)
    flask(env, "init-db")
    flask(env, "load-demo")
    grown = grow_catalogue(env, services)
    if "reindex" in flask(env, "--help").stdout and (grown or not (instance / ".indexed").exists()):
        started = time.perf_counter()
        flask(env, "reindex")
        print(f"reindex: {time.perf_counter() - started:.1f} s", file=sys.stderr)
        (instance / ".indexed").touch()


def grow_catalogue(env: dict[str, str], target: int) -> bool:
    """Copies of the demo services under new codes, bulk-inserted, until ``target`` exist."""
    os.environ.update({k: env[k] for k in ("PORTAL_INSTANCE",)})
    if "DATABASE_URL" in env:
        os.environ["DATABASE_URL"] = env["DATABASE_URL"]
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import func, insert, select

    from catalogue.models import Revision, Service, now_utc
    from portal import create_app
    from portal.extensions import db

    app = create_app({"REQUEST_LOG": False})
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Service))
        if count >= target:
            return False
        table = Service.__table__
        demo = [dict(row._mapping) for row in db.session.execute(select(table).order_by(table.c.id))]
        started = time.perf_counter()
        now = now_utc()
        batch: list[dict[str, Any]] = []
        number = 0
        while count < target:
            template = demo[number % len(demo)]
            number += 1
            row = {k: v for k, v in template.items() if k != "id"}
            row.update(code=f"BX.{number:06d}", name=f"{template['name']} (bản sao {number})",
                       version=1, created_at=now, updated_at=now)
            batch.append(row)
            count += 1
            if len(batch) == 5000 or count >= target:
                ids = db.session.scalars(insert(table).returning(table.c.id), batch).all()
                db.session.execute(insert(Revision.__table__), [
                    {"service_id": i, "number": 1, "version": 1, "action": "import",
                     "actor": "bench", "recorded_at": now, "effective_at": r["published_at"] or now,
                     "changes": {}, "snapshot": {"code": r["code"]}, "status": r["status"],
                     "level": r["level"], "agency_id": r["agency_id"], "field_id": r["field_id"],
                     "tier": r["tier"], "audience": r["audience"]}
                    for i, r in zip(ids, batch, strict=True)
                ])
                db.session.commit()
                batch = []
        print(f"catalogue grown to {count} services in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)
        db.engine.dispose()
    return True


def route_parameters(port: int) -> dict[str, str]:
    """A real published code and the busiest field, asked of the portal's own API or pages."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import func, select

    from catalogue.models import Field, Service, Status
    from portal import create_app
    from portal.extensions import db

    app = create_app({"REQUEST_LOG": False})
    with app.app_context():
        code = db.session.scalar(
            select(Service.code).where(Service.status == Status.PUBLISHED, Service.level == 3,
                                       Service.name.contains("khai sinh")).order_by(Service.code)
        ) or db.session.scalar(select(Service.code).where(Service.status == Status.PUBLISHED))
        field_code = db.session.scalar(
            select(Field.code).join(Service, Service.field_id == Field.id)
            .where(Service.status == Status.PUBLISHED, Service.level == 3)
            .group_by(Field.code).order_by(func.count().desc(), Field.code)
        )
        total = db.session.scalar(select(func.count()).select_from(Service))
        published = db.session.execute(
            select(Service.code, Service.name).where(Service.status == Status.PUBLISHED)
            .order_by(Service.id).limit(VARIANTS)).all()
        filters = db.session.execute(
            select(Service.level, Field.code).join(Field, Service.field_id == Field.id)
            .where(Service.status == Status.PUBLISHED).group_by(Service.level, Field.code)
            .order_by(Service.level, Field.code)).all()
        db.engine.dispose()
    return {"code": code or "1.001193", "field": field_code or "ho-tich", "total": str(total),
            "codes": [c for c, _ in published], "queries": queries_from([n for _, n in published]),
            "filters": [(level, f) for level, f in filters]}


def queries_from(names: list[str]) -> list[str]:
    """What citizens type: two to four words of a service's name, every other one without
    diacritics ("dang ky khai sinh"), all different."""
    from catalogue.text import fold

    seen: dict[str, None] = {}
    for number, name in enumerate(names):
        words = [w for w in name.replace(",", " ").replace("(", " ").split() if w.isalpha()]
        words = words[1:] if words and words[0].lower() == "thủ" else words
        for start, size in ((0, 2 + number % 3), (1, 2), (2, 3)):
            query = " ".join(words[start:start + size]).lower()
            if len(query) >= 5:
                seen.setdefault(fold(query) if number % 2 else query, None)
    return list(seen)


def routes(params: dict[str, Any]) -> list[RouteFigures]:
    """Each route asked for one page again and again (a popular page, as the page cache
    sees it most of the time), then for a different page at each request (cold)."""
    q = urlencode({"q": SEARCH_WORDS})
    queries = [urlencode({"q": query}) for query in params["queries"]]
    filtered = [urlencode({"level": level, "field": f}) for level, f in params["filters"]]
    return [
        RouteFigures("home", "/"),
        RouteFigures("catalogue, filtered", f"/services?{urlencode({'level': 3, 'field': params['field']})}"),
        RouteFigures("search page", f"/services?{q}"),
        RouteFigures("service page", f"/services/{params['code']}"),
        RouteFigures("API search", f"/api/v1/services?{q}"),
        RouteFigures("API service", f"/api/v1/services/{params['code']}"),
        RouteFigures("filtered, varied", f"/services?{filtered[0]}",
                     [f"/services?{f}" for f in filtered]),
        RouteFigures("search page, varied", f"/services?{queries[0]}",
                     [f"/services?{q}" for q in queries]),
        RouteFigures("service page, varied", f"/services/{params['codes'][0]}",
                     [f"/services/{c}" for c in params["codes"]]),
        RouteFigures("API search, varied", f"/api/v1/services?{queries[0]}",
                     [f"/api/v1/services?{q}" for q in queries]),
    ]


# ---------------------------------------------------------------- report


def table(rows: list[RouteFigures], hello: RouteFigures) -> str:
    lines = [
        f"{'route':<22} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} "
        f"{'vs hello':>9}  path (distinct pages asked)",
    ]
    for r in [*rows, hello]:
        if r.absent:
            lines.append(f"{r.name:<22} {r.absent:>8} {'':>8} {'':>8} {'':>8} {'':>7} {'':>9}  {r.path}")
            continue
        ratio = r.rps / hello.rps if hello.rps else float("nan")
        lines.append(
            f"{r.name:<22} {r.rps:>8.0f} {r.percentile(.5):>8.1f} {r.percentile(.95):>8.1f} "
            f"{r.percentile(.99):>8.1f} {r.errors:>7} {ratio:>8.0%}  {r.path}"
            + (f" … ({min(len(r.variants), len(r.latencies) + r.errors)})" if r.variants else "")
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=0,
                        help="grow the catalogue to this many services (default: the demo as is)")
    parser.add_argument("--requests", type=int, default=1000, help="requests per route")
    parser.add_argument("--concurrency", type=int, default=4, help="connections in flight")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds over all routes; the requests are split between them")
    parser.add_argument("--database-url", help="default: SQLite in the instance directory")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    size = args.services or "demo"
    backend = "postgresql" if args.database_url else "sqlite"
    instance = OUT / f"instance-{size}-{backend}"
    env = portal_env(instance, args.database_url)
    os.environ.pop("DATABASE_URL", None)
    prepare(instance, env, args.services)
    os.environ["PORTAL_INSTANCE"] = str(instance)
    params = route_parameters(0)

    load_before = os.getloadavg()[0]
    portal = Gunicorn("portal:create_app()", args.workers, env, OUT / f"gunicorn-portal-{size}.log")
    hello_server = None
    try:
        hello_server = Gunicorn("bench.hello:app", args.workers, env, OUT / "gunicorn-hello.log")
        hello = RouteFigures("hello app", "/")
        results = routes(params)
        measure_rounds([(hello_server.port, hello)] + [(portal.port, r) for r in results],
                       args.requests, args.concurrency, args.rounds)
    finally:
        portal.stop()
        if hello_server:
            hello_server.stop()

    print(f"# {params['total']} services ({size}), {backend}, gunicorn {args.workers} sync workers, "
          f"{os.cpu_count()} cores, {args.requests} requests per route in {args.rounds} interleaved rounds, "
          f"{args.concurrency} in flight; load average before: {load_before:.1f}")
    print(table(results, hello))
    if args.json:
        args.json.write_text(json.dumps({
            "services": int(params["total"]), "backend": backend, "workers": args.workers,
            "hello_rps": hello.rps,
            "routes": [{"name": r.name, "path": r.path, "distinct": len(r.variants) or 1,
                        "absent": r.absent, "rps": r.rps,
                        "p50_ms": r.percentile(.5), "p95_ms": r.percentile(.95),
                        "p99_ms": r.percentile(.99), "errors": r.errors} for r in results],
        }, indent=2))


if __name__ == "__main__":
    main()
