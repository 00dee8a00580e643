"""Search benchmark: the Whoosh engine (module and API) beside SQLite FTS5.

    .venv/bin/python -m bench.search [--sizes 10000 100000] [--queries 200]

For each size it generates a catalogue from the real procedures in
/work/shared/data/tthc-local.jsonl.gz (or catalogue/demo), loads it into a fresh SQLite
database, builds the index with ``rebuild_index`` (all cores), then starts a separate
*worker* process, as a gunicorn worker would be, that runs the same queries through
``search_services`` and through ``GET /api/v1/services`` (top page of 20, exact total and
facet counts) and reports its peak memory. The reference is SQLite FTS5 (unicode61,
remove_diacritics 2, đ folded beforehand) over the same texts, asked for the top 20 by
bm25 and the exact count. Each query set is run twice; the second pass is reported
as "warm" (posting lists cached per index generation), the first as "cold".
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RECORDS = Path(os.environ.get("TTHC_RECORDS", "/work/shared/data/tthc-local.jsonl.gz"))
DISTRICTS = ["Buôn Ma Thuột", "Buôn Hồ", "Ea H'leo", "Ea Súp", "Krông Năng", "Krông Búk",
             "Buôn Đôn", "Cư M'gar", "Ea Kar", "M'Đrắk", "Krông Pắc", "Krông Bông", "Krông Ana",
             "Lắk", "Cư Kuin"]
DEPARTMENTS = ["Sở Tư pháp", "Sở Kế hoạch và Đầu tư", "Sở Tài chính", "Sở Công Thương",
               "Sở Giao thông vận tải", "Sở Xây dựng", "Sở Tài nguyên và Môi trường",
               "Sở Nông nghiệp và Phát triển nông thôn", "Sở Y tế", "Sở Giáo dục và Đào tạo",
               "Sở Lao động - Thương binh và Xã hội", "Sở Văn hóa, Thể thao và Du lịch",
               "Sở Thông tin và Truyền thông", "Sở Nội vụ", "Sở Khoa học và Công nghệ",
               "Ban Dân tộc", "Công an tỉnh", "Cục Thuế tỉnh", "Bảo hiểm xã hội tỉnh"]
QUALIFIERS = ["", "", "", " (cấp lại)", " đối với hộ kinh doanh", " cho người nước ngoài",
              " tại Ủy ban nhân dân cấp xã", " trong trường hợp bị mất, hỏng", " (điều chỉnh)",
              " đối với doanh nghiệp nhỏ và vừa", " có yếu tố nước ngoài", " cấp huyện"]


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0]


def load_records() -> list[dict[str, Any]]:
    with gzip.open(RECORDS, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def generate(n: int, seed: int = 43) -> tuple[list[dict], list[dict], list[dict]]:
    """Agencies, fields and ``n`` services built from real procedure texts."""
    from catalogue.text import clean_line, clean_text, slugify

    rnd = random.Random(seed)
    records = load_records()
    agencies = [{"id": i + 1, "code": slugify(name)[:32], "name": name, "parent_id": None}
                for i, name in enumerate(DEPARTMENTS + [f"UBND huyện {d}" for d in DISTRICTS])]
    field_names = sorted({clean_line(r["linh_vuc"]) or "Khác" for r in records})
    fields = [{"id": i + 1, "code": slugify(name)[:64], "name": name} for i, name in enumerate(field_names)]
    field_id = {f["name"]: f["id"] for f in fields}
    base = datetime(2011, 7, 1, tzinfo=UTC)
    parts = []  # each real record's texts, cut once
    for r in records:
        parts.append((
            clean_line(r["ten_thu_tuc"]),
            [_clip(s, 260) for s in re.split(r"Bước \d+\s*[:.]?", clean_text(r["trinh_tu_thuc_hien"]))
             if s.strip()][:4],
            [_clip(d, 120) for d in re.split(r"[;\n]", clean_text(r["thanh_phan_ho_so"])) if d.strip()][:3],
            [_clip(x, 150) for x in re.split(r"\n", clean_text(r["can_cu_phap_ly"])) if x.strip()][:2],
            _clip(clean_text(r["ket_qua_xu_ly"]), 160),
        ))
    services = []
    for i in range(n):
        k = rnd.randrange(len(records))
        r = records[k]
        base_name, steps, docs, legal, result = parts[k]
        name = base_name + rnd.choice(QUALIFIERS)
        if rnd.random() < 0.3:
            name += f" tại {rnd.choice(['huyện', 'thị xã', 'thành phố'])} {rnd.choice(DISTRICTS)}"
        level = rnd.choices([1, 2, 3, 4], [10, 55, 30, 5])[0]
        published = base + timedelta(days=rnd.randrange(3000))
        services.append({
            "id": i + 1, "code": f"{rnd.randint(1, 3)}.{i + 1:06d}", "name": name[:500], "level": level,
            "agency_id": rnd.randrange(len(agencies)) + 1,
            "field_id": field_id[clean_line(r["linh_vuc"]) or "Khác"],
            "tier": rnd.choice(["province", "district", "commune"]),
            "audience": rnd.choice(["citizen", "business", "both"]),
            "summary": _clip(steps[0] if steps else name, 200), "steps": steps,
            "method": "Nộp hồ sơ trực tiếp, qua bưu chính hoặc trực tuyến.",
            "documents": [{"name": d, "copies": 1} for d in docs], "processing_days": rnd.randint(1, 30),
            "fees": rnd.choice(["Không", "Miễn lệ phí", "50.000 đồng", "100.000 đồng/hồ sơ"]),
            "result": result, "legal_basis": legal,
            "requirements": "", "forms": [{"title": "Tờ khai", "url": "https://example.gov.vn/f.doc"}],
            "online_url": "https://dichvucong.daklak.gov.vn/" if level >= 3 else None,
            "status": "published" if rnd.random() < 0.95 else "draft",
            "published_at": published, "created_at": published, "updated_at": published, "version": 1,
        })
    return agencies, fields, services


def make_queries(services: list[dict], count: int, seed: int = 7) -> list[str]:
    """Typical queries: 1-3 consecutive words of real names, half typed without marks."""
    from catalogue.text import fold

    rnd = random.Random(seed)
    queries = []
    while len(queries) < count:
        words = re.findall(r"\w+", rnd.choice(services)["name"])
        size = rnd.choice([1, 2, 2, 3, 3])
        if len(words) < size:
            continue
        start = rnd.randrange(len(words) - size + 1)
        q = " ".join(words[start:start + size])
        queries.append(fold(q) if rnd.random() < 0.5 else q.lower())
    return queries


def populate(url: str, n: int) -> list[dict]:
    from sqlalchemy import create_engine, insert

    from catalogue.models import Agency, Base, Field, Service

    agencies, fields, services = generate(n)
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(Agency), agencies)
        conn.execute(insert(Field), fields)
        for i in range(0, len(services), 5000):
            conn.execute(insert(Service), services[i:i + 5000])
    engine.dispose()
    return services


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]


# ----------------------------------------------------------------------- the worker

def worker(url: str, index_dir: str, queries: list[str]) -> dict[str, Any]:
    """Runs in its own process: the search module and the API, as a web worker would."""
    from catalogue.search import SearchQuery, search_services
    from portal import create_app
    from portal.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SEARCH_INDEX_DIR": index_dir,
                      "SECRET_KEY": "bench", "TESTING": True})
    out: dict[str, Any] = {}
    with app.app_context():
        start = time.perf_counter()
        search_services(db.session, SearchQuery(q="", per_page=1))
        out["open_ms"] = (time.perf_counter() - start) * 1000
        totals = []
        for label in ("cold", "warm"):
            samples, cpu = [], []
            for q in queries:
                t, c = time.perf_counter(), time.process_time()
                result = search_services(db.session, SearchQuery(q=q, per_page=20))
                samples.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
                if label == "cold":
                    totals.append(result.total)
                db.session.remove()
            out[f"module_{label}"] = percentiles(samples)
            out[f"module_{label}_cpu"] = percentiles(cpu)
        out["totals"] = totals
        # Issue 12.13a: twelve long random words once cost 340-500 ms in "did you mean".
        rnd, samples, cpu = random.Random(13), [], []
        for _ in range(20):
            q = " ".join("".join(rnd.choices("abcdeghiklmnopqrstuvxy", k=rnd.randint(9, 16)))
                         for _ in range(12))
            t, c = time.perf_counter(), time.process_time()
            search_services(db.session, SearchQuery(q=q, per_page=20))
            samples.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
            db.session.remove()
        out["random_words"] = percentiles(samples)
        out["random_words_cpu"] = percentiles(cpu)
        client = app.test_client()
        status = client.get("/api/v1/services", query_string={"q": "khai sinh"}).status_code
        if status == 200:
            samples, cpu = [], []
            for q in queries:
                t, c = time.perf_counter(), time.process_time()
                client.get("/api/v1/services", query_string={"q": q, "per_page": 20})
                samples.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
            out["api_warm"] = percentiles(samples)
            out["api_warm_cpu"] = percentiles(cpu)
        else:
            out["api_status"] = status
    out["peak_mb"] = peak_mb()
    return out


def peak_mb() -> float:
    """This process's peak resident memory since exec (VmHWM; ru_maxrss would include the
    parent's peak before exec)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ----------------------------------------------------------------- SQLite FTS5 reference

def fts5(url: str, queries: list[str]) -> dict[str, Any]:
    """The reference: FTS5 over the very texts the index gets, folded the same way."""
    from sqlalchemy import create_engine

    from catalogue.search.analysis import fold_text
    from catalogue.search.rows import service_rows
    from catalogue.search.schema import texts_of

    engine = create_engine(url)
    with engine.connect() as conn:
        texts = [(row["id"], *texts_of(row)) for row in service_rows(conn)]
    engine.dispose()
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE s USING fts5(name, code, agency, body, "
                "tokenize = 'unicode61 remove_diacritics 2')")
    start = time.perf_counter()
    con.executemany("INSERT INTO s(rowid, name, code, agency, body) VALUES (?, ?, ?, ?, ?)",
                    [(i, *(fold_text(t) for t in rest)) for i, *rest in texts])
    con.commit()
    build = time.perf_counter() - start
    samples, totals, cpu = [], [], []
    for q in queries:
        words = re.findall(r"\w+", fold_text(q))
        match = " AND ".join(f'"{w}"' for w in words)
        t, c = time.perf_counter(), time.process_time()
        con.execute("SELECT rowid FROM s WHERE s MATCH ? ORDER BY bm25(s, 3.0, 3.0, 1.5, 1.0) LIMIT 20",
                    (match,)).fetchall()
        total = con.execute("SELECT count(*) FROM s WHERE s MATCH ?", (match,)).fetchone()[0]
        samples.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        totals.append(total)
    return {"build_s": build, "latency": percentiles(samples), "cpu": percentiles(cpu), "totals": totals}


def directory_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def run_size(n: int, query_count: int, workdir: Path) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from catalogue.search import rebuild_index
    from catalogue.search.generations import IndexHome

    db_path = workdir / f"bench-{n}.db"
    url = f"sqlite:///{db_path}"
    t = time.perf_counter()
    services = populate(url, n)
    print(f"\n== {n:,} services (generated from real procedures in {time.perf_counter() - t:.1f} s)")
    published = sum(s["status"] == "published" for s in services)
    queries = make_queries(services, query_count)
    index_dir = workdir / f"index-{n}"
    engine = create_engine(url)
    t = time.perf_counter()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    self_before = time.process_time()
    with Session(engine) as session:
        count = rebuild_index(session, index_dir=index_dir)
    build = time.perf_counter() - t
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    build_cpu = (cpu_after.ru_utime - cpu_before.ru_utime + cpu_after.ru_stime - cpu_before.ru_stime
                 + time.process_time() - self_before)
    load = os.getloadavg()[0]
    # Peak resident memory of the builder: the worker processes of a parallel build, or
    # this process when the build stays in one (ru_maxrss is in KB on Linux).
    children_mb = max(cpu_after.ru_maxrss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024
    size_mb = directory_mb(IndexHome.at(index_dir).current())
    print(f"load average during the build: {load:.1f} (other work on this machine slows every figure)")
    print(f"index build (both cores): {count:,} published services in {build:.1f} s = "
          f"{count / build:,.0f} services/s; index {size_mb:.1f} MB; peak memory of a builder process "
          f"{children_mb:.0f} MB")
    print(f"  build CPU time, all processes: {build_cpu:.1f} s (on 2 otherwise idle cores: about "
          f"{build_cpu / min(2, os.cpu_count() or 1):.0f} s)")
    proc = subprocess.run([sys.executable, "-m", "bench.search", "--worker", url, str(index_dir)],
                          input=json.dumps(queries), capture_output=True, text=True, cwd=ROOT)
    if proc.returncode:
        print(proc.stderr[-3000:])
        raise SystemExit("the worker failed")
    w = json.loads(proc.stdout.strip().splitlines()[-1])
    ref = fts5(url, queries)
    print(f"first search in a new worker (open + sync): {w['open_ms']:.0f} ms")
    for label in ("cold", "warm"):
        p50, p95 = w[f"module_{label}"]
        c50, c95 = w[f"module_{label}_cpu"]
        print(f"search module ({label}): p50 {p50:.1f} ms, p95 {p95:.1f} ms "
              f"(CPU time: p50 {c50:.1f} ms, p95 {c95:.1f} ms)")
    p50, p95 = w["random_words"]
    print(f"twelve long random words (did you mean): p50 {p50:.1f} ms, p95 {p95:.1f} ms "
          f"(CPU time: p50 {w['random_words_cpu'][0]:.1f} ms, p95 {w['random_words_cpu'][1]:.1f} ms)")
    if "api_warm" in w:
        p50, p95 = w["api_warm"]
        c50, c95 = w["api_warm_cpu"]
        print(f"GET /api/v1/services:  p50 {p50:.1f} ms, p95 {p95:.1f} ms "
              f"(x{p95 / w['module_warm'][1]:.2f} of the module's p95; CPU p50 {c50:.1f}, p95 {c95:.1f} ms)")
    else:
        print(f"GET /api/v1/services: not measured (answered {w.get('api_status')})")
    p50, p95 = ref["latency"]
    print(f"SQLite FTS5 reference: p50 {p50:.1f} ms, p95 {p95:.1f} ms (build {ref['build_s']:.1f} s; "
          f"CPU p50 {ref['cpu'][0]:.1f}, p95 {ref['cpu'][1]:.1f} ms)")
    cold, warm = w['module_cold'][1] / p95, w['module_warm'][1] / p95
    cpu_ratio = w['module_warm_cpu'][1] / max(ref['cpu'][1], 1e-6)
    print(f"p95 ratio Whoosh/FTS5: cold {cold:.2f}, warm {warm:.2f} (CPU time, warm: {cpu_ratio:.2f})")
    same = sum(a == b for a, b in zip(w["totals"], ref["totals"], strict=True))
    print(f"result counts equal to FTS5's on {same}/{len(queries)} queries; "
          f"worker peak memory {w['peak_mb']:.0f} MB; {published:,} published")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[720, 10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--worker", nargs=2, metavar=("URL", "INDEX_DIR"))
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], args.worker[1], json.loads(sys.stdin.read()))))
        return
    with tempfile.TemporaryDirectory(prefix="bench-search-", dir=args.workdir) as tmp:
        print(f"machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}")
        for n in args.sizes:
            run_size(n, args.queries, Path(tmp))


if __name__ == "__main__":
    main()
