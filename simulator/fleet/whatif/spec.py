"""A fleet what-if: a team's history, each of its jobs laid under each decision of the file's
``whatif:`` section and compiled, with what the history actually cost.

Each job lives with the file's settings, then its instance type's section of the calibration (the
type it runs on in the variant, else its own), then its own request, creation time and training
need (:mod:`simulator.fleet.jobs`), then the variant's overrides and the world's assumptions: the
same overlay a one-job what-if lays, validated as a scenario of its own. A problem names the
variant and the jobs it meets, once for all of them.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ...defaults import DEFAULT_REGION
from ...engine.plan import Plan
from ...errors import ScenarioError
from ...format.fleet import FleetFile, FleetWhatIf
from ...format.overlay import deep_merge, moved
from ...format.problems import problems_in
from ...loading import noted, read
from ...shapes import Problem
from ...whatif import spec
from ...whatif.spec import MAX_VARIANTS, Compared, compiled, price, price_units, read_calibration
from ..jobs import FleetJob, fleet_job
from ..records import Reader

#: at most this many jobs × variants are compiled: each plan is kept for the sweep, about 2 KB
MAX_PLANS = 400_000
#: the longest TrainingJobName
_NAME = 63


@dataclass(frozen=True, slots=True)
class FleetVariant:
    """One decision under one world, laid over every job of the fleet and compiled."""

    name: str
    overrides: dict[str, Any]  #: dotted scenario path -> value, as merged into each job
    moves: dict[str, str]  #: instance type -> the type its jobs move to
    plans: tuple[Plan, ...]  #: one per job, in the fleet's order
    price_units: tuple[int, ...]  #: each job's cost units per instance-second
    pooled: bool  #: its jobs leave warm pools for each other: they run on one clock
    from_grid: bool = False
    decision: int = 0
    world: int = 0


@dataclass(frozen=True, slots=True)
class FleetStudy(Compared):
    """The variants of a fleet file: every decision under every world, each over every job."""

    source: str
    sha256: str  #: of the file, its calibration and every job read
    jobs: tuple[FleetJob, ...]  #: in creation order
    history_units: tuple[int, ...]  #: what each job cost, in cost units (billable × instances × price)
    variants: tuple[FleetVariant, ...]
    baseline: int
    grid: tuple[str, ...]
    decisions: tuple[str, ...]
    assumptions: tuple[str, ...]
    worlds: tuple[dict[str, Any], ...]
    max_kill_share: float | None
    seed: int
    left_out: dict[str, int]  #: jobs of the history not replayed, by why (in progress, unfinished, skipped…)
    uncalibrated: tuple[str, ...] = ()  #: the jobs' instance types the calibration has no section for


def is_fleet(data: Any) -> bool:
    """Whether a file's YAML data is a fleet what-if (it has a ``fleet:`` section)."""
    return isinstance(data, dict) and "fleet" in data


def load_fleet(path: str | Path, calibration: str | Path | None = None) -> FleetStudy:
    """Read a fleet file, its history and its calibration (``calibration`` overrides the file's), and
    compile every job under every variant.

    Raises:
        ScenarioError: the file, a record, the calibration or a job under a variant is refused; one
            line per problem, naming the record.
    """
    source = str(path)
    raw, data = read(path)
    with noted(source):
        return _fleet(source, Path(path).parent, raw, data, calibration)


def _fleet(source: str, folder: Path, raw: bytes, data: Any, calibration: str | Path | None) -> FleetStudy:
    try:
        file = FleetFile.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(source, problems_in(err)) from None
    digest = hashlib.sha256(raw)
    given = calibration if calibration is not None else file.fleet.calibration and folder / file.fleet.calibration
    sections: dict[str, Any] = {}
    if given is not None:
        try:
            fragment_raw, sections = read_calibration(given)
        except ScenarioError as err:  # the file's own setting: named as the file's field
            if calibration is not None:
                raise
            raise ScenarioError(source, [f"fleet.calibration: {err.source}: {p}" for p in err.found]) from None
        digest.update(b"\0" + fragment_raw)
    jobs, left_out = _jobs(source, folder, file)
    for job in jobs:
        digest.update(json.dumps([job.where, job.request, job.training, job.billable, job.created],
                                 sort_keys=True).encode())
    whatif = file.whatif
    settings = moved(file.settings())
    seed = settings.get("seed", 0)
    history, problems = _history_cost(jobs, whatif, settings)
    decisions, worlds = spec._points(whatif), spec._worlds(whatif)
    count = len(decisions) * len(worlds)
    if count > MAX_VARIANTS or count * len(jobs) > MAX_PLANS:
        raise ScenarioError(source, [Problem("whatif", f"{count:,} variants over {len(jobs):,} jobs; at most "
                                                       f"{MAX_VARIANTS:,} variants and {MAX_PLANS:,} jobs × variants")])
    moves = [getattr(v, "instance_types", {}) for v in whatif.variants] + [{}] * (len(decisions) - len(whatif.variants))
    names = _names(jobs)
    variants = []
    met: dict[tuple[str, Problem], tuple[list[FleetJob], list[str]]] = {}  # one line per problem of a decision
    pool: dict[Any, Any] = {}  # the parts plans share
    for w, (world_label, assumed) in enumerate(worlds):
        for d, (label, name, overrides, from_grid) in enumerate(decisions):
            plans, units, found = [], [], {}
            for job, plan_name in zip(jobs, names, strict=True):
                target = moves[d].get(job.instance_type)
                merged = deep_merge(overrides, assumed)
                if target is not None:
                    merged = deep_merge(merged, {"job": {"ResourceConfig": {"InstanceType": target}}})
                calibrated = sections.get(target or "") or sections.get(job.instance_type)
                base = _job_data(job, plan_name, settings, calibrated)
                problems_of, plan, _ = compiled(base, merged, job.instance_type)
                priced = price(plan.instance_type, plan.region, whatif) if plan is not None else None
                if isinstance(priced, str):
                    problems_of = [*problems_of, Problem("", priced)]
                for problem in problems_of:
                    found.setdefault(problem, []).append(job)
                if not problems_of and plan is not None:
                    plans.append(shared(plan, pool))
                    units.append(price_units(priced[0]))
            for problem, jobs_met in found.items():
                met.setdefault((label, problem), (jobs_met, []))[1].append(world_label)
            if not found:
                pooled = any(p.keep_alive > 0 and p.warm_pool_key is not None for p in plans)
                variants.append(FleetVariant(name, spec._dotted(overrides), dict(moves[d]), tuple(plans),
                                             tuple(units), pooled, from_grid, d, w))
    for (label, problem), (jobs_met, where) in met.items():
        under = f" under {where[0]}" + (f" and {len(where) - 1} other settings" if len(where) > 1 else "")
        problems.append(_named(label + ("" if len(where) == len(worlds) else under), problem, jobs_met, len(jobs)))
    names_of = [name for _, name, _, _ in decisions]
    if not problems and whatif.baseline not in names_of:
        problems.append(Problem("whatif.baseline", f"no variant named {whatif.baseline!r} (the variants are: "
                                                   f"{', '.join(repr(n) for n in names_of)})"))
    if problems:
        raise ScenarioError(source, problems[:50] + ([f"... and {len(problems) - 50} more"] if len(problems) > 50
                                                     else []))
    return FleetStudy(Path(source).name, digest.hexdigest(), tuple(jobs), tuple(history), tuple(variants),
                      names_of.index(whatif.baseline), tuple(whatif.grid), tuple(names_of),
                      tuple(whatif.assumptions), tuple(spec._dotted_world(whatif, v) for v in spec._settings(whatif)),
                      whatif.max_kill_share, seed, left_out,
                      tuple(sorted({j.instance_type for j in jobs} - set(sections))) if given is not None else ())


def shared(plan: Plan, pool: dict[Any, Any]) -> Plan:
    """``plan`` with each part it has in common with a plan in ``pool`` — a request member, the timing,
    spot, checkpoint and lifecycle settings — the very object that one holds: thousands of jobs under
    a handful of variants repeat them (a fleet's plans take a quarter of the memory). The engine
    never changes a plan's parts."""
    request = {key: pool.setdefault(("request", key, json.dumps(value, sort_keys=True)), value)
               for key, value in plan.request.items()}
    parts = {name: pool.setdefault((name, repr(getattr(plan, name))), getattr(plan, name))
             for name in ("timing", "spot_config", "checkpoint", "lifecycle", "failure_clocks")}
    return replace(plan, request=request, **parts)


def _jobs(source: str, folder: Path, file: FleetFile) -> tuple[list[FleetJob], dict[str, int]]:
    """The history's jobs that replay, in creation order, and how many were left out, by why."""
    reader, jobs, left_out = Reader(), [], Counter()
    try:
        for record in reader.read(folder / p for p in file.fleet.history):
            job = fleet_job(record, file.fleet.unfinished)
            if isinstance(job, str):
                left_out[job] += 1
            else:
                jobs.append(job)
    except OSError as err:
        raise ScenarioError(source, [Problem("fleet.history", str(err.strerror or err) if not isinstance(
            err, FileNotFoundError) else str(err))]) from None
    if reader.bad and not file.fleet.skip_bad:
        shown = [f"fleet.history: {bad}" for bad in reader.bad[:20]]
        more = [f"... and {len(reader.bad) - 20} more"] if len(reader.bad) > 20 else []
        raise ScenarioError(source, [*shown, *more, "fleet.history: give skip_bad: true to leave these out"])
    if reader.bad:
        left_out["bad record"] = len(reader.bad)
    if not jobs:
        why = ", ".join(f"{n} {reason}" for reason, n in sorted(left_out.items()))
        raise ScenarioError(source, [Problem("fleet.history", f"no job to replay among {reader.read_count} records"
                                                              f"{f' ({why})' if why else ''}")])
    jobs.sort(key=lambda j: (j.created, j.name))
    return jobs, dict(sorted(left_out.items()))


def _names(jobs: list[FleetJob]) -> list[str]:
    """Each job's plan name: its own, made unique when two jobs share one (two accounts or regions)."""
    seen: Counter[str] = Counter()
    names = []
    for job in jobs:
        seen[job.name] += 1
        suffix = f"-{seen[job.name]}" if seen[job.name] > 1 else ""
        names.append(job.name[:_NAME - len(suffix)] + suffix)
    return names


def _job_data(job: FleetJob, name: str, settings: dict[str, Any], calibrated: dict[str, Any] | None
              ) -> dict[str, Any]:
    """The scenario data ``job`` lives as: the settings, its type's calibration, its own request."""
    data = deep_merge(settings, moved(calibrated)) if calibrated else dict(settings)
    own = {"job": {**job.request, "TrainingJobName": name}, "epoch": job.created, "timing": {"training": job.training}}
    if job.region is not None:
        own["region"] = job.region
    if job.account is not None:
        own["account"] = job.account
    return deep_merge(data, own)


def _history_cost(jobs: list[FleetJob], whatif: FleetWhatIf, settings: dict[str, Any]
                  ) -> tuple[list[int], list[Problem]]:
    """What each job cost as it ran (cost units), and the jobs whose type has no price."""
    costs, found = [], {}
    for job in jobs:
        priced = price(job.instance_type, job.region or settings.get("region", DEFAULT_REGION), whatif)
        if isinstance(priced, str):
            found.setdefault(Problem("", priced), []).append(job)
            costs.append(0)
        else:
            costs.append(job.billable * job.instance_count * price_units(priced[0]))
    return costs, [_named("fleet.history", problem, met, len(jobs)) for problem, met in found.items()]


def _named(place: str, problem: Problem, met: list[FleetJob], total: int) -> Problem:
    """``problem`` of the jobs ``met``, at ``place``: one line, naming the first job."""
    if len(met) == 1:
        who = f"job {met[0].label}"
    elif len(met) == total:
        who = f"every job ({total}), e.g. {met[0].label}"
    else:
        who = f"{len(met)} jobs, e.g. {met[0].label}"
    return problem.within(f"{place}: {who}", ": ")
