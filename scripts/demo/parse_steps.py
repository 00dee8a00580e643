"""The steps (trình tự thực hiện): "Bước N:" markers or one step a line."""

from __future__ import annotations

import re

from .text import clean_block, clean_line, is_empty

_STEP = re.compile(r"Bước\s*(\d{1,2})\s*(?:[:.\-–)]\s*)?")


_ENUMERATOR = re.compile(r"^(?:[a-zđ]\d*\)|\(?[ivx]+\)|[a-zđ]\.\s)")


def parse_steps(raw) -> list[str]:
    text = clean_block(raw)
    if not text:
        return []
    marks = []
    for m in _STEP.finditer(text):
        before = text[: m.start()].rstrip(" -–+*•")
        # A marker opens a step at the start, after a line break or a sentence end.
        if not before or before[-1] in "\n.;:!?)":
            marks.append(m)
    steps: list[str] = []
    if marks:
        head = clean_line(text[: marks[0].start()])
        if head and not head.endswith(":") and len(head) > 30:
            steps.append(head)
        for i, m in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
            lines = [ln for ln in text[m.end(): end].split("\n") if ln.strip()]
            if len(lines) > 1 and len(lines[0]) <= 60 and not re.search(r"[.:;,]\s*$", lines[0]):
                lines[0] = lines[0].rstrip() + ":"  # a step title on its own line
            step = clean_line(" ".join(lines)).lstrip(" :.-–")
            # "… b) Bước 2:": the enumerator belongs to the next step, drop it.
            step = re.sub(r"\s*(?:[a-zđ]\)|\d+\.|[-–+*])\s*$", "", step)
            steps.append(step)
    else:
        # One step a line; a line that starts in lower case continues the one before (a
        # sentence broken in the source), a short heading ("a) Nộp hồ sơ TTHC:") joins
        # the line after it.
        pending = ""
        for line in text.split("\n"):
            line = re.sub(r"^[-+*•–]+\)?\s*", "", clean_line(line))
            if not line:
                continue
            if pending:
                line, pending = f"{pending} {line}", ""
            elif steps and line[0].islower() and not _ENUMERATOR.match(line):
                steps[-1] = f"{steps[-1]} {line}"
                continue
            if line.endswith(":") and len(line) <= 60:
                pending = line
                continue
            steps.append(line)
        if pending:
            steps.append(pending)
    out = []
    for step in steps:
        step = step.strip()
        if not step or is_empty(step):
            continue
        step = re.sub(r"\s+[-–+*]$", "", step)
        if step[0].islower() and not _ENUMERATOR.match(step):
            step = step[0].upper() + step[1:]
        out.append(step)
    return out
