"""API: statistics."""

from . import bp  # noqa: F401
