"""Reading a scenario file: YAML in, a validated :class:`~.scenario.Scenario` out, or every
problem at once, one line each, naming the file, the field path and what is wrong."""

from __future__ import annotations

import contextlib
import re
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import ValidationError

from . import shapes
from .errors import DeprecatedName, ScenarioError, source_of
from .format.constraints import cross_field_problems, request_problems, service_problems
from .format.events import FailEvent, InterruptEvent, StopEvent, UpdateEvent
from .format.overlay import deep_merge
from .format.scenario import Scenario
from .format.settings import Lifecycle, renamed

_LATER_SECTIONS = ("job", "timing", "spot", "checkpoint", "lifecycle", "metrics", "rules", "failures")


class _Loader(yaml.SafeLoader):
    """Safe YAML, with YAML 1.2's core schema for plain scalars (as JSON reads them): ``1e3`` is a
    number, ``010`` is ten and ``3:00:00``, ``1_000``, ``yes`` and ``off`` stay text, where YAML 1.1
    (PyYAML's default) reads text, eight, 10800, 1000, true and false. No implicit timestamps either
    (dates stay text, as boto3 would be given them; pydantic parses ``epoch``, so an impossible date
    is a field problem, not a crash). A key written twice in one mapping is a problem (YAML 1.1
    keeps the last silently): :attr:`duplicates` gathers every one."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[str] = []  #: "line L, column C: the key ... appears twice ..." for each

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                first = seen.get(key)
                seen.setdefault(key, key_node.start_mark.line + 1)
            except TypeError:  # an unhashable key: the constructor's own error follows
                continue
            if first is not None:
                mark = key_node.start_mark
                self.duplicates.append(f"line {mark.line + 1}, column {mark.column + 1}: the key {key!r} appears "
                                       f"twice in one mapping (first on line {first}): write it once")
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        text = self.construct_scalar(node)
        sign, digits = (-1, text[1:]) if text[0] == "-" else (1, text.lstrip("+"))
        base = {"0o": 8, "0x": 16}.get(digits[:2], 10)
        return sign * int(digits[2:] if base != 10 else digits, base)


_YAML_1_2 = {  # the core schema's plain scalars (https://yaml.org/spec/1.2.2/#1032-tag-resolution)
    "tag:yaml.org,2002:bool": (r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    "tag:yaml.org,2002:int": (r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    "tag:yaml.org,2002:float": (r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                                r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+0123456789."),
}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers
            if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value") and tag not in _YAML_1_2]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _tag, (_pattern, _first) in _YAML_1_2.items():
    _Loader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)


def scenario_files(folder: Path) -> list[Path]:
    """The scenario files of ``folder`` (``*.yaml`` and ``*.yml``), by name."""
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def load(path: str | Path) -> Scenario:
    """Read and validate a scenario file (``-``: standard input).

    Raises:
        ScenarioError: the file is missing, unreadable, empty, not YAML, or invalid; one line per problem.
    """
    _, data = read(path)
    return parse(data, source=source_of(path))


def read(path: str | Path) -> tuple[bytes, Any]:
    """A scenario file's bytes and its YAML data, not yet validated.

    Raises:
        ScenarioError: the file is missing, unreadable, not UTF-8 or not YAML.
    """
    source = source_of(path)
    if str(path) == "-" and sys.stdin is None:
        raise ScenarioError(source, ["standard input is closed: there is nothing to read"])
    try:
        raw = sys.stdin.buffer.read() if str(path) == "-" else Path(path).read_bytes()
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError(source, ["no such file"]) from None
    except UnicodeDecodeError:
        raise ScenarioError(source, ["cannot read the file (it is not UTF-8 text)"]) from None
    except OSError as err:
        raise ScenarioError(source, [f"cannot read the file ({err.strerror or type(err).__name__})"]) from None
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = f"malformed YAML: {getattr(err, 'problem', None) or 'not YAML'}"
        raise ScenarioError(source, [f"{where}{problem}"]) from None
    except RecursionError:
        raise ScenarioError(source, ["malformed YAML: nested too deeply"]) from None
    finally:
        loader.dispose()
    if loader.duplicates:  # the data is ambiguous: these first, and nothing read from it
        raise ScenarioError(source, loader.duplicates)
    return raw, data


def parse(data: Any, *, source: str = "<scenario>") -> Scenario:
    """Validate already-loaded scenario data (see :func:`load`); every problem is reported.

    Raises:
        ScenarioError: one line per problem.
    """
    if data is None:
        raise ScenarioError(source, ["the file is empty"])
    if not isinstance(data, dict):
        raise ScenarioError(source, [f"expected a mapping of sections, got {type(data).__name__}"])
    with noted(source):
        scenario, problems = _validate(data)
        later: tuple[tuple[float, Scenario], ...] = ()
        if scenario is not None:  # its sections are sound: the later jobs' problems too, but not the ones they inherit
            later, found = _later_jobs(data, scenario, problems)
            problems += found
    if problems:
        raise ScenarioError(source, problems)
    scenario._later = later
    return scenario


@contextlib.contextmanager
def noted(source: str) -> Iterator[None]:
    """Gather the :class:`~.errors.DeprecatedName` warnings validation raises inside, and warn each
    once, naming ``source``: a scenario's later jobs and what-if variants repeat its old names."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DeprecatedName)
            yield
    finally:  # a scenario with problems still says which names are old
        for message in dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, DeprecatedName)):
            warnings.warn(f"{source}: {message}", DeprecatedName, stacklevel=3)
        for w in caught:  # anything else, as it was
            if not issubclass(w.category, DeprecatedName):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def validate(data: dict[str, Any]) -> tuple[Scenario | None, list[str]]:
    """``data`` as a scenario without its later jobs, and its problems (the scenario is None when the
    sections themselves are invalid)."""
    return _validate(data)


def _validate(data: dict[str, Any]) -> tuple[Scenario | None, list[str]]:
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:  # our sections have problems: the rest of the file's are still reported
        return None, pydantic_problems(err) + _beyond(data, err)
    return scenario, [str(p) for p in request_problems(scenario.job) + cross_field_problems(scenario)]


_LISTS = ("events", "later_jobs")  #: sections whose items are checked one by one


def _beyond(data: dict[str, Any], err: ValidationError) -> list[str]:
    """The problems the scenario has besides ``err``'s: the request's, the cross-field rules' and
    the later jobs', found on the scenario without the parts ``err`` refused (a section, or one
    event or later job), and named by their place in the file."""
    dropped: dict[str, set[int]] = {key: set() for key in _LISTS}
    gone = set()
    for e in err.errors():
        loc = e["loc"]
        if len(loc) > 1 and loc[0] in _LISTS and isinstance(loc[1], int):
            dropped[str(loc[0])].add(loc[1])
        elif loc:
            gone.add(loc[0])
    job = data.get("job")
    if "job" in gone or not isinstance(job, dict):
        return []
    kept = {key: [i for i in range(len(data[key])) if i not in dropped[key]]
            for key in _LISTS if key not in gone and isinstance(data.get(key), list)}
    salvaged = {key: value for key, value in data.items() if key not in gone}
    salvaged |= {key: [data[key][i] for i in indices] for key, indices in kept.items()}
    try:
        partial = Scenario.model_validate(salvaged)
    except ValidationError:  # what is left still fails: the request's own problems, at least
        try:
            lifecycle = Lifecycle.model_validate(data.get("lifecycle") or {})
        except ValidationError:
            lifecycle = Lifecycle()
        return [str(p) for p in request_problems(job) + service_problems(job, lifecycle)]
    found = [str(p) for p in request_problems(partial.job) + cross_field_problems(partial)]
    found += _later_jobs(salvaged, partial, found)[1]

    def renumbered(problem: str) -> str:  # events[1] of the salvage may be events[2] of the file
        match = re.match(r"(events|later_jobs)\[(\d+)\]", problem)
        if match is None or match[1] not in kept:
            return problem
        return f"{match[1]}[{kept[match[1]][int(match[2])]}]{problem[match.end():]}"

    return [renumbered(p) for p in found]


def _later_jobs(data: dict[str, Any], first: Scenario,
                inherited: list[str]) -> tuple[tuple[tuple[float, Scenario], ...], list[str]]:
    """Each later job merged over the scenario and validated as a scenario of its own; its problems
    but those of ``inherited`` (the first job's, which the merge repeats)."""
    # old setting names move to their new ones before the merge, so that old and new ones mix
    base = renamed({key: value for key, value in data.items() if key not in ("later_jobs", "whatif")})
    names = {first.job.get("TrainingJobName")}  # the first job's request may lack it: its own problem
    jobs, problems = [], []
    for i, later in enumerate(first.later_jobs):
        overrides = {section: getattr(later, section) for section in _LATER_SECTIONS}
        with contextlib.suppress(ValueError):  # two names of one setting that disagree: validation says so
            overrides = renamed(overrides)
        merged = deep_merge(base, overrides)
        merged["seed"] = later.seed if later.seed is not None else first.seed + i + 1
        merged["events"] = later.events
        scenario, found = _validate(merged)
        problems += [f"later_jobs[{i}].{problem}" for problem in found if problem not in inherited]
        name = merged["job"].get("TrainingJobName") if isinstance(merged.get("job"), dict) else None
        if isinstance(name, str) and name in names:  # the service's ResourceInUse
            problems.append(f"later_jobs[{i}].job.TrainingJobName: a training job named {name!r} "
                            "already exists in this scenario (give this job a TrainingJobName of its own)")
        names.add(name)
        if scenario is not None and not found:
            jobs.append((later.at, scenario))
    return tuple(jobs), problems


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


_TAGS = tuple(cls.model_fields["type"].default for cls in (StopEvent, InterruptEvent, FailEvent, UpdateEvent))


def pydantic_problems(err: ValidationError) -> list[str]:
    problems = []
    for e in err.errors():
        loc = tuple(e["loc"])
        # a discriminated union adds the tag to the path: events[0].fail.error -> events[0].error
        loc = tuple(p for i, p in enumerate(loc) if not (p in _TAGS and (i == 0 or isinstance(loc[i - 1], int))))
        if e["type"] == "extra_forbidden":
            hint = shapes.did_you_mean(str(loc[-1]), _fields_at(loc[:-1]))
            hint = f" ({hint})" if hint else ""
            problems.append(f"{_path(loc)}: unknown key{hint}")
        elif e["type"] in ("union_tag_invalid", "union_tag_not_found"):
            tag = e.get("ctx", {}).get("tag")
            path = _path((*loc, "type"))
            if tag is None:
                problems.append(f"{path}: required key is missing (one of {', '.join(_TAGS)})")
            else:
                hint = shapes.did_you_mean(str(tag), _TAGS)
                problems.append(f"{path}: {tag!r} is not one of {', '.join(_TAGS)}{f' ({hint})' if hint else ''}")
        elif e["type"] == "missing":
            problems.append(f"{_path(loc)}: required key is missing")
        else:
            message = e["msg"].removeprefix("Value error, ")
            shown = e.get("input")
            got = "" if isinstance(shown, dict | list) or "(got " in message else f" (got {shown!r}{_hint(e)})"
            problems.append(f"{_path(loc) + ': ' if loc else ''}{message}{got}")
    return problems


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
