"""Reading a scenario file: YAML in, a validated :class:`~.format.scenario.Scenario` out, or every
problem at once, one line each, naming the file, the field path and what is wrong (the problems
themselves are found by :func:`.format.overlay.validate`)."""

from __future__ import annotations

import contextlib
import re
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from .errors import DeprecatedName, ScenarioError, source_of
from .format.overlay import later_jobs, validate
from .format.scenario import Scenario


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
        scenario, problems = validate(data)
        later: tuple[tuple[float, Scenario], ...] = ()
        if scenario is not None:  # its sections are sound: the later jobs' problems too, but not the ones they inherit
            later, found = later_jobs(data, scenario, problems)
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

