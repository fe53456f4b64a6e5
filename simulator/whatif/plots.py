"""A sweep's pictures (matplotlib, headless): cost and wall-time distributions, the outcome mix, the
paired savings, a grid's trade-offs with the share killed, and the sensitivity to each assumption.

Legible from 2 to 50 variants: a setting of the assumptions gets a panel of its own (small
multiples), each decision keeps one colour and line style in every panel (:func:`styles`: no two
alike up to 60), legends sit beside the data, never on it, durations read h:mm and tick labels
that would collide are thinned.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no display, the same output everywhere

import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter

from ..palette import COLOURS, UNKNOWN
from .report import hours, name_of, named_by
from .spec import COST_UNITS_PER_USD, short, shown, written
from .stats import Summary
from .sweep import KILLED, Result

DPI = 120
_BASELINE = {"color": "black", "linestyle": "--", "linewidth": 2.2}
_LINESTYLES = ("-", "--", ":")
_SECONDS = ("interval", "write", "MaxRuntimeInSeconds", "MaxWaitTimeInSeconds", "MaxPendingTimeInSeconds",
            "training", "capacity_wait", "KeepAlivePeriodInSeconds")  #: grid paths whose values are seconds
_UNITS = {"interruptions_per_instance_hour": "per instance-hour", "price_ratio": "of the on-demand price",
          "InstanceCount": "instances"}


def whatif_plots(result: Result, folder: Path) -> list[Path]:
    """Every plot of a sweep, into ``folder``: cost and wall-time distributions (ECDF), the outcome
    mix, the paired savings; for a grid, cost, time and the share killed against its first path; for
    assumptions, the chosen decision's sensitivity to each."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [_ecdf(result, "cost", folder / "cost_ecdf.png"), _ecdf(result, "wall", folder / "wall_time_ecdf.png"),
             _outcomes(result, folder / "outcomes.png"), _savings(result, folder / "savings.png")]
    if result.study.grid:
        paths.append(_grid(result, folder / "grid.png"))
    if result.study.assumptions:
        paths.append(sensitivity(result, folder / "sensitivity.png"))
    return paths


def styles(count: int) -> list[dict[str, Any]]:
    """``count`` distinct line styles: a colour each up to 10 (tab10), then up to 20 (tab20), then
    tab20's colours again with another dash pattern."""
    colours = plt.get_cmap("tab10" if count <= 10 else "tab20").colors
    return [{"color": colours[i % len(colours)], "linestyle": _LINESTYLES[i // len(colours) % 3]}
            for i in range(count)]


def _panels(result: Result, width: float, height: float, sharex: bool = True) -> tuple[Any, list[Any]]:
    """A figure with a panel per setting of the assumptions, in columns of at most four rows."""
    worlds = len(result.study.worlds)
    columns = math.ceil(worlds / 4)
    rows = math.ceil(worlds / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(width * (1 if columns == 1 else 0.7 * columns), height * rows),
                             dpi=DPI, sharex=sharex, squeeze=False)
    flat = [ax for row in axes for ax in row]
    for ax in flat[worlds:]:
        ax.set_visible(False)
    for world, ax in enumerate(flat[:worlds]):
        if worlds > 1:
            ax.set_title(f"under {result.study.world_name(world)}", loc="left", fontsize=9)
    return fig, flat[:worlds]


def _hm(value: float, _: Any = None) -> str:
    """Hours on an axis as h:mm."""
    return hours(value * 3600)


def _ecdf(result: Result, metric: str, out: Path) -> Path:
    study = result.study
    cost = metric == "cost"
    scale, label = ((1 / COST_UNITS_PER_USD, "cost per job (USD)") if cost
                    else (1 / 3_600_000, "wall-clock time from creation to end (h:mm)"))
    size = len(study.decisions)
    fig, axes = _panels(result, 11, max(4.0, 0.2 * size + 1.5) if len(study.worlds) == 1 else 3.2)
    palette = styles(size)
    for world, ax in enumerate(axes):
        for d in range(size):
            summary = getattr(result.stats[world * size + d], metric)
            if not summary.n:
                continue
            values, shares = _quantiles(summary, scale)
            name = name_of(result, world * size + d)
            if d == study.baseline:
                ax.step(values, shares, where="post", label=f"{name} (baseline)", **_BASELINE)
                ax.axvline(summary.mean * scale, color="black", linestyle=":", linewidth=1,
                           label=f"baseline mean {_shown(summary.mean * scale, cost)}")
            else:
                ax.step(values, shares, where="post", label=name, linewidth=1.4, **palette[d])
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
        ax.set_ylabel("share at or below")
        if not cost:
            ax.xaxis.set_major_formatter(FuncFormatter(_hm))
    axes[-1].set_xlabel(label)
    axes[0].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
                   title=named_by(result), title_fontsize=8, alignment="left")
    fig.suptitle(f"{study.source}: {label.split(' (')[0]}, {result.runs:,} replicates per variant "
                 f"(quantiles within 0.1 %)", x=0.01, ha="left")
    return save(fig, out)


def _shown(value: float, cost: bool) -> str:
    return f"${value:,.2f}" if cost else hours(value * 3600)


def _quantiles(summary: Summary, scale: float) -> tuple[list[float], list[float]]:
    """An ECDF read off the sketch: (values, cumulative shares)."""
    shares = [i / 200 for i in range(1, 200)]
    return [summary.quantile(q) * scale for q in shares], shares


def _outcomes(result: Result, out: Path) -> Path:
    study = result.study
    endings = sorted({key for stats in result.stats for key in stats.outcomes})
    size = len(study.decisions)
    fig, axes = _panels(result, 10, 1.2 + 0.4 * size)
    for world, ax in enumerate(axes):
        names = [name_of(result, world * size + d) for d in range(size)]
        stats = result.stats[world * size:(world + 1) * size]
        left = [0.0] * size
        for ending in endings:
            shares = [100 * s.outcomes.get(ending, 0) / result.runs for s in stats]
            ax.barh(names, shares, left=left, color=COLOURS.get(ending.split("/")[1], UNKNOWN), edgecolor="white",
                    label=ending.replace("/", " / "))
            for row, (start, share) in enumerate(zip(left, shares, strict=True)):
                if share >= 6:
                    ax.text(start + share / 2, row, f"{share:.0f}%", ha="center", va="center", fontsize=8,
                            color="white")
            left = [a + b for a, b in zip(left, shares, strict=True)]
        for row, s in enumerate(stats):  # the share killed, beside the bar
            killed = sum(s.outcomes.get(f"Stopped/{ending}", 0) for ending in KILLED) / result.runs
            if killed:
                ax.text(101, row, f"killed {100 * killed:.1f}%", va="center", fontsize=8, color="#7f2704")
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_ylabel(named_by(result) or "")
    axes[-1].set_xlabel("share of replicates (%)")
    axes[0].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.12, 1.0), frameon=False)
    fig.suptitle(f"{study.source}: how the job ends (TrainingJobStatus / SecondaryStatus)", x=0.01, ha="left")
    return save(fig, out)


def _savings(result: Result, out: Path) -> Path:
    study = result.study
    size = len(study.decisions)
    fig, axes = _panels(result, 10, 1.2 + 0.4 * max(size - 1, 1))
    scale = 1 / COST_UNITS_PER_USD
    for world, ax in enumerate(axes):
        rows = [(name_of(result, world * size + d), result.stats[world * size + d].savings) for d in range(size)
                if d != study.baseline and result.stats[world * size + d].savings.n]
        means = [s.mean * scale for _, s in rows]
        bounds = [s.ci95() or (s.mean, s.mean) for _, s in rows]  # one replicate: no interval
        errors = [[(s.mean - low) * scale for (_, s), (low, _) in zip(rows, bounds, strict=True)],
                  [(high - s.mean) * scale for (_, s), (_, high) in zip(rows, bounds, strict=True)]]
        ax.barh([n for n, _ in rows], means, xerr=errors, color=["#31a354" if m >= 0 else "#a50f15" for m in means],
                capsize=4)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.invert_yaxis()
        ax.set_ylabel(named_by(result) or "")
        ax.grid(axis="x", alpha=0.3)
    axes[-1].set_xlabel(f"saving per job against {study.decisions[study.baseline]!r} (USD, paired; 95 % CI)")
    fig.suptitle(f"{study.source}: what each variant saves", x=0.01, ha="left")
    return save(fig, out)


def _grid(result: Result, out: Path) -> Path:
    """Cost, wall time and the share killed against the grid's first path; a line per value of the
    other paths and per setting of the assumptions."""
    study = result.study
    first, rest = study.grid[0], study.grid[1:]
    series: dict[str, list[tuple[Any, Any]]] = {}
    for variant, stats in zip(study.variants, result.stats, strict=True):
        if variant.from_grid:
            label = ", ".join([*(f"{short(p)}={written(variant.overrides.get(p))}" for p in rest),
                               *([study.world_name(variant.world)] if len(study.worlds) > 1 else [])])
            series.setdefault(label, []).append((variant.overrides[first], stats))
    numeric = all(isinstance(x, int | float) and not isinstance(x, bool) for points in series.values()
                  for x, _ in points)
    seconds = numeric and first.rsplit(".", 1)[-1] in _SECONDS
    fig, panels = plt.subplots(1, 3, figsize=(16, 5), dpi=DPI)
    palette = styles(len(series))
    categories = sorted({written(x) for points in series.values() for x, _ in points}, key=lambda c: [
        written(x) for points in series.values() for x, _ in points].index(c))
    for n, (label, points) in enumerate(series.items()):
        if numeric:
            points.sort(key=lambda p: p[0])
        xs = [x for x, _ in points] if numeric else [categories.index(written(x)) + 0.08 * n for x, _ in points]
        for ax, metric in zip(panels, ("cost", "wall", "killed"), strict=True):
            mean, low, high = _figures(metric, [s for _, s in points], result.runs)
            style = {**palette[n], "marker": "o", "label": label or None}
            if numeric:  # a quantity: a line, and the confidence band around it (none around no kills at all)
                ax.plot(xs, mean, **style)
                if metric != "killed" or any(mean):
                    ax.fill_between(xs, low, high, alpha=0.1 if metric == "killed" else 0.2, color=style["color"])
            else:  # categories: points with error bars, nothing between them
                ax.errorbar(xs, mean, yerr=[[m - lo for m, lo in zip(mean, low, strict=True)],
                                            [hi - m for m, hi in zip(mean, high, strict=True)]],
                            fmt="o", capsize=4, color=style["color"], label=style["label"])
    baseline = study.variants[study.baseline]
    for ax, metric, ylabel in zip(panels, ("cost", "wall", "killed"), ("mean cost per job (USD)",
                                  "mean wall-clock time (h:mm)", "share killed by MaxWait or MaxRuntime (%)"),
                                  strict=True):
        if not baseline.from_grid and len(study.worlds) == 1:
            mean, _, _ = _figures(metric, [result.stats[study.baseline]], result.runs)
            ax.axhline(mean[0], color="black", linestyle="--", linewidth=1, label=f"{baseline.name} (baseline)")
        unit = _UNITS.get(first.rsplit(".", 1)[-1])
        ax.set_xlabel(f"{first} ({'h:mm' if seconds else unit})" if seconds or unit else first)
        ax.set_ylabel(ylabel)
        if metric == "wall":
            ax.yaxis.set_major_formatter(FuncFormatter(_hm))
        if metric == "killed":
            ax.set_ylim(0, max(1.0, ax.get_ylim()[1]))  # no kills: a flat line at 0 of a 1 % axis, not noise
        _ticks(ax, sorted({x for points in series.values() for x, _ in points}) if numeric else categories,
               numeric, seconds)
        ax.grid(alpha=0.3)
    handles, labels = panels[0].get_legend_handles_labels()
    if labels:
        fig.legend(handles, labels, loc="upper left", bbox_to_anchor=(0.0, 0.0), ncols=min(4, len(labels)),
                   fontsize=8, frameon=False)
    fig.suptitle(f"{study.source}: mean and 95 % CI against {first}, {result.runs:,} replicates per point",
                 x=0.01, ha="left")
    return save(fig, out)


def _figures(metric: str, stats: list[Any], runs: int) -> tuple[list[float], list[float], list[float]]:
    """(mean, low, high) of ``metric`` for each variant's stats: cost in USD, wall time in hours, the
    share killed in % with its Wilson 95 % interval."""
    if metric == "killed":
        shares = [sum(s.outcomes.get(f"Stopped/{e}", 0) for e in KILLED) / runs for s in stats]
        bounds = [_wilson(p, runs) for p in shares]
        return [100 * p for p in shares], [100 * lo for lo, _ in bounds], [100 * hi for _, hi in bounds]
    scale = 1 / COST_UNITS_PER_USD if metric == "cost" else 1 / 3_600_000
    summaries = [getattr(s, metric) for s in stats]
    intervals = [s.ci95() or (s.mean, s.mean) for s in summaries]
    return ([s.mean * scale for s in summaries], [lo * scale for lo, _ in intervals],
            [hi * scale for _, hi in intervals])


def _wilson(p: float, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _ticks(ax: Any, values: list[Any], numeric: bool, seconds: bool) -> None:
    """A tick per grid value, labelled h:mm for durations, on a log axis for a wide range (labels that
    would touch are left out when the figure is saved: :func:`declutter`)."""
    if not numeric:
        ax.set_xticks(range(len(values)), values, rotation=20, ha="right")
        return
    if values and min(values) > 0 and max(values) / min(values) > 20:
        ax.set_xscale("log")
        ax.minorticks_off()
    ax.set_xticks(values, [hours(v) if seconds else f"{v:g}" for v in values], rotation=30 if len(values) > 6 else 0)


def declutter(fig: Any) -> None:
    """Leave out each x tick label that would touch the one kept before it (every value keeps its
    tick): measured as drawn, at the figure's final size, whatever the labels' length or rotation."""
    fig.canvas.draw()
    for ax in fig.axes:
        labels = ax.get_xticklabels()
        if not any(label.get_text() for label in labels):
            continue
        kept, texts = None, []
        for label in labels:
            box = label.get_window_extent().expanded(1.15, 1.0) if label.get_text() else None
            if box is not None and kept is not None and box.overlaps(kept):
                texts.append("")
                continue
            texts.append(label.get_text())
            kept = box if box is not None else kept
        if texts != [label.get_text() for label in labels]:
            limits = ax.get_xlim()
            ax.set_xticks(ax.get_xticks(), texts)
            ax.set_xlim(limits)


def sensitivity(result: Result, out: Path) -> Path:
    """How the savings move with each assumption, the others at their middle value: above, a tornado
    of the chosen decision's paired saving per job (%); below, for each numeric assumption, every
    decision's saving per completed job against its value, each break-even marked and in its legend."""
    data = result.to_json()
    rows = data.get("sensitivity", [])
    numeric = [r for r in rows if all(isinstance(v, int | float) and not isinstance(v, bool) for v in r["values"])][:4]
    columns = max(len(numeric), 1)
    decisions = len(result.study.decisions) - 1
    # the line panels, and under them each panel's legend (a few decisions) or one for all, in two columns
    below = 3.4 + 0.16 * (decisions if decisions <= 8 else math.ceil(decisions / 2)) + 0.4
    fig = plt.figure(figsize=(max(11.0, 4.6 * columns + 3), 1.4 + 0.55 * max(len(rows), 1) + (below if numeric else 0)),
                     dpi=DPI, layout="constrained")  # legends beside and under panels: tight_layout cannot fit them
    grid = fig.add_gridspec(2 if numeric else 1, columns, height_ratios=[0.8 + 0.55 * max(len(rows), 1)] +
                            ([below] if numeric else []))
    ax = fig.add_subplot(grid[0, :])
    label = {name: name_of(result, d) for d, name in enumerate(result.study.decisions)}  # a grid point: short
    ends = [s for r in rows for s in r["savings_percent"] if s is not None] + [0.0]
    for i, row in enumerate(rows):
        points = sorted(((s, v) for v, s in zip(row["values"], row["savings_percent"], strict=True)
                         if s is not None), key=lambda p: p[0])
        (low, at_low), (high, at_high) = points[0], points[-1]
        ax.barh(i, max(high - low, 0.3), left=low if high > low else low - 0.15, height=0.5, alpha=0.85,
                color="#31a354" if low >= 0 else "#a50f15" if high <= 0 else "#fd8d3c")
        ax.text(high + 0.01 * (max(ends) - min(ends) or 1), i, f"  {shown(at_low)}: {low:.0f}%  …  "
                f"{shown(at_high)}: {high:.0f}%", ha="left", va="center", fontsize=8)
    ax.axvline(0, color="black", linewidth=1)
    room = (max(ends) - min(ends)) or 10
    ax.set_xlim(min(ends) - 0.1 * room, max(ends) + 0.8 * room)  # room for the labels beside the bars
    ax.set_yticks(range(len(rows)), [short(r["assumption"]) for r in rows])
    ax.set_ylim(len(rows) - 0.4, -0.6)
    decision = rows[0]["decision"] if rows else "—"
    ax.set_xlabel(f"paired saving per job of {label.get(decision, decision)!r} against {data['baseline']!r} (%)")
    ax.grid(axis="x", alpha=0.3)
    for column, row in enumerate(numeric):  # every decision's saving per completed job
        line_ax = fig.add_subplot(grid[1, column])
        palette = styles(len(row["by_decision"]))
        for n, (name, moved) in enumerate(row["by_decision"].items()):
            points = [(v, s) for v, s in zip(row["values"], moved["savings_percent"], strict=True) if s is not None]
            even = moved["break_even"]
            line_ax.plot([v for v, _ in points], [s for _, s in points], marker="o", **palette[n],
                         label=label[name] + ("" if even is None else f" (breaks even at {even:.3g})"))
            if even is not None:
                line_ax.axvline(even, linestyle=":", linewidth=1.2, color=palette[n]["color"])
        line_ax.axhline(0, color="black", linewidth=1)
        low = min((s for m in row["by_decision"].values() for s in m["savings_percent"] if s is not None), default=0)
        line_ax.set_ylim(max(low, -100) - 5, 100)  # a decision that rarely completes would dwarf the rest
        line_ax.set_xlabel(short(row["assumption"]))
        line_ax.set_ylabel("saving per completed job (%)" if column == 0 else "")
        line_ax.grid(alpha=0.3)
        if len(row["by_decision"]) <= 8:  # each panel's own legend, its break-evens in it, under it
            line_ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0.0, -0.2), frameon=False)
        elif column == 0:  # many decisions: one legend under the figure (the verdict lists the break-evens)
            handles, labels = line_ax.get_legend_handles_labels()
            fig.legend(handles, [label.split(" (breaks even")[0] for label in labels], loc="outside lower left",
                       ncols=2, fontsize=7, frameon=False)
    fig.suptitle(f"{result.study.source}: how the savings move as each assumption does (the others at their "
                 f"middle value; {result.runs:,} replicates each)", x=0.01, ha="left", fontsize=10)
    return save(fig, out)


def save(fig: Any, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    if fig.get_layout_engine() is None:
        fig.tight_layout()
    declutter(fig)
    # no version stamp in the file: the same bytes every run; every legend inside the picture
    fig.savefig(out, format="png", metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)
    return out
