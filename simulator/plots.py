"""Pictures of replays and sweeps (matplotlib, headless): a job's timeline as a Gantt chart, and a
what-if's cost and time distributions, outcome mix and grid trade-offs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no display, the same output everywhere

import matplotlib.pyplot as plt
from matplotlib.patches import Patch

from .engine import record
from .engine.statuses import ON_INSTANCES
from .palette import COLOURS
from .timeline import Replay
from .whatif.spec import COST_UNITS_PER_USD, short
from .whatif.stats import Summary
from .whatif.sweep import Result

_DPI = 120


def _scale(seconds: float) -> tuple[float, str]:
    """The time unit that suits a span: (seconds per unit, its name)."""
    if seconds > 3 * 3600:
        return 3600.0, "hours"
    if seconds > 3 * 60:
        return 60.0, "minutes"
    return 1.0, "seconds"


def timeline(result: Replay, out: Path, *, job: str | None = None) -> Path:
    """The replay as a Gantt chart, one row per job: a bar per secondary status, the time the job is
    billed for shaded, interruptions (▼) and completed checkpoints (|) marked."""
    jobs = [result.simulation.job(job)] if job is not None else result.jobs
    end = max(j.created + j.history.end for j in jobs)
    unit, unit_name = _scale(end)
    fig, ax = plt.subplots(figsize=(12, 2.6 + 0.9 * len(jobs)), dpi=_DPI)
    seen: dict[str, str] = {}
    kinds: set[str] = set()
    for row, j in enumerate(reversed(jobs)):
        d = result.describe(job=j.plan.name)
        history = d["SecondaryStatusTransitions"]
        for entry in history:
            start = (entry["StartTime"] - d["CreationTime"] + j.created) / unit
            stop = (entry.get("EndTime", d["LastModifiedTime"]) - d["CreationTime"] + j.created) / unit
            width = max(stop - start, end / unit / 400)  # the final, instant status still shows
            colour = COLOURS.get(entry["Status"], "#999999")
            billed = entry["Status"] in ON_INSTANCES
            ax.barh(row, width, left=start, height=0.5, color=colour, edgecolor="white", linewidth=0.5)
            if billed:  # billed time: a band above the bar
                ax.barh(row + 0.33, width, left=start, height=0.1, color="#333333", alpha=0.55)
            if entry["Status"] == "Interrupted":
                ax.plot(start, row + 0.42, marker="v", color="#e6550d", markersize=8, zorder=3)
            seen.setdefault(entry["Status"], colour)
        marks = record.checkpoints(j.history.entries)
        for when, _ in marks:
            ax.plot((when + j.created) / unit, row - 0.33, marker="|", color="#31a354", markersize=9, zorder=3)
        pool = d.get("WarmPoolStatus", {})
        if j.pool is not None and pool.get("ResourceRetainedBillableTimeInSeconds") is not None:
            start = (j.pool.since) / unit
            ax.barh(row + 0.33, pool["ResourceRetainedBillableTimeInSeconds"] / unit, left=start, height=0.1,
                    color="#333333", alpha=0.25, hatch="///", edgecolor="#333333", linewidth=0)
            ax.text(start, row - 0.33, f"  warm pool {pool['Status']}", va="center", fontsize=8, color="#555555")
            kinds.add("pool")
        kinds.update({"checkpoint"} if marks else set())
        kinds.update({"interruption"} if any(e["Status"] == "Interrupted" for e in history) else set())
    ax.set_yticks(range(len(jobs)), [j.plan.name for j in reversed(jobs)])
    ax.set_ylim(-0.8, len(jobs) - 0.2)
    ax.set_xlim(0, end / unit * 1.01)
    ax.set_xlabel(f"{unit_name} after creation")
    ax.grid(axis="x", alpha=0.3)
    first = result.describe(job=jobs[0].plan.name)
    title = f"{first['TrainingJobName']}: {first['TrainingJobStatus']} / {first['SecondaryStatus']}"
    if "BillableTimeInSeconds" in first:
        title += (f"  ·  training {first['TrainingTimeInSeconds']:,} s, billable {first['BillableTimeInSeconds']:,} s")
    ax.set_title(title, loc="left")
    handles = [Patch(color=c, label=s) for s, c in seen.items()]
    handles.append(Patch(color="#333333", alpha=0.55, label="billed (instances up)"))
    if "pool" in kinds:
        handles.append(Patch(facecolor="#333333", alpha=0.25, hatch="///", label="billed (warm pool kept)"))
    if "interruption" in kinds:
        handles.append(plt.Line2D([], [], marker="v", color="#e6550d", linestyle="", label="interruption"))
    if "checkpoint" in kinds:
        handles.append(plt.Line2D([], [], marker="|", color="#31a354", linestyle="", markersize=9, label="checkpoint"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    return _save(fig, out)


def whatif_plots(result: Result, folder: Path) -> list[Path]:
    """Every plot of a sweep, into ``folder``: cost and wall-time distributions (ECDF), the outcome
    mix, the paired savings and, for a grid, cost and time against the grid parameter."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [_ecdf(result, "cost", folder / "cost_ecdf.png"), _ecdf(result, "wall", folder / "wall_time_ecdf.png"),
             _outcomes(result, folder / "outcomes.png"), _savings(result, folder / "savings.png")]
    if result.study.grid:
        paths.append(_grid(result, folder / "grid.png"))
    return paths


def _quantiles(summary: Summary, scale: float) -> tuple[list[float], list[float]]:
    """An ECDF read off the sketch: (values, cumulative shares)."""
    shares = [i / 200 for i in range(1, 200)]
    return [summary.quantile(q) * scale for q in shares], shares


def _ecdf(result: Result, metric: str, out: Path) -> Path:
    study = result.study
    scale, label = ((1 / COST_UNITS_PER_USD, "cost per job (USD)") if metric == "cost"
                    else (1 / 3_600_000, "wall-clock time from creation to end (hours)"))
    fig, ax = plt.subplots(figsize=(10, 6), dpi=_DPI)
    for i, (variant, stats) in enumerate(zip(study.variants, result.stats, strict=True)):
        summary = getattr(stats, metric)
        if not summary.n:
            continue
        values, shares = _quantiles(summary, scale)
        baseline = i == study.baseline
        ax.step(values, shares, where="post", label=f"{variant.name}{' (baseline)' if baseline else ''}",
                color="black" if baseline else None, linestyle="--" if baseline else "-",
                linewidth=2.2 if baseline else 1.4)
        if baseline:
            ax.axvline(summary.mean * scale, color="black", linestyle=":", linewidth=1,
                       label=f"baseline mean {summary.mean * scale:,.2f}")
    ax.set_xlabel(label)
    ax.set_ylabel("share of replicates at or below (quantiles within 0.1 %)")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.set_title(f"{study.source}: {label.split(' (')[0]}, {result.runs:,} replicates per variant", loc="left")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _save(fig, out)


def _outcomes(result: Result, out: Path) -> Path:
    study = result.study
    endings = sorted({key for stats in result.stats for key in stats.outcomes})
    names = [v.name for v in study.variants]
    fig, ax = plt.subplots(figsize=(10, 1.5 + 0.45 * len(names)), dpi=_DPI)
    left = [0.0] * len(names)
    for ending in endings:
        shares = [100 * stats.outcomes.get(ending, 0) / result.runs for stats in result.stats]
        secondary = ending.split("/")[1]
        ax.barh(names, shares, left=left, color=COLOURS.get(secondary, "#999999"), edgecolor="white",
                label=ending.replace("/", " / "))
        for row, (start, share) in enumerate(zip(left, shares, strict=True)):
            if share >= 6:
                ax.text(start + share / 2, row, f"{share:.0f}%", ha="center", va="center", fontsize=8, color="white")
        left = [a + b for a, b in zip(left, shares, strict=True)]
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of replicates (%)")
    ax.set_title(f"{study.source}: how the job ends (TrainingJobStatus / SecondaryStatus)", loc="left")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _save(fig, out)


def _savings(result: Result, out: Path) -> Path:
    study = result.study
    rows = [(v.name, s.savings) for i, (v, s) in enumerate(zip(study.variants, result.stats, strict=True))
            if i != study.baseline and s.savings.n]
    fig, ax = plt.subplots(figsize=(10, 1.5 + 0.45 * max(len(rows), 1)), dpi=_DPI)
    scale = 1 / COST_UNITS_PER_USD
    means = [s.mean * scale for _, s in rows]
    bounds = [s.ci95() or (s.mean, s.mean) for _, s in rows]  # one replicate: no interval
    errors = [[(s.mean - low) * scale for (_, s), (low, _) in zip(rows, bounds, strict=True)],
              [(high - s.mean) * scale for (_, s), (_, high) in zip(rows, bounds, strict=True)]]
    ax.barh([n for n, _ in rows], means, xerr=errors, color=["#31a354" if m >= 0 else "#a50f15" for m in means],
            capsize=4)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.invert_yaxis()
    ax.set_xlabel(f"saving per job against {study.variants[study.baseline].name!r} (USD, paired; 95 % CI)")
    ax.set_title(f"{study.source}: what each variant saves", loc="left")
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, out)


#: units of the grid paths tjsim knows, for the axis
_UNITS = {"interval": "seconds", "write": "seconds", "interruptions_per_instance_hour": "per instance-hour",
          "price_ratio": "of the on-demand price", "MaxRuntimeInSeconds": "seconds", "MaxWaitTimeInSeconds": "seconds",
          "training": "seconds", "capacity_wait": "seconds", "InstanceCount": "instances"}


def _grid(result: Result, out: Path) -> Path:
    study = result.study
    first, rest = study.grid[0], study.grid[1:]
    series: dict[tuple[Any, ...], list[tuple[Any, Any]]] = {}
    for variant, stats in zip(study.variants, result.stats, strict=True):
        if variant.from_grid:
            key = tuple(variant.overrides.get(p) for p in rest)
            series.setdefault(key, []).append((variant.overrides[first], stats))
    numeric = all(isinstance(x, int | float) and not isinstance(x, bool) for points in series.values()
                  for x, _ in points)
    fig, (cost_ax, wall_ax) = plt.subplots(1, 2, figsize=(13, 5.5), dpi=_DPI)
    for n, (key, points) in enumerate(series.items()):
        if numeric:
            points.sort(key=lambda p: p[0])
        label = ", ".join(f"{short(p)}={v}" for p, v in zip(rest, key, strict=True)) or None
        for ax, metric, scale in ((cost_ax, "cost", 1 / COST_UNITS_PER_USD), (wall_ax, "wall", 1 / 3_600_000)):
            summaries = [getattr(stats, metric) for _, stats in points]
            mean = [s.mean * scale for s in summaries]
            low = [(s.ci95() or (s.mean, s.mean))[0] * scale for s in summaries]
            high = [(s.ci95() or (s.mean, s.mean))[1] * scale for s in summaries]
            if numeric:  # a quantity: a line, and the confidence band around it
                xs = [x for x, _ in points]
                line, = ax.plot(xs, mean, marker="o", label=label)
                ax.fill_between(xs, low, high, alpha=0.25, color=line.get_color())
            else:  # categories: points with error bars, nothing between them
                xs = [n * 0.15 + i for i in range(len(points))]
                ax.errorbar(xs, mean, yerr=[[m - lo for m, lo in zip(mean, low, strict=True)],
                                            [hi - m for m, hi in zip(mean, high, strict=True)]],
                            fmt="o", capsize=4, label=label)
                ax.set_xticks(range(len(points)), [str(x) for x, _ in points], rotation=20)
    baseline = result.stats[study.baseline]
    unit = _UNITS.get(first.rsplit(".", 1)[-1])
    values = sorted({x for points in series.values() for x, _ in points}) if numeric else []
    for ax, metric, scale, ylabel in ((cost_ax, "cost", 1 / COST_UNITS_PER_USD, "mean cost per job (USD)"),
                                      (wall_ax, "wall", 1 / 3_600_000, "mean wall-clock time (hours)")):
        summary = getattr(baseline, metric)
        if summary.n and not study.variants[study.baseline].from_grid:
            ax.axhline(summary.mean * scale, color="black", linestyle="--", linewidth=1,
                       label=f"{study.variants[study.baseline].name} (baseline)")
        ax.set_xlabel(f"{first} ({unit})" if unit else first)
        ax.set_ylabel(ylabel)
        if numeric and values and min(values) > 0 and max(values) / min(values) > 20:
            ax.set_xscale("log")
            ax.set_xticks(values, [f"{v:g}" for v in values])
            ax.minorticks_off()
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"{study.source}: mean and 95 % CI against {first}, {result.runs:,} replicates per point",
                 x=0.01, ha="left")
    return _save(fig, out)


def _save(fig: Any, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    # no version stamp in the file: the same bytes every run; every legend inside the picture
    fig.savefig(out, format="png", metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)
    return out


__all__ = ["COLOURS", "timeline", "whatif_plots"]
