"""Running a study: every variant's replicates on the replay engine, here, in a process pool or on a
Dask cluster, aggregated as they come in.

Replicates are cut into chunks of a fixed size. Replicate ``i`` of every variant runs in the same
chunk, on the same random streams (seed, ``i``): common random numbers, so savings are paired
differences. Chunks merge exactly (see :mod:`.stats`), so the result — and its JSON — is the same
byte for byte whatever the worker count, the chunk size or the cluster.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from ..engine.outcome import simulate
from ..errors import TjsimError
from ..limits import CHUNK
from . import decide
from .spec import COST_UNITS_PER_USD, PricedVariant, Study
from .stats import Moments, Summary, VariantStats


class ClusterError(TjsimError):
    """The Dask cluster cannot be reached or used."""


#: the limits ``solve`` finds the smallest value of, and the ending each causes
LIMITS = {"MaxWaitTimeInSeconds": "MaxWaitTimeExceeded", "MaxRuntimeInSeconds": "MaxRuntimeExceeded"}
KILLED = tuple(LIMITS.values())  #: the endings a kill share counts
QUANTILES = (0.5, 0.9, 0.95, 0.99)  #: reported unless others are asked for


@dataclass(frozen=True, slots=True)
class Result:
    """What a sweep found: one :class:`VariantStats` per variant of ``study``."""

    study: Study
    seed: int
    runs: int
    stats: tuple[VariantStats, ...]
    quantiles: tuple[float, ...] = QUANTILES
    solve: str | None = None  #: the limit solved for (a key of :data:`LIMITS`)
    kill_share: float = 0.05  #: the share of replicates the solved limit may stop

    @property
    def transitions(self) -> int:
        return sum(s.transitions for s in self.stats)

    def to_json(self) -> dict[str, Any]:
        """The result as JSON data: nothing in it depends on the wall clock or on how it was run."""
        study = self.study
        variants = [self._variant(i, variant, stats) for i, (variant, stats)
                    in enumerate(zip(study.variants, self.stats, strict=True))]
        data = {"tool": "tjsim", "version": version("tjsim"), "scenario": study.source,
                "scenario_sha256": study.sha256, "seed": self.seed, "runs": self.runs,
                "baseline": study.decisions[study.baseline], "grid": list(study.grid),
                "assumptions": list(study.assumptions), "quantiles": list(self.quantiles),
                "transitions": self.transitions, "variants": variants}
        if self.solve is not None:
            data["solve"] = {"limit": self.solve, "kill_share": self.kill_share}
        data.update(decide.decide(study, variants))
        return data

    def _variant(self, index: int, variant: PricedVariant, stats: VariantStats) -> dict[str, Any]:
        study, runs, quantiles = self.study, self.runs, self.quantiles
        killed = sum(stats.outcomes.get(f"Stopped/{ending}", 0) for ending in KILLED)
        completed = stats.outcomes.get("Completed/Completed", 0)
        entry: dict[str, Any] = {
            "name": variant.name,
            "assumptions": study.worlds[variant.world],
            "overrides": variant.overrides,
            "instance_type": variant.plan.instance_type,
            "instance_count": variant.plan.instance_count,
            "spot": variant.plan.spot,
            "training_time_factor": variant.speed,
            "hourly_price_usd": variant.hourly_price,
            "price_source": variant.price_source,
            "outcomes": dict(sorted(stats.outcomes.items())),
            #: the share of replicates ended by each cause (a SecondaryStatus)
            "ended_by": {ending: round(n / runs, 6) for ending, n in sorted(_by_secondary(stats).items())},
            "kill_share": round(killed / runs, 6),  #: ended by MaxWait or MaxRuntime
            "never_ended": stats.never_ended,
            "cost_usd": stats.cost.report(1 / COST_UNITS_PER_USD, 4, quantiles),
            "billable_seconds": stats.billable.report(1, 1, quantiles),
            "training_seconds": stats.training.report(1, 1, quantiles),
            "wall_seconds": stats.wall.report(1 / 1000, 1, quantiles),
            "interruptions_per_job": {"mean": round(stats.interruptions.mean or 0, 4),
                                      "p95": stats.interruptions.quantile(0.95)},
            #: instance seconds each job spent writing checkpoints, training paused
            "checkpoint_write_seconds_mean": round(stats.writing / 1000 / runs, 1),
            # what a finished model costs: every replicate's cost over the replicates that completed
            "cost_per_completed_job_usd": (round(stats.cost.total / COST_UNITS_PER_USD / completed, 4)
                                           if completed else None),
        }
        baseline = study.baseline_of(index)
        if index != baseline:
            entry["savings_vs_baseline"] = paired(stats.savings, self.stats[baseline].cost, 4)
        if stats.needed is not None:
            entry["solved"] = _solved(self.solve, self.kill_share, variant, stats)
        return entry


def paired(savings: Moments, base: Summary, digits: int) -> dict[str, Any]:
    """The paired savings against the baseline (in cost units, replicate by replicate): their mean and
    95 % interval in USD to ``digits`` decimals, and their mean as a percentage of the baseline's cost."""
    usd = savings.report(1 / COST_UNITS_PER_USD, digits)
    return {"usd": usd and {"mean": usd["mean"], "ci95": usd["ci95"]},
            "percent": None if not base.mean else round(100 * savings.mean / base.mean, 2)}


def _by_secondary(stats: VariantStats) -> Counter[str]:
    ended: Counter[str] = Counter()
    for key, n in stats.outcomes.items():
        ended[key.split("/", 1)[1]] += n
    return ended


def _solved(limit: str, share: float, variant: PricedVariant, stats: VariantStats) -> dict[str, Any]:
    """The smallest ``limit`` that stops at most ``share`` of the replicates, with its 95 % interval."""
    plan = variant.plan
    current = plan.max_wait if limit == "MaxWaitTimeInSeconds" else plan.max_runtime
    if limit == "MaxWaitTimeInSeconds" and not plan.spot:
        return {"seconds": None, "why": "MaxWaitTimeInSeconds is for managed spot jobs only"}
    found = stats.needed.smallest(share)
    if found == "other":
        return {"seconds": None, "why": f"more than {100 * share:g} % are stopped whatever the {limit}: the other "
                                        f"limit stops them"}
    if found == "beyond":  # the sweep ran with the scenario's limit, which stopped them: above it, nothing is known
        return {"seconds": None, "at_least": math.ceil(current),
                "why": f"at least the scenario's {limit} ({current:g} s): raise it in the scenario to find how far "
                       f"above"}
    value, (low, high) = found
    # whole seconds strictly above the need: at it exactly, a limit ties with a failure due that instant
    seconds = math.floor(value / 1000) + 1
    # the interval's top is None when it lies above every need seen (too few runs for the share asked)
    entry: dict[str, Any] = {"seconds": seconds, "ci95": [math.floor(low / 1000),
                                                          high and math.floor(high / 1000) + 1]}
    if limit == "MaxWaitTimeInSeconds" and seconds < plan.max_runtime:
        # a job within W of wall time is within W of instance time too: MaxRuntime lowered to W stops no more
        entry["note"] = "with MaxRuntimeInSeconds lowered to it (MaxWait may not be below MaxRuntime)"
    return entry


def run_chunk(study: Study, seed: int, start: int, stop: int, solve: str | None = None) -> list[VariantStats]:
    """Replicates ``start`` to ``stop`` (exclusive) of every variant; with ``solve``, what each
    replicate needed of that limit (a key of :data:`LIMITS`)."""
    stats = [VariantStats(solve is not None) for _ in study.variants]
    variants = study.variants
    baselines = [study.baseline_of(i) for i in range(len(variants))]
    by_wait, solving = solve == "MaxWaitTimeInSeconds", LIMITS.get(solve or "")
    for replicate in range(start, stop):
        costs = []
        for variant, totals in zip(variants, stats, strict=True):
            o = simulate(variant.plan, seed=seed, replicate=replicate)
            billed = (o.billable_seconds or 0) + (o.warm_pool_seconds or 0)
            cost = variant.cost_units(billed)
            costs.append(cost)
            totals.outcomes[f"{o.primary}/{o.secondary}"] += 1
            totals.cost.add(cost)
            totals.billable.add(billed)
            totals.training.add(o.training_seconds or 0)
            totals.interruptions[o.interruptions] += 1
            totals.writing += round(o.checkpoint_write_seconds * 1000)
            totals.transitions += o.transitions
            if o.ended is None:
                totals.never_ended += 1
            else:
                totals.wall.add(round(o.ended * 1000))
            if solve is not None:
                if o.secondary == solving:  # needed more than the limit it ran with
                    totals.needed.beyond += 1
                elif o.secondary in KILLED:  # stopped by the other limit, whatever this one
                    totals.needed.other += 1
                else:
                    totals.needed.values.add(math.ceil((o.wait_checked if by_wait else o.runtime_used) * 1000))
        for i, (cost, totals) in enumerate(zip(costs, stats, strict=True)):
            totals.savings.add(costs[baselines[i]] - cost)
    return stats


def chunks(runs: int, size: int = CHUNK) -> list[tuple[int, int]]:
    return [(start, min(start + size, runs)) for start in range(0, runs, size)]


def sweep(study: Study, *, runs: int, seed: int, workers: int = 1, dask: Any = None, chunk: int = CHUNK,
          progress: Callable[[int], None] | None = None, quantiles: tuple[float, ...] = QUANTILES,
          solve: str | None = None, kill_share: float = 0.05) -> Result:
    """Run ``runs`` replicates of every variant of ``study``.

    Args:
        workers: processes on this machine (1: in this process).
        dask: a Dask scheduler address, or a ``distributed.Client``; overrides ``workers``.
        chunk: replicates per task; any size gives the same result.
        progress: called with the number of replicates done after each chunk.
        quantiles: the quantiles of cost, wall time and billable seconds to report.
        solve: find the smallest limit of this kind (a key of :data:`LIMITS`) that stops at most
            ``kill_share`` of each variant's replicates.

    Raises:
        ClusterError: the Dask cluster cannot be reached or used.
    """
    results = pieces_run(run_chunk, study, seed, chunks(runs, chunk), workers, dask, (solve,))
    merged = [VariantStats(solve is not None) for _ in study.variants]
    for done, stats in results:  # in any order: merging is exact
        for total, part in zip(merged, stats, strict=True):
            total.merge(part)
        if progress is not None:
            progress(done)
    return Result(study, seed, runs, tuple(merged), tuple(quantiles), solve, kill_share)


def pieces_run(runner: Callable[..., Any], study: Any, seed: int, pieces: list[tuple[int, int]], workers: int = 1,
               dask: Any = None, extra: tuple[Any, ...] = ()) -> Iterator[tuple[int, Any]]:
    """``runner(study, seed, start, stop, *extra)`` over each of ``pieces``, here, in ``workers``
    processes or on a Dask cluster: ``(replicates done, what it returned)``, in any order.

    Raises:
        ClusterError: the Dask cluster cannot be reached or used.
    """
    if dask is not None:
        return _on_dask(runner, study, seed, pieces, dask, extra)
    if workers > 1:
        return _in_processes(runner, study, seed, pieces, workers, extra)
    return ((stop - start, runner(study, seed, start, stop, *extra)) for start, stop in pieces)


_STUDY: Any = None  # a worker process's study, set once by its initializer


def _remember(study: Any) -> None:
    global _STUDY
    _STUDY = study


def _run_remembered(runner: Callable[..., Any], seed: int, start: int, stop: int, extra: tuple[Any, ...]) -> Any:
    return runner(_STUDY, seed, start, stop, *extra)


Chunks = Iterator[tuple[int, Any]]  # (replicates done, what the runner returned)


def _in_processes(runner: Callable[..., Any], study: Any, seed: int, pieces: list[tuple[int, int]], workers: int,
                  extra: tuple[Any, ...]) -> Chunks:
    # spawn: no fork of a process that may run a progress thread
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_remember,
                             initargs=(study,)) as pool:
        results = pool.map(_run_remembered, *zip(*[(runner, seed, a, b, extra) for a, b in pieces], strict=True))
        for (start, stop), stats in zip(pieces, results, strict=True):
            yield stop - start, stats


def _on_dask(runner: Callable[..., Any], study: Any, seed: int, pieces: list[tuple[int, int]], dask: Any,
             extra: tuple[Any, ...]) -> Chunks:
    """Chunks as Dask tasks: a bounded number in flight, each result released once merged, so
    memory stays flat whatever the number of replicates."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ClusterError("--dask needs Dask's distributed scheduler: pip install 'tjsim[dask]'") from None
    own = isinstance(dask, str)
    try:
        client = Client(dask, timeout="10s") if own else dask
    except (OSError, TimeoutError, ValueError) as err:
        raise ClusterError(f"cannot reach the Dask scheduler at {dask}: {err}") from None
    try:
        remote = client.scatter(study, broadcast=True, hash=False)  # a key of its own: not released by another sweep
        waiting = iter(pieces)
        in_flight = max(2, 4 * len(client.scheduler_info().get("workers", {})))
        sizes, running = {}, as_completed()
        for start, stop in itertools.islice(waiting, in_flight):
            future = client.submit(runner, remote, seed, start, stop, *extra, pure=False)
            sizes[future.key] = stop - start
            running.add(future)
        for future in running:
            stats = future.result()
            done = sizes.pop(future.key)
            future.release()
            following = next(waiting, None)
            if following is not None:
                nxt = client.submit(runner, remote, seed, *following, *extra, pure=False)
                sizes[nxt.key] = following[1] - following[0]
                running.add(nxt)
            yield done, stats
    finally:
        if own:
            client.close()
