"""Generic, model-driven handling of botocore shapes: validation, wire parsing, JSON Schema.

Nothing here knows about training jobs: it reads the constraints from the service model, the way
botocore itself does, so new members and enum values arrive with a botocore upgrade.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from typing import Any

from botocore.model import Shape
from botocore.parsers import create_parser
from botocore.validate import ParamValidator

from . import patterns

_NUMBER = (int, float)


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation problem: a dotted member path and what is wrong there.

    A problem the service itself reports also carries the service's words: ``at`` (the member's
    path as the service writes it, ``inputDataConfig.1.member.channelName``), ``value`` and
    ``constraint`` ("Member must have length less than or equal to 63"); see :meth:`service_text`.
    """

    path: str
    message: str
    at: str | None = field(default=None, compare=False)
    value: Any = field(default=None, compare=False)
    constraint: str | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def within(self, prefix: str, separator: str = ".") -> Problem:
        """This problem as one of something larger: ``prefix`` and ``separator`` before its path
        (``later_jobs[0]`` and ``.``: a later job's; a what-if variant's label and ``: ``)."""
        return replace(self, path=f"{prefix}{separator}{self.path}" if self.path else prefix)

    def renumbered(self, items: str, indices: Sequence[int]) -> Problem:
        """A problem of item ``k`` of the list ``items`` (its path's first part) as one of item
        ``indices[k]``: found on what is left of a list, named by its place in the whole."""
        head, bracket, rest = self.path.partition("[")
        index, _, tail = rest.partition("]")
        if head != items or not bracket or not index.isdigit():
            return self
        return replace(self, path=f"{items}[{indices[int(index)]}]{tail}")

    def service_text(self) -> str | None:
        """[OBS] "Value '<v>' at '<path>' failed to satisfy constraint: <constraint>", or None when
        the service's words for this problem are not known."""
        if self.constraint is None or self.at is None:
            return None
        shown = "null" if self.value is None else f"'{_capped(_java_text(self.value))}'"
        return f"Value {shown} at '{self.at}' failed to satisfy constraint: {self.constraint}"


#: the most of a value a message echoes: SageMaker echoes a value whole, but a 1 MB name echoed twice
#: made a 2 MB error; tjsim's choice [INF], the first characters and how long it was
ECHOED = 4096


def _capped(text: str) -> str:
    return text if len(text) <= ECHOED else f"{text[:ECHOED]}… ({len(text):,} characters)"


def _java_text(value: Any) -> str:
    """A value as the service's (Java) messages print it."""
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(_java_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_java_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def integer_hint(value: Any) -> str:
    """``": write 1000"`` for a float that is a whole number (how YAML reads ``1e3``), else ``""``."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return f": write {int(value)}"
    return ""


def did_you_mean(word: str, options, *, n: int = 1) -> str:
    """``"did you mean 'x'?"`` for the closest of ``options`` (up to ``n``), or ``""``."""
    close = difflib.get_close_matches(str(word), sorted(o for o in options if isinstance(o, str)), n=n)
    return f"did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def _camel(member: Any) -> str:
    member = str(member)  # a CBOR map may have keys of any type
    return member[:1].lower() + member[1:]


class _ConstraintValidator(ParamValidator):
    """botocore's validator plus the constraints it leaves to the service (max, enum, pattern), with
    every problem also put in the service's words: the member's path as the service writes it
    (``_at``: botocore's name of a value -> the service's), and the constraint's phrase."""

    def __init__(self):
        self._at: dict[str, str] = {"": ""}
        self._map_part: dict[str, str] = {}  # botocore name -> "key" | "value" for a map's entries

    def _validate(self, params, shape, errors, name):
        before = len(errors._errors)
        super()._validate(params, shape, errors, name)
        for reason, where, details in errors._errors[before:]:
            if where == name and "value" not in details and reason != "missing required field":
                details["value"] = params  # the value itself, for "Value '...' at ..."

    def _validate_structure(self, params, shape, errors, name):
        if isinstance(params, dict):
            for member in params:
                self._at[f"{name}.{member}"] = ".".join(p for p in (self._at.get(name, ""), _camel(member)) if p)
        super()._validate_structure(params, shape, errors, name)

    def _validate_list(self, param, shape, errors, name):
        if isinstance(param, list):
            for i in range(len(param)):
                self._at[f"{name}[{i}]"] = f"{self._at.get(name, '')}.{i + 1}.member"
        super()._validate_list(param, shape, errors, name)
        self._check_max(param, shape, errors, name, "items")

    def _validate_map(self, param, shape, errors, name):
        if isinstance(param, dict):
            for key in param:
                self._at[f"{name}.{key}"] = self._at[f"{name} (key: {key})"] = self._at.get(name, "")
                self._map_part[f"{name}.{key}"], self._map_part[f"{name} (key: {key})"] = "value", "key"
        super()._validate_map(param, shape, errors, name)
        least = shape.metadata.get("min")
        if isinstance(param, dict) and least is not None and len(param) < least:  # botocore checks lists only
            errors.report(name, "invalid length", param=len(param), min_allowed=least)
        self._check_max(param, shape, errors, name, "entries")

    def _validate_string(self, param, shape, errors, name):
        super()._validate_string(param, shape, errors, name)
        if not isinstance(param, str):
            return
        meta = shape.metadata
        allowed = getattr(shape, "enum", None)
        if allowed and param not in allowed:
            if len(allowed) <= 12:
                message = f"{param!r} is not one of {', '.join(allowed)}"
            else:
                hint = did_you_mean(param, allowed, n=3)
                message = f"{param!r} is not one of the {len(allowed)} allowed values{'; ' + hint if hint else ''}"
            errors.report(name, "constraint", message=message,
                          constraint=f"Member must satisfy enum value set: [{', '.join(allowed)}]")
        if "pattern" in meta and not patterns.full_match(meta["pattern"], param):
            pattern = meta["pattern"] if meta["pattern"].startswith("^") else "^" + meta["pattern"]
            errors.report(name, "constraint", message=f"{param!r} does not match the pattern {meta['pattern']}",
                          constraint=f"Member must satisfy regular expression pattern: {pattern}")
        if "max" in meta and len(param) > meta["max"]:
            errors.report(name, "constraint", message=f"length {len(param)} exceeds the maximum of {meta['max']}",
                          constraint=f"Member must have length less than or equal to {meta['max']}")

    def _validate_timestamp(self, param, shape, errors, name):
        if isinstance(param, _NUMBER) and not isinstance(param, bool):
            return  # the wire form: epoch seconds
        if not self._not_bool(param, errors, name, "timestamp"):  # botocore's parser reads True as 1970-01-01T00:00:01
            return
        try:
            super()._validate_timestamp(param, shape, errors, name)
        except (RuntimeError, OverflowError):  # botocore's parser gives up on some texts ("1000000000000")
            errors.report(name, "invalid type", param=param, valid_types=["timestamp"])

    def _check_max(self, param, shape, errors, name, what):
        limit = shape.metadata.get("max")
        if limit is not None and isinstance(param, _NUMBER) and not isinstance(param, bool) and param > limit:
            errors.report(name, "constraint", message=f"{what} {param} exceeds the maximum of {limit}",
                          constraint=f"Member must have value less than or equal to {limit}")
        if limit is not None and isinstance(param, (list, dict)) and len(param) > limit:
            errors.report(name, "constraint", message=f"{len(param)} {what} exceed the maximum of {limit}",
                          constraint=f"Member must have length less than or equal to {limit}")

    def _not_bool(self, param, errors, name, kind) -> bool:
        # botocore lets True pass as an int (bool subclasses int); the service's JSON does not
        if isinstance(param, bool):
            errors.report(name, "invalid type", param=param, valid_types=[kind])
            return False
        return True

    def _validate_integer(self, param, shape, errors, name):
        if self._not_bool(param, errors, name, "int"):
            super()._validate_integer(param, shape, errors, name)
            self._check_max(param, shape, errors, name, "value")

    def _validate_long(self, param, shape, errors, name):
        if self._not_bool(param, errors, name, "int"):
            super()._validate_long(param, shape, errors, name)
            self._check_max(param, shape, errors, name, "value")

    def _validate_float(self, param, shape, errors, name):
        if self._not_bool(param, errors, name, "float"):
            super()._validate_float(param, shape, errors, name)
            self._check_max(param, shape, errors, name, "value")

    def _validate_double(self, param, shape, errors, name):
        if self._not_bool(param, errors, name, "float"):
            super()._validate_double(param, shape, errors, name)
            self._check_max(param, shape, errors, name, "value")

    def service_words(self, reason: str, name: str, details: dict[str, Any]) -> tuple[str | None, Any, str | None]:
        """(the path, the value, the constraint) of a problem as the service reports it."""
        if reason == "missing required field":
            at = ".".join(p for p in (self._at.get(name, ""), _camel(details["required_name"])) if p)
            return at, None, "Member must not be null"
        constraint = details.get("constraint")
        if reason == "invalid range":
            constraint = f"Member must have value greater than or equal to {details['min_allowed']}"
        elif reason == "invalid length":
            constraint = f"Member must have length greater than or equal to {details['min_allowed']}"
        if constraint is None:
            return None, None, None
        part = self._map_part.get(name)
        if part is not None:  # the service names the map and the part of its entry
            constraint = f"Map {part} must satisfy constraint: [{constraint}]"
        return self._at.get(name), details.get("value"), constraint


def _describe(reason: str, details: dict[str, Any]) -> tuple[str, str]:
    """(suffix for the path, message) of one botocore validation error."""
    if reason == "missing required field":
        return details["required_name"], "required member is missing"
    if reason == "unknown field":
        hint = did_you_mean(details["unknown_param"], details["valid_names"])
        hint = hint or "valid: " + ", ".join(details["valid_names"])
        return details["unknown_param"], f"unknown member ({hint})"
    if reason == "invalid type":
        types = ", ".join(t.removeprefix("<class '").removesuffix("'>") for t in details["valid_types"])
        param = details["param"]
        if types == "int":
            types += integer_hint(param)  # 1e3 in a YAML file is a float
        elif types == "str" and (isinstance(param, int | float) or param is None):
            types += ": write it in quotes"  # HyperParameters: {lr: '1e-3', flag: 'true'}
        return "", f"{param!r} has the wrong type (expected {types})"
    if reason == "invalid range":
        return "", f"value {details['param']} is below the minimum of {details['min_allowed']}"
    if reason == "invalid length":
        return "", f"length {details['param']} is below the minimum of {details['min_allowed']}"
    if reason == "constraint":
        return "", details["message"]
    return "", reason


def validate(value: Any, shape: Shape, *, prefix: str = "") -> list[Problem]:
    """Every problem of ``value`` against ``shape``: types, required, unknown members, ranges,
    lengths, enums and patterns; paths are dotted, list items indexed (``Channels[0].Name``).
    Each problem the service reports carries its words too (:meth:`Problem.service_text`)."""
    validator = _ConstraintValidator()
    report = validator.validate(value, shape)
    problems = []
    for reason, name, details in report._errors:  # botocore keeps them structured here
        suffix, message = _describe(reason, details)
        path = ".".join(part for part in (prefix, name.lstrip("."), suffix) if part)
        at, shown, constraint = validator.service_words(reason, name, details)
        problems.append(Problem(path, message, at, shown, constraint))
    return problems


def validate_request(request: dict[str, Any], shape: Shape) -> list[Problem]:
    """:func:`validate` for a request an endpoint answers, remembered: clients poll with the same
    requests over and over, and a request's problems depend on nothing else."""
    if not _plain(request):  # bytes, times, keys that are not strings (CBOR has them): not remembered
        return validate(request, shape)
    key = json.dumps(request, sort_keys=True)
    if len(key) > 2048:  # a create, unique by its name: nothing to remember
        return validate(request, shape)
    return list(_remembered(shape, _Keyed(key, request)))


def _plain(value: Any, depth: int = 0) -> bool:
    """``value`` is JSON as JSON writes it back: maps with text keys, lists, text, numbers, true,
    false, null (so that its text is its identity), and small."""
    if value is None or isinstance(value, str | bool | int | float):
        return True
    if depth > 20:
        return False
    if isinstance(value, list):
        return all(_plain(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v, depth + 1) for k, v in value.items())
    return False


@dataclass(frozen=True, slots=True)
class _Keyed:
    """A request and its canonical text: equal and hashed by the text alone."""

    key: str
    request: Any = field(compare=False, hash=False)


@lru_cache(maxsize=4096)
def _remembered(shape: Shape, keyed: _Keyed) -> tuple[Problem, ...]:
    return tuple(validate(keyed.request, shape))


@cache
def _parser():
    return create_parser("json")


def parse_wire(body: dict[str, Any], shape: Shape) -> dict[str, Any]:
    """The wire (JSON) form parsed exactly as boto3 parses a response: timestamps become datetimes."""
    raw = {"body": json.dumps(body).encode(), "headers": {}, "status_code": 200}
    parsed = _parser().parse(raw, shape)
    parsed.pop("ResponseMetadata", None)
    return parsed


_JSON_TYPES = {"string": "string", "boolean": "boolean", "integer": "integer", "long": "integer",
               "float": "number", "double": "number", "timestamp": "string", "blob": "string"}


def json_schema(shape: Shape, defs: dict[str, Any] | None = None) -> dict[str, Any]:
    """A JSON Schema for ``shape``; named structures land in ``defs`` and are referenced."""
    defs = {} if defs is None else defs
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        if shape.name not in defs:
            defs[shape.name] = {}  # placeholder first: shapes are recursive
            defs[shape.name] = {
                "type": "object",
                "additionalProperties": False,
                "required": list(shape.required_members),
                "properties": {name: json_schema(member, defs) for name, member in shape.members.items()},
            }
        return {"$ref": f"#/$defs/{shape.name}"}
    if kind == "list":
        out = {"type": "array", "items": json_schema(shape.member, defs)}
        out.update({k: v for k, v in (("minItems", meta.get("min")), ("maxItems", meta.get("max"))) if v is not None})
        return out
    if kind == "map":
        out = {"type": "object", "additionalProperties": json_schema(shape.value, defs)}
        bounds = (("minProperties", meta.get("min")), ("maxProperties", meta.get("max")))
        out.update({k: v for k, v in bounds if v is not None})
        return out
    out: dict[str, Any] = {"type": _JSON_TYPES.get(kind, "string")}
    if getattr(shape, "enum", None):
        out["enum"] = list(shape.enum)
    if kind == "string":
        out.update({k: v for k, v in (("minLength", meta.get("min")), ("maxLength", meta.get("max"))) if v is not None})
    elif out["type"] in ("integer", "number"):
        out.update({k: v for k, v in (("minimum", meta.get("min")), ("maximum", meta.get("max"))) if v is not None})
    if shape.documentation:
        out["description"] = re.sub(r"<[^>]+>", "", shape.documentation).strip()[:300].rstrip()
    return out


def copied(value: Any) -> Any:
    """A copy of a JSON value (dicts, lists and scalars, the scalars shared): five times faster
    than ``copy.deepcopy``, which every create, replayed entry, describe and list entry paid."""
    if isinstance(value, dict):
        return {k: copied(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copied(v) for v in value]
    return value
