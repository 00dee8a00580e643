"""Views of today's communes: the list (searchable, old names too), one commune's centre
and services, the data licence, and the "Bạn ở xã/phường nào?" choice on a service page.

Nothing here is page-cached: "open now" changes by the minute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from itertools import groupby

from flask import Response, abort, render_template, request

from catalogue.clock import now_vn
from catalogue.commune_services import commune_services
from catalogue.models import Commune, Service, ServicePoint
from catalogue.places import ATTRIBUTION, all_communes, find_commune, find_places
from catalogue.service_points import (
    KIND_LABELS,
    centre_of,
    holidays_ahead,
    map_url,
    nearest_province_points,
    open_state,
    week_rows,
)
from catalogue.text import clean_line
from catalogue.vocabulary import MAX_QUERY_CHARS, Tier

from ..extensions import db
from . import bp

GROUP_LABELS = {"phường": "Phường", "xã": "Xã"}


def point_view(point: ServicePoint) -> dict[str, object]:
    """What a page shows of a point: the record, the week, open now, the map link."""
    now = now_vn()
    return {"point": point, "kind_label": KIND_LABELS.get(point.kind, point.kind),
            "week": week_rows(point.opening_hours), "state": open_state(point.opening_hours, now),
            "map_url": map_url(point), "holidays": holidays_ahead(now.date())}


@bp.app_context_processor
def place_helpers() -> dict[str, object]:
    return {"place_attribution": ATTRIBUTION}


@bp.app_template_global("commune_name")
def commune_name(slug: str) -> str:
    found = find_commune(db.session, slug)
    return found.name_with_kind if found else slug


@bp.get("/communes")
def communes():
    q = clean_line(request.args.get("q", ""))[:MAX_QUERY_CHARS]
    found = find_places(db.session, q) if q else None
    listed = all_communes(db.session)
    groups = [(GROUP_LABELS.get(kind, kind), list(items)) for kind, items in
              groupby(sorted(listed, key=lambda c: c.kind != "phường"), key=lambda c: c.kind)]
    return render_template("public/communes.html", q=q, found=found, groups=groups, total=len(listed))


@bp.get("/communes/<slug>")
def commune(slug: str):
    found = find_commune(db.session, slug) if len(slug) <= 64 else None
    if found is None:
        abort(404)
    centre = centre_of(db.session, found)
    return render_template(
        "public/commune.html", commune=found, centre=point_view(centre) if centre else None,
        province_points=[point_view(p) for p in nearest_province_points(db.session, found)],
        services=commune_services(db.session),
        old_places=sorted(found.old_places, key=lambda p: (p.old_province, p.old_district, p.old_commune)),
    )


@bp.get("/licences/vietmap")
def vietmap_licence():
    text = (resources.files("catalogue") / "data" / "LICENSE-vietmap").read_text(encoding="utf-8")
    return Response(text, mimetype="text/plain")


@dataclass
class ServicePlace:
    """The answer to "Bạn ở xã/phường nào?" on a service page."""

    typed: str = ""
    commune: Commune | None = None
    choices: list[Commune] = field(default_factory=list)
    centre: dict[str, object] | None = None
    province_points: list[dict[str, object]] = field(default_factory=list)
    message: str | None = None


def service_place(service: Service) -> ServicePlace:
    """Read ``?commune=`` (a slug, or a name as typed, old names too) for ``service``."""
    typed = clean_line(request.args.get("commune", ""))[:MAX_QUERY_CHARS]
    place = ServicePlace(typed=typed)
    if not typed:
        return place
    chosen = find_commune(db.session, typed)
    if chosen is None:
        matches = find_places(db.session, typed, limit=12)
        if len(matches) == 1:
            chosen = matches[0]
        elif matches:
            place.choices = matches
            place.message = f"Có {len(matches)} xã, phường ứng với “{typed}”: chọn nơi bạn ở."
            return place
        else:
            place.message = (f"Không tìm thấy xã, phường nào tên “{typed}”. "
                             "Hãy thử gõ lại, có dấu hoặc không dấu.")
            return place
    place.commune = chosen
    centre = centre_of(db.session, chosen)
    place.centre = point_view(centre) if centre else None
    if service.tier == Tier.PROVINCE:
        place.province_points = [point_view(p) for p in nearest_province_points(db.session, chosen)[:1]]
    return place
