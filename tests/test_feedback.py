"""“Thông tin này có hữu ích không?”: answered without signing in, limited so it cannot be
flooded, kept private, seen by the agency's editors, counted in the statistics."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from catalogue.feedback import PER_ADDRESS_PER_SERVICE_PER_DAY, Feedback
from portal.extensions import db
from tests.manage_support import sign_in

CODE = "1.001193"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _token(client, useful: str = "no") -> str:
    page = client.get(f"/services/{CODE}/feedback?useful={useful}").get_data(as_text=True)
    return TOKEN.search(page).group(1)


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Feedback))


def test_each_service_page_asks_and_a_no_with_what_is_missing_reaches_the_editor(client, accounts,
                                                                                  make_service):
    make_service(status="published")
    page = client.get(f"/services/{CODE}").get_data(as_text=True)
    assert "Thông tin này có hữu ích không?" in page
    assert f'action="/services/{CODE}/feedback"' in page and 'method="get"' in page
    ask = client.get(f"/services/{CODE}/feedback?useful=no").get_data(as_text=True)
    assert 'value="no" checked' in ask and "Thiếu thông tin gì?" in ask
    answer = client.post(f"/services/{CODE}/feedback", data={
        "csrf_token": _token(client), "useful": "no", "missing": "Thie\u0302\u0301u le\u0302\u0323 phí <b>"})
    assert answer.status_code == 200 and "Cảm ơn bạn đã góp ý" in answer.get_data(as_text=True)
    stored = db.session.scalar(select(Feedback))
    assert stored.useful is False and stored.missing == "Thiếu lệ phí <b>"  # NFC, as typed
    assert "127.0.0.1" not in stored.sender  # the address is kept only as a keyed hash
    # Private: not on the public page; the agency's editor sees it, escaped; another agency does not.
    assert "Thiếu lệ phí" not in client.get(f"/services/{CODE}").get_data(as_text=True)
    sign_in(client, "tuphap@daklak.gov.vn")
    seen = client.get("/manage/feedback").get_data(as_text=True)
    assert "Thiếu: Thiếu lệ phí &lt;b&gt;" in seen and "<strong>1</strong> câu trả lời" in seen
    other = client.application.test_client()
    sign_in(other, "khdt@daklak.gov.vn")
    assert "Thiếu lệ phí" not in other.get("/manage/feedback").get_data(as_text=True)


def test_a_flood_from_one_address_stores_at_most_the_limit_and_answers_429(client, make_service):
    make_service(status="published")
    token = _token(client)
    statuses = []
    for i in range(1000):
        answer = client.post(f"/services/{CODE}/feedback",
                             data={"csrf_token": token, "useful": "no", "missing": f"spam {i}"})
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            body = answer.get_data(as_text=True)
    assert _count() == PER_ADDRESS_PER_SERVICE_PER_DAY
    assert statuses.count(200) == PER_ADDRESS_PER_SERVICE_PER_DAY
    assert statuses.count(429) == 1000 - PER_ADDRESS_PER_SERVICE_PER_DAY
    assert "vui lòng thử lại vào ngày mai" in body
    # Another address is not blocked by this one.
    other = client.application.test_client()
    page = other.get(f"/services/{CODE}/feedback?useful=yes", environ_base={"REMOTE_ADDR": "10.0.0.7"})
    token = TOKEN.search(page.get_data(as_text=True)).group(1)
    answer = other.post(f"/services/{CODE}/feedback", environ_base={"REMOTE_ADDR": "10.0.0.7"},
                        data={"csrf_token": token, "useful": "yes"})
    assert answer.status_code == 200 and _count() == PER_ADDRESS_PER_SERVICE_PER_DAY + 1


def test_text_is_capped_csrf_required_and_bad_answers_refused(client, make_service):
    make_service(status="published")
    token = _token(client)
    assert client.post(f"/services/{CODE}/feedback", data={"useful": "no"}).status_code == 400
    assert client.post(f"/services/{CODE}/feedback",
                       data={"csrf_token": token, "useful": "maybe"}).status_code == 422
    assert client.post("/services/khong-co/feedback",
                       data={"csrf_token": token, "useful": "no"}).status_code == 404
    client.post(f"/services/{CODE}/feedback",
                data={"csrf_token": token, "useful": "no", "missing": "đ" * 5000})
    assert len(db.session.scalar(select(Feedback.missing))) == 1000
    assert _count() == 1


def test_statistics_show_the_usefulness_rate_per_agency(client, make_service):
    make_service(status="published")
    token = _token(client)
    for useful, addr in (("yes", "10.0.0.1"), ("yes", "10.0.0.2"), ("no", "10.0.0.3")):
        client.post(f"/services/{CODE}/feedback", environ_base={"REMOTE_ADDR": addr},
                    data={"csrf_token": token, "useful": useful})
    page = client.get("/statistics").get_data(as_text=True)
    block = page.split('id="muc-do-huu-ich"', 1)[1]
    assert re.search(r"Sở Tư pháp</th><td>3</td><td>66,7 %</td>", block)
