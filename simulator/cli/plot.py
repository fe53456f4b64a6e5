"""``tjsim plot``: a scenario's timeline as a picture."""

from __future__ import annotations

from pathlib import Path

import click

from .edge import check_job, fail, load, main


@main.command("plot")
@click.argument("scenario")
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True, help="The PNG file to write.")
@click.option("--job", "job", metavar="NAME", help="Only this job of a scenario with later_jobs.")
def plot_command(scenario: str, out: str, job: str | None) -> None:
    """Draw SCENARIO's replay as a Gantt chart: a bar per secondary status, billed time shaded,
    interruptions and checkpoints marked."""
    if Path(out).suffix.lower() != ".png":
        fail([f"--out {out}: tjsim draws PNG images: give a name ending in .png"])
    from .. import plots  # matplotlib only when a plot is asked for
    from ..timeline import replay

    result = replay(load(scenario))
    check_job(result, scenario, job)
    try:
        click.echo(f"wrote {plots.timeline(result, Path(out), job=job)}", err=True)
    except OSError as err:
        fail([f"--out {out}: cannot write there ({err.strerror or err})"])
