"""Text hygiene for the source records: NFC, white space, "Không có thông tin" as empty."""

from __future__ import annotations

import re
import unicodedata

EMPTY = "không có thông tin"

_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff\u200b-\u200f\ufeff]")
_HSPACE = re.compile(r"[ \t\u00a0\u2000-\u200a\u3000\f\v]+")


def nfc(value) -> str:
    return unicodedata.normalize("NFC", value or "")


def is_empty(text: str) -> bool:
    return text.strip(" .:;-\n").lower() in ("", EMPTY)


def clean_line(value) -> str:
    """NFC, one line, spaces collapsed; "Không có thông tin" -> ""."""
    text = _PRIVATE_USE.sub(" ", nfc(value))
    text = re.sub(r"\s+", " ", text).strip()
    return "" if is_empty(text) else text


def clean_block(value) -> str:
    """Like clean_line, but keeps line breaks (one per line, no blank lines)."""
    text = _PRIVATE_USE.sub(" ", nfc(value)).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_HSPACE.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(line for line in lines if line)
    return "" if is_empty(text) else text


def fold(value: str) -> str:
    """Lowercase ASCII: diacritics removed, đ -> d."""
    value = nfc(value).lower().replace("đ", "d")
    value = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in value if not unicodedata.combining(ch))


def slugify(value: str, max_len: int = 32) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(value)).strip("-")
    if len(slug) > max_len:
        cut = slug[: max_len + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut else slug[:max_len]
    return slug.strip("-")


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-") + "…"


def balanced(text: str, start: int) -> int:
    """End index (exclusive) of the parenthesised group opening at text[start]."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(text)


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def format_vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


class Unparseable(Exception):
    """A record the converter cannot turn into a service; the message is the reason."""
