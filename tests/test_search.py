"""Search as a citizen types it: Vietnamese folding and ranking, facets, highlights,
suggestions, malformed input, and an index that repairs itself. Real names of public
services (from the National Public Service Portal) throughout."""

from __future__ import annotations

import shutil
import threading
import time
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import select, text

from catalogue.models import ChangeLog
from catalogue.operations import Actor, change_status, find_service, update_service
from catalogue.search import SearchQuery, search_services, suggest
from catalogue.search.generations import IndexHome
from catalogue.search.state import read_state
from catalogue.search.sync import sync_lock
from catalogue.validation import validate_service
from portal.extensions import db
from tests.support import service_data

NAMES = {
    "ban-do": "Cấp, gia hạn, cấp lại, cấp đổi chứng chỉ hành nghề đo đạc và bản đồ hạng II",
    "buon-ban": "Cấp Giấy chứng nhận đủ điều kiện buôn bán thuốc thú y",
    "uy-ban": "Giải quyết tranh chấp đất đai thuộc thẩm quyền của Chủ tịch Ủy ban nhân dân cấp tỉnh",
    "gplx": "Cấp lại giấy phép lái xe",
    "dao-tao": "Cấp Giấy phép đào tạo lái xe, cấp Giấy phép xe tập lái",
    "dao-tao-2": ("Cấp lại Giấy phép đào tạo lái xe ô tô khi bị mất, bị hỏng, có sự thay đổi "
                  "về tên của cơ sở đào tạo"),
    "khai-sinh": "Thủ tục đăng ký khai sinh",
    "khai-sinh-nn": "Thủ tục đăng ký khai sinh có yếu tố nước ngoài tại khu vực biên giới",
    "ket-hon": "Thủ tục đăng ký kết hôn",
    "hoa-giai": "Hòa giải tranh chấp đất đai",
}


def publish(make_service, key: str, **overrides):
    defaults = {"code": key, "name": NAMES[key], "summary": "Thủ tục hành chính.",
                "steps": ["Nộp hồ sơ."], "documents": [{"name": "Đơn đề nghị", "copies": 1}],
                "result": "Văn bản trả lời", "forms": [{"title": "Mẫu đơn", "url": "https://example.gov.vn/m.doc"}],
                "legal_basis": ["Luật Tiếp cận thông tin"]}
    defaults.update(overrides)
    return make_service(status="published", **defaults)


def codes(q: str, **filters) -> list[str]:
    result = search_services(db.session, SearchQuery(q=q, **filters))
    return [hit.service.code for hit in result.hits]


@pytest.fixture
def catalogue(make_service):
    return {key: publish(make_service, key) for key in NAMES}


# ---------------------------------------------------------------- Vietnamese matching

@pytest.mark.parametrize("typed", [
    "dang ky khai sinh", "Đăng ký khai sinh", "ĐĂNG KÝ KHAI SINH", "đăng ky khai sinh",
    unicodedata.normalize("NFD", "đăng ký khai sinh"),
])
def test_accents_case_and_d_are_folded(catalogue, typed):
    found = codes(typed)
    assert set(found) == {"khai-sinh", "khai-sinh-nn"}
    assert found[0] == "khai-sinh"  # the shorter, exact name first


def test_d_stroke_folds_to_d(catalogue):
    assert set(codes("dat dai")) == {"uy-ban", "hoa-giai"}
    assert codes("Đất Đai") == codes("dat dai")


def test_typed_diacritics_put_the_exact_syllable_first(catalogue):
    # "ban" without marks finds bản, bán and ban alike...
    assert {"ban-do", "buon-ban", "uy-ban"} <= set(codes("ban"))
    # ...but whoever typed "bản" means bản: it is not buried under the shorter "bán" names.
    assert codes("bản")[0] == "ban-do"
    assert codes("bán")[0] == "buon-ban"
    assert codes("ủy ban")[0] == "uy-ban"


def test_phrase_ranks_above_scattered_words(catalogue):
    found = codes("giay phep lai xe")
    assert found[0] == "gplx"
    assert {"dao-tao", "dao-tao-2"} <= set(found)


def test_name_code_and_agency_weigh_more_than_the_body(make_service):
    in_body = publish(make_service, "ket-hon", code="BODY.1", name="Cấp bản sao trích lục hộ tịch",
                      summary="Cấp bản sao trích lục kết hôn, khai sinh, khai tử.")
    in_name = publish(make_service, "ket-hon", code="NAME.1")
    assert codes("ket hon")[:2] == [in_name.code, in_body.code]
    assert codes("name.1")[0] == "NAME.1"


def test_the_agency_name_outranks_a_mention_in_the_body(make_service):
    mentions = publish(make_service, "ket-hon", code="BODY.2",
                       summary="Hồ sơ chuyển sang Sở Kế hoạch và Đầu tư để lấy ý kiến.")
    owned = publish(make_service, "ket-hon", code="AGENCY.2", agency="so-ke-hoach-va-dau-tu")
    publish(make_service, "ket-hon", code="OTHER.2")
    assert codes("so ke hoach va dau tu") == [owned.code, mentions.code]


def test_services_matching_most_words_still_come_ranked(catalogue):
    # every word matches one service: it comes first, the near misses after it
    assert codes("khai sinh biên giới")[0] == "khai-sinh-nn"
    # no service holds all four words: those holding most of them come, not nothing
    assert set(codes("khai sinh kết hôn")) == {"khai-sinh", "khai-sinh-nn", "ket-hon"}
    # one word of four is not enough
    assert codes("khai xyz abc qwe") == []


def test_only_published_services_are_found(make_service):
    publish(make_service, "khai-sinh")
    make_service(status="draft", code="draft.1", name="Thủ tục đăng ký khai sinh lưu động")
    make_service(status="archived", code="arch.1", name="Thủ tục đăng ký khai sinh kết hợp nhận cha, mẹ, con")
    assert codes("khai sinh") == ["khai-sinh"]


# ---------------------------------------------------------------- results around the list

def test_highlights_mark_matches_in_the_original_spelling(catalogue):
    result = search_services(db.session, SearchQuery(q="dang ky khai sinh"))
    hit = next(h for h in result.hits if h.service.code == "khai-sinh")
    assert str(hit.highlights["name"]) == ("Thủ tục <mark>đăng</mark> <mark>ký</mark> "
                                           "<mark>khai</mark> <mark>sinh</mark>")


def test_highlights_escape_html(make_service):
    publish(make_service, "khai-sinh", summary="Khai sinh cho trẻ <em>em</em> & người lớn.")
    hit = search_services(db.session, SearchQuery(q="khai sinh")).hits[0]
    assert str(hit.highlights["summary"]).startswith("<mark>Khai</mark> <mark>sinh</mark> cho trẻ &lt;em&gt;")


def test_facets_count_with_the_other_filters_applied(make_service):
    publish(make_service, "khai-sinh", level=3)
    publish(make_service, "khai-sinh-nn", level=2, agency="so-ke-hoach-va-dau-tu")
    publish(make_service, "ket-hon", level=3)
    result = search_services(db.session, SearchQuery(q="dang ky", level=3))
    assert result.total == 2
    # the level facet ignores the level filter, so the other choice stays visible
    assert result.facets["level"] == {"2": 1, "3": 2}
    # the agency facet is counted within level 3
    assert result.facets["agency"] == {"so-tu-phap": 2}
    assert result.facets["tier"] == {"commune": 2}
    both = search_services(db.session, SearchQuery(q="dang ky", level=3, agency="so-ke-hoach-va-dau-tu"))
    assert both.total == 0 and both.facets["level"] == {"2": 1}


def test_filters_without_words_list_the_catalogue_by_name(catalogue):
    result = search_services(db.session, SearchQuery(field="ho-tich", per_page=3, page=2))
    assert result.total == len(NAMES)
    names = [h.service.name for h in search_services(db.session, SearchQuery(per_page=100)).hits]
    assert names[3:6] == [h.service.name for h in result.hits]
    assert codes("", agency="no-such-agency") == []


def test_sort_newest_and_paging(catalogue):
    newest = search_services(db.session, SearchQuery(sort="newest", per_page=2))
    assert newest.total == len(NAMES) and len(newest.hits) == 2
    stamps = [h.service.published_at for h in newest.hits]
    assert stamps == sorted(stamps, reverse=True)
    assert search_services(db.session, SearchQuery(q="khai sinh", page=5)).hits == []


def test_did_you_mean_for_an_unknown_word(catalogue):
    result = search_services(db.session, SearchQuery(q="khai sihn"))
    assert result.suggestion == "khai sinh"
    assert result.hits[0].service.code == "khai-sinh"  # the correction ranks, below what was typed
    assert search_services(db.session, SearchQuery(q="khai sinh")).suggestion is None


MALFORMED = [
    '"', "'", "*", "?", "khai*", '"khai sinh', "khai sinh\"", "AND", "OR (", "NOT", "title:",
    "name:khai", "khai~2", "(((", ")", "[", "{}", "-", "+", "\\", "%", "_", "khai\x00sinh", "\x00",
    "a" * 5000, "khai sinh " * 700, "🙂", "<script>alert(1)</script>", "\u200b", "   ", "đ" * 5000,
]


def test_any_query_string_is_safe(catalogue, client):
    for q in MALFORMED:
        for sort in ("relevance", "name", "newest"):
            result = search_services(db.session, SearchQuery(q=q, sort=sort, level=3))
            assert result.total == len(result.hits) <= len(NAMES), q
        answer = client.get("/api/v1/suggest", query_string={"q": q})
        assert answer.status_code == 200, q
        assert isinstance(answer.get_json()["suggestions"], list)


def test_malformed_queries_give_results_or_a_message(catalogue):
    assert codes("khai\x00sinh") == ["khai-sinh", "khai-sinh-nn"]  # a NUL separates words
    assert set(codes('"khai sinh')) == {"khai-sinh", "khai-sinh-nn"}
    star = search_services(db.session, SearchQuery(q="*"))
    assert star.total == len(NAMES) and "toàn bộ danh mục" in star.notice
    long = search_services(db.session, SearchQuery(q="khai sinh " * 700))
    assert long.total == 2 and "12 từ đầu tiên" in long.notice


# ------------------------------------------------------------------------ suggestions

def test_suggest_names_starting_like_the_typing(catalogue, client):
    answer = client.get("/api/v1/suggest", query_string={"q": "thu tuc dang ky kh"})
    assert answer.status_code == 200
    assert answer.get_json()["suggestions"] == [
        {"code": "khai-sinh", "name": NAMES["khai-sinh"]},
        {"code": "khai-sinh-nn", "name": NAMES["khai-sinh-nn"]},
    ]
    typed = client.get("/api/v1/suggest?q=Cấp lại giấy").get_json()["suggestions"]
    # names starting so, the closest first; then names holding the words anywhere
    assert [s["code"] for s in typed] == ["gplx", "dao-tao-2", "dao-tao"]


def test_suggest_then_names_holding_the_words(catalogue):
    found = [code for code, _ in suggest(db.session, "khai si")]
    assert set(found) == {"khai-sinh", "khai-sinh-nn"}
    assert suggest(db.session, "") == []
    assert len(suggest(db.session, "c", limit=3)) == 3


def test_suggest_api_limits_to_ten(make_service, client):
    for i in range(12):
        publish(make_service, "khai-sinh", code=f"ks.{i:02d}", name=f"Thủ tục đăng ký khai sinh lần {i}")
    answer = client.get("/api/v1/suggest?q=thu tuc dang")
    assert len(answer.get_json()["suggestions"]) == 10
    assert client.get("/api/v1/suggest").get_json() == {"suggestions": []}


# ------------------------------------------------------- staying right, repairing itself

def test_changes_are_found_at_once(catalogue, catalogue_refs):
    assert codes("giay phep lai xe")[0] == "gplx"
    service = find_service(db.session, "gplx")
    renamed = service_data(code="gplx", name="Đổi bằng điều khiển phương tiện cơ giới đường bộ")
    clean = validate_service(renamed,
                             agency_codes={a.code for a in catalogue_refs["agencies"]},
                             field_codes={f.code for f in catalogue_refs["fields"]})
    update_service(db.session, service, clean, Actor("test"), expected_version=service.version)
    db.session.commit()
    assert codes("doi bang dieu khien") == ["gplx"]
    assert "gplx" not in codes("giay phep lai xe")
    change_status(db.session, find_service(db.session, "gplx"), "archived", Actor("test"))
    db.session.commit()
    assert "gplx" not in codes("doi bang dieu khien")


def test_a_change_committed_out_of_order_is_not_missed(catalogue, make_service, app):
    """PostgreSQL may commit change-log id 11 before id 10; the sync must still apply 10."""
    codes("khai sinh")  # the index now reflects every row so far
    top = db.session.scalar(select(ChangeLog.id).order_by(ChangeLog.id.desc()).limit(1))
    later = make_service(status="published", code="later", name="Thủ tục đăng ký lại kết hôn")
    db.session.execute(text("UPDATE change_log SET id = id + 100 WHERE service_id = :s"), {"s": later.id})
    db.session.commit()
    assert "later" in codes("dang ky lai ket hon")  # ids top+101.. applied, top+1..top+100 are gaps
    earlier = make_service(status="published", code="earlier", name="Thủ tục đăng ký kết hôn lưu động")
    rows = db.session.scalars(select(ChangeLog).where(ChangeLog.service_id == earlier.id)
                              .order_by(ChangeLog.id)).all()
    for n, row in enumerate(rows, start=1):  # as if its transaction had begun first
        db.session.execute(text("UPDATE change_log SET id = :new WHERE id = :old"),
                           {"new": top + n, "old": row.id})
    db.session.commit()
    assert "earlier" in codes("ket hon luu dong")


def test_a_busy_writer_makes_a_search_wait_not_fail(catalogue, make_service, app):
    codes("khai sinh")
    directory = IndexHome.at(app.config["SEARCH_INDEX_DIR"]).current()
    held = threading.Event()

    def hold():
        with sync_lock(directory):
            held.set()
            time.sleep(0.6)

    worker = threading.Thread(target=hold)
    worker.start()
    held.wait(5)
    publish(make_service, "ket-hon", code="late.1", name="Thủ tục đăng ký lại kết hôn")
    assert "late.1" in codes("dang ky lai ket hon")
    worker.join()


def test_a_missing_index_is_rebuilt(catalogue, app):
    codes("khai sinh")
    home = IndexHome.at(app.config["SEARCH_INDEX_DIR"])
    shutil.rmtree(home.current())
    home.link.unlink()
    assert codes("khai sinh") == ["khai-sinh", "khai-sinh-nn"]
    assert home.current() is not None


def test_a_corrupt_index_is_rebuilt(catalogue, app):
    codes("khai sinh")
    directory = IndexHome.at(app.config["SEARCH_INDEX_DIR"]).current()
    for path in directory.iterdir():
        if path.suffix in (".seg", ".toc", ".trm", ".pst") or path.name.startswith("_MAIN"):
            path.write_bytes(b"\x00garbage")
    # a new process (a new engine) opening the damaged files
    from catalogue import search

    for engine in search._engines.values():
        engine.view.close()
    search._engines.clear()
    assert codes("khai sinh") == ["khai-sinh", "khai-sinh-nn"]
    assert IndexHome.at(app.config["SEARCH_INDEX_DIR"]).current() != directory


def test_reindex_builds_a_new_generation_and_swaps_it_in(catalogue, runner, app):
    codes("khai sinh")
    home = IndexHome.at(app.config["SEARCH_INDEX_DIR"])
    before = home.current()
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert "10 dịch vụ" in result.output
    after = home.current()
    assert after != before and home.link.is_symlink()
    assert read_state(after).applied == db.session.scalar(select(ChangeLog.id).order_by(ChangeLog.id.desc()))
    assert codes("khai sinh") == ["khai-sinh", "khai-sinh-nn"]
    assert Path(before).exists()  # kept for processes still reading it
