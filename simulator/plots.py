"""Pictures of replays (matplotlib, headless): a job's timeline as a Gantt chart. A sweep's pictures
are :mod:`simulator.whatif.plots` (:func:`whatif_plots`, here too)."""

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
from .whatif.plots import whatif_plots

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


def _save(fig: Any, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    # no version stamp in the file: the same bytes every run; every legend inside the picture
    fig.savefig(out, format="png", metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)
    return out


__all__ = ["COLOURS", "timeline", "whatif_plots"]
