"""The services a page of results shows, read as plain rows rather than ORM objects.

A results page or an API answer shows twenty services, and only a few columns of each
with their agency's and field's code and name. Loading them as ``Service`` objects with
their joined ``Agency`` and ``Field`` built sixty ORM instances per request, about as much
time as the index took to rank the whole catalogue; these frozen cards come from one
Core query over the same tables and the same ``public_on`` rule, and carry the attribute
names the templates and the API already use (``service.agency.name`` and so on).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Date, Select, bindparam, select
from sqlalchemy.orm import Session

from ..clock import today_vn
from ..models import Agency, Field, Level, Service
from ..publication import public_on


@dataclass(frozen=True, slots=True)
class Ref:
    """An agency or a field as a card names it."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class ServiceCard:
    """One published service as a list of results shows it."""

    id: int
    code: str
    name: str
    level: Level
    agency: Ref
    field: Ref
    tier: str
    audience: str
    summary: str
    processing_days: int | None
    online_url: str | None
    online_kind: str
    published_at: datetime | None


_COLUMNS = (Service.id, Service.code, Service.name, Service.level, Agency.code, Agency.name,
            Field.code, Field.name, Service.tier, Service.audience, Service.summary,
            Service.processing_days, Service.online_url, Service.online_kind,
            Service.published_at)


# Built once: making a SELECT of sixteen columns anew cost more than running it.
_PUBLIC = public_on(bindparam("today", type_=Date))
_ALL_CARDS = (
    select(*_COLUMNS)
    .join(Agency, Service.agency_id == Agency.id)
    .join(Field, Service.field_id == Field.id)
    .where(_PUBLIC)
)
_CARDS = _ALL_CARDS.where(Service.id.in_(bindparam("ids", expanding=True)))


# Cards read are kept per database for the day and the catalogue stamp they were read
# under (any change of a service, or of its agency's or field's name, moves the stamp;
# what is public can change at midnight), for ``KEEP_SECONDS`` at most (a PostgreSQL
# commit landing far behind the stamp's window must not leave a card stale for long): a
# service on the first page of many different searches is read once. At most KEEP_CARDS
# per database (about 1 KB each); a catalogue that small (a province's is about 2.000) is
# read whole at the first search under a new stamp, so that no later search waits.
KEEP_CARDS = 5000
KEEP_SECONDS = 60.0
_kept: dict[str, tuple[tuple, float, OrderedDict[int, ServiceCard]]] = {}
_lock = threading.Lock()


def read_cards(session: Session, ids: list[int], stamp: tuple[int, int] | None = None,
               catalogue_size: int | None = None) -> dict[int, ServiceCard]:
    """The cards of the services among ``ids`` that the public sees today, by id.

    ``stamp``: the catalogue stamp the caller read (none: read them anew, keep nothing);
    ``catalogue_size``: how many services the public sees (the index knows), to read a
    small catalogue whole."""
    if not ids:
        return {}
    today = today_vn()
    if stamp is None:
        return _read(session, _CARDS, {"ids": ids, "today": today})
    key, version, now = str(session.get_bind().url), (today, stamp), time.monotonic()
    with _lock:
        entry = _kept.get(key)
        fresh = False
        if entry is not None and entry[0] == version and now - entry[1] < KEEP_SECONDS:
            kept: OrderedDict[int, ServiceCard] | None = entry[2]
        elif entry is None or entry[0] <= version:  # newer, or the same grown old
            kept, fresh = OrderedDict(), True
            _kept[key] = (version, now, kept)
        else:  # a request that read the stamp before the change the cards were read under
            kept = None
        missing = ids if kept is None else [i for i in ids if i not in kept]
    if kept is None:
        return _read(session, _CARDS, {"ids": ids, "today": today})
    if fresh and catalogue_size is not None and catalogue_size <= KEEP_CARDS:
        found = _read(session, _ALL_CARDS, {"today": today})
    else:
        found = _read(session, _CARDS, {"ids": missing, "today": today}) if missing else {}
    with _lock:
        kept.update(found)
        cards = {}
        for i in ids:
            card = kept.get(i)
            if card is not None:
                kept.move_to_end(i)
                cards[i] = card
        while len(kept) > KEEP_CARDS:
            kept.popitem(last=False)
    return cards


def forget_cards() -> None:
    """Drop the kept cards (tests start databases afresh, where stamps repeat)."""
    with _lock:
        _kept.clear()


def _read(session: Session, statement: Select, params: dict[str, object]) -> dict[int, ServiceCard]:
    rows = session.connection().execute(statement, params).all()
    return {
        sid: ServiceCard(sid, code, name, level, Ref(a_code, a_name), Ref(f_code, f_name), tier,
                         audience, summary or "", days, url, kind, published)
        for (sid, code, name, level, a_code, a_name, f_code, f_name, tier, audience, summary,
             days, url, kind, published) in rows
    }
