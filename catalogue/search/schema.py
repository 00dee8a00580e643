"""The Whoosh schema of the published catalogue, and how a service becomes a document.

Matching fields (all folded, term frequencies only): ``name``, ``code``, ``agency`` and
``body`` (everything else a citizen may search for). Ranking-only fields: ``name_exact``
(marks kept) and ``name_pairs`` (adjacent folded words, so a phrase outranks scattered
words without storing positions). ``name_key`` holds the whole folded name as one term,
which makes "names starting with ..." a walk of the sorted term list. ``meta`` is one
fixed-width record per document (service id, facet values, field lengths, dates, a
sort key, online kind, the days the service applies) that the engine reads for a whole
segment in one go.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
from whoosh.columns import FixedBytesColumn
from whoosh.fields import COLUMN, ID, FieldType, Schema

from ..publication import day_number
from ..vocabulary import AUDIENCES, ONLINE_KINDS, TIERS
from .analysis import FastExistence, FastFrequency, VietnameseAnalyzer, bigrams, fold_text, folded_words

SORT_KEY_BYTES = 40

META = np.dtype([
    ("sid", "<i4"), ("agency", "<i4"), ("field", "<i4"), ("level", "u1"), ("tier", "u1"),
    ("audience", "u1"), ("live", "u1"), ("published", "<i8"),
    ("len_name", "<u2"), ("len_code", "<u2"), ("len_agency", "<u2"), ("len_body", "<u4"),
    ("sort", f"S{SORT_KEY_BYTES}"),
    # Decree 42/2022 kind (position in ONLINE_KINDS) and the days the service applies,
    # yyyymmdd (0: since always; 99991231: no end): a query keeps only what applies today.
    ("online_kind", "u1"), ("from_day", "<i4"), ("until_day", "<i4"),
])

META_STRUCT = struct.Struct(f"<iiiBBBBqHHHI{SORT_KEY_BYTES}sBii")
assert META_STRUCT.size == META.itemsize

NO_END = 99991231

# Fields a query word is matched against, with the weight of a match in each.
MATCH_FIELDS = {"name": 3.0, "code": 3.0, "agency": 1.5, "body": 1.0}


class VText(FieldType):
    """A text field over :class:`VietnameseAnalyzer`, term frequencies only.

    Not "scorable" in Whoosh's sense: field lengths live in ``meta`` (read in bulk by the
    engine) instead of Whoosh's per-posting length lookups, which dominated build time.
    ``presence=True`` keeps only whether a word occurs (the long body), which makes
    its postings smaller and faster to write.
    """

    def __init__(self, mode: str = "folded", presence: bool = False):
        super().__init__(FastExistence() if presence else FastFrequency(), VietnameseAnalyzer(mode),
                         scorable=False)

    def index(self, value, **kwargs):  # noqa: ANN001, ANN201 (Whoosh API)
        return self.format.word_values(value, self.analyzer, mode="index")


def build_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        name=VText(),
        name_exact=VText("exact"),
        name_pairs=VText("bigram"),
        name_key=ID(),
        code=VText(),
        agency=VText(),
        body=VText(presence=True),
        meta=COLUMN(FixedBytesColumn(META.itemsize)),
    )


def sort_key(name: str) -> bytes:
    """Bytes that order names as a reader expects: folded first, accents only break ties."""
    return fold_text(name).encode("ascii", "replace")[:SORT_KEY_BYTES]


def texts_of(row: dict[str, Any]) -> tuple[str, str, str, str]:
    """Name, code, agency and body: the four searched texts of a service row."""
    body_parts = [row.get("summary") or "", *(row.get("steps") or []), row.get("method") or "",
                  *(d.get("name", "") for d in row.get("documents") or []),
                  row.get("fees") or "", row.get("result") or "", *(row.get("legal_basis") or []),
                  row.get("requirements") or "", *(f.get("title", "") for f in row.get("forms") or []),
                  row.get("field_name") or ""]
    body = "\n".join(p for p in body_parts if p)
    return row["name"], row["code"], f"{row['agency_name']} {row['agency_code']}", body


def document_of(row: dict[str, Any]) -> dict[str, Any]:
    """The Whoosh document of one published service.

    ``row`` holds the service's columns plus its agency's code and name and its field's
    name (see :func:`catalogue.search.rows.service_rows`).
    """
    name, code, agency, body = texts_of(row)
    name_words, code_words = folded_words(name), folded_words(code)
    agency_words, body_words = folded_words(agency), folded_words(body)
    published = row.get("published_at")
    meta = META_STRUCT.pack(
        row["id"], row["agency_id"], row["field_id"], row["level"],
        TIERS.index(row["tier"]) if row["tier"] in TIERS else 255,
        AUDIENCES.index(row["audience"]) if row["audience"] in AUDIENCES else 255,
        1, int(published.timestamp() * 1000) if published else 0,
        min(len(name_words), 65535), min(len(code_words), 65535), min(len(agency_words), 65535),
        len(body_words), sort_key(name),
        ONLINE_KINDS.index(row["online_kind"]) if row.get("online_kind") in ONLINE_KINDS else 255,
        day_number(row.get("effective_from")), day_number(row.get("abolished_on")) or NO_END,
    )
    return {
        "id": str(row["id"]),
        "name": name_words,
        "name_exact": name,
        "name_pairs": bigrams(name_words),
        "name_key": " ".join(name_words),
        "code": code_words,
        "agency": agency_words,
        "body": body_words,
        "meta": meta,
    }
