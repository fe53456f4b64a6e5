"""``tjsim prices``: the shipped price table and spot assumptions, each figure with its source."""

from __future__ import annotations

import json
import sys

import click

from .edge import main


@main.command("prices")
@click.option("--region", "chosen", multiple=True, metavar="REGION",
              help="Only this region (repeatable); default: every region the table prices.")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
def prices_command(chosen: tuple[str, ...], as_json: bool) -> None:
    """List the on-demand SageMaker Training prices tjsim ships (USD per instance-hour), their sources
    and dates, and the per-family spot assumptions to start an analysis from."""
    from rich.console import Console
    from rich.table import Table

    from ..whatif import prices

    unknown = [r for r in chosen if r not in prices.regions()]
    if unknown:
        raise click.BadParameter(f"{unknown[0]!r}: the table prices {', '.join(prices.regions())}",
                                 param_hint="--region")
    regions = list(chosen) or prices.regions()
    table = {region: prices.priced(region) for region in regions}
    if as_json:
        click.echo(json.dumps({
            "regions": {region: {name: {"usd_per_hour": p.usd_per_hour, "source": p.source, "estimate": p.estimate}
                                 for name, p in priced.items()} for region, priced in table.items()},
            "spot": {"sources": prices.spot_sources(), "families": {
                a.family: {"advisor_band_per_instance_per_month": list(a.band),
                           "interruptions_per_instance_hour": list(a.interruptions_per_instance_hour),
                           "price_ratio": list(a.price_ratio)} for a in prices.spot_assumptions()}}}, indent=2))
        return
    console = Console(file=sys.stdout)
    sources: list[str] = []
    out = Table(title="On-demand SageMaker Training, USD per instance-hour (≈: an estimate; \\[n]: its source)",
                title_justify="left")
    out.add_column("instance type")
    for region in regions:
        out.add_column(region, justify="right", no_wrap=True)
    for name in sorted({n for priced in table.values() for n in priced}, key=_order):
        cells = []
        for region in regions:
            price = table[region].get(name)
            if price is None:
                cells.append("—")
                continue
            if price.source not in sources:
                sources.append(price.source)
            figure = "no public figure" if price.usd_per_hour is None else f"{price.usd_per_hour:g}"
            cells.append(f"{'≈' if price.estimate and price.usd_per_hour else ''}{figure} "
                         f"[{sources.index(price.source) + 1}]")
        out.add_row(name, *cells)
    console.print(out)
    for n, source in enumerate(sources, 1):
        console.print(f"[{n}] {source}", highlight=False, markup=False)
    console.print()
    spot = Table(title="Spot assumptions per family: a starting range for whatif.assumptions, not a forecast",
                 title_justify="left")
    for column in ("family", "Advisor band: instances reclaimed per month", "as interruptions per instance-hour",
                   "spot / on-demand price"):
        spot.add_column(column, justify="left" if column == "family" else "right")
    for a in prices.spot_assumptions():
        low, high = a.interruptions_per_instance_hour
        if a.band[1] is None:
            band = f">{100 * a.band[0]:g}%" if a.band[0] else "<5% to >20% (varies)"
            rate = f"above {low:.5f}" if low else "any"
        else:
            band = f"{100 * a.band[0]:g}–{100 * a.band[1]:g}%" if a.band[0] else f"<{100 * a.band[1]:g}%"
            rate = f"{low:.5f}–{high:.5f}" if low else f"below {high:.5f}"
        spot.add_row(a.family, band, rate, f"{a.price_ratio[0]:g}–{a.price_ratio[1]:g}")
    console.print(spot)
    console.print("The Spot Instance Advisor's bands are per instance per month: a band of 10–15% means 10 to 15 of "
                  "every 100 spot instances of the type were reclaimed during a month, about 0.00014–0.00022 "
                  "interruptions per instance-hour (-ln(1 - share) / 730 h). A job of N instances is interrupted "
                  "when any one is: N times the rate. No measured rate of SageMaker managed spot is public (a public "
                  "cost model assumes 0.15 per hour, as an assumption): treat the rate as an assumption to vary "
                  "(whatif.assumptions), not a fact.", highlight=False, markup=False)
    for source in prices.spot_sources():
        console.print(f"- {source}", highlight=False, markup=False)


def _order(name: str) -> tuple[str, int]:
    """By family, then by size (xlarge < 2xlarge < … < 48xlarge)."""
    _, family, size = name.split(".")
    number = size.removesuffix("xlarge")
    return family, int(number) if number.isdigit() else (0 if size == "xlarge" else -1)
