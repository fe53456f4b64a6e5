"""Running a study: every variant's replicates on the replay engine, here, in a process pool or on a
Dask cluster, aggregated as they come in.

Replicates are cut into chunks of a fixed size. Replicate ``i`` of every variant runs in the same
chunk, on the same random streams (seed, ``i``): common random numbers, so savings are paired
differences. Chunks merge exactly (see :mod:`.stats`), so the result — and its JSON — is the same
byte for byte whatever the worker count, the chunk size or the cluster.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from ..engine.outcome import simulate
from ..errors import TjsimError
from ..limits import CHUNK
from .spec import COST_UNITS_PER_USD, Study
from .stats import VariantStats


class ClusterError(TjsimError):
    """The Dask cluster cannot be reached or used."""


@dataclass(frozen=True, slots=True)
class Result:
    """What a sweep found: one :class:`VariantStats` per variant of ``study``."""

    study: Study
    seed: int
    runs: int
    stats: tuple[VariantStats, ...]

    @property
    def transitions(self) -> int:
        return sum(s.transitions for s in self.stats)

    def to_json(self) -> dict[str, Any]:
        """The result as JSON data: nothing in it depends on the wall clock or on how it was run."""
        study, baseline = self.study, self.stats[self.study.baseline]
        variants = []
        for variant, stats in zip(study.variants, self.stats, strict=True):
            entry: dict[str, Any] = {
                "name": variant.name,
                "overrides": variant.overrides,
                "instance_type": variant.plan.instance_type,
                "instance_count": variant.plan.instance_count,
                "spot": variant.plan.spot,
                "hourly_price_usd": variant.hourly_price,
                "price_source": variant.price_source,
                "outcomes": dict(sorted(stats.outcomes.items())),
                "never_ended": stats.never_ended,
                "cost_usd": stats.cost.report(1 / COST_UNITS_PER_USD, 4),
                "billable_seconds": stats.billable.report(1, 1),
                "training_seconds": stats.training.report(1, 1),
                "wall_seconds": stats.wall.report(1 / 1000, 1),
                # what a finished model costs: every replicate's cost over the replicates that completed
                "cost_per_completed_job_usd": (round(stats.cost.total / COST_UNITS_PER_USD / completed, 4)
                                               if (completed := stats.outcomes.get("Completed/Completed", 0))
                                               else None),
            }
            if variant is not study.variants[study.baseline]:
                savings = stats.savings.report(1 / COST_UNITS_PER_USD, 4)
                base = baseline.cost.mean
                entry["savings_vs_baseline"] = {
                    "usd": savings and {k: savings[k] for k in ("mean", "ci95")},
                    "percent": None if not base else round(100 * stats.savings.mean / base, 2),
                }
            variants.append(entry)
        return {"tool": "tjsim", "version": version("tjsim"), "scenario": study.source,
                "scenario_sha256": study.sha256, "seed": self.seed, "runs": self.runs,
                "baseline": study.variants[study.baseline].name, "grid": list(study.grid),
                "transitions": self.transitions, "variants": variants}


def run_chunk(study: Study, seed: int, start: int, stop: int) -> list[VariantStats]:
    """Replicates ``start`` to ``stop`` (exclusive) of every variant."""
    stats = [VariantStats() for _ in study.variants]
    variants, baseline = study.variants, study.baseline
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
            totals.transitions += o.transitions
            if o.ended is None:
                totals.never_ended += 1
            else:
                totals.wall.add(round(o.ended * 1000))
        for cost, totals in zip(costs, stats, strict=True):
            totals.savings.add(costs[baseline] - cost)
    return stats


def chunks(runs: int, size: int = CHUNK) -> list[tuple[int, int]]:
    return [(start, min(start + size, runs)) for start in range(0, runs, size)]


def sweep(study: Study, *, runs: int, seed: int, workers: int = 1, dask: Any = None, chunk: int = CHUNK,
          progress: Callable[[int], None] | None = None) -> Result:
    """Run ``runs`` replicates of every variant of ``study``.

    Args:
        workers: processes on this machine (1: in this process).
        dask: a Dask scheduler address, or a ``distributed.Client``; overrides ``workers``.
        chunk: replicates per task; any size gives the same result.
        progress: called with the number of replicates done after each chunk.

    Raises:
        ClusterError: the Dask cluster cannot be reached or used.
    """
    pieces = chunks(runs, chunk)
    if dask is not None:
        results = _on_dask(study, seed, pieces, dask)
    elif workers > 1:
        results = _in_processes(study, seed, pieces, workers)
    else:
        results = ((stop - start, run_chunk(study, seed, start, stop)) for start, stop in pieces)
    merged = [VariantStats() for _ in study.variants]
    for done, stats in results:  # in any order: merging is exact
        for total, part in zip(merged, stats, strict=True):
            total.merge(part)
        if progress is not None:
            progress(done)
    return Result(study, seed, runs, tuple(merged))


_STUDY: Study | None = None  # a worker process's study, set once by its initializer


def _remember(study: Study) -> None:
    global _STUDY
    _STUDY = study


def _run_remembered(seed: int, start: int, stop: int) -> list[VariantStats]:
    return run_chunk(_STUDY, seed, start, stop)


Chunks = Iterator[tuple[int, list[VariantStats]]]  # (replicates done, their stats)


def _in_processes(study: Study, seed: int, pieces: list[tuple[int, int]], workers: int) -> Chunks:
    # spawn: no fork of a process that may run a progress thread
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_remember,
                             initargs=(study,)) as pool:
        results = pool.map(_run_remembered, *zip(*[(seed, a, b) for a, b in pieces], strict=True))
        for (start, stop), stats in zip(pieces, results, strict=True):
            yield stop - start, stats


def _on_dask(study: Study, seed: int, pieces: list[tuple[int, int]], dask: Any) -> Chunks:
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
            future = client.submit(run_chunk, remote, seed, start, stop, pure=False)
            sizes[future.key] = stop - start
            running.add(future)
        for future in running:
            stats = future.result()
            done = sizes.pop(future.key)
            future.release()
            following = next(waiting, None)
            if following is not None:
                nxt = client.submit(run_chunk, remote, seed, *following, pure=False)
                sizes[nxt.key] = following[1] - following[0]
                running.add(nxt)
            yield done, stats
    finally:
        if own:
            client.close()
