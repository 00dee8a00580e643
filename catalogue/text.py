"""Text hygiene for Vietnamese input.

Real data arrives in decomposed Unicode (NFD) as often as composed (NFC); comparing or
indexing the two as-is makes "Đăng" differ from "Đăng". Every text that enters the
catalogue goes through :func:`clean_text` first.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")
# Control characters other than newline and tab never belong in catalogue text, nor lone
# surrogates (JSON can spell them, "\ud800"; no database can store them).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def clean_text(value: str) -> str:
    """NFC-normalise, drop control characters, collapse runs of spaces, trim."""
    value = unicodedata.normalize("NFC", value)
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
    value = unicodedata.normalize("NFKD", value.lower().translate(_FOLD_TABLE))
    return "".join(ch for ch in value if not unicodedata.combining(ch))


def slugify(value: str) -> str:
    """ASCII slug for URLs and codes: "Hộ tịch" -> "ho-tich"."""
    return re.sub(r"[^a-z0-9]+", "-", fold(value)).strip("-")
