"""Vietnamese presentation of numbers and dates: 3.382, 92,3 %, 07/07/2011."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask

from catalogue.validation import LABELS
from catalogue.vocabulary import (
    AUDIENCE_LABELS,
    LEVEL_LABELS,
    ONLINE_KIND_EXPLANATIONS,
    ONLINE_KIND_LABELS,
    ONLINE_KINDS,
    ONLINE_LABEL,
    PARTIAL_REASON_LABELS,
    STATUS_LABELS,
    TIER_LABELS,
    VIETNAM_TZ,
    accepts_online_submission,
    is_online,
)


def number_vi(value: int | float | None, decimals: int = 0) -> str:
    if value is None:
        return "–"
    if not decimals and type(value) is int and -1000 < value < 1000:
        return str(value)  # most counts on a page: no separator to place
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def percent_vi(value: float | None, decimals: int = 1) -> str:
    """92.3 -> "92,3 %" (a space before the sign, as Vietnamese typography has it)."""
    if value is None:
        return "–"
    return f"{number_vi(value, decimals)} %"


def processing_time_vi(days: int | None) -> str:
    """A time limit in working days as pages state it (no limit set: the agency's rules)."""
    if days is None:
        return "Theo quy định của cơ quan"
    if days == 0:
        return "Giải quyết ngay trong ngày"
    return f"{number_vi(days)} ngày làm việc"


def date_vi(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(VIETNAM_TZ) if value.tzinfo else value
    return value.strftime("%d/%m/%Y")


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        number_vi=number_vi, percent_vi=percent_vi, date_vi=date_vi,
        processing_time=processing_time_vi,
    )
    app.jinja_env.globals.update(
        LEVEL_LABELS=LEVEL_LABELS,
        TIER_LABELS=TIER_LABELS,
        AUDIENCE_LABELS=AUDIENCE_LABELS,
        STATUS_LABELS=STATUS_LABELS,
        FIELD_LABELS=LABELS,
        ONLINE_LABEL=ONLINE_LABEL,
        ONLINE_KINDS=ONLINE_KINDS,
        ONLINE_KIND_LABELS=ONLINE_KIND_LABELS,
        ONLINE_KIND_EXPLANATIONS=ONLINE_KIND_EXPLANATIONS,
        PARTIAL_REASON_LABELS=PARTIAL_REASON_LABELS,
        is_online=is_online,
        accepts_online_submission=accepts_online_submission,
    )
