"""What a query means: the words typed, grouped into *clauses* with their alternatives.

Citizens type abbreviations ("gplx", "đk"), everyday names ("sổ đỏ", "bằng lái"), spelling
variants ("dang ki", "li lich") and whole questions ("thủ tục … cần những gì"). The
vocabulary that maps them to the catalogue's official terms is data, in
``vocabulary.toml`` beside this module, read once at import.

A query becomes a list of clauses, one per typed word or per vocabulary phrase found in
it (longest first). A clause is satisfied by any of its alternatives; an alternative is a
group of folded words that must all occur. The words as typed are always an alternative
and weigh 1; an expansion weighs ``EXPANSION_WEIGHT`` (less), a spelling variant
``VARIANT_WEIGHT``. Question words ("cần những gì", "ở đâu") make *stop* clauses: left
out of matching unless the query has nothing else.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .analysis import WORD, fold_text, has_marks, nfc

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.toml")
EXPANSION_WEIGHT = 0.8
VARIANT_WEIGHT = 0.95


@dataclass(frozen=True)
class Alternative:
    words: tuple[str, ...]   # folded words that must all occur
    weight: float            # 1 for what was typed, less for expansions
    typed: bool


@dataclass(frozen=True)
class Clause:
    alternatives: tuple[Alternative, ...]
    span: int                # how many typed words it stands for
    stop: bool = False       # a question word: not matched unless nothing else is typed

    @property
    def words(self) -> set[str]:
        return {w for alt in self.alternatives for w in alt.words}


@dataclass(frozen=True)
class Vocabulary:
    rules: dict[tuple[str, ...], tuple[tuple[str, ...], ...]]  # key -> expansions
    question: frozenset[tuple[str, ...]]
    question_forms: frozenset[str]        # the question words as written, marks kept
    canonical: dict[str, str]             # spelling variant -> the form keys use
    variants: dict[str, tuple[str, ...]]  # word -> its other spellings
    longest: int


def _words(text: str) -> tuple[str, ...]:
    return tuple(WORD.findall(fold_text(text)))


def load_vocabulary(path: Path = VOCABULARY_FILE) -> Vocabulary:
    """Read the vocabulary file; every key and value is folded."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    variants: dict[str, tuple[str, ...]] = {}
    canonical: dict[str, str] = {}
    for group in data.get("variants", {}).get("groups", []):
        folded = list(dict.fromkeys(w for g in group for w in _words(g)))
        for w in folded:
            variants[w] = tuple(v for v in folded if v != w)
            canonical[w] = folded[-1]

    def canon(words: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(canonical.get(w, w) for w in words)

    rules: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for section in ("abbreviations", "everyday", "agencies"):
        for key, value in data.get(section, {}).items():
            key_words = canon(_words(key))
            if not key_words:
                continue
            for meaning in [value] if isinstance(value, str) else value:
                words = _words(meaning)
                if words and words != key_words and words not in rules.setdefault(key_words, []):
                    rules[key_words].append(words)
    phrases = data.get("question_words", {}).get("phrases", [])
    question = frozenset(canon(_words(p)) for p in phrases)
    question = frozenset(q for q in question if q)
    forms = frozenset(w for p in phrases for w in WORD.findall(nfc(p).lower()))
    longest = max([len(k) for k in rules] + [len(q) for q in question] + [1])
    return Vocabulary({k: tuple(v) for k, v in rules.items()}, question, forms, canonical, variants,
                      longest)


VOCABULARY = load_vocabulary()


def _modifiers(path: Path = VOCABULARY_FILE) -> tuple[tuple[str, str], ...]:
    with path.open("rb") as fh:
        words = tomllib.load(fh).get("modifiers", {}).get("words", [])
    return tuple((w.lower(), fold_text(w)) for w in words)


# Words that make a procedure a variant of another ("cấp lại", "cấp đổi", "gia hạn"): a
# name holding one the query does not ask for ranks a little lower, so "đăng ký kết hôn"
# finds the procedure itself before "đăng ký lại kết hôn". Exact forms (name_exact), as
# "lại" and "lái" fold alike.
MODIFIERS = _modifiers()


def clauses_of(sequence: list[str] | tuple[str, ...], vocabulary: Vocabulary | None = None,
               typed: list[str] | tuple[str, ...] | None = None) -> tuple[Clause, ...]:
    """The clauses of a query's folded words, in order. ``typed`` (the words as typed,
    aligned with ``sequence``) lets a word typed with other marks than a question word's
    stay meaningful: "căn" is not "cần", though both fold to "can"."""
    marked = _marked(sequence, typed)
    if vocabulary is None:
        return _default_clauses(tuple(sequence), marked)
    return _clauses(tuple(sequence), vocabulary, marked)


def _marked(sequence: list[str] | tuple[str, ...], typed: list[str] | tuple[str, ...] | None,
            ) -> tuple[str | None, ...]:
    """Per word, its lowercase typed form when it carries marks, else None (ambiguous)."""
    if typed is None or len(typed) != len(sequence):
        return (None,) * len(sequence)
    return tuple(nfc(t).lower() if has_marks(t) else None for t in typed)


@lru_cache(maxsize=4096)
def _default_clauses(sequence: tuple[str, ...], marked: tuple[str | None, ...]) -> tuple[Clause, ...]:
    return _clauses(sequence, VOCABULARY, marked)


def _clauses(sequence: tuple[str, ...], vocabulary: Vocabulary,
             marked: tuple[str | None, ...] | None = None) -> tuple[Clause, ...]:
    marked = marked or (None,) * len(sequence)
    canon = tuple(vocabulary.canonical.get(w, w) for w in sequence)
    clauses: list[Clause] = []
    i, n = 0, len(sequence)
    while i < n:
        rule_len = question_len = 0
        for size in range(min(vocabulary.longest, n - i), 0, -1):
            key = canon[i:i + size]
            if not rule_len and key in vocabulary.rules:
                rule_len = size
            if (not question_len and key in vocabulary.question
                    and all(m is None or m in vocabulary.question_forms for m in marked[i:i + size])):
                question_len = size
            if rule_len and question_len:
                break
        if rule_len and rule_len >= question_len:
            typed = sequence[i:i + rule_len]
            alternatives = [Alternative(typed, 1.0, True)]
            if rule_len == 1:
                alternatives += [Alternative((v,), VARIANT_WEIGHT, True)
                                 for v in vocabulary.variants.get(typed[0], ())]
            alternatives += [Alternative(words, EXPANSION_WEIGHT, False)
                             for words in vocabulary.rules[canon[i:i + rule_len]]]
            clauses.append(Clause(tuple(alternatives), rule_len))
            i += rule_len
        elif question_len:
            for w in sequence[i:i + question_len]:
                clauses.append(Clause((Alternative((w,), 1.0, True),), 1, stop=True))
            i += question_len
        else:
            w = sequence[i]
            alternatives = [Alternative((w,), 1.0, True)]
            alternatives += [Alternative((v,), VARIANT_WEIGHT, True) for v in vocabulary.variants.get(w, ())]
            clauses.append(Clause(tuple(alternatives), 1))
            i += 1
    if clauses and all(c.stop for c in clauses):
        clauses = [Clause(c.alternatives, c.span) for c in clauses]
    return tuple(clauses)
