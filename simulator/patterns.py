"""The service model's ``pattern`` constraints, which are Java regular expressions, compiled to
behave as Java's do.

Python's ``re`` cannot compile Java's Unicode categories (``\\p{L}``, ``\\p{N}``, ``\\p{Z}`` …), so
patterns are compiled with the ``regex`` module, which speaks them, after translating what the two
engines read differently:

* Java's POSIX classes (``\\p{Alnum}``, ``\\p{Alpha}``, ``\\p{Punct}`` …) are ASCII-only; ``regex``
  would read them as Unicode properties.
* Java's ``\\d``, ``\\w``, ``\\s`` (and ``\\D``, ``\\W``, ``\\S``) are ASCII-only too.
* Java's ``.`` stops at every line terminator (``\\r``, NEL, LS, PS too), Python's only at ``\\n``.
* Java writes a supplementary character as its UTF-16 surrogate pair (``\\uD800\\uDC00``);
  Python wants the code point (``\\U00010000``).
* Java accepts a quantifier on the ``$`` anchor (``(…)${1,128}``), which matches as ``$`` does.
* A class inside a class is a union in Java (``[\\S\\s]``, once translated); ``regex``'s V1 mode
  reads nested classes the same way.

Every pattern of the service model compiles (a test holds this): none is skipped.
"""

from __future__ import annotations

import re
from functools import cache

import regex

#: Java's POSIX character classes (java.util.regex.Pattern), as the body of a character class
POSIX = {
    "Lower": "a-z", "Upper": "A-Z", "ASCII": r"\x00-\x7F", "Alpha": "a-zA-Z", "Digit": "0-9",
    "Alnum": "a-zA-Z0-9", "Punct": r"!-/:-@\[-`{-~", "Graph": r"!-~", "Print": r" -~", "Blank": r" \t",
    "Cntrl": r"\x00-\x1F\x7F", "XDigit": "0-9a-fA-F", "Space": r" \t\n\x0B\f\r",
}
#: Java's predefined classes, which are ASCII-only unless UNICODE_CHARACTER_CLASS is set
PREDEFINED = {"d": "0-9", "w": "a-zA-Z_0-9", "s": r" \t\n\x0B\f\r"}

#: Java's ``.``: any character but a line terminator (LF, CR, NEL, LS, PS); Python's excludes only LF
DOT = r"[^\n\r\u0085\u2028\u2029]"

_SURROGATES = re.compile(r"\\u(D[89AB][0-9A-F]{2})\\u(D[C-F][0-9A-F]{2})", re.IGNORECASE)
_POSIX = re.compile(r"\\([pP])\{(" + "|".join(POSIX) + r")\}")
_QUANTIFIED_END = re.compile(r"\$(\{\d+(,\d*)?\}|[*+?])")


def translate(java: str) -> str:
    """``java`` rewritten so that ``regex`` matches what Java matches."""
    text = _SURROGATES.sub(_code_point, java)
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            posix = _POSIX.match(text, i)
            if posix:
                out.append(_class(POSIX[posix.group(2)], posix.group(1) == "P", in_class))
                i = posix.end()
                continue
            letter = text[i + 1]
            if letter.lower() in PREDEFINED:
                out.append(_class(PREDEFINED[letter.lower()], letter.isupper(), in_class))
            else:
                out.append(text[i:i + 2])
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
            negated = text.startswith("^", i + 1)
            out.append("[^" if negated else "[")
            i += 2 if negated else 1
            continue
        if char == "]" and in_class:
            in_class = False
        elif char == "." and not in_class:
            out.append(DOT)
            i += 1
            continue
        elif char == "$" and not in_class:
            quantified = _QUANTIFIED_END.match(text, i)
            if quantified:
                out.append("$")
                i = quantified.end()
                continue
        out.append(char)
        i += 1
    return "".join(out)


def _class(body: str, negated: bool, in_class: bool) -> str:
    if not in_class:
        return f"[{'^' if negated else ''}{body}]"
    return f"[^{body}]" if negated else body  # a nested class: a union, as in Java (regex's V1)


def _code_point(match: re.Match[str]) -> str:
    high, low = int(match.group(1), 16), int(match.group(2), 16)
    return f"\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08X}"


@cache
def compile_java(java: str) -> regex.Pattern[str]:
    """The compiled translation of a Java pattern (cached: the model has a few hundred).

    Raises:
        regex.error: the pattern cannot be compiled even translated (a test keeps this from
            happening for every pattern of the installed service model).
    """
    return regex.compile(translate(java), regex.V1)


def full_match(java: str, value: str) -> bool:
    """Whether ``value`` matches the Java pattern ``java`` as a whole, as the service checks it."""
    return compile_java(java).fullmatch(value) is not None
