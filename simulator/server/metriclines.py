"""Lines a training script prints that a job's ``MetricDefinitions`` regexes match.

SageMaker scans each log line with each metric's regex and publishes the first group's number
[DOC: "Define metrics" in the SageMaker developer guide]. To produce a line a user's regex
matches, the regex is walked (Python's own regex parser) and the shortest text it accepts is
written, with the value in its first group; the result is checked by matching it. A regex no
line can be built for (a backreference, a lookaround it cannot satisfy) gives ``name=value``,
which the regex then does not match: that metric shows in no log line and no CloudWatch series.
"""

from __future__ import annotations

import re
from functools import cache
from re import _constants as c  # Python's own regex parser (3.11+)
from re import _parser as parser

_PRINTABLE = [chr(i) for i in range(32, 127)]
_FALLING = ("loss", "error", "err", "mse", "mae", "perplexity")  # words of metrics that fall as training goes


def falling(name: str) -> bool:
    """[INF] whether a metric falls as training goes (a loss, an error), by its name."""
    return any(word in name.lower() for word in _FALLING)


def number(value: float) -> str:
    """A metric value as a script prints it (``0.412``, ``12``)."""
    return f"{value:.6g}" if value != int(value) or abs(value) >= 1e15 else str(int(value))


@cache
def template(regex: str) -> tuple[str, str] | None:
    """The text before and after the value in the shortest line ``regex`` matches with its first
    group holding a number; None when no such line is found."""
    try:
        parsed = parser.parse(regex)
    except (re.error, RecursionError, OverflowError):
        return None
    try:
        text = _walk(parsed)
    except _NoText:
        return None
    if text is None or "\x00" not in text:
        return None
    before, after = text.split("\x00", 1)
    return before, after


def line(regex: str, value: float, name: str) -> tuple[str, bool]:
    """A line carrying ``value`` that ``regex`` matches, and whether it does (else ``name=value``)."""
    shown = number(value)
    parts = template(regex)
    if parts is not None:
        text = parts[0] + shown + parts[1]
        try:
            found = re.search(regex, text)
        except re.error:
            found = None
        if found is not None and found.lastindex and _is(found.group(1), value):
            return text, True
    return f"{name}={shown}", False


def _is(group: str, value: float) -> bool:
    try:
        return float(group) == float(number(value))
    except ValueError:
        return False


class _NoText(Exception):
    pass


def _walk(pattern, depth: int = 0) -> str:
    """The shortest text of ``pattern``; group 1 is written as a NUL marker (its value goes there)."""
    if depth > 50:
        raise _NoText
    out = []
    for op, arg in pattern:
        if op is c.LITERAL:
            out.append(chr(arg))
        elif op is c.NOT_LITERAL:
            out.append("a" if chr(arg) != "a" else "b")
        elif op is c.ANY:
            out.append("x")
        elif op is c.IN:
            out.append(_member(arg))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            low, _high, item = arg
            out.append(_walk(item, depth + 1) * low)
        elif op is c.SUBPATTERN:
            group, _add, _del, item = arg
            if group == 1:
                out.append("\x00")  # the value goes here; the whole line is checked afterwards
            else:
                out.append(_walk(item, depth + 1))
        elif op is c.BRANCH:
            out.append(_walk(arg[1][0], depth + 1))
        elif op is c.AT:
            continue
        elif op in (c.ASSERT, c.ASSERT_NOT, c.GROUPREF, c.GROUPREF_EXISTS):
            raise _NoText
        else:
            raise _NoText
    return "".join(out)


def _member(items) -> str:
    """A character an IN set (``[0-9.]``, ``\\S``) accepts: the first printable one."""
    negate = any(op is c.NEGATE for op, _ in items)
    accepted = set()
    for op, arg in items:
        if op is c.LITERAL:
            accepted.add(chr(arg))
        elif op is c.RANGE:
            accepted.update(chr(i) for i in range(arg[0], min(arg[1], 126) + 1))
        elif op is c.CATEGORY:
            accepted.update(ch for ch in _PRINTABLE if _in_category(ch, arg))
    choices = [ch for ch in _PRINTABLE if (ch in accepted) != negate]
    preferred = [ch for ch in choices if ch.isalnum()]
    return (preferred or choices or ["x"])[0]


_CATEGORIES = {c.CATEGORY_DIGIT: str.isdigit, c.CATEGORY_NOT_DIGIT: lambda ch: not ch.isdigit(),
               c.CATEGORY_SPACE: str.isspace, c.CATEGORY_NOT_SPACE: lambda ch: not ch.isspace(),
               c.CATEGORY_WORD: lambda ch: ch.isalnum() or ch == "_",
               c.CATEGORY_NOT_WORD: lambda ch: not (ch.isalnum() or ch == "_")}


def _in_category(ch: str, category) -> bool:
    test = _CATEGORIES.get(category)
    return bool(test(ch)) if test else False
