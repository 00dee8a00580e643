"""The usefulness rate per agency on /statistics: a block of its own (templates/statistics/
_usefulness.html), fed by a template global so the statistics view itself is untouched."""

from __future__ import annotations

from dataclasses import dataclass

from catalogue.feedback import usefulness_by_agency
from catalogue.text import sort_key

from ..extensions import db
from . import bp


@dataclass(frozen=True)
class UsefulnessRow:
    name: str
    answers: int
    useful: int

    @property
    def rate(self) -> float:
        return 100 * self.useful / self.answers if self.answers else 0.0


@bp.app_template_global("usefulness_rows")
def usefulness_rows() -> list[UsefulnessRow]:
    rows = [UsefulnessRow(a.name, total, yes) for a, total, yes in usefulness_by_agency(db.session)]
    return sorted(rows, key=lambda r: sort_key(r.name))
