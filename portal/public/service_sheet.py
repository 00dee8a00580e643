"""The service page's parts in the order a citizen needs them (after GOV.UK and Suomi.fi):
what it is and how to apply at a glance, then channels, the dossier grouped by what to
submit and what to show and by case, the steps with their sub-items, the legal basis.

Pure presentation of one record: it reads the record through the same item defaults as
export and the API (:mod:`catalogue.record_shape`), so a first-edition row shows right.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from catalogue.models import Service
from catalogue.record_shape import channel_item, document_item, file_extension, form_item
from catalogue.steps import Step, step_parts
from catalogue.vocabulary import CHANNEL_LABELS, COPY_TYPE_LABELS, DOCUMENT_GROUP_LABELS

NATIONAL_PORTAL_HOSTS = ("dichvucong.gov.vn", "www.dichvucong.gov.vn")
CHANNEL_ORDER = ("online", "post", "in_person")


@dataclass
class FormLink:
    title: str
    url: str
    kind: str  # file or page
    label: str  # what the link says it does: "Tải về (PDF, 120 KB)", "Xem mẫu trên …"
    external: bool


@dataclass
class Paper:
    name: str
    copies: int
    copy_type: str | None
    forms: list[FormLink] = field(default_factory=list)

    @property
    def copies_text(self) -> str:
        kind = COPY_TYPE_LABELS.get(self.copy_type or "", "bản").lower()
        if self.copy_type == "either":
            return f"{self.copies} bản chính hoặc bản sao"
        return f"{self.copies} {kind}"


@dataclass
class Case:
    """Papers needed in one case; ``condition`` None: always."""

    condition: str | None
    papers: list[Paper] = field(default_factory=list)


@dataclass
class Group:
    key: str
    title: str
    cases: list[Case] = field(default_factory=list)


@dataclass
class Note:
    text: str
    sub_notes: list[str] = field(default_factory=list)


@dataclass
class Sheet:
    groups: list[Group]
    notes: list[Note]
    other_forms: list[FormLink]  # forms that belong to no paper by name
    channels: list[dict[str, Any]]
    steps: list[Step]
    has_file_form: bool
    has_page_form: bool
    online: dict[str, Any] | None  # the online channel, if any


def _size_text(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / 1048576:.1f} MB".replace(".", ",")


def _local_size(url: str, upload_dir: str, static_dir: str | None) -> int | None:
    """Size of a form the portal serves itself (an upload or a static file)."""
    for prefix, folder in (("/files/", upload_dir), ("/static/", static_dir)):
        if folder and url.startswith(prefix):
            name = url[len(prefix):]
            path = os.path.normpath(os.path.join(folder, name))
            if path.startswith(os.path.normpath(folder) + os.sep) and os.path.isfile(path):
                return os.path.getsize(path)
    return None


def form_link(form: dict[str, Any], upload_dir: str, static_dir: str | None) -> FormLink:
    item = form_item(form)
    url, kind = item["url"], item["kind"]
    local = url.startswith("/") and url[1:2] not in ("/", "\\")
    host = "" if local else (urlsplit(url).hostname or "")
    if kind == "file":
        ext = file_extension(url)
        if url.startswith("/files/") and not ext:
            ext = url.rsplit(".", 1)[-1] if "." in url else None
        size = _local_size(url, upload_dir, static_dir) if local else None
        details = ", ".join(x for x in ((ext or "").upper(), _size_text(size) if size else "") if x)
        label = f"Tải về ({details})" if details else "Tải về"
    elif host in NATIONAL_PORTAL_HOSTS:
        label = "Xem mẫu trên Cổng Dịch vụ công quốc gia"
    else:
        label = f"Xem mẫu trên trang {host}" if host else "Xem mẫu"
    return FormLink(item["title"], url, kind, label, external=not local)


def _matches(title: str, name: str) -> bool:
    """A form belongs to the paper it is named after ("Tờ khai …" beside "Tờ khai …")."""
    title = title.rstrip("…").strip()
    return bool(title) and (name == title or name.startswith(title))


def build_sheet(service: Service, upload_dir: str, static_dir: str | None) -> Sheet:
    forms = [form_link(f, upload_dir, static_dir) for f in service.forms or []]
    used: set[int] = set()
    groups = {key: Group(key, title) for key, title in DOCUMENT_GROUP_LABELS.items()}
    for doc in map(document_item, service.documents or []):
        group = groups.get(doc["group"], groups["submit"])
        case = next((c for c in group.cases if c.condition == doc["condition"]), None)
        if case is None:
            case = Case(doc["condition"])
            group.cases.append(case)
        paper = Paper(doc["name"], doc["copies"], doc["copy_type"])
        for i, link in enumerate(forms):
            if i not in used and _matches(link.title, doc["name"]):
                paper.forms.append(link)
                used.add(i)
        case.papers.append(paper)
    for group in groups.values():  # papers always needed first, then each case
        group.cases.sort(key=lambda c: c.condition is not None)
    notes: list[Note] = []
    for text in service.document_notes or []:
        if text.startswith("- ") and notes:
            notes[-1].sub_notes.append(text[2:])
        else:
            notes.append(Note(text))
    channels = sorted((channel_item(c) for c in service.channels or []),
                      key=lambda c: CHANNEL_ORDER.index(c["kind"]) if c["kind"] in CHANNEL_ORDER else 9)
    for channel in channels:
        channel["label"] = CHANNEL_LABELS.get(channel["kind"], channel["kind"])
    return Sheet(
        groups=[g for g in groups.values() if g.cases],
        notes=notes,
        other_forms=[f for i, f in enumerate(forms) if i not in used],
        channels=channels,
        steps=[step_parts(s) for s in service.steps or []],
        has_file_form=any(f.kind == "file" for f in forms),
        has_page_form=any(f.kind == "page" for f in forms),
        online=next((c for c in channels if c["kind"] == "online"), None),
    )
