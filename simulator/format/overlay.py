"""Scenario data validated into a scenario and its problems (:func:`validate`), and overrides laid
over it (:func:`overlay`): how a later job and a what-if variant differ from the scenario they are
written against. Problems stay :class:`~simulator.shapes.Problem` s, named by their place in the
file; the edge (:class:`~simulator.errors.ScenarioError`, the endpoint) renders them.

The two are one recursion: a later job is an overlay, validated like any scenario, and a scenario
whose sections are refused still has its later jobs checked (:func:`_beyond`).
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

from pydantic import ValidationError

from ..distributions import KINDS
from ..shapes import Problem
from .constraints import cross_field_problems, request_problems, service_problems
from .problems import problems_in
from .scenario import Scenario
from .settings import OVERRIDABLE, Lifecycle, renamed

#: what a later job or a variant never carries over from the scenario: each is one job
_NOT_LAID_OVER = ("later_jobs", "whatif")


def is_distribution(value: Any) -> bool:
    """``{uniform: [...]}`` and its kin: a value, not a mapping of settings."""
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in KINDS


def deep_merge(base: Any, overrides: Any) -> Any:
    """``base`` with ``overrides`` merged in: mappings merge key by key, anything else (lists and
    distributions included) replaces, and ``None`` removes the member. Neither argument is modified."""
    if not isinstance(base, dict) or not isinstance(overrides, dict) or is_distribution(overrides):
        return copy.deepcopy(overrides)
    merged = copy.deepcopy(base)
    for key, value in overrides.items():
        if value is None:
            merged.pop(key, None)
        elif key in merged:
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def moved(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with its settings under their new names (:func:`~.settings.renamed`); a setting
    written under both names, with different values, is left for validation to report."""
    with contextlib.suppress(ValueError):
        return renamed(data)
    return data


def overlay(base: dict[str, Any], overrides: dict[str, Any]) -> tuple[Scenario | None, list[Problem]]:
    """``overrides`` laid over the scenario data ``base`` (its later jobs and what-if section left
    out), validated as a scenario of its own: the scenario (None if its sections are invalid) and
    its problems, named by their place in the merged scenario. Old setting names move to their new
    ones on both sides before the merge, so that an old name overrides a new one and the other way
    round."""
    merged = deep_merge(moved({key: value for key, value in base.items() if key not in _NOT_LAID_OVER}),
                       moved(overrides))
    return validate(merged)


def validate(data: dict[str, Any]) -> tuple[Scenario | None, list[Problem]]:
    """``data`` as a scenario without its later jobs (:func:`later_jobs`), and its problems: the
    sections', the request's and the cross-field rules'. When a section (or an event, or a later
    job) is refused, the scenario is None and the problems of the rest are still found."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:  # our sections have problems: the rest of the file's are still reported
        return None, problems_in(err) + _beyond(data, err)
    return scenario, request_problems(scenario.job) + cross_field_problems(scenario)


_LISTS = ("events", "later_jobs")  #: sections whose items are checked one by one


def _beyond(data: dict[str, Any], err: ValidationError) -> list[Problem]:
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
        return request_problems(job) + service_problems(job, lifecycle)
    found = request_problems(partial.job) + cross_field_problems(partial)
    found += later_jobs(salvaged, partial, found)[1]
    for key, indices in kept.items():  # events[1] of the salvage may be events[2] of the file
        found = [problem.renumbered(key, indices) for problem in found]
    return found


def later_jobs(data: dict[str, Any], first: Scenario,
               inherited: list[Problem]) -> tuple[tuple[tuple[float, Scenario], ...], list[Problem]]:
    """``(at, scenario)`` of each valid later job of ``first`` (validated from ``data``), each laid
    over the scenario as a scenario of its own, and their problems but those of ``inherited`` (the
    first job's, which the overlay repeats)."""
    names = {first.job.get("TrainingJobName")}  # the first job's request may lack it: its own problem
    jobs, problems = [], []
    for i, later in enumerate(first.later_jobs):
        overrides = {section: getattr(later, section) for section in OVERRIDABLE}  # events: [] when it has none
        overrides["seed"] = later.seed if later.seed is not None else first.seed + i + 1
        scenario, found = overlay(data, overrides)
        problems += [problem.within(f"later_jobs[{i}]") for problem in found if problem not in inherited]
        name = later.job["TrainingJobName"] if "TrainingJobName" in later.job else first.job.get("TrainingJobName")
        if isinstance(name, str) and name in names:  # the service's ResourceInUse
            problems.append(Problem(f"later_jobs[{i}].job.TrainingJobName", f"a training job named {name!r} already "
                                    "exists in this scenario (give this job a TrainingJobName of its own)"))
        names.add(name)
        if scenario is not None and not found:
            jobs.append((later.at, scenario))
    return tuple(jobs), problems
