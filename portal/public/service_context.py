"""Everything the service page shows besides the record itself, in one place: the public
page and the editors' preview (which must look exactly like it) both render from it."""

from __future__ import annotations

from flask import current_app

from catalogue.classification import classification_history, history_line
from catalogue.clock import today_vn
from catalogue.directory import ancestors_of
from catalogue.life_events import related_services
from catalogue.models import Service
from catalogue.schemes import scheme_on

from ..extensions import db
from .places import service_place
from .service_sheet import build_sheet


def service_context(found: Service) -> dict[str, object]:
    """What the service page shows besides the record: the citizen's sheet (channels,
    grouped dossier, forms), the classification through time, the place chosen and the
    related services. The editors' preview renders the same page from it."""
    periods = classification_history(db.session, found)
    return {
        "service": found,
        "sheet": build_sheet(found, current_app.config["UPLOAD_DIR"], current_app.static_folder),
        "ancestors": ancestors_of(found.agency),
        "classification": periods,
        "classification_line": history_line(periods),
        "scheme_now": scheme_on(today_vn()),  # how the summary box names the online kind
        "place": service_place(found),
        "related": related_services(db.session, found),
    }
