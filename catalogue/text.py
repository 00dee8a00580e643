"""Text hygiene for Vietnamese input.

Real data arrives in decomposed Unicode (NFD) as often as composed (NFC); comparing or
indexing the two as-is makes "Đăng" differ from "Đăng". Every text that enters the
catalogue goes through :func:`clean_text` first.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")
# Control characters other than newline and tab never belong in catalogue text, nor lone
# surrogates (JSON can spell them, "\ud800"; no database can store them).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
# Anything the steps of clean_text below would change other than the outer trim: a
# control character, a carriage return, a space other than one plain " ", white space
# next to a newline, three newlines. Text without it (nearly all real text) needs only
# strip(): one scan instead of five passes (bulk import cleans millions of values).
_ODD_CHARACTER = re.compile(r"[\r\t\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\u00a0\u2000-\u200b\u3000]")
_SPACE_AT_NEWLINE = re.compile(r"[^\S\n]\n|\n[^\S\n]")
# A character other than ASCII and the combining marks of U+0300–U+036F (see fold).
_NOT_ASCII_OR_MARK = re.compile("[^\x00-\x7f\u0300-\u036f]")


def _tidy(value: str) -> bool:
    """True when clean_text's steps would change nothing but the outer white space."""
    if "  " in value or _ODD_CHARACTER.search(value):
        return False
    return "\n" not in value or ("\n\n\n" not in value and not _SPACE_AT_NEWLINE.search(value))


# Unicode's stream-safe text format (UAX #15): at most 30 combining marks in a row, a
# combining grapheme joiner (CGJ, invisible) before the 31st. Real text needs two or three
# (Vietnamese: a vowel mark and a tone mark). Normalisation puts a run of marks in order by
# insertion sort, quadratic in the run's length: 120,000 marks in alternating order take
# about ten seconds; cut into runs of 30 they take milliseconds, and no character is lost.
MAX_MARKS = 30
CGJ = "\u034f"


@functools.cache
def _long_mark_run() -> re.Pattern[str]:
    """MAX_MARKS combining marks followed by one more; built on first use (a scan of all
    of Unicode, about a tenth of a second) since only unnormalised text needs it."""
    ranges: list[list[int]] = []
    for code in range(sys.maxunicode + 1):
        if unicodedata.combining(chr(code)):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    marks = "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" if a != b else re.escape(chr(a))
                    for a, b in ranges)
    return re.compile(f"[{marks}]{{{MAX_MARKS}}}(?=[{marks}])")


def stream_safe(value: str) -> str:
    """A CGJ after every MAX_MARKS combining marks in a row, so normalising takes linear time."""
    return _long_mark_run().sub(lambda run: run.group(0) + CGJ, value)


def clean_text(value: str) -> str:
    """NFC-normalise, drop control characters, collapse runs of spaces, trim."""
    if not unicodedata.is_normalized("NFC", value):  # a fast check, linear in any case
        value = unicodedata.normalize("NFC", stream_safe(value))
    if _tidy(value):
        return value.strip()
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    value = _SPACES.sub(" ", value)
    value = "\n".join(line.strip() for line in value.split("\n"))
    value = _BLANK_LINES.sub("\n\n", value)
    return value.strip()


def clean_line(value: str) -> str:
    """Like :func:`clean_text` for one-line values (names, titles): newlines become spaces."""
    return clean_text(value.replace("\n", " ").replace("\r", " "))


_FOLD_TABLE = str.maketrans({"đ": "d", "Đ": "d", "Ð": "d", "ð": "d"})


def fold(value: str) -> str:
    """Lowercase ASCII-ish form for accent- and case-insensitive matching.

    NFKD strips the tone and vowel marks but does not touch đ/Đ, which are letters of
    their own; they are mapped to d explicitly.
    """
    value = value.lower().translate(_FOLD_TABLE)
    if len(value) > 1000:  # shorter runs of marks normalise in well under a millisecond
        value = stream_safe(value)
    value = unicodedata.normalize("NFKD", value)
    if _NOT_ASCII_OR_MARK.search(value) is None:
        # Vietnamese text after NFKD: ASCII letters and marks of U+0300–U+036F (all
        # combining, or the CGJ), which an ASCII encode drops at C speed; 20 times
        # quicker than the loop below, which sorting thousands of names made the cost
        # of a service page whose life events hold them.
        return value.encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in value if not unicodedata.combining(ch) and ch != CGJ)


def sort_key(value: str) -> tuple[str, str]:
    """Vietnamese alphabetical order for every list: letters without their marks first (so
    "Đăng ký" stands among the d's and "Ủy ban" among the u's, whatever the case), then the
    marked and capitalised form only to break ties. A database's binary order would put
    every "Đ" after "Z" and every capital before the lower case."""
    return fold(value), value


def slugify(value: str) -> str:
    """ASCII slug for URLs and codes: "Hộ tịch" -> "ho-tich"."""
    return re.sub(r"[^a-z0-9]+", "-", fold(value)).strip("-")
