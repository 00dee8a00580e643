"""The second edition's list items with their defaults, so a first-edition item reads right.

A first-edition document is ``{"name", "copies"}``: it is a paper to submit, with no
copy type and no condition. A first-edition form is ``{"title", "url"}``: its kind follows
from the link (an upload here or a direct file URL is a ``file``, anything else a
``page``). The rule set (:mod:`catalogue.validation`) and the record as export and the
API give it (:func:`catalogue.operations.content_of`) both read items through here, so a
row stored before the second edition needs no rewrite.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

# A link whose path ends in one of these downloads the form itself.
FILE_EXTENSIONS = ("pdf", "doc", "docx", "xls", "xlsx", "odt", "ods", "rtf", "zip", "rar")
_FILE_PATH = re.compile(r"\.(" + "|".join(FILE_EXTENSIONS) + r")$", re.I)


def file_extension(url: str) -> str | None:
    """The form file's extension ("pdf"), or None when the link is not a file."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    found = _FILE_PATH.search(path)
    return found.group(1).lower() if found else None


def default_form_kind(url: str) -> str:
    """``file`` for an upload here (``/files/...``) or a direct file URL, else ``page``."""
    if url.startswith("/files/") or file_extension(url):
        return "file"
    return "page"


def document_item(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": doc.get("name", ""),
        "copies": doc.get("copies", 1),
        "copy_type": doc.get("copy_type") or None,
        "group": doc.get("group") or "submit",
        "condition": doc.get("condition") or None,
    }


def form_item(form: Mapping[str, Any]) -> dict[str, Any]:
    url = form.get("url", "")
    return {"title": form.get("title", ""), "url": url,
            "kind": form.get("kind") or default_form_kind(url)}


def channel_item(channel: Mapping[str, Any]) -> dict[str, Any]:
    return {key: channel.get(key) for key in CHANNEL_KEYS}


CHANNEL_KEYS = ("kind", "processing_days", "processing_time", "fee", "fee_vnd", "description")
DOCUMENT_KEYS = ("name", "copies", "copy_type", "group", "condition")
FORM_KEYS = ("title", "url", "kind")
