"""``tjsim whatif``: Monte Carlo over a scenario's variants."""

from __future__ import annotations

import json
import sys
from pathlib import Path

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
@click.pass_context
def whatif_command(ctx: click.Context, scenario: str, runs: int, seed: int | None, workers: int, dask: str | None,
                   chunk_size: int, as_json: bool, plots: str | None) -> None:
    """Compare the variants of SCENARIO's whatif: section over RUNS replicates each: cost, time, outcomes."""
    if dask is not None and given(ctx, "workers"):
        raise click.UsageError("--workers: processes on this machine; with --dask the cluster's workers run it", ctx)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from ..whatif import report
    from ..whatif.spec import load_study
    from ..whatif.sweep import sweep

    study = load_study(scenario)
    if plots is not None:  # before the sweep, not after it
        _writable(Path(plots))
    seed = study.variants[study.baseline].plan.seed if seed is None else seed
    console = Console(stderr=True)
    total = runs * len(study.variants)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task(f"{len(study.variants)} variants", total=total)
        result = sweep(study, runs=runs, seed=seed, workers=workers, dask=dask, chunk=chunk_size,
                       progress=lambda done: progress.advance(task, done * len(study.variants)))
    if plots is not None:
        from .. import plots as plotting  # matplotlib only when plots are asked for

        try:
            written = plotting.whatif_plots(result, Path(plots))
        except OSError as err:
            fail([f"--plots {plots}: cannot write there ({err.strerror or err})"])
        for path in written:
            click.echo(f"wrote {path}", err=True)
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        report.show(result, Console(file=sys.stdout))


def _writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".tjsim-write-test"
        probe.touch()
        probe.unlink()
    except OSError as err:
        fail([f"--plots {folder}: cannot write there ({err.strerror or err})"])
