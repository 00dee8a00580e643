"""Relevance of the search, measured on judged citizen queries (bench/relevance/queries.tsv).

    .venv/bin/python -m bench.relevance [--catalogue demo all PATH ...] [--misses N]

For each catalogue it loads a fresh SQLite database, builds the search index, asks every
judged query through ``search_services`` (relevance order, first page of 10, as the results
page does) and prints MRR@10, hit@3 and nDCG@10, the figures by kind of query, and the
queries whose service is not in the top 3 (with what came first).

Catalogues: ``demo`` is catalogue/demo/daklak.json.gz as it stands; ``all`` is every
record of the shared data that converts (scripts/build_demo.py's ``convert``), published,
so the judgement also holds once the demo grows to all in-scope records; a PATH is any
catalogue file. Only codes published in the evaluated catalogue are judged; a query with
no judged service left is skipped and counted.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "bench" / "relevance" / "queries.tsv"
DEMO = ROOT / "catalogue" / "demo" / "daklak.json.gz"
RECORDS = Path(os.environ.get("TTHC_RECORDS", "/work/shared/data/tthc-local.jsonl.gz"))
TOP = 10


@dataclass(frozen=True)
class Judged:
    query: str
    grades: dict[str, int]  # code -> 2 (the service asked for) or 1 (helps)
    kind: str


def load_queries(path: Path = QUERIES) -> list[Judged]:
    judged = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise ValueError(f"{path.name}:{number}: expected query, codes and kind separated by tabs")
        query, codes, kind = parts
        grades = {}
        for item in codes.split():
            code, _, grade = item.partition(":")
            grades[code] = int(grade or 2)
        judged.append(Judged(query, grades, kind))
    return judged


# ----------------------------------------------------------------------- the metrics

@dataclass
class Outcome:
    query: Judged
    ranked: list[str]           # codes, best first (top 10)
    names: list[str]
    grades: dict[str, int]      # judged codes present in the catalogue

    @property
    def first_right(self) -> int | None:
        """1-based rank of the first grade-2 service, None if not in the top 10."""
        return next((i + 1 for i, c in enumerate(self.ranked) if self.grades.get(c) == 2), None)

    @property
    def reciprocal_rank(self) -> float:
        rank = self.first_right
        return 1.0 / rank if rank else 0.0

    @property
    def hit3(self) -> bool:
        rank = self.first_right
        return rank is not None and rank <= 3

    @property
    def ndcg(self) -> float:
        gains = [2 ** self.grades.get(c, 0) - 1 for c in self.ranked[:TOP]]
        dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
        ideal = sorted((2 ** g - 1 for g in self.grades.values()), reverse=True)[:TOP]
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
        return dcg / idcg if idcg else 0.0


@dataclass
class Report:
    label: str
    services: int
    outcomes: list[Outcome] = field(default_factory=list)
    skipped: list[Judged] = field(default_factory=list)
    seconds: float = 0.0

    def _mean(self, values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    @property
    def mrr(self) -> float:
        return self._mean([o.reciprocal_rank for o in self.outcomes])

    @property
    def hit3(self) -> float:
        return self._mean([1.0 if o.hit3 else 0.0 for o in self.outcomes])

    @property
    def ndcg(self) -> float:
        return self._mean([o.ndcg for o in self.outcomes])

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.hit3]


def evaluate(session: Any, judged: list[Judged], label: str, **search_options: Any) -> Report:
    """Ask every judged query of which some service is published; ``session`` is a
    SQLAlchemy session of the catalogue (with its search index configured)."""
    from sqlalchemy import select

    from catalogue.models import Service, Status
    from catalogue.search import SearchQuery, search_services

    published = set(session.scalars(select(Service.code).where(Service.status == Status.PUBLISHED)))
    report = Report(label, len(published))
    start = time.perf_counter()
    for item in judged:
        grades = {c: g for c, g in item.grades.items() if c in published}
        if not any(g == 2 for g in grades.values()):
            report.skipped.append(item)
            continue
        result = search_services(session, SearchQuery(q=item.query, per_page=TOP), **search_options)
        report.outcomes.append(Outcome(item, [h.service.code for h in result.hits],
                                       [h.service.name for h in result.hits], grades))
    report.seconds = time.perf_counter() - start
    return report


# ------------------------------------------------------------------- the catalogues

def all_records_catalogue(records: Path = RECORDS) -> dict[str, Any]:
    """Every record of the shared data that converts, as one published catalogue.

    Uses ``convert`` (parsing the portal's flattened tables) and, where it answers, ``place``
    (the owning agency) from scripts/build_demo.py; records it leaves out of the demo's scope
    go to the province's root agency. All are level 1: the level does not rank.
    """
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import build_demo as bd
    finally:
        sys.path.pop(0)
    from catalogue.text import slugify

    root = ("ubnd-tinh", "Ủy ban nhân dân tỉnh Đắk Lắk")
    agencies = {root[0]: {"code": root[0], "name": root[1], "parent": None}}
    known = {}
    for name in ("DEPARTMENTS", "DISTRICTS"):
        for code, agency_name in getattr(bd, name, []):
            known[code] = agency_name
    fields: dict[str, dict[str, str]] = {}
    field_code_of: dict[str, str] = {}
    services = []
    seen = set()
    with gzip.open(records, "rt", encoding="utf-8") as fh:
        for line in fh:
            try:
                rec = bd.convert(json.loads(line))
            except Exception:  # noqa: BLE001 - what the demo builder cannot read is left out
                continue
            if rec["code"] in seen:
                continue
            seen.add(rec["code"])
            try:
                where = bd.place(rec)
            except Exception:  # noqa: BLE001
                where = "unknown"
            agency, tier = (where[0], where[1]) if not isinstance(where, str) else (root[0], "province")
            if agency not in agencies:
                agencies[agency] = {"code": agency, "name": known.get(agency, agency), "parent": root[0]}
            field_code = field_code_of.get(rec["field_name"])
            if field_code is None:
                base = slugify(rec["field_name"])[:28].strip("-") or "khac"
                field_code = base
                while field_code in fields:
                    field_code = f"{base}-{len(fields)}"
                field_code_of[rec["field_name"]] = field_code
                fields[field_code] = {"code": field_code, "name": rec["field_name"]}
            services.append({
                "code": rec["code"], "name": rec["name"], "level": 1, "agency": agency,
                "field": field_code, "tier": tier, "audience": rec.get("audience") or "citizen",
                "summary": "", "steps": rec["steps"],
                "documents": [{"name": d["name"], "copies": d.get("copies", 1)} for d in rec["documents"]],
                "legal_basis": rec["legal_basis"], "requirements": rec.get("requirements") or "",
                "result": rec.get("result") or "", "forms": [], "status": "published",
                "published_at": "2011-01-03T09:00:00+07:00",
            })
    return {"agencies": list(agencies.values()), "fields": list(fields.values()), "services": services}


def _catalogue_of(payload: dict[str, Any]) -> Any:
    """A parsed catalogue, keeping only the services that pass validation (so one record
    the contract refuses does not stop the evaluation)."""
    from catalogue.file_formats import Catalogue
    from catalogue.validation import ValidationError, validate_service

    agency_codes = {a["code"] for a in payload["agencies"]}
    field_codes = {f["code"] for f in payload["fields"]}
    services = []
    for i, s in enumerate(payload["services"]):
        try:
            validate_service(s, agency_codes=agency_codes, field_codes=field_codes, with_history=True)
        except ValidationError:
            continue
        services.append((f"services[{i}]", s))
    return Catalogue(agencies=[(f"agencies[{i}]", a) for i, a in enumerate(payload["agencies"])],
                     fields=[(f"fields[{i}]", f) for i, f in enumerate(payload["fields"])],
                     services=services)


def load_payload(which: str) -> dict[str, Any]:
    if which == "all":
        return all_records_catalogue()
    path = DEMO if which == "demo" else Path(which)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def run(which: str, judged: list[Judged], workdir: Path) -> Report:
    import logging

    from flask_migrate import upgrade

    from catalogue.operations import Actor
    from catalogue.search import rebuild_index
    from catalogue.transfer import import_catalogue
    from portal import create_app
    from portal.extensions import db

    slug = "".join(ch if ch.isalnum() else "-" for ch in which)[-40:]
    db_path = workdir / f"relevance-{slug}.db"
    reuse = db_path.exists()
    url = f"sqlite:///{db_path}"
    index_dir = workdir / f"index-{slug}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SEARCH_INDEX_DIR": str(index_dir),
                      "SECRET_KEY": "relevance", "TESTING": True})
    with app.app_context():
        if not reuse:
            logging.disable(logging.INFO)  # the migrations' progress lines
            try:
                upgrade(directory=app.extensions["migrate"].directory)
            finally:
                logging.disable(logging.NOTSET)
            import_catalogue(db.session, _catalogue_of(load_payload(which)), Actor("relevance"))
            db.session.commit()
            rebuild_index(db.session)
        report = evaluate(db.session, judged, which)
        db.session.remove()
        db.engine.dispose()
    return report


# ------------------------------------------------------------------------ printing

def print_report(report: Report, misses: int) -> None:
    n = len(report.outcomes)
    print(f"\n== {report.label}: {report.services:,} published services; {n} judged queries "
          f"({len(report.skipped)} skipped: none of their services is in this catalogue); "
          f"{report.seconds * 1000 / max(n, 1):.1f} ms a query")
    print(f"MRR@10 {report.mrr:.3f}   hit@3 {report.hit3 * 100:.1f} % "
          f"({sum(o.hit3 for o in report.outcomes)}/{n})   nDCG@10 {report.ndcg:.3f}")
    kinds: dict[str, list[Outcome]] = defaultdict(list)
    for o in report.outcomes:
        kinds[o.query.kind].append(o)
    for kind in sorted(kinds):
        group = kinds[kind]
        mrr = sum(o.reciprocal_rank for o in group) / len(group)
        hit3 = sum(o.hit3 for o in group) / len(group) * 100
        print(f"  {kind:<9} {len(group):>3} queries: MRR@10 {mrr:.3f}, hit@3 {hit3:5.1f} %")
    shown = report.misses[:misses]
    if shown:
        print(f"Misses (right service not in the top 3): {len(report.misses)}")
    for o in shown:
        rank = o.first_right
        wanted = " ".join(c for c, g in o.grades.items() if g == 2)
        print(f"  - {o.query.query!r} wants {wanted}: "
              f"{'rank ' + str(rank) if rank else 'not in the top 10'}")
        for code, name in list(zip(o.ranked, o.names, strict=True))[:3]:
            print(f"      {code} {name[:90]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalogue", nargs="+", default=["demo", "all"],
                        help="demo, all (every convertible record) or a catalogue file")
    parser.add_argument("--misses", type=int, default=100, help="how many misses to print")
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep the databases and indexes here and reuse them on the next run "
                             "(delete the folder after changing the catalogue or the index schema)")
    args = parser.parse_args(argv)
    judged = load_queries(args.queries)
    print(f"{len(judged)} judged queries in {args.queries}")
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        for which in args.catalogue:
            print_report(run(which, judged, args.workdir), args.misses)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-relevance-") as tmp:
        for which in args.catalogue:
            print_report(run(which, judged, Path(tmp)), args.misses)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
