"""A fleet what-if: a team's history, each of its jobs laid under each decision of the file's
``whatif:`` section and compiled, with what the history actually cost.

Each job lives with the file's settings, then its instance type's section of the calibration (the
type it runs on in the variant, else its own), then its own request, creation time and training
need (:mod:`simulator.fleet.jobs`), then the variant's overrides and the world's assumptions: the
same overlay a one-job what-if lays, validated as a scenario of its own. A problem names the
variant and the jobs it meets, once for all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ...engine.plan import Plan
from ...errors import ScenarioError
from ...format.fleet import FleetFile
from ...format.overlay import deep_merge
from ...format.problems import problems_in
from ...loading import noted, read
from ...shapes import Problem
from ...whatif.spec import (
    MAX_VARIANTS,
    Compared,
    assumed_of,
    compiled,
    decisions_of,
    dotted,
    price,
    price_units,
    shared,
    worlds_of,
)
from ..jobs import FleetJob
from .inputs import job_data, named, read_inputs

#: at most this many jobs × variants are compiled: each plan is kept for the sweep, about 2 KB
MAX_PLANS = 400_000


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
    names: tuple[str, ...]  #: each job's plan name (its own, made unique): its seed's too
    history_units: tuple[int, ...]  #: what each job cost, in cost units (billable and warm pool × instances × price)
    #: what each job's training is worth at its own type's on-demand price (need × instances × price): the
    #: weight of its completion, so that a decision cannot pass by killing a few big jobs
    value_units: tuple[int, ...]
    variants: tuple[FleetVariant, ...]
    baseline: int
    grid: tuple[str, ...]
    decisions: tuple[str, ...]
    assumptions: tuple[str, ...]
    worlds: tuple[dict[str, Any], ...]
    max_kill_share: float | None
    seed: int
    left_out: dict[str, int]  #: jobs of the history not replayed, by why (in progress, unfinished, skipped…)
    uncalibrated: tuple[str, ...] = ()  #: instance types jobs run on that the calibration has no section for
    history_known: bool = True  #: every job comes from the history (none is only listed): its cost is known


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
    given = read_inputs(source, folder, raw, file, calibration)
    jobs, whatif = given.jobs, file.whatif
    decisions, worlds = decisions_of(whatif), worlds_of(whatif)
    count = len(decisions) * len(worlds)
    if count > MAX_VARIANTS or count * len(jobs) > MAX_PLANS:
        raise ScenarioError(source, [Problem("whatif", f"{count:,} variants over {len(jobs):,} jobs; at most "
                                                       f"{MAX_VARIANTS:,} variants and {MAX_PLANS:,} jobs × variants "
                                                       f"(each plan is kept: about 2 KB)")])
    moves = [v.instance_types for v in whatif.variants] + [{}] * (len(decisions) - len(whatif.variants))
    types = {job.instance_type for job in jobs}
    problems = [Problem(f"whatif.variants[{d}].instance_types.{kind}", f"no job of the fleet runs on {kind} (they "
                                                                      f"run on {', '.join(sorted(types))})")
                for d, moved_types in enumerate(moves) for kind in moved_types if kind not in types]
    variants = []
    met: dict[tuple[str, Problem], tuple[list[FleetJob], list[str]]] = {}  # one line per problem of a decision
    pool: dict[Any, Any] = {}  # the parts plans share
    for w, (world_label, assumed) in enumerate(worlds):
        for d, (label, name, overrides, from_grid) in enumerate(decisions):
            plans, units, found = [], [], {}
            merged = deep_merge(overrides, assumed)  # once for every job: a job moved to another type adds its own
            for job, plan_name, need in zip(jobs, given.names, given.needs, strict=True):
                target = moves[d].get(job.instance_type)
                laid = merged if target is None else deep_merge(merged, {"job": {"ResourceConfig": {
                    "InstanceType": target}}})
                calibrated = given.sections.get(target or "") or given.sections.get(job.instance_type)
                base = job_data(job, plan_name, need, given.settings, calibrated)
                problems_of, plan, _ = compiled(base, laid, job.instance_type)
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
                variants.append(FleetVariant(name, dotted(overrides), dict(moves[d]), tuple(plans),
                                             tuple(units), pooled, from_grid, d, w))
    for (label, problem), (jobs_met, where) in met.items():
        under = f" under {where[0]}" + (f" and {len(where) - 1} other settings" if len(where) > 1 else "")
        problems.append(named(label + ("" if len(where) == len(worlds) else under), problem, jobs_met, len(jobs)))
    names_of = [name for _, name, _, _ in decisions]
    if not problems and whatif.baseline not in names_of:
        problems.append(Problem("whatif.baseline", f"no variant named {whatif.baseline!r} (the variants are: "
                                                   f"{', '.join(repr(n) for n in names_of)})"))
    if problems:
        raise ScenarioError(source, problems[:50] + ([f"... and {len(problems) - 50} more"] if len(problems) > 50
                                                     else []))
    running = types | {target for moved_types in moves for target in moved_types.values()}
    return FleetStudy(Path(source).name, given.sha256, jobs, given.names, given.history_units, given.value_units,
                      tuple(variants), names_of.index(whatif.baseline), tuple(whatif.grid), tuple(names_of),
                      tuple(whatif.assumptions), assumed_of(whatif),
                      whatif.max_kill_share, given.settings.get("seed", 0), given.left_out,
                      tuple(sorted(running - set(given.sections))) if given.calibrated else (), given.history_known)
