"""``tjsim calibrate``: a scenario's timing, spot and failures fitted per instance type from a history,
written as the fragment ``tjsim whatif --calibration`` takes."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import click

from .edge import fail, main
from .history import read_history


@main.command("calibrate")
@click.argument("sources", nargs=-1, type=click.Path(dir_okay=True, readable=True))
@click.option("--endpoint", metavar="URL", help="Pull the history from this endpoint, as `tjsim history` does.")
@click.option("--region", metavar="REGION", help="The region of the endpoint's jobs (default: the configured one).")
@click.option("--skip-bad", is_flag=True, help="Skip damaged, partial and duplicate records (each is still reported).")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the fragment here (default: standard output).")
@click.option("--plots", type=click.Path(file_okay=False), help="Write each type's ECDF-against-fit PNG here.")
@click.option("--json", "as_json", is_flag=True, help="Print every fit's evidence as JSON instead of the fragment.")
def calibrate_command(sources: tuple[str, ...], endpoint: str | None, region: str | None, skip_bad: bool,
                      out: str | None, plots: str | None, as_json: bool) -> None:
    """Fit the scenario's timing (starting, downloading, training, uploading, interrupted,
    capacity_wait, pending), spot interruptions and failures per instance type from a history (the
    same SOURCES as `tjsim history`): each duration by maximum likelihood among the scenario format's
    distributions (chosen by AIC, with its KS distance), each rate with its exact 95 % interval."""
    from ..fleet.calibrate import Samples, calibrate, fragment

    samples: dict[str, Samples] = defaultdict(Samples)
    reader = read_history("calibrate", sources, endpoint, region, skip_bad,
                          lambda m: samples[m.instance_type].add(m))
    if not samples:
        fail([f"calibrate: no usable record among {reader.read_count} read"])
    calibrations = {name: calibrate(s) for name, s in sorted(samples.items())}
    if plots is not None:
        from ..fleet.plots import ecdf_plots  # matplotlib only when plots are asked for

        try:
            for path in ecdf_plots(samples, calibrations, Path(plots)):
                click.echo(f"wrote {path}", err=True)
        except OSError as err:
            fail([f"--plots {plots}: cannot write there ({err.strerror or err})"])
    if as_json:
        click.echo(json.dumps({name: c.report() for name, c in calibrations.items()}, indent=2))
        return
    text = fragment(calibrations, ", ".join(sources) + (f" {endpoint}" if endpoint else ""))
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as err:
        fail([f"--out {out}: cannot write it ({err.strerror or err})"])
    click.echo(f"wrote {out}", err=True)
