"""Work a worker does once as it is set up, so that no reader's first request pays it.

Compiling a template (lexing, parsing, generating and compiling Python) costs more than
rendering it: the four templates of /statistics/index took about 65 ms of CPU on the
first request of a fresh worker (bench/statistics_page.py), three times what rendering
them takes. The templates of the pages named in ``TEMPLATES`` are therefore compiled
with the app, with everything they extend, import or include. The compiled code is also
kept for the process (an in-memory bytecode cache shared by every app it creates, keyed
by the template's source), so a second app in the same process (the tests make one per
test) loads it instead of compiling again.
"""

from __future__ import annotations

from flask import Flask
from jinja2 import BytecodeCache, Environment, TemplateNotFound, meta
from jinja2.bccache import Bucket

# Pages whose first request is timed against a target (bench/statistics_page.py).
TEMPLATES = ("statistics/readiness.html",)


class _ProcessBytecode(BytecodeCache):
    """Compiled templates for the life of the process (a few hundred KB at most)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        self._code.clear()


_BYTECODE = _ProcessBytecode()
_REFERENCES: dict[str, list[str]] = {}  # a template's source -> the templates it names


def _with_references(env: Environment, names: tuple[str, ...]) -> list[str]:
    """``names`` and every template they name literally (extends, import, include)."""
    seen: list[str] = []
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.append(name)
        try:
            source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        except TemplateNotFound:
            continue
        refs = _REFERENCES.get(source)
        if refs is None:
            refs = _REFERENCES[source] = [r for r in meta.find_referenced_templates(env.parse(source)) if r]
        todo.extend(refs)
    return seen


def forget_compiled() -> None:
    """Drop the process's compiled templates (the benchmark's fresh worker)."""
    _BYTECODE.clear()


def init_app(app: Flask) -> None:
    """Last step of the app's setup: every filter and global is registered by now."""
    env = app.jinja_env
    env.bytecode_cache = _BYTECODE
    for name in _with_references(env, TEMPLATES):
        try:
            env.get_template(name)
        except TemplateNotFound:  # named in a branch never taken: nothing to warm
            continue
