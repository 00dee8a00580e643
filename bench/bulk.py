"""Bulk data benchmark: ``import`` and ``export`` of a whole catalogue from one file.

    .venv/bin/python -m bench.bulk                                   # 100,000 services, SQLite
    .venv/bin/python -m bench.bulk --services 20000 --pg postgresql+psycopg://postgres@127.0.0.1:5432/test

Generates a catalogue of the realistic shape (bench/search.py's ``generate``: real
procedure texts, 95 % published, spread over years) into one JSON file, then on each
database: ``init-db``, ``import`` (the portal's command, in its own process, so its peak
memory is that process's own; into an empty catalogue its search index is built by two
worker processes as it writes, so the whole tree's peak is printed too), ``export`` to
JSON, ``import`` of that export into an empty database and a field-by-field comparison
of the two catalogues, and a damaged file (bad rows early, middle and late, 300 MB or
more) refused with every bad row reported and nothing written.
The floor beside it: the same service rows into a plain SQLite table with ``executemany``.

Prints services/s, CPU seconds and peak resident memory (MB) of each step: the largest
single process's and, for imports, the sum over the command's processes.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench.scratch_schema import scratch_schema

ROOT = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", "portal"]
DAMAGED_MB = 300


def _iso(stamp: datetime | None) -> str | None:
    return stamp.isoformat() if stamp else None


def write_catalogue(path: Path, n: int) -> int:
    """The generated catalogue as an ``export`` would write it; returns services written."""
    from bench.search import generate

    agencies, fields, services = generate(n)
    agency_code = {a["id"]: a["code"][:32] for a in agencies}
    field_code: dict[int, str] = {}
    for f in fields:  # codes are at most 32 characters (the contract): cut, kept unique
        code, k = f["code"][:32], 1
        while code in field_code.values():
            code, k = f"{f['code'][:29]}-{k}", k + 1
        field_code[f["id"]] = code
    with path.open("w", encoding="utf-8") as out:
        out.write('{"agencies": [\n')
        out.write(",\n".join(json.dumps({"code": agency_code[a["id"]], "name": a["name"], "parent": None},
                                        ensure_ascii=False) for a in agencies))
        out.write('\n],\n"fields": [\n')
        out.write(",\n".join(json.dumps({"code": field_code[f["id"]], "name": f["name"]}, ensure_ascii=False)
                             for f in fields))
        out.write('\n],\n"services": [\n')
        for i, s in enumerate(services):
            record = {k: v for k, v in s.items() if k not in ("id", "agency_id", "field_id", "created_at",
                                                                "version")}
            record.update(agency=agency_code[s["agency_id"]], field=field_code[s["field_id"]],
                          published_at=_iso(s["published_at"]) if s["status"] != "draft" else None,
                          updated_at=_iso(s["updated_at"]))
            out.write((",\n" if i else "") + json.dumps(record, ensure_ascii=False))
        out.write("\n]}\n")
    return len(services)


def write_damaged(source: Path, target: Path, min_mb: int) -> tuple[int, int]:
    """The catalogue repeated under new codes until ``min_mb``, with a bad row every
    25,000 (a level that does not exist, an unknown agency, a duplicate code in turn).
    Returns (services, bad rows)."""
    lines = source.read_text(encoding="utf-8").split("\n")
    start = lines.index('"services": [') + 1
    head, body = lines[:start], [ln.rstrip(",") for ln in lines[start:] if ln.startswith("{")]
    written = bad = 0
    last_code = ""
    with target.open("w", encoding="utf-8") as out:
        out.write("\n".join(head) + "\n")
        copy = 0
        while target.stat().st_size < min_mb * 1024 * 1024 or copy == 0:
            for line in body:
                record = json.loads(line)
                record["code"] = f"D{copy}.{written:07d}"
                if written % 25_000 == 7:
                    kind = (written // 25_000) % 3
                    if kind == 0:
                        record["level"] = 9
                    elif kind == 1:
                        record["agency"] = "khong-co-co-quan-nay"
                    else:
                        record["code"] = last_code  # the row before's, itself a good row
                    bad += 1
                else:
                    last_code = record["code"]
                out.write((",\n" if written else "") + json.dumps(record, ensure_ascii=False))
                written += 1
            out.flush()
            copy += 1
        out.write("\n]}\n")
    return written, bad


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                total += next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo.extend(int(c) for c in children.read().split())
        except (OSError, ValueError):
            continue
    return total / 1024


def peak_of(env: dict[str, str], *args: str) -> tuple[float, float, subprocess.CompletedProcess]:
    """One portal command, (seconds, peak RSS in MB, result): the peak is the largest
    single process's (getrusage of the command's process tree); ``TREE[0]`` keeps the
    peak of the whole tree's sum, sampled every 0.1 s (the import's index workers count)."""
    code = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        f"p = subprocess.run({[*FLASK, *args]!r}, capture_output=True, text=True, cwd={str(ROOT)!r})\n"
        "s = time.perf_counter() - t\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps([s, u.ru_maxrss / 1024, u.ru_utime + u.ru_stime,"
        " p.returncode, p.stdout[-3000:], p.stderr[-6000:]]))\n"
    )
    helper = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    tree = 0.0
    while helper.poll() is None:
        tree = max(tree, tree_rss_mb(helper.pid) - HELPER_MB)
        time.sleep(0.1)
    out, err = helper.communicate()
    assert helper.returncode == 0, err
    seconds, peak, cpu, rc, stdout, stderr = json.loads(out)
    CPU[0], TREE[0] = cpu, tree
    return seconds, peak, subprocess.CompletedProcess(args, rc, stdout, stderr)


# CPU seconds (user + system, the command and its index-building children) of the last
# command: on a shared, loaded machine the wall clock says more about the neighbours.
CPU = [0.0]
# Peak of the last command's whole process tree, MB (sampled).
TREE = [0.0]
# The measuring helper process itself (a bare interpreter), left out of the tree's sum.
HELPER_MB = 10.0


def database(kind: str, pg_url: str | None, tmp: Path, name: str) -> tuple[str, Callable[[], None]]:
    if kind == "sqlite":
        return f"sqlite:///{tmp / f'{name}.db'}", lambda: None
    assert pg_url
    return scratch_schema(pg_url, f"bulk_{name}_{uuid.uuid4().hex[:8]}")


def portal_env(url: str, instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update(DATABASE_URL=url, PORTAL_INSTANCE=str(instance), SEARCH_INDEX_DIR=str(instance / "index"),
               SECRET_KEY="bench", PYTHONPATH=str(ROOT))
    return env


def records(url: str) -> Iterator[tuple[str, Any]]:
    """Agencies, fields and every service record of a database, in a stable order."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy.orm import Session

    from catalogue.models import Field
    from catalogue.transfer import _agencies_by_depth, all_records

    engine = create_engine(url)
    with Session(engine) as session:
        for agency in sorted(_agencies_by_depth(session), key=lambda a: a.code):
            yield "agency", agency.to_dict()
        for field in session.query(Field).order_by(Field.code):
            yield "field", field.to_dict()
        yield from (("service", r) for r in all_records(session))
    engine.dispose()


def compare(url_a: str, url_b: str) -> tuple[int, list[str]]:
    """Field by field, streamed; returns (services compared, differences)."""
    differences, count = [], 0
    for (kind_a, a), (kind_b, b) in zip(records(url_a), records(url_b), strict=False):
        count += kind_a == "service"
        if (kind_a, a) != (kind_b, b):
            keys = [k for k in set(a) | set(b) if a.get(k) != b.get(k)] if kind_a == kind_b else ["kind"]
            differences.append(f"{kind_a} {a.get('code')}: {sorted(keys)}")
            if len(differences) > 20:
                break
    return count, differences


def sqlite_floor(catalogue: Path, tmp: Path) -> tuple[float, int]:
    """Plain sqlite3: the same service rows into one table with executemany (seconds, rows)."""
    data = json.loads(catalogue.read_text(encoding="utf-8"))
    rows = [(s["code"], s["name"], s["level"], s["agency"], s["field"], s["tier"], s["audience"],
             s["summary"], json.dumps(s["steps"], ensure_ascii=False), s["method"],
             json.dumps(s["documents"], ensure_ascii=False), s["processing_days"], s["fees"], s["result"],
             json.dumps(s["legal_basis"], ensure_ascii=False), s["requirements"],
             json.dumps(s["forms"], ensure_ascii=False), s["online_url"], s["status"], s["published_at"],
             s["updated_at"]) for s in data["services"]]
    del data
    conn = sqlite3.connect(tmp / "floor.db")
    conn.execute("CREATE TABLE service (id INTEGER PRIMARY KEY, code TEXT UNIQUE, name TEXT, level INT, "
                 "agency TEXT, field TEXT, tier TEXT, audience TEXT, summary TEXT, steps TEXT, method TEXT, "
                 "documents TEXT, processing_days INT, fees TEXT, result TEXT, legal_basis TEXT, "
                 "requirements TEXT, forms TEXT, online_url TEXT, status TEXT, published_at TEXT, "
                 "updated_at TEXT)")
    started, cpu = time.perf_counter(), time.process_time()
    with conn:
        conn.executemany("INSERT INTO service (code, name, level, agency, field, tier, audience, "
                         "summary, steps, method, documents, processing_days, fees, result, legal_basis, "
                         "requirements, "
                         "forms, online_url, status, published_at, updated_at) VALUES "
                         "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    seconds = time.perf_counter() - started
    CPU[0] = time.process_time() - cpu
    conn.close()
    return seconds, len(rows)


def line(label: str, n: int, seconds: float, peak: float | None = None, cpu: float | None = None,
         tree: float | None = None) -> None:
    memory = f"  peak {peak:6.0f} MB" if peak is not None else ""
    memory += f" (all processes {tree:,.0f} MB)" if tree else ""
    busy = f"  cpu {cpu:7.1f} s ({n / cpu:7,.0f}/s cpu)" if cpu else ""
    print(f"  {label:<34} {n:>8,} services  wall {seconds:7.1f} s  {n / seconds:9,.0f} services/s"
          f"{busy}{memory}", flush=True)


def run_database(kind: str, pg_url: str | None, catalogue: Path, damaged: Path, n: int,
                 damaged_n: int, damaged_bad: int, tmp: Path) -> None:
    print(f"\n{kind}:", flush=True)
    url, drop = database(kind, pg_url, tmp, "first")
    url2, drop2 = database(kind, pg_url, tmp, "second")
    url3, drop3 = database(kind, pg_url, tmp, "damaged")
    try:
        envs = [portal_env(u, tmp / f"{kind}-{i}") for i, u in enumerate((url, url2, url3))]
        for env in envs:
            subprocess.run([*FLASK, "init-db"], env=env, cwd=ROOT, check=True, capture_output=True)
        seconds, peak, done = peak_of(envs[0], "import", str(catalogue))
        assert done.returncode == 0, done.stderr
        line("import (with its search index)", n, seconds, peak, CPU[0], TREE[0])
        exported = tmp / f"export-{kind}.json"
        seconds, peak, done = peak_of(envs[0], "export", str(exported))
        assert done.returncode == 0, done.stderr
        line(f"export ({exported.stat().st_size / 1048576:,.0f} MB)", n, seconds, peak, CPU[0])
        seconds, peak, done = peak_of(envs[1], "import", str(exported))
        assert done.returncode == 0, done.stderr
        line("import of the export", n, seconds, peak, CPU[0], TREE[0])
        started = time.perf_counter()
        count, differences = compare(url, url2)
        print(f"  round trip: {count:,} services compared field by field in "
              f"{time.perf_counter() - started:.1f} s: "
              + ("identical" if not differences else f"{len(differences)} differ: {differences[:5]}"),
              flush=True)
        seconds, peak, done = peak_of(envs[2], "import", str(damaged))
        reported = done.stderr.count("\n  - ")
        engine = create_engine(url3)
        with engine.connect() as conn:
            written = conn.execute(text("SELECT count(*) FROM service")).scalar()
        engine.dispose()
        line(f"damaged file ({damaged.stat().st_size / 1048576:,.0f} MB) refused", damaged_n, seconds, peak,
             CPU[0], TREE[0])
        print(f"  damaged file: exit {done.returncode}, {reported} problems reported "
              f"({damaged_bad} bad rows planted), {written} services written", flush=True)
    finally:
        drop()
        drop2()
        drop3()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL"),
                        help="PostgreSQL URL (a schema of its own is made and dropped)")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--damaged-mb", type=int, default=DAMAGED_MB)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        catalogue = tmp / "catalogue.json"
        started = time.perf_counter()
        n = write_catalogue(catalogue, args.services)
        print(f"catalogue: {n:,} services, {catalogue.stat().st_size / 1048576:,.0f} MB "
              f"(generated in {time.perf_counter() - started:.0f} s)", flush=True)
        damaged = tmp / "damaged.json"
        damaged_n, damaged_bad = write_damaged(catalogue, damaged, args.damaged_mb)
        seconds, rows = sqlite_floor(catalogue, tmp)
        print("\nfloor:", flush=True)
        line("plain SQLite executemany", rows, seconds, cpu=CPU[0])
        if not args.no_sqlite:
            run_database("sqlite", None, catalogue, damaged, n, damaged_n, damaged_bad, tmp)
        if args.pg:
            run_database("postgresql", args.pg, catalogue, damaged, n, damaged_n, damaged_bad, tmp)


if __name__ == "__main__":
    main()
