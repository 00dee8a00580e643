"""Search as Vietnamese people type it (issue 15): abbreviations, everyday names, question
words and spelling variants read through catalogue/search/vocabulary.toml, and a floor
under the relevance measured on the judged citizen queries (bench/relevance/queries.tsv)
over the demo catalogue, so that ranking never quietly gets worse."""

from __future__ import annotations

import random
import string

import pytest

from bench.relevance import evaluate, load_queries
from catalogue.search import SearchQuery, engine_for, rebuild_index, search_services, suggest
from catalogue.search.engine import MAX_CORRECTIONS, corrections
from catalogue.search.query import parse_query
from catalogue.search.understanding import EXPANSION_WEIGHT, VOCABULARY, load_vocabulary
from portal.extensions import db

NAMES = {
    "gplx": "Cấp lại giấy phép lái xe",
    "dao-tao": "Cấp Giấy phép đào tạo lái xe, cấp Giấy phép xe tập lái",
    "khai-sinh": "Thủ tục đăng ký khai sinh",
    "khai-sinh-nn": "Thủ tục đăng ký khai sinh có yếu tố nước ngoài tại khu vực biên giới",
    "ket-hon": "Thủ tục đăng ký kết hôn",
    "trich-luc": "Cấp bản sao Trích lục hộ tịch, bản sao Giấy khai sinh",
}


def publish(make_service, key: str, **overrides):
    defaults = {"code": key, "name": NAMES[key], "summary": "Thủ tục hành chính.",
                "steps": ["Nộp hồ sơ."], "documents": [{"name": "Đơn đề nghị", "copies": 1}],
                "result": "Văn bản trả lời", "legal_basis": ["Luật Hộ tịch"],
                "forms": [{"title": "Mẫu đơn", "url": "https://example.gov.vn/m.doc"}]}
    defaults.update(overrides)
    return make_service(status="published", **defaults)


def codes(q: str) -> list[str]:
    return [hit.service.code for hit in search_services(db.session, SearchQuery(q=q)).hits]


@pytest.fixture
def catalogue(make_service):
    return {key: publish(make_service, key) for key in NAMES}

# The queries of the issue, each with the service it must find in the top 3 of the demo.
ISSUE_QUERIES = {
    "dk ket hon": "1.000894",
    "gplx": "3.000348",
    "lam cccd": ("1.014061", "2.000200"),
    "cmnd": ("1.014063", "2.001195", "1.014061", "2.000200"),
    "bhyt cho tre em": ("2.001023", "2.000986"),
    "so do": ("1.013978", "1.012783", "1.012786", "1.012787"),
    "giay xac nhan doc than": "1.004873",
    "lam giay khai sinh": "1.001193",
    "mất bằng lái xe": "3.000348",
}

# Floors under what the ranking measures today: on the demo "from 2010 to today" (1,045
# published) MRR@10 0.910, hit@3 96.5 %, nDCG@10 0.919; on every record of the shared data
# 0.903, 95.0 %, 0.914. The issue's aim is MRR@10 0.9 and hit@3 90 %. Raise them when the
# ranking gets better.
FLOOR_MRR = 0.90
FLOOR_HIT3 = 0.93
FLOOR_NDCG = 0.90


@pytest.mark.slow
def test_judged_queries_keep_their_relevance_on_the_demo(runner):
    result = runner.invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output
    rebuild_index(db.session)
    report = evaluate(db.session, load_queries(), "demo")
    assert len(report.outcomes) >= 150
    misses = [o.query.query for o in report.misses]
    assert report.mrr >= FLOOR_MRR, (report.mrr, misses)
    assert report.hit3 >= FLOOR_HIT3, (report.hit3, misses)
    assert report.ndcg >= FLOOR_NDCG, report.ndcg
    for q, wanted in ISSUE_QUERIES.items():
        wanted = (wanted,) if isinstance(wanted, str) else wanted
        top = [h.service.code for h in search_services(db.session, SearchQuery(q=q, per_page=3)).hits]
        assert set(top) & set(wanted), (q, top)


# ------------------------------------------------------------------- the vocabulary

def test_the_vocabulary_file_reads_and_every_rule_expands_to_words():
    vocabulary = load_vocabulary()
    assert vocabulary == VOCABULARY or vocabulary.rules == VOCABULARY.rules
    assert len(vocabulary.rules) > 100
    for key, meanings in vocabulary.rules.items():
        assert key and meanings and all(m and m != key for m in meanings), key
    assert ("gplx",) in vocabulary.rules and ("so", "do") in vocabulary.rules


def test_abbreviations_everyday_names_and_question_words_are_understood():
    gplx = parse_query("gplx").clauses[0]
    assert [a.words for a in gplx.alternatives] == [("gplx",), ("giay", "phep", "lai", "xe")]
    assert gplx.alternatives[0].weight == 1.0 and gplx.alternatives[1].weight == EXPANSION_WEIGHT < 1.0
    so_do = parse_query("Sổ đỏ").clauses[0]
    assert ("giay", "chung", "nhan", "quyen", "su", "dung", "dat") in [a.words for a in so_do.alternatives]
    question = parse_query("thủ tục đăng ký kết hôn cần những gì")
    assert [c.alternatives[0].words for c in question.meaningful] == [("dang",), ("ky",), ("ket",), ("hon",)]
    assert parse_query("thủ tục").meaningful  # nothing else typed: the words count
    variant = parse_query("dang ki").clauses[1]
    assert ("ky",) in [a.words for a in variant.alternatives]


def test_an_everyday_name_finds_the_official_one_below_what_was_typed(make_service):
    official = publish(make_service, "gplx")
    literal = publish(make_service, "dao-tao", code="literal",
                      name="Đổi bằng lái xe quân sự sang giấy dân sự")
    found = codes("bằng lái xe")
    assert found[:2] == [literal.code, official.code]
    assert codes("gplx")[0] == official.code
    assert codes("mất bằng lái")[0] == official.code


def test_abbreviations_and_question_words_in_whole_questions(catalogue):
    assert codes("dk ket hon")[0] == "ket-hon"
    assert codes("thủ tục làm giấy khai sinh cho con cần những gì")[0] == "khai-sinh"
    assert codes("lam giay khai sinh")[0] == "khai-sinh"


def test_suggestions_read_abbreviations_and_come_by_relevance(catalogue):
    assert [code for code, _ in suggest(db.session, "gplx")][0] == "gplx"
    assert [code for code, _ in suggest(db.session, "dk ket")] == ["ket-hon"]
    # the shorter name holding every word typed comes before the longer one
    assert [code for code, _ in suggest(db.session, "dang ky khai si")] == ["khai-sinh", "khai-sinh-nn"]


def test_a_tie_goes_to_the_service_read_most(make_service, client):
    first = publish(make_service, "ket-hon", code="A.1")
    second = publish(make_service, "ket-hon", code="B.1")
    assert codes("ket hon") == [first.code, second.code]  # equal: by name, then code
    for _ in range(3):
        assert client.get(f"/services/{second.code}").status_code == 200
    engine_for(None)._views_read = -1e9  # the views are re-read every minute: now
    assert codes("ket hon") == [second.code, first.code]


# ------------------------------------------------------------- bounded "did you mean"

def test_did_you_mean_looks_up_a_bounded_number_of_words(catalogue):
    """Issue 12.13a: twelve long random words once cost 400 ms in "did you mean"."""
    rnd = random.Random(12)
    words = ["".join(rnd.choices(string.ascii_lowercase, k=rnd.randint(5, 12))) for _ in range(12)]
    pq = parse_query(" ".join(words))
    view = engine_for(None).ready(db.engine)
    assert len(corrections(view, pq)) <= MAX_CORRECTIONS
    long_words = parse_query(" ".join("x" * 40 + str(i) for i in range(12)))
    assert corrections(view, long_words) == {}
    result = search_services(db.session, SearchQuery(q=" ".join(words)))
    assert result.total == len(result.hits)


def test_a_word_that_only_folds_like_a_question_word_still_counts(make_service):
    card = publish(make_service, "ket-hon", code="the-can-cuoc", name="Tích hợp thông tin trên thẻ căn cước",
                   summary="Cập nhật thông tin trên thẻ.")
    other = publish(make_service, "ket-hon", code="the-bhyt", name="Cấp thẻ bảo hiểm y tế",
                    summary="Thẻ cho người tham gia.")
    # "cần" is a question word; "căn", and "can" beside "cuoc", are not
    assert [c.alternatives[0].words for c in parse_query("thẻ căn cước").meaningful] == [
        ("the",), ("can",), ("cuoc",)]
    assert codes("tich hop the bhyt vao can cuoc")[0] == card.code
    contest = publish(make_service, "ket-hon", code="cuoc-thi", name="Tổ chức cuộc thi")
    assert codes("can cuoc") == [card.code]  # not "cuộc" alone: "cần" is not meant
    assert contest.code in codes("cuoc thi")
    assert codes("tích hợp thẻ bhyt vào căn cước")[0] == card.code
    # typed without marks beside a word no name holds it with, "can" is still "cần"
    assert codes("the bhyt can nhung gi")[0] == other.code


def test_among_equals_a_service_for_citizens_comes_before_one_only_for_organisations(make_service):
    business = publish(make_service, "ket-hon", code="A.1", name="Cấp giấy chứng nhận quyền sử dụng đất",
                       audience="business")
    citizens = publish(make_service, "ket-hon", code="B.1", name="Cấp giấy chứng nhận quyền sử dụng đất",
                       audience="citizen")
    assert codes("so do")[:2] == [citizens.code, business.code]
