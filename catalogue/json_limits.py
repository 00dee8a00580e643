"""JSON from files people send: numbers and nesting bounded, so a hostile file is a message.

Python refuses to turn more than 4,300 digits into an int (ValueError) and recurses once per
level of nesting (RecursionError); neither is a JSON syntax error, so neither would reach the
importer's "bad row" report. Here a very long integer becomes a :class:`LongNumber`, which
no field accepts (the row is refused like any other wrong value), and nesting deeper than
:data:`MAX_DEPTH` is refused for the whole file.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

MAX_DIGITS = 30
MAX_DEPTH = 50


class LongNumber:
    """An integer of more digits than any field takes; kept as its length only."""

    def __init__(self, digits: str):
        self.digits = len(digits.lstrip("-"))

    def __repr__(self) -> str:
        return f"<số {self.digits} chữ số>"


class TooDeep(ValueError):
    """The JSON nests lists and objects deeper than MAX_DEPTH."""


def _int(digits: str) -> int | LongNumber:
    return int(digits) if len(digits) <= MAX_DIGITS else LongNumber(digits)


def depth_of(value: Any, limit: int = MAX_DEPTH) -> int:
    """How deep lists and objects nest, counted without recursion; stops past ``limit``."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if deepest > limit:
                break
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def loads(text: str) -> Any:
    """``json.loads`` that raises ``json.JSONDecodeError`` for syntax and :class:`TooDeep`."""
    try:
        value = json.loads(text, parse_int=_int)
    except RecursionError:
        raise TooDeep(f"deeper than {MAX_DEPTH}") from None
    if depth_of(value) > MAX_DEPTH:
        raise TooDeep(f"deeper than {MAX_DEPTH}")
    return value


class NotPlain(ValueError):
    """Text :func:`loads_plain` leaves to the careful readers: broken, too deep, or with a
    number orjson does not take (their messages say which)."""


def loads_plain(data: bytes, within: int = MAX_DEPTH) -> Any:
    """The fast road for well-formed JSON (orjson, in C): the value, or :class:`NotPlain`.

    Every value it gives is the one the careful readers give (an integer it reads has at
    most 20 digits, so never a :class:`LongNumber`); nesting is checked only when the text
    has more brackets than ``within`` levels could hold, which a catalogue record rarely has.
    """
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise NotPlain() from None
    if data.count(b"{") + data.count(b"[") > within and depth_of(value, within) > within:
        raise NotPlain()
    return value
