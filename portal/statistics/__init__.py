"""The statistics pages: counts by level, agency, field, tier, at any date."""

from flask import Blueprint

bp = Blueprint("statistics", __name__)
