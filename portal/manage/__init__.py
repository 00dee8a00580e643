"""Editing pages under /manage/ for agency editors and admins."""

from flask import Blueprint

bp = Blueprint("manage", __name__, url_prefix="/manage")

from . import calendar, history, services, users  # noqa: E402,F401
