"""``tjsim plot``: a scenario's timeline as a picture."""

from __future__ import annotations

from pathlib import Path

import click

from ..replay import replay
from . import load, main


@main.command("plot")
@click.argument("scenario")
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True, help="The PNG file to write.")
@click.option("--job", "job", metavar="NAME", help="Only this job of a scenario with later_jobs.")
def plot_command(scenario: str, out: str, job: str | None) -> None:
    """Draw SCENARIO's replay as a Gantt chart: a bar per secondary status, billed time shaded,
    interruptions and checkpoints marked."""
    from .. import plots  # matplotlib only when a plot is asked for

    result = replay(load(scenario))
    click.echo(f"wrote {plots.timeline(result, Path(out), job=job)}", err=True)
