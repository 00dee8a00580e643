"""API: services."""

from . import bp  # noqa: F401
