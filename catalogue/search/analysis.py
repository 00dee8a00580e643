"""Vietnamese text analysis shared by indexing, querying, highlighting and suggestions.

Two forms of every word are used. The *folded* form (lowercase, tone and vowel marks
removed, đ -> d) is what matching runs on, so "dang ky khai sinh" finds "Đăng ký khai
sinh". The *exact* form (lowercase NFC, marks kept) only ranks: a query typed with its
diacritics ("bản") puts names holding that very syllable above "bán" or "ban".

Folding is a ``str.translate`` table (C speed) built from :func:`catalogue.text.fold`,
so the index and the rest of the catalogue agree on what a folded word is. Text is put
in NFC first: decomposed input would otherwise split "Đăng" into two words.

The classes here are pickled into the Whoosh schema, so they live at module level.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import lru_cache

from whoosh.analysis import Analyzer, Token
from whoosh.formats import Existence, Frequency
from whoosh.system import pack_uint

from ..text import fold

WORD = re.compile(r"\w+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _fold_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for start, end in ((0x00C0, 0x0250), (0x1E00, 0x1F00)):
        for code in range(start, end):
            ch = chr(code)
            folded = fold(ch)
            if folded != ch:
                table[code] = folded
    for code in range(0x0300, 0x0370):  # stray combining marks left after NFC
        table[code] = None
    table[ord("Ð")] = "d"
    return table


FOLD_TABLE = _fold_table()


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fold_text(text: str) -> str:
    """Folded form of a whole text: lowercase ASCII, marks dropped, đ -> d.

    NFKD then an ASCII encode that drops what remains (the combining marks) runs at C
    speed, several times faster than a translation table over long procedure texts.
    Letters outside the Latin script are dropped too: the catalogue is Vietnamese, and
    queries are folded the same way, so both sides agree.
    """
    text = unicodedata.normalize("NFKD", text.lower().replace("đ", "d").replace("ð", "d"))
    return text.encode("ascii", "ignore").decode("ascii")


def fold_chars(text: str) -> str:
    """Like :func:`fold_text` but character for character (same length), for highlighting."""
    return nfc(text).lower().translate(FOLD_TABLE)


def folded_words(text: str) -> list[str]:
    return WORD.findall(fold_text(text))


def exact_words(text: str) -> list[str]:
    return WORD.findall(nfc(text).lower())


def has_marks(word: str) -> bool:
    """True when the word carries Vietnamese diacritics (or đ) the user typed on purpose."""
    return not word.isascii()


def bigrams(words: list[str]) -> list[str]:
    return [f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)]


def clean_query(text: str, max_chars: int) -> str:
    """Any string a user can send, made safe to analyse: NFC, no control characters."""
    text = _CONTROL.sub(" ", text[: max_chars * 2])
    return nfc(text)[:max_chars]


class VietnameseAnalyzer(Analyzer):
    """Whoosh analyzer giving folded words, exact words, or adjacent folded word pairs.

    ``terms()`` is the fast path the index format uses; ``__call__`` yields Whoosh
    tokens with positions and character offsets for Whoosh's own tools (highlighting,
    spelling) and gives the same words.
    """

    def __init__(self, mode: str = "folded"):
        if mode not in ("folded", "exact", "bigram"):
            raise ValueError(mode)
        self.mode = mode

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VietnameseAnalyzer) and other.mode == self.mode

    def __hash__(self) -> int:
        return hash(("VietnameseAnalyzer", self.mode))

    def terms(self, value: str | Iterable[str]) -> list[str]:
        if not isinstance(value, str):  # already analysed, as Whoosh treats a list
            return list(value)
        if self.mode == "exact":
            return exact_words(value)
        words = folded_words(value)
        return bigrams(words) if self.mode == "bigram" else words

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, mode: str = "", **kwargs) -> Iterator[Token]:
        value = nfc(value)
        if self.mode == "bigram":
            for pos, text in enumerate(self.terms(value)):
                yield Token(text=text, boost=1.0, stopped=False, pos=start_pos + pos,
                            positions=positions, chars=False, mode=mode)
            return
        lower = value.lower()
        source = lower if self.mode == "exact" else fold_chars(lower)
        for pos, match in enumerate(WORD.finditer(source)):
            token = Token(positions=positions, chars=chars, removestops=removestops,
                          mode=mode, **kwargs)
            token.text = match.group()
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[match.start():match.end()]
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


class FastFrequency(Frequency):
    """Term frequencies only (no positions), counted in one C-speed pass per field.

    Whoosh's generic path builds a Token object per word; for the long procedure texts
    that dominated build time. Terms are returned already UTF-8 encoded (see
    ``VText.index``). Phrases are ranked through the bigram field instead of
    positions, so positions are not needed.
    """

    def word_values(self, value, analyzer, **kwargs):  # noqa: ANN001, ANN201 (Whoosh API)
        terms = analyzer.terms(value) if isinstance(analyzer, VietnameseAnalyzer) else [
            t.text for t in analyzer(value)
        ]
        return [(w.encode("utf-8"), n, float(n), pack_uint(n)) for w, n in Counter(terms).items()]


class FastExistence(Existence):
    """Only whether a word occurs in the document: for the long procedure body."""

    def word_values(self, value, analyzer, **kwargs):  # noqa: ANN001, ANN201 (Whoosh API)
        terms = analyzer.terms(value) if isinstance(analyzer, VietnameseAnalyzer) else [
            t.text for t in analyzer(value)
        ]
        return [(w.encode("utf-8"), 1, 1.0, b"") for w in set(terms)]


def highlight_spans(text: str, words: frozenset[str]) -> list[tuple[int, int]]:
    """Character spans of the words of ``text`` (NFC) whose folded form is in ``words``."""
    if not words:
        return []
    folded = _folded_for_spans(text)
    if len(folded) != len(text):  # a character folded to several: fall back to no spans
        return []
    if not all(w.isalnum() for w in words):
        return [m.span() for m in _words_pattern(words).finditer(folded)]
    # Each word found with str.find and kept when it stands whole (what ``_words_pattern``
    # matches): a few C-speed scans instead of a regular expression tried at every
    # character. A whole word is one run of word characters, so matches cannot overlap.
    spans = []
    end = len(folded)
    for word in words:
        size = len(word)
        at = folded.find(word)
        while at >= 0:
            stop = at + size
            if ((at == 0 or not _word_char(folded[at - 1]))
                    and (stop == end or not _word_char(folded[stop]))):
                spans.append((at, stop))
            at = folded.find(word, stop)
    spans.sort()
    return spans


def _word_char(char: str) -> bool:
    """What ``\\w`` matches: a letter or digit of any script, or "_"."""
    return char.isalnum() or char == "_"


@lru_cache(maxsize=8192)
def _folded_for_spans(text: str) -> str:
    """Lowercase, folded character for character. ``str.translate`` with a table takes
    Python's slow path on Vietnamese text, and result pages show the same names and
    summaries again and again: each is folded once per process (8,192 kept)."""
    return text.lower() if text.isascii() else text.lower().translate(FOLD_TABLE)


@lru_cache(maxsize=256)
def _words_pattern(words: frozenset[str]) -> re.Pattern[str]:
    """Whole words among ``words``: only the matches become Python objects."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
