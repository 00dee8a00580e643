"""Editing pages under /manage/ for agency editors and admins."""

from flask import Blueprint

bp = Blueprint("manage", __name__, url_prefix="/manage")


@bp.app_context_processor
def completeness_helpers() -> dict[str, object]:
    """What the editor sees missing, from the rule set (catalogue.completeness)."""
    from catalogue.completeness import missing_parts, missing_text
    from catalogue.operations import record_of

    return {"missing_parts_of": lambda service: missing_parts(record_of(service)),
            "missing_text": missing_text}


from . import agencies, calendar, history, services, upkeep, users  # noqa: E402,F401
