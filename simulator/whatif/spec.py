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
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..compile import compile_plan
from ..distributions import Distribution
from ..engine.plan import Plan
from ..errors import ScenarioError
from ..format.overlay import deep_merge, is_distribution, moved, overlay, validate
from ..format.settings import RENAMED_PATHS
from ..format.whatif import WhatIf, split
from ..loading import noted, read
from ..shapes import Problem
from . import prices as price_table
from . import speed

#: a USD amount in integer units, so that sums are exact: 1 unit = 1 / (3600 · 10⁶) USD, which is
#: one second of an instance priced to the micro-dollar per hour
PRICE_DIGITS = 6
MAX_VARIANTS = 1000
COST_UNITS_PER_USD = 3600 * 10**PRICE_DIGITS


@dataclass(frozen=True, slots=True)
class PricedVariant:
    """One variant of a study — a decision under one setting of the assumptions — compiled and priced."""

    name: str  #: the decision's
    overrides: dict[str, Any]  #: the decision's: dotted scenario path -> value, as merged into the scenario
    plan: Plan
    hourly_price: float  #: on-demand USD per instance-hour
    price_source: str
    price_units: int  #: hourly price in micro-dollars: cost units per instance-second
    from_grid: bool = False  #: a point of the grid (named after its values)
    decision: int = 0  #: index into :attr:`Study.decisions`
    world: int = 0  #: index into :attr:`Study.worlds`: the assumptions it runs under
    speed: float = 1.0  #: how many times longer training takes than on the scenario's own type

    def cost_units(self, billed_seconds: int) -> int:
        return billed_seconds * self.plan.instance_count * self.price_units


class Compared:
    """What a study of one job and one of a fleet share: decisions, each under every world (a setting
    of the assumptions), world by world in :attr:`variants`."""

    __slots__ = ()
    variants: tuple[Any, ...]
    baseline: int
    decisions: tuple[str, ...]
    worlds: tuple[dict[str, Any], ...]

    def baseline_of(self, index: int) -> int:
        """The variant that is variant ``index``'s baseline: the baseline decision in its world."""
        return self.variants[index].world * len(self.decisions) + self.baseline

    def in_world(self, world: int) -> tuple[Any, ...]:
        size = len(self.decisions)
        return self.variants[world * size:(world + 1) * size]

    def world_name(self, world: int) -> str:
        return ", ".join(f"{short(p)}={shown(v)}" for p, v in self.worlds[world].items())


@dataclass(frozen=True, slots=True)
class Study(Compared):
    """The variants of a scenario file's what-if section: every decision under every setting of the
    assumptions (a world), world by world, and which decision is the baseline."""

    source: str  #: the file's name
    sha256: str  #: of the file's bytes
    variants: tuple[PricedVariant, ...]  #: world-major: variant ``w · len(decisions) + d``
    baseline: int  #: the baseline decision's index into ``decisions`` (and its variant in the first world)
    grid: tuple[str, ...]  #: the grid's dotted paths, in the file's order
    decisions: tuple[str, ...] = ()  #: the decisions' names, in the file's order (variants, then grid points)
    assumptions: tuple[str, ...] = ()  #: the assumptions' dotted paths, in the file's order
    worlds: tuple[dict[str, Any], ...] = ({},)  #: each setting of the assumptions: path -> value
    max_kill_share: float | None = None  #: a decision that kills more is never recommended


def load_study(path: str | Path, calibration: str | Path | None = None) -> Study:
    """Read a scenario file with a ``whatif:`` section into a study; with ``calibration`` (a fragment
    ``tjsim calibrate`` wrote), its section for the scenario job's instance type merged in first
    (its ``timing``, ``spot`` and ``failures``: the variants and assumptions then move from there).

    Raises:
        ScenarioError: the file or any variant is invalid, a variant has no price, or the section is
            missing; the calibration cannot be read or has no section for the job's type; one line per
            problem.
    """
    source = str(path)
    raw, data = read(path)
    if not isinstance(data, dict):
        raise ScenarioError(source, ["expected a mapping of sections" if data is not None else "the file is empty"])
    if calibration is not None:
        fragment, sections = _calibration(calibration, data)
        raw, data = raw + b"\0" + fragment, deep_merge(data, sections)
        source = f"{source} with --calibration {calibration}"  # a problem may be the calibration's
    with noted(source):
        return _study(source, raw, data)


#: what a calibration may set: the settings a history measures
CALIBRATED = ("timing", "spot", "failures")


def read_calibration(path: str | Path) -> tuple[bytes, dict[str, Any]]:
    """A fragment ``tjsim calibrate`` wrote: its bytes, and its sections by instance type.

    Raises:
        ScenarioError: it cannot be read, is no calibration, or a section sets more than
            :data:`CALIBRATED` or holds an empty setting; one line naming it.
    """
    source = str(path)
    raw, fragment = read(path)
    types = fragment.get("instance_types") if isinstance(fragment, dict) else None
    if not isinstance(types, dict):
        raise ScenarioError(source, ["not a calibration: tjsim calibrate writes instance_types: {TYPE: {timing: "
                                     "..., spot: ..., failures: ...}}"])
    for kind, sections in types.items():
        extra = [k for k in sections or {} if k not in CALIBRATED] if isinstance(sections, dict) else \
            ["(not a mapping)"]
        if extra:
            raise ScenarioError(source, [f"instance_types.{kind}: {', '.join(extra)}: a calibration sets only "
                                         f"{', '.join(CALIBRATED)}"])
        empty = _nulls(sections, f"instance_types.{kind}")
        if empty:  # merged, a null would remove the scenario's setting, not calibrate it
            raise ScenarioError(source, [f"{empty}: empty; a calibration sets values (leave the setting out instead)"])
    return raw, types


def _calibration(path: str | Path, data: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
    """A calibration fragment's bytes, and its sections for the instance type of ``data``'s job."""
    raw, types = read_calibration(path)
    job = data.get("job") if isinstance(data.get("job"), dict) else {}
    resources = job.get("ResourceConfig") if isinstance(job.get("ResourceConfig"), dict) else {}
    kind = resources.get("InstanceType")
    if kind not in types:
        raise ScenarioError(str(path), [f"instance_types: no section for {kind} (the scenario job's InstanceType); "
                                        f"it calibrates {', '.join(map(str, types)) or 'none'}"])
    return raw, types[kind]


def _nulls(value: Any, path: str) -> str | None:
    """The first path under ``value`` that holds nothing (null), or None."""
    if value is None:
        return path
    if isinstance(value, dict):
        return next((found for k, v in value.items() if (found := _nulls(v, f"{path}.{k}"))), None)
    return None


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
    decisions, worlds = decisions_of(whatif), worlds_of(whatif)
    count = len(decisions) * len(worlds)
    if count > MAX_VARIANTS:
        raise ScenarioError(source, [Problem("whatif", f"{count:,} variants (every decision, the grid's points "
                                                       f"included, under every setting of the assumptions); at "
                                                       f"most {MAX_VARIANTS:,}")])
    own_type = speed.instance_type(scenario)
    problems, variants, pool = [], [], {}  # the variants' own problems, from here; the parts they share
    common: dict[Problem, list[str]] = {}  # a problem of grid points or assumption settings: one line
    for w, (world_label, assumed) in enumerate(worlds):
        for d, (label, name, overrides, from_grid) in enumerate(decisions):
            merged = deep_merge(overrides, assumed)
            found, plan, slower = compiled(data, merged, own_type)
            priced = price(plan.instance_type, plan.region, whatif) if plan is not None else None
            if isinstance(priced, str):
                found = [*found, Problem("", priced)]
            if from_grid or world_label:  # one line for a problem that several variants share
                place = name if from_grid else label
                for problem in found:
                    common.setdefault(problem, []).append(f"{place} under {world_label}" if world_label else place)
            else:
                problems += [problem.within(label, ": ") for problem in found]
            if found or plan is None:
                continue
            hourly, source_of_price = priced
            variants.append(PricedVariant(name, dotted(overrides), shared(plan, pool), hourly, source_of_price,
                                          price_units(hourly),
                                          from_grid, d, w, slower))
    for problem, places in common.items():
        where = places[0] if len(places) == 1 else \
            f"{len(places)} {'points' if len(worlds) == 1 else 'variants'}, e.g. {places[0]}"
        problems.append(problem.within(f"whatif.grid ({where})" if len(worlds) == 1 else f"whatif ({where})", ": "))
    names = [name for _, name, _, _ in decisions]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Problem("whatif", f"more than one variant is named {name!r} (a variant named like a grid "
                                          "point, or a value listed twice in the grid)"))
    if not problems and whatif.baseline not in names:
        hint = ", ".join(repr(n) for n in names)
        problems.append(Problem("whatif.baseline", f"no variant named {whatif.baseline!r} (the variants are: {hint})"))
    if problems:
        raise ScenarioError(source, problems)
    return Study(Path(source).name, hashlib.sha256(raw).hexdigest(), tuple(variants), names.index(whatif.baseline),
                 tuple(RENAMED_PATHS.get(p, p) for p in whatif.grid), tuple(names), tuple(whatif.assumptions),
                 assumed_of(whatif), whatif.max_kill_share)


def shared(plan: Plan, pool: dict[Any, Any]) -> Plan:
    """``plan`` with each part it has in common with a plan in ``pool`` — a request member, the timing,
    spot, checkpoint and lifecycle settings — the very object that one holds: thousands of jobs under
    a handful of variants repeat them (a fleet's plans take a quarter of the memory), and a draw of
    the same distribution is then known the same at a glance (:class:`~..engine.streams.Streams`
    remembers first draws). The engine never changes a plan's parts."""
    request = {key: pool.setdefault(("request", key, json.dumps(value, sort_keys=True, default=repr)), value)
               for key, value in plan.request.items()}
    parts = {name: pool.setdefault((name, repr(getattr(plan, name))), getattr(plan, name))
             for name in ("timing", "spot_config", "checkpoint", "lifecycle", "failure_clocks")}
    for name in ("timing", "spot_config"):  # apart from the section, each duration in it: jobs differ in training
        section = parts[name]
        durations = {f.name: pool.setdefault(("duration", repr(value)), value) for f in fields(section)
                     if isinstance(value := getattr(section, f.name), Distribution)}
        if any(durations[k] is not getattr(section, k) for k in durations):
            parts[name] = pool[name, repr(section)] = replace(section, **durations)
    return replace(plan, request=request, starting=pool.setdefault(("duration", repr(plan.starting)), plan.starting),
                   **parts)


def compiled(data: dict[str, Any], overrides: dict[str, Any], own_type: str | None
             ) -> tuple[list[Problem], Plan | None, float]:
    """``overrides`` laid over the scenario and compiled, its training scaled by the speed of the
    instance type it runs on: (problems, plan, how many times longer training takes)."""
    candidate, found = overlay(data, overrides)
    if candidate is None or found:
        return found, None, 1.0
    slower = speed.factor(candidate, own_type)
    if isinstance(slower, Problem):  # compiled all the same, so that its price is checked too
        return [slower], compile_plan(candidate), 1.0
    if slower != 1.0:
        training = candidate.timing.training
        written_as = training if isinstance(training, float) else training.model_dump()
        candidate, found = overlay(data, deep_merge(overrides, {"timing": {"training": speed.scaled(written_as,
                                                                                                     slower)}}))
        if candidate is None or found:
            return found, None, slower
    return [], compile_plan(candidate), slower


def decisions_of(whatif: WhatIf) -> list[tuple[str, str, dict[str, Any], bool]]:
    """(label for problems, variant name, overrides, from the grid) of every variant and grid point;
    the overrides' settings under their new names, as they are merged and shown."""
    points = [(f"whatif.variants[{i}] ({v.name})", v.name, moved(v.overrides()), False)
              for i, v in enumerate(whatif.variants)]
    paths = list(whatif.grid)
    for values in itertools.product(*(whatif.grid[p] for p in paths)) if paths else ():
        name = ", ".join(f"{path}={written(value)}" for path, value in zip(paths, values, strict=True))
        points.append((f"whatif.grid ({name})", name, moved(_nested(paths, values)), True))
    return points


def _settings(whatif: WhatIf) -> list[tuple[Any, ...]]:
    """Every combination of the assumptions' values (one empty one without assumptions)."""
    return list(itertools.product(*whatif.assumptions.values()))


def worlds_of(whatif: WhatIf) -> list[tuple[str, dict[str, Any]]]:
    """(label, overrides) of every setting of the assumptions."""
    paths = list(whatif.assumptions)
    return [(", ".join(f"{path}={written(value)}" for path, value in zip(paths, values, strict=True)),
             moved(_nested(paths, values))) for values in _settings(whatif)]


def assumed_of(whatif: WhatIf) -> tuple[dict[str, Any], ...]:
    """Every setting of the assumptions as dotted path -> value, in :func:`worlds_of`'s order."""
    return tuple(dict(zip(whatif.assumptions, values, strict=True)) for values in _settings(whatif))


def _nested(paths: list[str], values: tuple[Any, ...]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for path, value in zip(paths, values, strict=True):
        overrides = deep_merge(overrides, _nest(path, value))
    return overrides


def _nest(path: str, value: Any) -> dict[str, Any]:
    nested: Any = value
    for part in reversed(split(path)):
        nested = {part: nested}
    return nested


def short(path: str) -> str:
    """A grid path as tables and plots name it: a request member by its own name
    (``MaxRuntimeInSeconds``), a setting of tjsim's with its section (``checkpoint.interval``)."""
    return path.rsplit(".", 1)[-1] if path.startswith("job.") else path


def written(value: Any) -> str:
    """A grid value as tables, plots and names write it: as YAML and JSON do (``true``, not ``True``)."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def shown(value: Any) -> str:
    """A value as a label reads it: a distribution as ``lognormal(6.4, 1)``, anything else :func:`written`."""
    if is_distribution(value):
        (kind, given), = value.items()
        return f"{kind}({', '.join(f'{v:g}' for v in given) if isinstance(given, list) else f'{given:g}'})"
    return written(value)


def dotted(overrides: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"spot": {"price_ratio": 0.3}}`` as ``{"spot.price_ratio": 0.3}`` (lists and distributions
    are values)."""
    flat: dict[str, Any] = {}
    for key, value in overrides.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and not is_distribution(value):
            flat.update(dotted(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def price(instance: str | None, region: str, whatif: WhatIf) -> tuple[float, str] | str:
    """(USD per instance-hour of ``instance`` in ``region``, where it came from), or the problem."""
    if instance is None:
        return "a what-if needs ResourceConfig.InstanceType to price the job (heterogeneous clusters are not priced)"
    if instance in whatif.prices:
        return whatif.prices[instance], "whatif.prices"
    found = price_table.on_demand(instance, region)
    if found is None or found.usd_per_hour is None:
        why = "no public figure was found" if found is not None else "the shipped table has none"
        return (f"no on-demand price for {instance} in {region} ({why}; tjsim prices lists the table): give "
                f"one as whatif.prices: {{{instance}: <USD per instance-hour>}}")
    return found.usd_per_hour, found.source


def price_units(hourly: float) -> int:
    """An hourly price in cost units per instance-second (micro-dollars per hour)."""
    return int(Decimal(repr(hourly)).scaleb(PRICE_DIGITS).to_integral_value())
