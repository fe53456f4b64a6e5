"""A what-if study: a scenario's ``whatif:`` section turned into priced, compiled variants.

Each variant (and each point of the grid) is its overrides laid over the scenario
(:func:`~simulator.format.overlay.overlay`: merged, validated as a scenario of its own), compiled
once, and priced from the shipped table or the section's ``prices``. Every problem of every variant
is reported at once, one line each.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..compile import compile_plan
from ..engine.plan import Plan
from ..errors import ScenarioError
from ..format.overlay import deep_merge, is_distribution, moved, overlay, validate
from ..format.settings import RENAMED_PATHS
from ..format.whatif import WhatIf
from ..loading import noted, read
from ..shapes import Problem
from . import prices as price_table

#: a USD amount in integer units, so that sums are exact: 1 unit = 1 / (3600 · 10⁶) USD, which is
#: one second of an instance priced to the micro-dollar per hour
PRICE_DIGITS = 6
MAX_VARIANTS = 1000
COST_UNITS_PER_USD = 3600 * 10**PRICE_DIGITS


@dataclass(frozen=True, slots=True)
class PricedVariant:
    """One variant of a study, compiled and priced."""

    name: str
    overrides: dict[str, Any]  #: dotted scenario path -> value, as merged into the scenario
    plan: Plan
    hourly_price: float  #: on-demand USD per instance-hour
    price_source: str
    price_units: int  #: hourly price in micro-dollars: cost units per instance-second
    from_grid: bool = False  #: a point of the grid (named after its values)

    def cost_units(self, billed_seconds: int) -> int:
        return billed_seconds * self.plan.instance_count * self.price_units


@dataclass(frozen=True, slots=True)
class Study:
    """The variants of a scenario file's what-if section, and which one is the baseline."""

    source: str  #: the file's name
    sha256: str  #: of the file's bytes
    variants: tuple[PricedVariant, ...]
    baseline: int  #: index into ``variants``
    grid: tuple[str, ...]  #: the grid's dotted paths, in the file's order


def load_study(path: str | Path) -> Study:
    """Read a scenario file with a ``whatif:`` section into a study.

    Raises:
        ScenarioError: the file or any variant is invalid, a variant has no price, or the section is
            missing; one line per problem.
    """
    source = str(path)
    raw, data = read(path)
    if not isinstance(data, dict):
        raise ScenarioError(source, ["expected a mapping of sections" if data is not None else "the file is empty"])
    with noted(source):
        return _study(source, raw, data)


def _study(source: str, raw: bytes, data: dict[str, Any]) -> Study:
    scenario, problems = validate(data)
    if scenario is not None and not problems:
        if scenario.whatif is None:
            problems.append(Problem("whatif", "required for a what-if run (give whatif: {baseline: ..., "
                                              "variants: [...]})"))
        if scenario.later_jobs:
            problems.append(Problem("later_jobs", "a what-if run sweeps one job per replicate: remove later_jobs"))
    if problems:
        raise ScenarioError(source, problems)
    whatif = scenario.whatif
    count = len(whatif.variants) + (math.prod(len(values) for values in whatif.grid.values()) if whatif.grid else 0)
    if count > MAX_VARIANTS:
        raise ScenarioError(source, [Problem("whatif", f"{count:,} variants (the grid's points included); at most "
                                                       f"{MAX_VARIANTS:,}")])
    points = _points(whatif)
    problems, variants = [], []  # the variants' own problems, from here
    grid_problems: dict[Problem, list[str]] = {}
    for label, name, overrides, from_grid in points:
        candidate, found = overlay(data, overrides)
        plan = compile_plan(candidate) if candidate is not None and not found else None
        price = _price(plan, whatif) if plan is not None else None
        if isinstance(price, str):
            found = [Problem("", price)]
        if from_grid:  # one line for a problem several points of the grid share
            for problem in found:
                grid_problems.setdefault(problem, []).append(name)
        else:
            problems += [problem.within(label, ": ") for problem in found]
        if found or plan is None:
            continue
        hourly, where = price
        variants.append(PricedVariant(name, _dotted(overrides), plan, hourly, where,
                                      int(Decimal(repr(hourly)).scaleb(PRICE_DIGITS).to_integral_value()), from_grid))
    for problem, names in grid_problems.items():
        where = names[0] if len(names) == 1 else f"{len(names)} points, e.g. {names[0]}"
        problems.append(problem.within(f"whatif.grid ({where})", ": "))
    names = [name for _, name, _, _ in points]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Problem("whatif", f"more than one variant is named {name!r} (a variant named like a grid "
                                          "point, or a value listed twice in the grid)"))
    if not problems and whatif.baseline not in names:
        hint = ", ".join(repr(n) for n in names)
        problems.append(Problem("whatif.baseline", f"no variant named {whatif.baseline!r} (the variants are: {hint})"))
    if problems:
        raise ScenarioError(source, problems)
    return Study(Path(source).name, hashlib.sha256(raw).hexdigest(), tuple(variants),
                 [v.name for v in variants].index(whatif.baseline), tuple(RENAMED_PATHS.get(p, p) for p in whatif.grid))


def _points(whatif: WhatIf) -> list[tuple[str, str, dict[str, Any], bool]]:
    """(label for problems, variant name, overrides, from the grid) of every variant and grid point;
    the overrides' settings under their new names, as they are merged and shown."""
    points = [(f"whatif.variants[{i}] ({v.name})", v.name, moved(v.overrides()), False)
              for i, v in enumerate(whatif.variants)]
    paths = list(whatif.grid)
    for values in itertools.product(*(whatif.grid[p] for p in paths)) if paths else ():
        overrides: dict[str, Any] = {}
        for path, value in zip(paths, values, strict=True):
            overrides = deep_merge(overrides, _nest(path, value))
        name = ", ".join(f"{path}={written(value)}" for path, value in zip(paths, values, strict=True))
        points.append((f"whatif.grid ({name})", name, moved(overrides), True))
    return points


def _nest(path: str, value: Any) -> dict[str, Any]:
    nested: Any = value
    for part in reversed(path.split(".")):
        nested = {part: nested}
    return nested


def short(path: str) -> str:
    """A grid path as tables and plots name it: a request member by its own name
    (``MaxRuntimeInSeconds``), a setting of tjsim's with its section (``checkpoint.interval``)."""
    return path.rsplit(".", 1)[-1] if path.startswith("job.") else path


def written(value: Any) -> str:
    """A grid value as tables, plots and names write it: as YAML and JSON do (``true``, not ``True``)."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _dotted(overrides: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"spot": {"price_ratio": 0.3}}`` as ``{"spot.price_ratio": 0.3}`` (lists and distributions
    are values)."""
    flat: dict[str, Any] = {}
    for key, value in overrides.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and not is_distribution(value):
            flat.update(_dotted(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def _price(plan: Plan, whatif: WhatIf) -> tuple[float, str] | str:
    """(USD per instance-hour, where it came from), or the problem."""
    instance = plan.instance_type
    if instance is None:
        return "a what-if needs ResourceConfig.InstanceType to price the job (heterogeneous clusters are not priced)"
    if instance in whatif.prices:
        return whatif.prices[instance], "whatif.prices"
    found = price_table.on_demand(instance, plan.region)
    if found is None:
        return (f"no on-demand price for {instance} in {plan.region}: give one as whatif.prices: "
                f"{{{instance}: <USD per instance-hour>}}")
    return found.usd_per_hour, found.source
