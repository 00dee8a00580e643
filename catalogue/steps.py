"""Steps that hold sub-items, kept as a list of texts (the contract's ``steps``).

Shape: a step is one text. Its first line is the step itself; each further line that
starts with "- " is one of its sub-items (the source's "a)", "b)", "-", "+", "*"
bullets), in order. So ``steps`` stays a list of texts for every consumer of the API, a
client that knows nothing of sub-items still shows the whole step, and the CSV cell
(one step a line) carries sub-items as its lines beginning "- ", read back onto the step
above them.

Numbering is the page's: the source's own numbers ("Bước 1:", "1.", "5.1.1.") are
taken off the start of a step when it is shown, and letters ("a)") off its sub-items
when every sub-item has one, so a reader sees one numbering, never "1. 5.1.1. ...".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SUB_ITEM = "- "

# "Bước 1:", "Bước 2.", "1.", "2)", "5.1.1.", "I." at the start of a step.
_STEP_NUMBER = re.compile(
    r"^(?:Bước\s*\d{1,2}\s*[:.\-–)]?\s*|(?:\d{1,2}\.)+\d{0,2}\s+|\d{1,2}\)\s*|[IVX]{1,4}\.\s+)", re.I)
# "a)", "b.", "đ)" and "(1)" before a sub-item; bullets "-", "+", "*", "•".
_LETTER = re.compile(r"^(?:\(?([a-zđ])\)|([a-zđ])\.\s)\s*")
_BULLET = re.compile(r"^[-+*•–]\s*")


def clean_step(text: str) -> str:
    """One step in its stored shape: a first line, then "- " sub-items, no blank lines."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if not lines:
        return ""
    head, rest = lines[0], lines[1:]
    subs = [line if line.startswith(SUB_ITEM) else SUB_ITEM + _BULLET.sub("", line) for line in rest]
    return "\n".join([head, *subs])


def join_sub_items(lines: list[str]) -> list[str]:
    """CSV lines back into steps: a line starting "- " belongs to the step above it."""
    steps: list[str] = []
    for line in lines:
        if line.startswith(SUB_ITEM) and steps:
            steps[-1] += "\n" + line
        else:
            steps.append(line)
    return steps


@dataclass
class Step:
    """A step as a page shows it."""

    text: str
    sub_items: list[str] = field(default_factory=list)
    lettered: bool = False


def step_parts(text: str) -> Step:
    lines = text.split("\n")
    head = _STEP_NUMBER.sub("", lines[0], count=1).strip() or lines[0].strip()
    subs = [line[len(SUB_ITEM):].strip() if line.startswith(SUB_ITEM) else line.strip()
            for line in lines[1:] if line.strip()]
    lettered = bool(subs) and all(_LETTER.match(s) for s in subs)
    if lettered:
        subs = [_LETTER.sub("", s, count=1) for s in subs]
    else:
        subs = [_BULLET.sub("", s, count=1) for s in subs]
    return Step(head, [s for s in subs if s], lettered)
