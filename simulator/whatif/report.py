"""A sweep's result on the terminal: one rich table row per variant."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from .spec import short, written
from .sweep import Result

#: the endings other than Completed, as the table abbreviates them
_OTHER_ENDINGS = (("MaxWaitTimeExceeded", "MaxWait"), ("MaxRuntimeExceeded", "MaxRuntime"), ("Failed", "Failed"),
                  ("Stopped", "Stopped"))


def _hours(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    hours, rest = divmod(round(seconds), 3600)
    return f"{hours}:{rest // 60:02d}"


def _usd(value: float | None) -> str:
    return "—" if value is None else f"${value:,.2f}"


def _count(outcomes: dict[str, int], secondary: str) -> int:
    return sum(n for key, n in outcomes.items() if key.endswith(f"/{secondary}"))


def _percent(count: int, runs: int) -> str:
    """``count`` of ``runs`` as a percentage to a tenth, never rounded to 0 or 100 when it is not."""
    share = 100 * count / runs
    if 0 < share < 0.05:
        return "<0.1%"
    if 99.95 <= share < 100:
        return ">99.9%"
    return f"{share:.1f}%"


def _others(outcomes: dict[str, int], runs: int) -> str:
    parts = [f"{label} {_percent(_count(outcomes, secondary), runs)}"
             for secondary, label in _OTHER_ENDINGS if _count(outcomes, secondary)]
    return ", ".join(parts) or "—"


def table(result: Result, data: dict[str, Any] | None = None) -> Table:
    """The result as a rich table (``data``: its :meth:`~.sweep.Result.to_json`, when already made)."""
    data = result.to_json() if data is None else data
    title = (f"{data['scenario']}: {data['runs']:,} replicates per variant, seed {data['seed']}, "
             f"baseline {data['baseline']!r}")
    out = Table(title=title, title_justify="left", caption_justify="left",
                caption="cost per job = billable seconds × instances × on-demand $/h ÷ 3600 (± is the 95 % CI of "
                        "the mean) · wall: h:mm from creation to end · savings: paired, replicate by replicate")
    prices = {(v["hourly_price_usd"], v["instance_count"]) for v in data["variants"]}
    if len(prices) == 1:  # one price for all: said once, in the title
        (price, count), = prices
        out.title += f", ${price:g}/h{f' × {count} instances' if count > 1 else ''}"
    columns = (("variant", "left", 12), *((("$/h", "right", 5),) if len(prices) > 1 else ()), ("ended", "left", 9),
               ("cost", "right", 6), ("cost p95", "right", 6), ("wall (p95)", "right", 5), ("saves", "right", 6))
    for column, justify, width in columns:  # figures never wrap: the variant and outcome columns give way
        out.add_column(column, justify=justify, min_width=width,  # type: ignore[arg-type]
                       no_wrap=column not in ("variant", "ended"))
    for spec, variant in zip(result.study.variants, data["variants"], strict=True):
        cost, wall = variant["cost_usd"], variant["wall_seconds"]
        ci = cost["ci95"]
        savings = variant.get("savings_vs_baseline")
        saved = "baseline"
        if savings is not None and savings["usd"] is not None:
            saved = f"{_usd(savings['usd']['mean'])} {savings['percent']:.0f}%"
        name = variant["name"]
        if spec.from_grid:  # the grid's points, named by the shortest clear form of each path
            name = ", ".join(f"{short(k)}={written(v)}" for k, v in variant["overrides"].items())
        half = (ci[1] - ci[0]) / 2 if ci else None
        spread = "" if half is None else f" ±{half:.2f}" if half >= 0.005 else " ±<0.01"
        completed = _percent(_count(variant["outcomes"], "Completed"), data["runs"])
        others = _others(variant["outcomes"], data["runs"])
        ended = f"{completed} ok" + ("" if others == "—" else f", {others}")
        price = f"{variant['hourly_price_usd']:g}" + (f"×{variant['instance_count']}" if variant["instance_count"] > 1
                                                      else "")
        out.add_row(name, *((price,) if len(prices) > 1 else ()), ended, f"{_usd(cost['mean'])}{spread}",
                    _usd(cost["p95"]), f"{_hours(wall and wall['mean'])} ({_hours(wall and wall['p95'])})", saved)
    return out


def show(result: Result, console: Console | None = None) -> None:
    """Print the table (to fit the terminal; 120 columns wide into a file or a pipe)."""
    console = console or Console()
    if not console.is_terminal:
        console.width = 120
    data = result.to_json()
    shown = table(result, data)
    if console.width < 100:  # a narrow terminal: no vertical rules, so that every figure fits
        shown.box, shown.show_edge = box.SIMPLE_HEAD, False
    console.print(shown)
    finishing = [v for v in data["variants"] if v["cost_per_completed_job_usd"] is not None]
    line = f"{result.transitions:,} state-machine transitions simulated"
    if finishing:  # a job stopped by MaxWait is cheap and useless: rank by what a finished model costs
        best = min(finishing, key=_per_completed)
        line = (f"cheapest per completed job: {best['name']} ({_usd(best['cost_per_completed_job_usd'])}, all "
                f"replicates' cost over those that completed) · {line}")
    console.print(line, highlight=False, markup=False, soft_wrap=True)


def _per_completed(variant: dict[str, Any]) -> float:
    return variant["cost_per_completed_job_usd"]
