"""``tjsim whatif``: Monte Carlo over a scenario's variants."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ..limits import CHUNK, MAX_SEED
from .edge import fail, given, main


@main.command("whatif")
@click.argument("scenario")
@click.option("--runs", type=click.IntRange(min=1, max=10**9), default=1000, show_default=True,
              help="Replicates of every variant.")
@click.option("--seed", type=click.IntRange(min=0, max=MAX_SEED), help="The sweep's seed (default: the scenario's).")
@click.option("--workers", type=click.IntRange(min=1, max=512), default=1, show_default=True,
              help="Processes on this machine.")
@click.option("--dask", "dask", metavar="ADDRESS", help="Run on a Dask cluster (tcp://scheduler:8786).")
@click.option("--chunk-size", type=click.IntRange(min=1), default=CHUNK, show_default=True,
              help="Replicates per task; the result is the same for any size.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the result as JSON (deterministic: the same seed gives the same bytes).")
@click.option("--plots", type=click.Path(file_okay=False), help="Write PNG plots of the result into this folder.")
@click.option("--quantiles", default="50,90,95,99", show_default=True, callback=lambda ctx, param, value:
              _quantiles(value), help="Percentiles of cost, wall time and billable time to report (the table shows "
                                      "p95, or the highest).")
@click.option("--solve", type=click.Choice(["MaxWaitTimeInSeconds", "MaxRuntimeInSeconds"]),
              help="Find each variant's smallest limit of this kind that stops at most --kill-share of its jobs.")
@click.option("--calibration", type=click.Path(dir_okay=False), help="A fragment `tjsim calibrate` wrote: its "
              "timing, spot and failures for the job's instance type are merged into the scenario first.")
@click.option("--kill-share", type=click.FloatRange(0, 1, max_open=True), default=0.05, show_default=True,
              help="With --solve: the share of jobs the limit may stop (by MaxWait or MaxRuntime).")
@click.pass_context
def whatif_command(ctx: click.Context, scenario: str, runs: int, seed: int | None, workers: int, dask: str | None,
                   chunk_size: int, as_json: bool, plots: str | None, quantiles: tuple[float, ...],
                   solve: str | None, kill_share: float, calibration: str | None) -> None:
    """Compare the variants of SCENARIO's whatif: section over RUNS replicates each: cost, time, outcomes,
    the decision to take under each setting of the assumptions and across them. A fleet file (one with
    a fleet: section naming a history or listing jobs) replays every job under each variant, against
    what the history cost."""
    if given(ctx, "kill_share") and solve is None:
        raise click.UsageError("--kill-share: the share a solved limit may stop; give --solve too", ctx)
    if dask is not None and given(ctx, "workers"):
        raise click.UsageError("--workers: processes on this machine; with --dask the cluster's workers run it", ctx)

    from ..format.fleet import is_fleet
    from ..whatif import report
    from ..whatif.spec import load_study
    from ..whatif.sweep import sweep

    if is_fleet(_peek(scenario)):
        if solve is not None:
            raise click.UsageError("--solve: finds one job's limit; a fleet what-if compares its variants' limits",
                                   ctx)
        _fleet(scenario, calibration, runs=runs, seed=seed, workers=workers, dask=dask,
               chunk=chunk_size if given(ctx, "chunk_size") else None, as_json=as_json, plots=plots,
               quantiles=quantiles)
        return
    study = load_study(scenario, calibration)
    if plots is not None:  # before the sweep, not after it
        _writable(Path(plots))
    seed = study.variants[study.baseline].plan.seed if seed is None else seed
    with _progress(f"{len(study.variants)} variants", runs) as advance:
        result = sweep(study, runs=runs, seed=seed, workers=workers, dask=dask, chunk=chunk_size, progress=advance,
                       quantiles=quantiles, solve=solve, kill_share=kill_share)
    if plots is not None:
        from ..whatif.plots import whatif_plots  # matplotlib only when plots are asked for

        _draw(whatif_plots, result, plots)
    _out(result, as_json, report.show)


def _peek(path: str) -> object:
    """A file's YAML data, to tell a fleet what-if from a scenario (standard input is read once: a scenario)."""
    from ..loading import read

    return None if path == "-" else read(path)[1]


def _fleet(path: str, calibration: str | None, *, runs: int, seed: int | None, workers: int, dask: str | None,
           chunk: int | None, as_json: bool, plots: str | None, quantiles: tuple[float, ...]) -> None:
    """A fleet what-if: every job of a history replayed under each variant."""
    from ..fleet.whatif import report
    from ..fleet.whatif.result import FleetResult
    from ..fleet.whatif.spec import load_fleet
    from ..fleet.whatif.sweep import sweep

    study = load_fleet(path, calibration)
    if plots is not None:
        _writable(Path(plots))
    seed = study.seed if seed is None else seed
    with _progress(f"{len(study.variants)} variants × {len(study.jobs):,} jobs", runs) as advance:
        stats = sweep(study, runs=runs, seed=seed, workers=workers, dask=dask, chunk=chunk, progress=advance)
    result = FleetResult(study, seed, runs, tuple(stats), quantiles)
    if plots is not None:
        from ..fleet.whatif.plots import fleet_plots  # matplotlib only when plots are asked for

        _draw(fleet_plots, result, plots)
    _out(result, as_json, report.show)


def _draw(draw: Callable[[Any, Path], list[Path]], result: Any, plots: str) -> None:
    """``draw(result, folder)``'s PNGs into ``plots``, each named on standard error."""
    try:
        written = draw(result, Path(plots))
    except OSError as err:
        fail([f"--plots {plots}: cannot write there ({err.strerror or err})"])
    for path in written:
        click.echo(f"wrote {path}", err=True)


def _out(result: Any, as_json: bool, show: Callable[..., None]) -> None:
    """The result on standard output: its JSON, or the report."""
    from rich.console import Console

    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        show(result, Console(file=sys.stdout))


@contextmanager
def _progress(what: str, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on the terminal's standard error (none elsewhere): ``advance(n)`` moves it."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task(what, total=total)
        yield lambda done: progress.advance(task, done)


def _quantiles(value: str) -> tuple[float, ...]:
    """``50,90,99.9`` as (0.5, 0.9, 0.999)."""
    try:
        found = tuple(sorted({round(float(part) / 100, 10) for part in value.split(",") if part.strip()}))
    except ValueError:
        found = ()
    if not found or not all(0 < q < 1 for q in found):
        raise click.BadParameter(f"expected percentiles between 0 and 100, comma-separated, such as 50,95,99 "
                                 f"(got {value!r})")
    return found


def _writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".tjsim-write-test"
        probe.touch()
        probe.unlink()
    except OSError as err:
        fail([f"--plots {folder}: cannot write there ({err.strerror or err})"])
