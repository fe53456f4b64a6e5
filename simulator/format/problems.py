"""pydantic's validation errors as :class:`~simulator.shapes.Problem` s: a path as a scenario file
writes it (``events[0].error``, ``later_jobs[1].timing``) and what is wrong there, with a hint where
one helps ("did you mean 'timing'?", "write 1000")."""

from __future__ import annotations

import re
from typing import Any, get_args

from pydantic import ValidationError

from .. import shapes
from ..errors import ProblemAt
from ..shapes import Problem
from .events import TAGS
from .scenario import Scenario


def problems_in(err: ValidationError) -> list[Problem]:
    """Every problem ``err`` holds, in its order, each at the path of the value it is about."""
    problems = []
    for e in err.errors():
        loc = tuple(e["loc"])
        # a discriminated union adds the tag to the path: events[0].fail.error -> events[0].error
        loc = tuple(p for i, p in enumerate(loc) if not (p in TAGS and (i == 0 or isinstance(loc[i - 1], int))))
        if e["type"] in ("extra_forbidden", "unexpected_keyword_argument"):  # a model's word, a dataclass's
            hint = shapes.did_you_mean(str(loc[-1]), _fields_at(loc[:-1]))
            problems.append(Problem(_path(loc), f"unknown key{f' ({hint})' if hint else ''}"))
        elif e["type"] in ("union_tag_invalid", "union_tag_not_found"):
            tag = e.get("ctx", {}).get("tag")
            path = _path((*loc, "type"))
            if tag is None:
                problems.append(Problem(path, f"required key is missing (one of {', '.join(TAGS)})"))
            else:
                hint = shapes.did_you_mean(str(tag), TAGS)
                problems.append(Problem(path, f"{tag!r} is not one of {', '.join(TAGS)}{f' ({hint})' if hint else ''}"))
        elif e["type"] == "missing":
            problems.append(Problem(_path(loc), "required key is missing"))
        elif isinstance(e.get("ctx", {}).get("error"), ProblemAt):  # a validator's problem with a member inside
            inner = e["ctx"]["error"]
            problems.append(Problem(_path((*loc, inner.path)), inner.message))
        else:
            message = e["msg"].removeprefix("Value error, ")
            shown = e.get("input")
            got = "" if isinstance(shown, dict | list) or "(got " in message else f" (got {shown!r}{_hint(e)})"
            problems.append(Problem(_path(loc), f"{message}{got}"))
    return problems


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]":
            out += " (a key)"
        else:
            out += ("." if out else "") + str(part)
    return out


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """The field names valid where ``loc`` points, for "did you mean"."""
    model: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            continue  # an item of a list: the list's model is already in hand
        field = getattr(model, "model_fields", {}).get(part) if isinstance(part, str) else None
        if field is None:
            break
        model = _model_in(field.annotation)
    return list(getattr(model, "model_fields", {}))


def _model_in(annotation: Any) -> Any:
    """The pydantic model an annotation holds, looking inside ``list[...]`` and unions."""
    if hasattr(annotation, "model_fields"):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _hint(error: Any) -> str:
    """What to write instead, where pydantic's message does not say: ``: write 1000`` for ``1e3``
    where an integer goes, ``: did you mean 'never'?`` for a near miss of a choice."""
    shown = error.get("input")
    if error["type"] in ("int_type", "int_from_float"):
        return shapes.integer_hint(shown)
    if error["type"] == "literal_error" and isinstance(shown, str):
        hint = shapes.did_you_mean(shown, re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", ""))))
        return f": {hint}" if hint else ""
    return ""
