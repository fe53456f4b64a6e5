"""A sweep's result on the terminal: one rich table row per variant, a section per setting of the
assumptions, then what to choose: under each setting, across them, and where it stops paying."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console, Group
from rich.table import Table

from .spec import short, shown, written
from .stats import label
from .sweep import Result

#: the endings other than Completed, as the table abbreviates them
_OTHER_ENDINGS = (("MaxWaitTimeExceeded", "MaxWait"), ("MaxRuntimeExceeded", "MaxRuntime"), ("Failed", "Failed"),
                  ("Stopped", "Stopped"))
_LIMIT = {"MaxWaitTimeInSeconds": "MaxWait", "MaxRuntimeInSeconds": "MaxRuntime"}


def hours(seconds: float | None) -> str:
    """Seconds as h:mm."""
    if seconds is None:
        return "—"
    whole, rest = divmod(round(seconds), 3600)
    return f"{whole}:{rest // 60:02d}"


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
    parts = [f"{name} {_percent(_count(outcomes, secondary), runs)}"
             for secondary, name in _OTHER_ENDINGS if _count(outcomes, secondary)]
    return ", ".join(parts) or "—"


def name_of(result: Result, index: int) -> str:
    """A variant as the table and the plots name it: a named variant by its name; a grid point by
    the values that vary in the grid — just the value when one path varies (the column names it),
    else ``key=value`` by each path's last key."""
    variant = result.study.variants[index]
    if not variant.from_grid:
        return variant.name
    varying = _varying(result)
    if len(varying) == 1:
        return written(variant.overrides[varying[0]])
    return ", ".join(f"{p.rsplit('.', 1)[-1]}={written(variant.overrides[p])}" for p in varying)


def named_by(result: Result) -> str | None:
    """The grid path whose value alone names each grid point (:func:`name_of`), to say once in a
    legend's title or a column's head; None if names say their paths."""
    varying = _varying(result) if any(v.from_grid for v in result.study.variants) else []
    return short(varying[0]) if len(varying) == 1 else None


def _varying(result: Result) -> list[str]:
    study = result.study
    return [p for p in study.grid if len({written(v.overrides.get(p)) for v in study.variants if v.from_grid}) > 1] \
        or list(study.grid)


def shown_quantile(result: Result) -> float:
    """The quantile the table shows beside the mean: p95 when asked for (the default), else the highest."""
    return 0.95 if 0.95 in result.quantiles else max(result.quantiles)


def table(result: Result, data: dict[str, Any] | None = None, stacked: bool = False) -> Group:
    """The result as rich tables, one per setting of the assumptions (``data``: its
    :meth:`~.sweep.Result.to_json`, when already made; ``stacked``: each second figure under the
    first, for a narrow terminal)."""
    data = result.to_json() if data is None else data
    study = result.study
    q = label(shown_quantile(result))
    prices = {(v["hourly_price_usd"], v["instance_count"]) for v in data["variants"]}
    title = (f"{data['scenario']}: {data['runs']:,} replicates per variant, seed {data['seed']}, "
             f"baseline {data['baseline']!r}")
    if len(prices) == 1:  # one price for all: said once, in the title
        (price, count), = prices
        title += f", ${price:g}/h{f' × {count} instances' if count > 1 else ''}"
    spot = any(v["spot"] for v in data["variants"])
    solve = data.get("solve")
    varying = _varying(result) if any(v.from_grid for v in study.variants) else []
    first = "variant" if len(varying) != 1 else f"variant / {short(varying[0])}"
    longest = max(len(name_of(result, i)) for i in range(len(study.variants)))
    limit = solve and (_LIMIT[solve["limit"]], f"≤{100 * solve['kill_share']:g}% killed")
    # (header, header when stacked, justify, wraps): on a narrow terminal each second figure goes under
    # the first (the cost's quantile under its mean), so that every figure stays whole
    narrow_first = short(varying[0]).replace(".", ".\n") if len(varying) == 1 else first
    columns = [(first, narrow_first, "left", True), *((("$/h", "$/h", "right", False),) if len(prices) > 1 else ()),
               ("ended", "ended", "left", True), ("cost", f"cost\n{q}", "right", False),
               *(((f"cost {q}", None, "right", False),) if not stacked else ()),
               (f"wall ({q})", f"wall\n{q}", "right", False),
               *(((f"interrupted ({q})", f"inter-\nruptions\n{q}", "right", False),) if spot else ()),
               *(((f"{limit[0]} for {limit[1]} (CI)", f"{limit[0]}\n{limit[1]}\n(CI)", "right", False),)
                 if solve else ()),
               ("saves", "saves", "right", False)]
    tables = []
    for world in range(len(study.worlds)):
        heading = title if world == 0 else ""
        if len(study.worlds) > 1:
            heading += ("\n" if heading else "") + f"under {study.world_name(world)}:"
        out = Table(title=heading, title_justify="left", caption_justify="left", title_style="",
                    caption=_caption(q, spot, solve) if world == len(study.worlds) - 1 else None,
                    padding=0 if stacked else (0, 1), pad_edge=not stacked)
        for wide, narrow, justify, wraps in columns:  # figures never wrap: the variant and outcome columns give way
            out.add_column(narrow if stacked else wide, justify=justify,  # type: ignore[arg-type]
                           no_wrap=not wraps, overflow="fold",
                           min_width=(min(longest, 14) if wide == first else 9) if wraps else None)
        size = len(study.decisions)
        for index in range(world * size, (world + 1) * size):
            cells = _row(result, index, data["variants"][index], len(prices) > 1, spot, solve, q)
            out.add_row(*_cells(cells, stacked))
        tables.append(out)
    return Group(*tables)


def _caption(q: str, spot: bool, solve: dict[str, Any] | None) -> str:
    return (f"cost per job = billable seconds × instances × on-demand $/h ÷ 3600 (± is the 95 % CI of the mean) · "
            f"wall: h:mm from creation to end, mean ({q})"
            + (f" · interrupted: spot interruptions per job, mean ({q})" if spot else "")
            + (f" · {_LIMIT[solve['limit']]}: the smallest that stops at most {100 * solve['kill_share']:g} % of jobs "
               f"(by MaxWait or MaxRuntime), h:mm, with its 95 % CI; * with MaxRuntime lowered to it" if solve else "")
            + " · savings: paired, replicate by replicate, in the same assumptions")


def _row(result: Result, index: int, variant: dict[str, Any], priced: bool, spot: bool, solve: Any,
         q: str) -> list[tuple[str, str]]:
    """The row's cells, each a figure and what goes beside it (in parentheses) or under it."""
    cost, wall, runs = variant["cost_usd"], variant["wall_seconds"], result.runs
    ci = cost["ci95"]
    half = (ci[1] - ci[0]) / 2 if ci else None
    spread = "" if half is None else f" ±{half:.2f}" if half >= 0.005 else " ±<0.01"
    completed = _percent(_count(variant["outcomes"], "Completed"), runs)
    others = _others(variant["outcomes"], runs)
    price = f"{variant['hourly_price_usd']:g}" + (f"×{variant['instance_count']}" if variant["instance_count"] > 1
                                                  else "")
    cells = [(name_of(result, index), ""), *(((price, ""),) if priced else ()),
             (f"{completed} ok", "" if others == "—" else others), (f"{_usd(cost['mean'])}{spread}", _usd(cost[q])),
             (hours(wall and wall["mean"]), hours(wall and wall[q]))]
    if spot:
        per_job = variant["interruptions_per_job"]
        cells.append((f"{per_job['mean']:.2f}", str(per_job["p95"])) if variant["spot"] else ("—", ""))
    if solve:
        solved = variant.get("solved", {})
        if solved.get("seconds") is not None:
            low, high = solved["ci95"]
            cells.append((hours(solved["seconds"]) + ("*" if "note" in solved else ""),
                          f"{hours(low)}–{hours(high)}" if high is not None else f"≥{hours(low)}"))
        else:  # above the scenario's own limit, or not for this variant (on-demand, the other limit)
            cells.append((f"≥{hours(solved['at_least'])}" if "at_least" in solved else "—", ""))
    savings = variant.get("savings_vs_baseline")
    if savings is not None and savings["usd"] is not None:
        cells.append((_usd(savings["usd"]["mean"]), "" if savings["percent"] is None else f"{savings['percent']:.0f}%"))
    else:
        cells.append(("baseline", ""))
    return cells


def _cells(cells: list[tuple[str, str]], stacked: bool) -> list[str]:
    """Side by side — ``4:37 (5:25)``, the cost's quantile in a column of its own — or, on a narrow
    terminal, each second figure under the first."""
    shown = []
    for main, extra in cells:
        if not extra:
            shown.append(main)
        elif stacked:
            shown.append(f"{main}\n{extra}")
        elif main.endswith(" ok"):  # the outcomes: one list
            shown.append(f"{main}, {extra}")
        elif main.startswith("$") and "±" in main:  # the cost's mean; its quantile has a column
            shown += [main, extra]
        else:
            shown.append(f"{main} ({extra})")
    return shown


def show(result: Result, console: Console | None = None) -> None:
    """Print the table, as wide as it needs into a file or a pipe (never cut), then the verdict."""
    console = console or Console()
    data = result.to_json()
    shown = table(result, data)
    wide = console.measure(shown, options=console.options.update_width(10_000)).maximum
    if not console.is_terminal:  # into a file or a pipe: the tables' own width, however wide
        console.width = max(80, wide)
    elif wide > console.width:  # a narrow terminal: second figures under the first, no vertical rules
        shown = table(result, data, stacked=True)
        for part in shown.renderables:
            part.box, part.show_edge = box.SIMPLE_HEAD, False
    console.print(shown)
    for line in verdict(result, data):
        console.print(line, highlight=False, markup=False)


#: what a recommendation minimises, and what the kill share counts: for one job
RULE = ("the lowest cost per completed job (all replicates' cost over those that completed)", "")


def verdict(result: Result, data: dict[str, Any], rule_of: tuple[str, str] = RULE) -> list[str]:
    """What to choose, in sentences: under each setting of the assumptions, across them, where the
    choice stops saving; what the baseline pays for checkpoints; what the solver found. ``rule_of``:
    what the recommendation minimises, and what its kill share is a share of (" of the work")."""
    study, lines = result.study, []
    recommendation = data["recommendation"]
    rule = rule_of[0]
    if study.max_kill_share is not None:
        rule += f" among those killing at most {100 * study.max_kill_share:g} %{rule_of[1]}"
    across = recommendation["across_assumptions"]
    if len(study.worlds) == 1:
        best = recommendation["per_assumption"][0]
        lines.append(f"recommended: {best['decision']} — {rule}: {_usd(best['cost_per_completed_job_usd'])}"
                     if best["decision"] else f"no variant qualifies as {rule}")
    else:
        for best in recommendation["per_assumption"]:
            world = ", ".join(f"{short(p)}={shown(v)}" for p, v in best["assumptions"].items())
            lines.append(f"under {world}: {best['decision'] or 'none qualifies'}"
                         + (f" ({_usd(best['cost_per_completed_job_usd'])}, saves {best['savings_percent']:.0f}%)"
                            if best["decision"] else ""))
        if not across:
            lines.append(f"no decision qualifies in every setting of the assumptions as {rule}")
        else:
            worst = across["worst_case"]
            world = ", ".join(f"{short(p)}={shown(v)}" for p, v in worst["assumptions"].items())
            lines.append(f"recommended across the assumptions: {across['decision']} — the best worst case of "
                         f"{rule}: {_usd(worst['cost_per_completed_job_usd'])}, under {world}")
    for row in data.get("sensitivity", []):  # one assumption moving, the others at their middle value
        path = short(row["assumption"])
        for name, moved in row["by_decision"].items():
            if moved["break_even"] is not None:
                lines.append(f"{name} breaks even with {data['baseline']!r} (per completed job) at {path} ≈ "
                             f"{moved['break_even']:.3g}")
        for switch in row["switches"]:
            where = f"≈ {switch['at']:.3g}" if switch["at"] is not None else \
                f"between {shown(switch['between'][0])} and {shown(switch['between'][1])}"
            lines.append(f"the best decision changes from {switch['from']} to {switch['to']} at {path} {where}")
    writes = [data["variants"][study.baseline_of(w * len(study.decisions))]["checkpoint_write_seconds_mean"]
              for w in range(len(study.worlds))]
    if max(writes):
        low, high = f"{min(writes):,.0f}", f"{max(writes):,.0f}"
        paid = f"{high} s" if low == high else f"{low}–{high} s"
        lines.append(f"note: the baseline {data['baseline']!r} pays {paid} of checkpoint writes per job "
                     f"(CheckpointConfig is set): its cost includes them")
    lines.append(f"{result.transitions:,} state-machine transitions simulated")
    return lines
