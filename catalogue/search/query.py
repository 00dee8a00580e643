"""A user's query string made safe and split into what the engine ranks by.

No query language is exposed: Whoosh's parser would turn a lone quote, ``*`` or
``AND(`` into syntax errors or into a scan of every term. Words are whatever ``\\w+``
finds; what they mean (abbreviations, everyday names, question words) is worked out by
``understanding.py`` into clauses the engine ranks by.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..vocabulary import MAX_QUERY_CHARS
from .analysis import WORD, bigrams, clean_query, fold_text, has_marks, nfc
from .understanding import Clause, clauses_of

MAX_CHARS = MAX_QUERY_CHARS  # what every surface accepts; longer input is cut, never an error
MAX_WORDS = 12


@dataclass(frozen=True)
class ParsedQuery:
    typed: list[str]      # the words as typed (NFC), for "did you mean"; one per folded word
    folded: list[str]     # what must match (each distinct folded word once)
    sequence: list[str]   # the folded words in order, aligned with ``typed``
    exact: list[str]      # words typed with diacritics, lowercase: rank their exact form first
    pairs: list[str]      # adjacent folded words: rank the phrase above scattered words
    truncated: bool
    clauses: tuple[Clause, ...] = ()  # what the words mean (see understanding.py)

    @property
    def empty(self) -> bool:
        return not self.folded

    @property
    def meaningful(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if not c.stop)

    @property
    def highlight_words(self) -> frozenset[str]:
        """Folded words to mark in results: typed ones and what they were expanded to."""
        return frozenset(w for c in self.meaningful for w in c.words)


def parse_query(q: str | None) -> ParsedQuery:
    text = clean_query(q or "", MAX_CHARS)
    typed, folded = [], []
    for word in WORD.findall(text):
        parts = WORD.findall(fold_text(word))  # letters outside Latin fold to nothing
        if len(parts) == 1:
            typed.append(word)
            folded.append(parts[0])
        else:
            typed.extend(parts)
            folded.extend(parts)
    truncated = len(typed) > MAX_WORDS or len(q or "") > MAX_CHARS
    typed, folded = typed[:MAX_WORDS], folded[:MAX_WORDS]
    exact = [nfc(w).lower() for w in typed if has_marks(w.lower())]
    unique: list[str] = []
    for w in folded:
        if w not in unique:
            unique.append(w)
    return ParsedQuery(typed=typed, folded=unique, sequence=folded, exact=sorted(set(exact)),
                       pairs=bigrams(folded), truncated=truncated, clauses=clauses_of(folded, typed=typed))
