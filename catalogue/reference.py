"""Agencies' and fields' codes and names, kept per process for every list of results.

Every results page and API answer needs them: to check the codes a request filters by,
to name the facets, and to turn the index's ids into codes. They change only when an
import adds or renames an agency or field, so reading them once per request (a union of
two tables, a few hundred rows) was waste. They are kept per database and read again:
- when the catalogue's stamp (catalogue/freshness.py) the caller read differs from the one
  they were read under: an import that adds or renames an agency or a field marks its
  services changed, so every worker on every machine sees the new names at once;
- when a request asks for a code or an id not known yet (a caller without a stamp);
- after ``KEEP_SECONDS`` in any case.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from .models import Agency, Field

KEEP_SECONDS = 30.0


@dataclass(frozen=True)
class Reference:
    """Names by code, and codes by id, of agencies and fields."""

    agencies: dict[str, str]
    fields: dict[str, str]
    agency_codes: dict[int, str]
    field_codes: dict[int, str]

    def knows(self, codes: Iterable[str], ids: Iterable[int]) -> bool:
        return (all(c in self.agencies or c in self.fields for c in codes)
                and all(i in self.agency_codes or i in self.field_codes for i in ids))


_ROWS = select(literal("a"), Agency.id, Agency.code, Agency.name).union_all(
    select(literal("f"), Field.id, Field.code, Field.name))
_kept: dict[str, tuple[float, object, Reference]] = {}


def read_reference(session: Session, *, stamp: object = None, need_codes: Iterable[str] = (),
                   need_ids: Iterable[int] = ()) -> Reference:
    """The reference data as of ``stamp`` (when the caller has read it), read again if it
    lacks one of the codes or ids asked for (the caller then judges what is still unknown)."""
    key = str(session.get_bind().url)
    kept = _kept.get(key)
    if kept is not None and time.monotonic() - kept[0] < KEEP_SECONDS \
            and (stamp is None or stamp == kept[1]) and kept[2].knows(need_codes, need_ids):
        return kept[2]
    reference = Reference({}, {}, {}, {})
    for kind, id_, code, name in session.execute(_ROWS):
        if kind == "a":
            reference.agencies[code] = name
            reference.agency_codes[id_] = code
        else:
            reference.fields[code] = name
            reference.field_codes[id_] = code
    _kept[key] = (time.monotonic(), stamp, reference)
    return reference


def forget_reference() -> None:
    """Drop what is kept (tests reuse ids for other codes, as no deployment does)."""
    _kept.clear()
