"""API: suggest."""

from . import bp  # noqa: F401
