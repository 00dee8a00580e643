"""Text cells that a spreadsheet must not run as formulas (CSV injection).

Excel, LibreOffice and Google Sheets treat a CSV cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return as a formula, so an agency named
``=HYPERLINK("http://evil.example","Bấm vào đây")`` would become a live link (or worse)
in the hands of whoever opens a download. OWASP's rule: put an apostrophe in front of
such a cell; spreadsheets show the text and keep the apostrophe out of sight.

Two uses:

- :func:`neutralise` for public downloads (statistics tables): one way, for people.
- :func:`escape_cell` / :func:`unescape_cell` for the ``export`` → ``import`` round trip:
  a cell that starts with a formula character *or with an apostrophe* gets one more
  apostrophe in front, and reading takes exactly one leading apostrophe off. So
  ``=SUM(A1)`` is written ``'=SUM(A1)``, ``'quoted`` is written ``''quoted``, and
  every text comes back exactly as it was exported.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def starts_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def neutralise(value: object) -> object:
    """A text a spreadsheet would run, with an apostrophe in front; anything else as is."""
    if isinstance(value, str) and starts_formula(value):
        return QUOTE + value
    return value


def escape_cell(text: str) -> str:
    """Reversible form of :func:`neutralise`: an apostrophe already in front is doubled."""
    if starts_formula(text) or text.startswith(QUOTE):
        return QUOTE + text
    return text


def unescape_cell(text: str) -> str:
    """The text :func:`escape_cell` was given: one leading apostrophe taken off."""
    return text[1:] if text.startswith(QUOTE) else text
