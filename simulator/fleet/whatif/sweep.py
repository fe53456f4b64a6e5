"""Running a fleet what-if: replicate ``r`` replays every job of the fleet under every variant.

Job ``j`` of replicate ``r`` draws from the streams (its own seed, ``r``) in every variant: common
random numbers, so a variant's savings against another's are paired, job by job and replicate by
replicate. A variant whose jobs leave warm pools for each other runs them on one clock, each created
when its history says; the others run each job on a clock of its own (the same draws either way).

A replicate's fleet total is an exact integer sum, and each job's own totals are too: chunks of
replicates merge into the very same numbers, so the JSON is the same byte for byte for any chunk
size, worker count or Dask cluster.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from ...engine.outcome import Outcome, simulate
from ...engine.simulation import Simulation
from ...engine.streams import Streams, job_seed
from ...whatif.stats import Moments, Summary
from ...whatif.sweep import KILLED, chunks, pieces_run
from .spec import FleetStudy, FleetVariant

#: the job-runs a task holds, roughly: the default chunk is as many replicates as make this many
TASK_RUNS = 20_000


class FleetStats:
    """Everything a sweep keeps of one variant: the fleet's totals per replicate, and each job's."""

    __slots__ = ("cost", "interruptions", "job_completed", "job_cost", "job_killed", "never_ended",
                 "outcomes", "savings", "transitions", "warm_starts", "writing")

    def __init__(self, jobs: int) -> None:
        self.cost = Summary()  #: the fleet's cost per replicate, in cost units
        self.savings = Moments()  #: the baseline's fleet cost minus this variant's, replicate by replicate
        self.outcomes: Counter[str] = Counter()  #: "TrainingJobStatus/SecondaryStatus" -> job-runs
        self.job_cost = [0] * jobs  #: each job's cost, summed over the replicates
        self.job_killed = [0] * jobs  #: each job's runs ended by MaxWait or MaxRuntime
        self.job_completed = [0] * jobs  #: each job's runs that completed
        self.interruptions = 0
        self.writing = 0  #: milliseconds of checkpoint writes, all job-runs
        self.transitions = 0
        self.never_ended = 0
        self.warm_starts = 0  #: job-runs that took over a warm pool

    def merge(self, other: FleetStats) -> None:
        self.cost.merge(other.cost)
        self.savings.merge(other.savings)
        self.outcomes.update(other.outcomes)
        for name in ("job_cost", "job_killed", "job_completed"):
            mine, theirs = getattr(self, name), getattr(other, name)
            for j, value in enumerate(theirs):
                mine[j] += value
        for name in ("interruptions", "writing", "transitions", "never_ended", "warm_starts"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def run_chunk(study: FleetStudy, seed: int, start: int, stop: int) -> list[FleetStats]:
    """Replicates ``start`` to ``stop`` (exclusive) of every variant over the whole fleet."""
    jobs = len(study.jobs)
    stats = [FleetStats(jobs) for _ in study.variants]
    seeds = [job_seed(seed, name) for name in study.names]
    baselines = [study.baseline_of(i) for i in range(len(study.variants))]
    offsets = [job.created - study.jobs[0].created for job in study.jobs]
    for replicate in range(start, stop):
        totals = []
        for variant, kept in zip(study.variants, stats, strict=True):
            outcomes = _pooled(variant, seeds, offsets, replicate) if variant.pooled else \
                [simulate(plan, seed=s, replicate=replicate) for plan, s in zip(variant.plans, seeds, strict=True)]
            total = 0
            for j, (o, units) in enumerate(zip(outcomes, variant.price_units, strict=True)):
                cost = ((o.billable_seconds or 0) + (o.warm_pool_seconds or 0)) * o.instance_count * units
                total += cost
                kept.job_cost[j] += cost
                kept.outcomes[f"{o.primary}/{o.secondary}"] += 1
                if o.secondary in KILLED:
                    kept.job_killed[j] += 1
                elif o.secondary == "Completed":
                    kept.job_completed[j] += 1
                kept.interruptions += o.interruptions
                kept.writing += round(o.checkpoint_write_seconds * 1000)
                kept.transitions += o.transitions
                kept.never_ended += o.ended is None
                kept.warm_starts += o.warm_start
            kept.cost.add(total)
            totals.append(total)
        for i, kept in enumerate(stats):
            kept.savings.add(totals[baselines[i]] - totals[i])
    return stats


def _pooled(variant: FleetVariant, seeds: list[int], offsets: list[float], replicate: int) -> list[Outcome]:
    """The fleet's jobs on one clock, each created at its offset: a job takes over a warm pool an
    earlier one left, when they match."""
    simulation = Simulation()
    for plan, seed, at in zip(variant.plans, seeds, offsets, strict=True):
        simulation.submit_at(at, plan, streams=Streams(seed, replicate), record=False)
    simulation.run()
    return [Outcome.of(simulation.jobs[plan.name]) for plan in variant.plans]


def default_chunk(study: FleetStudy) -> int:
    """Replicates per task: about :data:`TASK_RUNS` job-runs each."""
    return max(1, TASK_RUNS // (len(study.jobs) * len(study.variants)))


def sweep(study: FleetStudy, *, runs: int, seed: int, workers: int = 1, dask: object = None,
          chunk: int | None = None, progress: Callable[[int], None] | None = None) -> list[FleetStats]:
    """Run ``runs`` replicates of the fleet under every variant (``chunk`` replicates per task, any
    size giving the same result); ``progress`` is called with the replicates each task did.

    Raises:
        ClusterError: the Dask cluster cannot be reached or used.
    """
    merged = [FleetStats(len(study.jobs)) for _ in study.variants]
    for done, stats in pieces_run(run_chunk, study, seed, chunks(runs, chunk or default_chunk(study)), workers, dask):
        for total, part in zip(merged, stats, strict=True):
            total.merge(part)
        if progress is not None:
            progress(done)
    return merged
