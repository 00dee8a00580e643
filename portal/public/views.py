"""Views of the public pages: parse the request, ask the domain, render."""

from __future__ import annotations

from flask import render_template

from catalogue.statistics import count_by_level, online_total

from ..extensions import db
from . import bp


@bp.get("/")
def home():
    return render_template(
        "public/home.html",
        online_total=online_total(db.session),
        by_level=count_by_level(db.session),
    )
