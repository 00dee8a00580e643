"""/feeds/services.atom: services new, changed and withdrawn, as an Atom feed (RFC 4287)
that feed readers and other catalogues follow; ``agency=`` and ``field=`` narrow it.

Written with ElementTree so that every name and value is escaped by the XML writer, not
by hand. The ETag, Cache-Control and CORS headers of the open data (api/http.py) apply
here too.
"""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, request

from catalogue.feed import KIND_LABELS, FeedEntry, list_feed_entries
from catalogue.models import now_utc
from catalogue.operations import iso
from catalogue.vocabulary import LEVEL_LABELS

from .api.openapi import ATTRIBUTION
from .errors import error_page
from .extensions import db
from .page_cache import cached
from .params.listing import catalogue_names
from .public_url import external_url

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

ATOM = "http://www.w3.org/2005/Atom"
FEED_TITLE = "Dịch vụ công trực tuyến tỉnh Đắk Lắk: thay đổi mới nhất"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _stamp(at: datetime) -> str:
    return iso(at) or ""


def _entry(feed: ET.Element, e: FeedEntry) -> None:
    page = external_url("public.service", code=e.code)
    entry = _sub(feed, "entry")
    _sub(entry, "id", f"{page}#revision-{e.number}")
    _sub(entry, "title", f"{KIND_LABELS[e.kind]}: {e.name}")
    _sub(entry, "updated", _stamp(e.at))
    _sub(entry, "link", rel="alternate", type="text/html", href=page)
    author = _sub(entry, "author")
    _sub(author, "name", e.agency)
    _sub(entry, "category", term=e.kind, label=KIND_LABELS[e.kind])
    _sub(entry, "category", term=e.field, label=e.field)
    lines = [f"Mã thủ tục {e.code} · {e.agency} · {e.field} · {LEVEL_LABELS.get(e.level, e.level)}."]
    if e.changes:
        lines.append("Thay đổi:")
        lines.extend(f"- {line}" for line in e.changes)
    _sub(entry, "summary", "\n".join(lines), type="text")


@bp.get("/services.atom")
@cached
def services_feed():
    agency = request.args.get("agency", "").strip() or None
    field = request.args.get("field", "").strip() or None
    agencies, fields = catalogue_names(agency, field)
    for value, known, label in ((agency, agencies, "cơ quan"), (field, fields, "lĩnh vực")):
        if value is not None and value not in known:
            return error_page(400, f"Không có {label} với mã “{value[:64]}”.")
    entries = list_feed_entries(db.session, agency=agency, field=field)
    args = {k: v for k, v in (("agency", agency), ("field", field)) if v}
    self_url = external_url("feeds.services_feed", **args)
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "vi"})
    title = FEED_TITLE
    if agency:
        title += f" ({agencies[agency]})"
    if field:
        title += f" (lĩnh vực {fields[field]})"
    _sub(feed, "id", self_url)
    _sub(feed, "title", title)
    _sub(feed, "subtitle", "Dịch vụ mới công bố, thay đổi và ngừng cung cấp, mới nhất trước.")
    _sub(feed, "updated", _stamp(entries[0].at if entries else now_utc()))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _sub(feed, "link", rel="alternate", type="text/html",
         href=external_url("public.services", **args))
    author = _sub(feed, "author")
    _sub(author, "name", "Ủy ban nhân dân tỉnh Đắk Lắk")
    _sub(feed, "rights", ATTRIBUTION)
    for e in entries:
        _entry(feed, e)
    body = ET.tostring(feed, encoding="unicode", xml_declaration=False)
    return Response('<?xml version="1.0" encoding="utf-8"?>\n' + body,
                    content_type="application/atom+xml; charset=utf-8")

