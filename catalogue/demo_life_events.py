"""DEMO ASSUMPTION: which life events the demo's services belong to, guessed from their names.

The demo catalogue (catalogue/demo/daklak.json.gz) carries no life events, so ``load-demo``
tags its services by the rules below before importing them: a service whose name
(folded: no diacritics, lower case) holds one of a rule's phrases, and whose audience fits,
gets the rule's event. A real catalogue carries ``life_events`` in its file or gets them
from editors; these rules are for the demo only, kept in this one list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .text import fold

CITIZEN = ("citizen", "both")
BUSINESS = ("business", "both")

# (life event, audiences it applies to, phrases of the folded name, phrases that rule it out)
RULES: list[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = [
    ("co-con-nho", CITIZEN, ("khai sinh", "nhan cha, me, con", "tre em duoi 6 tuoi",
                             "can cuoc cho nguoi duoi 14"), ()),
    ("co-con-nho", CITIZEN, ("dang ky thuong tru",), ("nguoi nuoc ngoai",)),
    ("co-con-nho", CITIZEN, ("cap the bao hiem y te",), ()),
    ("hoc-tap", CITIZEN, ("van bang", "hoc bong", "tuyen sinh", "chuyen truong"), ()),
    ("viec-lam", CITIZEN, ("viec lam", "that nghiep", "chung chi hanh nghe"), ()),
    ("cu-tru-va-giay-to-tuy-than", CITIZEN, ("thuong tru", "tam tru", "can cuoc", "ho chieu",
                                            "ly lich tu phap", "cu tru"), ()),
    ("hon-nhan-va-gia-dinh", CITIZEN, ("ket hon", "ly hon", "tinh trang hon nhan", "con nuoi",
                                      "nhan cha, me, con"), ()),
    ("dien-nha-o-dat-dai", CITIZEN, ("quyen su dung dat", "giay phep xay dung", "nha o"), ()),
    ("suc-khoe-va-y-te", CITIZEN, ("bao hiem y te", "kham chua benh", "kham benh"), ()),
    ("phuong-tien-va-nguoi-lai", CITIZEN, ("giay phep lai xe", "dang ky xe", "phuong tien"), ()),
    ("huu-tri", CITIZEN, ("huu tri", "luong huu", "nguoi cao tuoi"), ()),
    ("nguoi-than-qua-doi", CITIZEN, ("khai tu", "mai tang", "tu tuat", "tien tuat", "thua ke"), ()),
    ("giai-quyet-khieu-kien", CITIZEN, ("khieu nai", "to cao", "tro giup phap ly"), ()),
    ("khoi-su-kinh-doanh", BUSINESS, ("thanh lap doanh nghiep", "dang ky doanh nghiep",
                                      "ho kinh doanh", "dang ky hop tac xa", "dang ky kinh doanh"), ()),
    ("lao-dong-va-bao-hiem-xa-hoi", BUSINESS, ("lao dong", "bao hiem xa hoi"), ()),
    ("tai-chinh-doanh-nghiep", BUSINESS, ("tai chinh doanh nghiep", "quan ly gia"), ()),
    ("dien-dat-dai-xay-dung", BUSINESS, ("xay dung", "thue dat", "giao dat"), ()),
    ("thuong-mai-quang-cao", BUSINESS, ("quang cao", "nhap khau", "xuat khau"), ()),
    ("so-huu-tri-tue-dang-ky-tai-san", BUSINESS, ("so huu cong nghiep", "bien phap bao dam"), ()),
    ("thanh-lap-chi-nhanh-van-phong-dai-dien", BUSINESS, ("chi nhanh", "van phong dai dien",
                                                          "dia diem kinh doanh"), ()),
    ("dau-tu-dau-thau", BUSINESS, ("chu truong dau tu", "nha dau tu", "dau thau"), ()),
    ("giai-the-pha-san", BUSINESS, ("giai the", "pha san", "tam ngung", "cham dut hoat dong"), ()),
    ("giai-quyet-tranh-chap-hop-dong", BUSINESS, ("trong tai", "hoa giai thuong mai"), ()),
]


def events_for(name: str, audience: str) -> list[str]:
    """The demo's life events of a service with this name and audience (rule order)."""
    folded = fold(name)
    found: list[str] = []
    for event, audiences, phrases, unless in RULES:
        if audience in audiences and any(p in folded for p in phrases) \
                and not any(u in folded for u in unless) and event not in found:
            found.append(event)
    return found


def tag_records(records: Iterable[Any]) -> int:
    """Set ``life_events`` on demo records that have none; returns how many got some."""
    tagged = 0
    for record in records:
        if not isinstance(record, dict) or record.get("life_events"):
            continue
        events = events_for(str(record.get("name", "")), str(record.get("audience", "")))
        if events:
            record["life_events"] = events
            tagged += 1
    return tagged
