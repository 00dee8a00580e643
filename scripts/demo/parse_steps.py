"""The steps (trình tự thực hiện): "Bước N:" markers, or one step a line, with sub-items.

The result is the record's shape (see catalogue/steps.py): a list of step texts, each a
first line and then its sub-items as lines starting "- ". The source's own numbers
("Bước 2:", "5.1.1.") are taken off: the page numbers the steps itself.

* With "Bước N" markers, a step is everything up to the next marker: a title on its own
  line takes the first paragraph after it ("Nộp hồ sơ: Tổ chức, cá nhân …"); lines with
  a bullet ("-", "+", "*", "a)", "(i)") are its sub-items.
* Without markers, the bullet of the first line is the steps' own ("- Nộp hồ sơ …"):
  a line with it opens a step, a line with another bullet is a sub-item of the step above.
* A line starting in lower case continues the line before it (a sentence broken in the
  source); bullets run inline after a sentence end (". + Trường hợp …") are split out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .text import clean_block, clean_line, is_empty

_STEP = re.compile(r"Bước\s*(\d{1,2})\s*(?:[:.\-–)]\s*)?")
_ENUMERATOR = re.compile(r"^(?:[a-zđ]\d*\)|\(?[ivx]+\)|[a-zđ]\.\s)")
_BULLET = re.compile(r"^([-+*•–]+|\(?[ivx]+\)|\(?[a-zđ]\)|\(?\d{1,2}\)|\d+(?:\.\d+)+\.?|\d{1,2}\.)\s*")
_INLINE_BULLET = re.compile(r"(?<=[.;:])\s+(?=(?:[-+*•]|\(?[a-zđ]\)|\([ivx]+\))\s+[A-ZĐÀ-Ỹ])")
_NUMBER_PREFIX = re.compile(r"^(?:\d+(?:\.\d+)*\.?\s+)+")


@dataclass
class StepsParse:
    steps: list[str] = field(default_factory=list)
    sub_items: int = 0
    plain: bool = False  # no marker and no bullet: one step a line, nothing nested


def _kind(bullet: str) -> str:
    """Bullets of one family are one level: "a)", "b)"; "(i)", "(ii)"; "-"; "+"; "1.", "2."."""
    if re.fullmatch(r"\(?[ivx]+\)", bullet):
        return "roman"
    if re.fullmatch(r"\(?[a-zđ]\)", bullet):
        return "letter"
    if re.fullmatch(r"\(?\d{1,2}\)|\d{1,2}\.", bullet):
        return "number"
    if re.fullmatch(r"\d+(?:\.\d+)+\.?", bullet):
        return "section"
    return bullet[0]


def _lines(text: str) -> list[tuple[str, str]]:
    """(bullet kind or "", text) per line; broken sentences joined, inline bullets split."""
    text = _INLINE_BULLET.sub("\n", text)
    out: list[tuple[str, str]] = []
    for raw in text.split("\n"):
        line = clean_line(raw)
        if not line:
            continue
        m = _BULLET.match(line)
        bullet = _kind(m.group(1)) if m and m.end() < len(line) else ""
        body = line[m.end():].strip() if bullet else line
        if not body:
            continue
        if out and not bullet and body[0].islower() and not _ENUMERATOR.match(body):
            out[-1] = (out[-1][0], f"{out[-1][1]} {body}")
            continue
        out.append((bullet, body))
    return out


def _upper(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:]


def _step(head: str, subs: list[str]) -> str:
    head = _upper(_NUMBER_PREFIX.sub("", head).lstrip(" :.-–").rstrip(" -–"))
    head = re.sub(r"\s*(?:[a-zđ]\)|\d+\.|[-–+*])\s*$", "", head)
    subs = [_upper(re.sub(r"\s*(?:[a-zđ]\)|[-–+*])\s*$", "", s)) for s in subs if s.strip()]
    return "\n".join([head, *(f"- {s}" for s in subs if s)])


def parse_steps_detail(raw) -> StepsParse:
    text = clean_block(raw)
    out = StepsParse()
    if not text:
        return out
    marks = []
    for m in _STEP.finditer(text):
        before = text[: m.start()].rstrip(" -–+*•")
        before = re.sub(r"[a-zđ]\)$", "", before).rstrip(" ")  # "a) Bước 1."
        # A marker opens a step at the start, after a line break or a sentence end.
        if not before or before[-1] in "\n.;:!?)":
            marks.append(m)
    steps: list[tuple[str, list[str]]] = []
    if marks:
        head = clean_line(re.sub(r"[a-zđ]\)\s*$", "", text[: marks[0].start()]))
        if head and not head.endswith(":") and len(head) > 30:
            steps.append((head, []))
        for i, m in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
            body = re.sub(r"\n?\s*[a-zđ]\)\s*$", "", text[m.end(): end])  # "b)" of the next
            lines = _lines(body)
            if not lines:
                continue
            title, subs = lines[0][1], []
            rest = lines[1:]
            if rest and not rest[0][0] and len(title) <= 60 and not re.search(r"[.:;,]$", title):
                title = f"{title}: {rest[0][1]}"  # a step title on its own line
                rest = rest[1:]
            for _bullet, body_line in rest:
                subs.append(body_line)
            steps.append((title, subs))
    else:
        lines = _lines(text)
        top = lines[0][0] if lines else ""
        for bullet, body in lines:
            if bullet == top or not steps:
                steps.append((body, []))
            else:
                steps[-1][1].append(body)
        out.plain = not any(b for b, _ in lines)
    for head, subs in steps:
        if is_empty(head):
            continue
        step = _step(head, subs)
        if step:
            out.steps.append(step)
            out.sub_items += step.count("\n- ")
    return out


def parse_steps(raw) -> list[str]:
    return parse_steps_detail(raw).steps
