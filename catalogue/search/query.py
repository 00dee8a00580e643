"""A user's query string made safe and split into what the engine ranks by.

No query language is exposed: Whoosh's parser would turn a lone quote, ``*`` or
``AND(`` into syntax errors or into a scan of every term. Words are whatever ``\\w+``
finds; every word must match (AND), in any of the searched fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from .analysis import WORD, bigrams, clean_query, fold_text, has_marks, nfc

MAX_CHARS = 500
MAX_WORDS = 12


@dataclass(frozen=True)
class ParsedQuery:
    typed: list[str]      # the words as typed (NFC), for "did you mean"
    folded: list[str]     # what must match
    exact: list[str]      # words typed with diacritics, lowercase: rank their exact form first
    pairs: list[str]      # adjacent folded words: rank the phrase above scattered words
    truncated: bool

    @property
    def empty(self) -> bool:
        return not self.folded


def parse_query(q: str | None) -> ParsedQuery:
    text = clean_query(q or "", MAX_CHARS)
    typed = WORD.findall(text)
    truncated = len(typed) > MAX_WORDS or len(q or "") > MAX_CHARS
    typed = typed[:MAX_WORDS]
    folded = [fold_text(w) for w in typed]
    exact = [nfc(w).lower() for w in typed if has_marks(w.lower())]
    unique: list[str] = []
    for w in folded:
        if w not in unique:
            unique.append(w)
    return ParsedQuery(typed=typed, folded=unique, exact=sorted(set(exact)), pairs=bigrams(folded),
                       truncated=truncated)
