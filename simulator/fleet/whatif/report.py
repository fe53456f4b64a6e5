"""A fleet sweep on the terminal, for a team lead: the fleet's cost under each decision against what
it actually cost, a table per setting of the assumptions; the savings by instance type and the jobs
to look at for the recommended decision; then what to choose (:func:`..report.verdict`)."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console, Group
from rich.table import Table

from ...whatif import decide
from ...whatif.report import verdict
from .result import FleetResult

#: what a fleet's recommendation minimises, and what its kill share counts
RULE = ("the lowest cost per completed job (the fleet's cost per job over the share of its work completed, "
        "each job weighted by what its training is worth)", " of the jobs and of the work")

_ENDINGS = (("MaxWaitTimeExceeded", "MaxWait"), ("MaxRuntimeExceeded", "MaxRuntime"), ("Failed", "Failed"),
            ("Stopped", "Stopped"))


def _usd(value: float | None, sign: bool = False) -> str:
    """Dollars, whole from $100 up (cents below), signed when asked (``+$12.50``)."""
    if value is None:
        return "—"
    text = f"${abs(value):,.0f}" if abs(value) >= 100 else f"${abs(value):.2f}"
    return ("-" if value < 0 else "+" if sign else "") + text


def _share(value: float) -> str:
    percent = 100 * value
    return "<0.1%" if 0 < percent < 0.05 else f"{percent:.1f}%"


def _ci(report: dict[str, Any] | None) -> str:
    ci = report and report.get("ci95")
    half = ci and (ci[1] - ci[0]) / 2
    return "" if not ci else f" ±{half:,.0f}" if half >= 10 else f" ±{half:.2f}"


def tables(result: FleetResult, data: dict[str, Any]) -> Group:
    """One table per setting of the assumptions: each decision's fleet cost against the history's."""
    study = result.study
    left = ", ".join(f"{n} {why}" for why, n in data["left_out"].items())
    cost = data["history_cost_usd"]
    title = (f"{data['fleet']}: {data['jobs']:,} jobs{f' ({left} left out)' if left else ''}, {data['runs']:,} "
             f"replicates, seed {data['seed']}; " + (f"the history cost {_usd(cost)}" if cost is not None else
                                                     "jobs no history holds: no cost to save against"))
    parts = []
    size = len(study.decisions)
    for world in range(len(study.worlds)):
        heading = title if world == 0 else ""
        if len(study.worlds) > 1:
            heading += ("\n" if heading else "") + f"under {study.world_name(world)}:"
        table = Table(title=heading, title_justify="left", title_style="", caption_justify="left",
                      caption=_caption() if world == len(study.worlds) - 1 else None)
        for name, justify in (("variant", "left"), ("ended", "left"), ("fleet cost (±95% CI)", "right"),
                              ("vs history", "right"), (f"vs {data['baseline']!r}", "right"),
                              ("killed: jobs/fleet, work", "right")):
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        for index in range(world * size, (world + 1) * size):
            table.add_row(*_row(data["variants"][index]))
        parts.append(table)
    return Group(*parts)


def _caption() -> str:
    return ("fleet cost: every job replayed, billable seconds × instances × on-demand $/h, mean per replicate · vs "
            "history: what the jobs cost as they ran, less this · vs the baseline: paired, replicate by replicate "
            "· killed: jobs per fleet ended by MaxWait or MaxRuntime, and the share of the fleet's work they held "
            "(each job weighted by its training × instances × price)")


def _row(variant: dict[str, Any]) -> list[str]:
    ended = variant["ended_by"]
    others = ", ".join(f"{short} {_share(ended[key])}" for key, short in _ENDINGS if ended.get(key))
    cost = variant["cost_usd"]
    history = variant["savings_vs_history"]
    paired = variant.get("savings_vs_baseline")
    saves = "baseline" if paired is None else (
        f"{_usd(paired['usd'] and paired['usd']['mean'], True)}"
        + (f" ({paired['percent']:+.0f}%)" if paired["percent"] is not None else ""))
    killed = sum(variant["jobs_killed_per_fleet"].values())
    work = variant["killed_work_share"]
    return [variant["name"], f"{_share(ended.get('Completed', 0))} ok" + (f", {others}" if others else ""),
            f"{_usd(cost and cost['mean'])}{_ci(cost)}",
            f"{_usd(history['usd']['mean'], True)} ({history['percent']:+.0f}%)" if history else "—", saves,
            f"{killed:.1f}, {_share(work)}" if killed else "—"]


def by_type(result: FleetResult, data: dict[str, Any], index: int) -> Table:
    """The variant ``index``'s savings against the history, by the instance type the jobs ran on."""
    variant = data["variants"][index]
    table = Table(title=f"{variant['name']!r} by instance type" + (
        f", under {result.study.world_name(result.study.variants[index].world)}" if len(result.study.worlds) > 1
        else ""), title_justify="left", title_style="")
    for name in ("instance type", "jobs", "history", "replayed", "saves", "killed"):
        table.add_column(name, justify="left" if name == "instance type" else "right")
    for kind, row in variant["by_instance_type"].items():
        table.add_row(kind + (f" → {row['moved_to']}" if "moved_to" in row else ""), str(row["jobs"]),
                      _usd(row["history_usd"]), _usd(row["cost_usd"]), _usd(row["savings_usd"], True),
                      _share(row["killed_job_share"]) if row["killed_job_share"] else "—")
    return table


def jobs(data: dict[str, Any], index: int) -> Table:
    """The variant ``index``'s jobs that save most, and those at most risk."""
    variant = data["variants"][index]
    table = Table(title=f"{variant['name']!r}: the jobs that save most, and those most at risk", title_justify="left",
                  title_style="")
    for name in ("", "job", "type", "history", "replayed", "saves", "killed"):
        table.add_column(name, justify="left" if name in ("", "job", "type") else "right")
    for kind, rows in (("saves", variant["jobs_table"]["largest_savings"]),
                       ("risk", variant["jobs_table"]["worst_risks"])):
        for i, row in enumerate(rows):
            table.add_row(kind if i == 0 else "", row["job"], row["instance_type"], _usd(row["history_usd"]),
                          _usd(row["cost_usd"]), _usd(row["savings_usd"], True),
                          _share(row["kill_share"]) if row["kill_share"] else "—")
    return table


def focus(result: FleetResult, data: dict[str, Any]) -> int:
    """The variant the detail tables show, in the middle setting of the assumptions: the decision
    recommended across them, else the one recommended there, else the first, if not the baseline
    (a decision against the history is the question), else the first other than it."""
    study = result.study
    world = decide.world_index(study, decide.central(study)) if study.assumptions else 0  # type: ignore[arg-type]
    recommendation = data["recommendation"]
    candidates = [(recommendation["across_assumptions"] or {}).get("decision"),
                  recommendation["per_assumption"][world]["decision"], *study.decisions]
    others = [c for c in candidates if c is not None and c != study.decisions[study.baseline]]
    decision = study.decisions.index(others[0]) if others else study.baseline
    return world * len(study.decisions) + decision


def show(result: FleetResult, console: Console | None = None) -> None:
    """Print the tables, as wide as they need into a file or a pipe, then the verdict."""
    console = console or Console(file=sys.stdout)
    data = result.to_json()
    index = focus(result, data)
    shown = Group(tables(result, data), by_type(result, data, index), jobs(data, index))
    if not console.is_terminal:  # into a file or a pipe: the tables' own width, however wide
        console.width = max(80, console.measure(shown, options=console.options.update_width(10_000)).maximum)
    console.print(shown)
    if data["uncalibrated_types"]:
        console.print(f"note: the calibration has no section for {', '.join(data['uncalibrated_types'])}: a job on "
                      f"one keeps its own type's section if it was moved there, else the file's settings",
                      highlight=False, markup=False)
    for line in verdict(result, data, RULE):  # type: ignore[arg-type]
        console.print(line, highlight=False, markup=False)
