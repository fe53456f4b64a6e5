"""A fleet sweep's pictures, for a team lead: the fleet's cost under each decision against what the
history cost, the savings by instance type, and how the savings move with each assumption (where
spot stops paying: :func:`..plots.sensitivity`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.patches import Patch

from ...whatif.plots import DPI, save, sensitivity, styles
from .report import focus
from .result import FleetResult


def fleet_plots(result: FleetResult, folder: Path) -> list[Path]:
    """Every plot of a fleet sweep, into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    data = result.to_json()
    paths = [_cost(result, data, folder / "fleet_cost.png")]
    if data["history_cost_usd"] is not None:  # savings against the history: only with one
        paths.append(_by_type(result, data, folder / "savings_by_type.png"))
    if result.study.assumptions:
        paths.append(sensitivity(result, folder / "sensitivity.png"))  # type: ignore[arg-type]
    return paths


def colours(result: FleetResult) -> list[Any]:
    """Each decision's colour: the baseline grey, the others as the sensitivity plot draws them."""
    study = result.study
    others = iter(style["color"] for style in styles(len(study.decisions) - 1))
    return ["#636363" if d == study.baseline else next(others) for d in range(len(study.decisions))]


def _dollars(usd: float) -> str:
    return f"${usd:,.0f}" if abs(usd) >= 100 else f"${usd:.2f}"


def _signed(usd: float) -> str:
    return f"{'-' if usd < 0 else '+'}{_dollars(abs(usd))}"


def _cost(result: FleetResult, data: dict[str, Any], out: Path) -> Path:
    """Each decision's fleet cost (mean and 95 % interval), a panel per setting of the assumptions,
    against the history's actual cost."""
    study = result.study
    size, worlds = len(study.decisions), len(study.worlds)
    fig, axes = plt.subplots(1, worlds, figsize=(max(8.0, 3.2 * worlds + 3), 1.2 + 0.45 * size), dpi=DPI,
                             sharey=True, squeeze=False)
    history = data["history_cost_usd"]
    palette = colours(result)
    for world, ax in enumerate(axes[0]):
        entries = data["variants"][world * size:(world + 1) * size]
        for d, entry in enumerate(entries):
            cost = entry["cost_usd"]
            ci = cost["ci95"] or [cost["mean"], cost["mean"]]
            killed = entry["kill_share"] > (study.max_kill_share if study.max_kill_share is not None else 1)
            ax.barh(d, cost["mean"], color=palette[d], alpha=0.35 if killed else 0.85,
                    hatch="//" if killed else None)
            ax.errorbar(cost["mean"], d, xerr=[[cost["mean"] - ci[0]], [ci[1] - cost["mean"]]], color="black",
                        capsize=3, linewidth=1)
            ax.text(ci[1], d, f"  {_dollars(cost['mean'])}", va="center", fontsize=8)
        if history is not None:
            ax.axvline(history, color="black", linestyle="--", linewidth=1.5, label=f"the history: {_dollars(history)}")
        ax.set_yticks(range(size), study.decisions)
        ax.set_ylim(size - 0.4, -0.6)
        ax.set_xlim(0, max([history or 0] + [e["cost_usd"]["mean"] for e in entries]) * 1.3)
        ax.set_xlabel("fleet cost (USD, mean per replicate, 95 % CI)")
        ax.grid(axis="x", alpha=0.3)
        if worlds > 1:
            ax.set_title(f"under {study.world_name(world)}", loc="left", fontsize=9)
    if history is not None:
        axes[0][0].legend(fontsize=8, loc="upper left", bbox_to_anchor=(0.0, -0.3), frameon=False)
    hatched = " (hatched: kills more than whatif.max_kill_share)" if study.max_kill_share is not None else ""
    fig.suptitle(f"{study.source}: {len(study.jobs):,} jobs replayed under each decision, {result.runs:,} "
                 f"replicates{hatched}", x=0.01, ha="left", fontsize=10)
    return save(fig, out)


def _by_type(result: FleetResult, data: dict[str, Any], out: Path) -> Path:
    """Each decision's saving against the history, by the instance type the jobs ran on (in the
    middle setting of the assumptions): percent of what the type cost, the dollars beside."""
    study = result.study
    world = study.variants[focus(result, data)].world
    size = len(study.decisions)
    entries = data["variants"][world * size:(world + 1) * size]
    types = list(entries[0]["by_instance_type"])
    height = 0.8 / size
    palette = colours(result)
    fig, ax = plt.subplots(figsize=(10, 1.4 + 0.35 * size * len(types)), dpi=DPI)
    for d, entry in enumerate(entries):
        for t, kind in enumerate(types):
            row = entry["by_instance_type"][kind]
            percent = 100 * row["savings_usd"] / row["history_usd"] if row["history_usd"] else 0.0
            y = t + (d - (size - 1) / 2) * height
            killed = row["killed_job_share"]  # a saving bought by killing jobs: hatched, the share said
            ax.barh(y, percent, height=height * 0.9, color=palette[d], hatch="//" if killed else None,
                    alpha=0.5 if killed else 1.0)
            moved = f" → {row['moved_to']}" if "moved_to" in row else ""
            note = f", {100 * killed:.0f}% killed" if killed >= 0.005 else ", <1% killed" if killed else ""
            ax.text(percent, y, f" {_signed(row['savings_usd'])}{moved}{note} ", va="center",
                    ha="left" if percent >= 0 else "right", fontsize=7)
    ax.axvline(0, color="black", linewidth=1)
    ax.set_yticks(range(len(types)), [f"{kind}\n{entries[0]['by_instance_type'][kind]['jobs']} jobs" for kind in types])
    ax.set_ylim(len(types) - 0.5, -0.5)
    ax.set_xlabel("saving against what the type's jobs cost as they ran (%; the dollars beside each bar; hatched: "
                  "some of its jobs killed by MaxWait or MaxRuntime, which is no saving)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(handles=[Patch(color=palette[d], label=entry["name"]) for d, entry in enumerate(entries)], fontsize=8,
              loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    under = f", under {study.world_name(world)}" if len(study.worlds) > 1 else ""
    fig.suptitle(f"{study.source}: savings by instance type{under} ({result.runs:,} replicates)", x=0.01, ha="left",
                 fontsize=10)
    return save(fig, out)
