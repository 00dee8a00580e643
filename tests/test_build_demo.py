"""scripts/build_demo.py: the demo catalogue of Đắk Lắk (July 2011) built from real records.

The script is run as a program (subprocess) into a temporary folder, and its parsing
functions are loaded from its file; nothing of the portal is imported. Every test is
skipped when the raw data (../shared/data next to the repository) is not there.
"""

from __future__ import annotations

import datetime as dt
import gzip
import importlib.util
import json
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "build_demo.py"
RAW = ROOT.parent / "shared" / "data" / "tthc-local.jsonl.gz"
COMMITTED = ROOT / "catalogue" / "demo" / "daklak.json.gz"

if not RAW.exists():
    pytest.skip(f"raw data not found: {RAW}", allow_module_level=True)

CODE_RE = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
TZ = dt.timezone(dt.timedelta(hours=7))
PERIOD_START = dt.datetime(2010, 1, 4, tzinfo=TZ)
AS_OF = dt.datetime(2011, 7, 7, 23, 59, 59, tzinfo=TZ)


def _run(output: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--input", str(RAW), "--output", str(output)],
        capture_output=True, text=True, timeout=600, check=False,
    )


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "daklak.json.gz"
    proc = _run(out)
    assert proc.returncode == 0, proc.stderr
    with gzip.open(out, "rt", encoding="utf-8") as fh:
        catalogue = json.load(fh)
    return {"path": out, "proc": proc, "catalogue": catalogue}


@pytest.fixture(scope="module")
def catalogue(build):
    return build["catalogue"]


@pytest.fixture(scope="module")
def services(catalogue):
    return {s["code"]: s for s in catalogue["services"]}


@pytest.fixture(scope="module")
def bd():
    spec = importlib.util.spec_from_file_location("build_demo", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def raw():
    with gzip.open(RAW, "rt", encoding="utf-8") as fh:
        return {r["ma_thu_tuc"]: r for r in map(json.loads, fh)}


def _when(value: str) -> dt.datetime:
    stamp = dt.datetime.fromisoformat(value)
    assert stamp.tzinfo is not None, value
    return stamp


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


# --------------------------------------------------------------------------- the run

def test_summary_and_unparseable_report(build):
    out, err = build["proc"].stdout, build["proc"].stderr
    assert re.search(r"records read:\s+1601", out)
    assert "published at level >= 2 on 2011-07-07 (online_total): 661" in out
    reported = [line for line in err.splitlines() if ": unparseable: " in line]
    # Nothing is dropped silently: each unparseable record is named with its reason and
    # the summary counts exactly those.
    assert reported
    for line in reported:
        code, _, reason = line.partition(": unparseable: ")
        assert CODE_RE.match(code) and reason
    assert re.search(rf"unparseable:\s+{len(reported)}\b", out)
    read = int(re.search(r"records read:\s+(\d+)", out).group(1))
    parsed = int(re.search(r"parsed:\s+(\d+)", out).group(1))
    assert read == parsed + len(reported)


def test_rebuild_is_byte_identical(build, tmp_path):
    again = tmp_path / "again.json.gz"
    assert _run(again).returncode == 0
    assert again.read_bytes() == build["path"].read_bytes()


def test_committed_demo_is_the_build(build):
    assert COMMITTED.exists(), "catalogue/demo/daklak.json.gz is missing"
    assert COMMITTED.read_bytes() == build["path"].read_bytes()
    assert COMMITTED.stat().st_size < 5_000_000


# --------------------------------------------------------------------------- parsing

def test_steps_in_order(bd, raw, services):
    steps = bd.parse_steps(raw["1.000005"]["trinh_tu_thuc_hien"])
    assert len(steps) == 3
    assert steps[0].startswith("Doanh nghiệp gửi hồ sơ đề nghị làm thủ tục hải quan")
    assert steps[1].startswith("Khi nhận được văn bản thông báo về cung cấp khí")
    assert steps[2] == "Doanh nghiệp thực hiện nộp thuế và các khoản phí theo quy định."
    assert not any("Bước" in s[:6] for s in steps)
    # In the catalogue: a record with titled steps "Bước 1: Nộp hồ sơ …" … "Bước 5".
    titles = [s.split(":")[0] for s in services["1.014268"]["steps"]]
    assert titles == ["Nộp hồ sơ (tổ chức, cá nhân)", "Tiếp nhận và kiểm tra hồ sơ",
                      "Thẩm định hồ sơ", "Xem xét, quyết định", "Trả kết quả"]


def test_documents_with_copies(bd, raw, services):
    docs, ok = bd.parse_documents(raw["1.000005"]["thanh_phan_ho_so"])
    assert ok and len(docs) == 18
    names = [d["name"] for d in docs]
    assert names[0].startswith("Tờ khai hàng hóa nhập khẩu theo các chỉ tiêu thông tin")
    assert docs[0]["form"] and docs[0]["copies"] == 1
    assert any(n.startswith("Hóa đơn thương mại") for n in names)
    # Section headings of the table are not documents.
    assert not any(n.startswith(("1. Chứng từ", "2. Hồ sơ", "Tên giấy tờ")) for n in names)

    # "1 bản chính,1 bản sao" is two copies; the form file name is not part of the name.
    docs = services["1.008990"]["documents"]
    assert docs == [
        {"name": "Đơn đề nghị cấp lại chứng chỉ hành nghề theo mẫu số 03 Phụ lục III của "
                 "Nghị định số 85/2020/NĐ-CP ngày 17/7/2020 của Chính phủ quy định chi tiết "
                 "một số điều của Luật Kiến trúc.", "copies": 2},
        {"name": "Bản gốc chứng chỉ hành nghề kiến trúc đã được cấp.", "copies": 2},
    ]
    assert [f["title"] for f in services["1.008990"]["forms"]] == [docs[0]["name"]]
    for service in services.values():
        for doc in service["documents"]:
            assert doc["name"] and isinstance(doc["copies"], int) and 1 <= doc["copies"] <= 99
            assert not doc["name"].lower().endswith((".docx", ".doc", ".pdf"))


def test_legal_basis(bd, raw, services):
    items, years = bd.parse_legal(raw["1.000005"]["can_cu_phap_ly"])
    assert items == ["Luật 54/2014/QH13", "Thông tư 92/2015/TT-BTC", "Luật 78/2006/QH11"]
    assert 2006 in years
    legal = services["1.008990"]["legal_basis"]
    assert "Nghị định 85/2020/NĐ-CP" in legal
    assert ("Thông tư quy định về hồ sơ thiết kế kiến trúc và mẫu chứng chỉ hành nghề kiến "
            "trúc (03/2020/TT-BXD)") in legal
    for service in services.values():
        for item in service["legal_basis"]:
            assert item and "\n" not in item and not item.startswith("Tên văn bản")


def test_channels_fees_and_days(bd, raw, services):
    rows = bd.parse_channels(raw["1.000005"]["cach_thuc_thuc_hien"])
    assert [r["channel"] for r in rows] == ["Trực tuyến"]
    assert rows[0]["fee"]["amount"] == 20_000  # "Trực tuyến120,000 VNĐ(…)": time 1, fee 20,000
    assert bd.fees_text(rows, True).startswith("20.000 đồng (Theo khoản 1 Điều 3")
    assert bd.processing_days(rows) == 1

    both = services["1.002055"]  # fee on paper, free online ("1 VNĐ … được miễn lệ phí")
    assert both["level"] >= 3
    assert both["fees"].startswith("Trực tiếp, Dịch vụ bưu chính: 50.000 đồng")
    assert both["fees"].endswith("Trực tuyến: miễn phí")
    assert services["1.008990"]["fees"] == "Không thu phí"
    assert services["1.008990"]["processing_days"] == 2
    for service in services.values():
        days = service["processing_days"]
        assert days is None or (isinstance(days, int) and 0 <= days <= 3650)
        assert service["fees"]


def test_text_is_nfc_and_empty_markers_dropped(raw, services, catalogue):
    nfd = raw["1.002549"]["ten_thu_tuc"]
    assert nfd != unicodedata.normalize("NFC", nfd)
    assert services["1.002549"]["name"] == unicodedata.normalize("NFC", nfd).strip()
    for text in _strings(catalogue):
        assert text == unicodedata.normalize("NFC", text)
        assert text.strip().lower() != "không có thông tin"
    assert raw["1.008990"]["yeu_cau_dieu_kien"] == "Không có thông tin"
    assert services["1.008990"]["requirements"] == ""
    assert "Mã: KQ" not in services["1.008990"]["result"]
    assert services["1.008990"]["result"].startswith("Chứng chỉ hành nghề kiến trúc")


# --------------------------------------------------------------------------- the catalogue

def test_exactly_661_online_services(bd, catalogue):
    services = catalogue["services"]
    on = [bd.history.state_on(s, AS_OF.date()) for s in services]
    published = [st for st in on if st and st["status"] == "published"]
    online = [st for st in published if st["level"] >= 2]
    assert len(online) == 661
    levels = Counter(st["level"] for st in online)
    assert levels[4] == 6 and levels[3] == 235 and levels[2] == 420
    assert Counter(st["level"] for st in published)[1] >= 20
    assert {st["tier"] for st in published} == {"province", "district", "commune"}
    statuses = Counter(s["status"] for s in services)
    assert 20 <= statuses["draft"] and 10 <= statuses["archived"]


def test_levels_have_forms_and_online_url(catalogue):
    for s in catalogue["services"]:
        assert s["level"] in (1, 2, 3, 4)
        if s["level"] >= 2:
            assert s["forms"], s["code"]
            for form in s["forms"]:
                assert form["title"] and len(form["title"]) <= 500
                assert form["url"].startswith(("https://", "http://"))
        if s["level"] >= 3:
            assert s["online_url"] == f"https://dichvucong.daklak.gov.vn/nop-truc-tuyen/{s['code']}"
            assert "trực tuyến" in s["method"]
        else:
            assert s["online_url"] is None
            assert "Trực tuyến" not in s["fees"]


def test_dates_from_2010_to_today(bd, catalogue):
    end = dt.datetime.combine(bd.history.STORY_END, dt.time(23, 59), TZ)
    cohort = []
    for s in catalogue["services"]:
        updated = _when(s["updated_at"])
        if s["status"] == "draft":
            assert s["published_at"] is None and not s["history"]
            assert updated.year == 2011
            continue
        when = _when(s["published_at"])
        assert s["history"][0]["at"] == s["published_at"]
        moments = [_when(h["at"]) for h in s["history"]]
        assert moments == sorted(moments) and PERIOD_START <= when and moments[-1] <= end
        assert updated == moments[-1]
        if when <= AS_OF:
            assert when.weekday() < 5
            assert dt.time(7, 30) <= when.timetz().replace(tzinfo=None) <= dt.time(17, 0)
            cohort.append(s)
    # Growing over time: more in the first half of 2011 than in the first half of 2010.
    first_2010 = sum(1 for s in cohort if s["published_at"] < "2010-07")
    first_2011 = sum(1 for s in cohort if s["published_at"] >= "2011-01")
    assert first_2011 > 2 * first_2010


def test_the_story_through_the_schemes(bd, catalogue):
    services = catalogue["services"]
    h = bd.history
    # Every history replays to today's record.
    for s in services:
        state = h.state_on(s, h.STORY_END)
        if state is not None:
            assert {k: s[k] for k in state} == state, s["code"]
    # Decree 42 on 2022-08-01: kinds appear that day, at midnight, and not before.
    before, after = h.figures(services, dt.date(2022, 7, 31)), h.figures(services, h.DECREE_42)
    assert before["by_kind"]["partial"] == before["by_kind"]["full"] == 0
    assert after["by_kind"]["partial"] > 300 and after["by_kind"]["full"] >= 6
    # Two tiers from 2025-07-01: the district tier empties that day.
    assert h.figures(services, dt.date(2025, 6, 30))["by_tier"]["district"] > 50
    assert h.figures(services, h.TWO_TIER)["by_tier"]["district"] == 0
    # Decree 224 review on 2026-07-01: toàn trình the default, every partial with a reason.
    reviewed = h.figures(services, h.DECREE_224)
    assert reviewed["by_kind"]["full"] > reviewed["by_kind"]["partial"]
    for s in services:
        if s["status"] == "published":
            assert s["tier"] != "district"
            if s["online_kind"] == "partial":
                assert s["partial_reason"] in ("presence", "verification", "technical")
            assert (s["level"] == 4) == (s["online_kind"] == "full"), s["code"]


def test_later_services_are_dated_by_their_legal_basis(bd, raw, catalogue):
    checked = 0
    for s in catalogue["services"]:
        if s["status"] != "published" or _when(s["published_at"]) <= AS_OF:
            continue
        facts = bd.history.raw_facts(raw[s["code"]])
        day, grounds = bd.history.publication_day(s["code"], facts)
        assert s["published_at"][:10] == day.isoformat()
        dates = [d for d in facts["legal_dates"] if d > AS_OF.date()]
        if dates and max(dates) <= bd.history.STORY_END:
            assert grounds == "legal basis date" and day > max(dates)
            assert (day - max(dates)).days <= 3
            checked += 1
    assert checked >= 20


def test_codes_and_references(catalogue):
    agencies = {a["code"]: a for a in catalogue["agencies"]}
    fields = {f["code"]: f for f in catalogue["fields"]}
    codes = [s["code"] for s in catalogue["services"]]
    assert len(codes) == len(set(codes))
    assert codes == sorted(codes)
    for code in [*codes, *agencies, *fields]:
        assert CODE_RE.match(code), code
    for code in [*agencies, *fields]:
        assert code == code.lower() and code.isascii()
    for s in catalogue["services"]:
        assert s["agency"] in agencies and s["field"] in fields
        assert s["tier"] in ("province", "district", "commune")
        assert s["audience"] in ("citizen", "business", "both")
        assert s["status"] in ("draft", "published", "archived")
        assert s["name"] and len(s["name"]) <= 500
        assert s["steps"] and all(step and "\n" not in step for step in s["steps"])
        assert s["summary"].startswith("Thủ tục “")
    # The tree: one root, every parent exists, every agency owns a service or is the
    # parent of one that does.
    roots = [a for a in agencies.values() if a["parent"] is None]
    assert [r["code"] for r in roots] == ["ubnd-tinh"]
    assert agencies["ubnd-tinh"]["name"] == "Ủy ban nhân dân tỉnh Đắk Lắk"
    for a in agencies.values():
        assert a["parent"] is None or a["parent"] in agencies
    owners = {s["agency"] for s in catalogue["services"]} | {
        h["set"]["agency"] for s in catalogue["services"] for h in s["history"]
        if "agency" in h["set"]}
    parents = {a["parent"] for a in agencies.values()}
    assert set(agencies) == owners | (parents - {None})
    # In the three-tier years the 15 district units held what was not provincial; today
    # the communes (ubnd-cap-xa) do.
    districts = {c for c, a in agencies.items() if a["parent"] == "cap-huyen"}
    assert 10 <= len(districts) <= 15 and "ubnd-tp-buon-ma-thuot" in districts
    for s in catalogue["services"]:
        if s["status"] != "archived":
            assert (s["agency"] == "ubnd-cap-xa") == (s["tier"] != "province"), s["code"]
        first = s["history"][0]["set"] if s["history"] else s
        if first["tier"] != "province" and s["published_at"] and s["published_at"] < "2025-07":
            assert first["agency"] in districts, s["code"]
    assert agencies.get("so-tu-phap", {}).get("name") == "Sở Tư pháp"
    assert services_of(catalogue, "so-tu-phap")


def services_of(catalogue, agency):
    return [s for s in catalogue["services"] if s["agency"] == agency]


def test_civil_status_is_justice_or_commune(catalogue):
    for s in catalogue["services"]:
        if s["field"] == "ho-tich":
            assert (s["tier"], s["agency"] == "so-tu-phap") in (("province", True),
                                                                  ("commune", False))
