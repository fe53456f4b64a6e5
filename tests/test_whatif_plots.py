"""simulator/whatif/plots.py: a sweep's pictures, read back from the figures matplotlib would save."""

from __future__ import annotations

import itertools
from functools import cache
from pathlib import Path

import pytest
import yaml
from matplotlib.colors import to_hex

from simulator.palette import COLOURS
from simulator.whatif import plots
from simulator.whatif.report import name_of
from simulator.whatif.spec import COST_UNITS_PER_USD, load_study
from simulator.whatif.sweep import sweep

from .conftest import ROOT
from .plot_helpers import legend, rows

SPOT_STUDY = ROOT / "scenarios" / "whatif-spot-vs-on-demand.yaml"
CHECKPOINTS = ROOT / "scenarios" / "whatif-checkpoint-interval.yaml"
RUNS = 20


@cache
def swept(path: Path):
    study = load_study(path)
    return study, sweep(study, runs=RUNS, seed=3)


@pytest.mark.parametrize("name, metric, scale, label", [
    ("cost_ecdf.png", "cost", 1 / COST_UNITS_PER_USD, "cost per job (USD)"),
    ("wall_time_ecdf.png", "wall", 1 / 3_600_000, "wall-clock time from creation to end (h:mm)"),
])
def test_an_ecdf_has_a_panel_per_setting_of_the_assumptions_and_a_step_line_per_decision(drawn, tmp_path, name,
                                                                                        metric, scale, label):
    study, result = swept(SPOT_STUDY)
    plots.whatif_plots(result, tmp_path)
    axes = drawn[name].axes
    assert len(axes) == len(study.worlds) == 3
    decisions = list(study.decisions)
    baseline = decisions[study.baseline]
    first_mean = getattr(result.stats[0], metric).mean * scale
    assert legend(axes[0]) == [f"{baseline} (baseline)", f"baseline mean {plots._shown(first_mean, metric == 'cost')}",
                               *decisions[1:]]
    for world, ax in enumerate(axes):
        assert ax.get_title(loc="left") == f"under {study.world_name(world)}"
        steps = [line for line in ax.lines if line.get_drawstyle() == "steps-post"]
        assert [line.get_label() for line in steps] == [f"{baseline} (baseline)", *decisions[1:]]
        for line, d in zip(steps, range(len(decisions)), strict=True):
            summary = getattr(result.stats[world * len(decisions) + d], metric)
            assert list(line.get_ydata()) == pytest.approx([i / 200 for i in range(1, 200)])  # the quantiles
            assert list(line.get_xdata()) == pytest.approx([summary.quantile(i / 200) * scale for i in range(1, 200)])
        assert to_hex(steps[0].get_color()) == "#000000" and steps[0].get_linestyle() == "--"
        (mean,) = [line for line in ax.lines if line.get_linestyle() == ":"]
        assert list(mean.get_xdata()) == pytest.approx([getattr(result.stats[study.baseline_of(world * 4)],
                                                                metric).mean * scale] * 2)
        assert ax.get_ylim() == (0, 1)
    assert axes[-1].get_xlabel() == label
    if metric == "wall":  # durations read h:mm
        axes[-1].figure.canvas.draw()
        assert all(":" in t.get_text() for t in axes[-1].get_xticklabels() if t.get_text())


def test_the_outcome_mix_stacks_each_decisions_endings_to_100_percent_and_says_the_share_killed(drawn, tmp_path):
    study, result = swept(SPOT_STUDY)
    plots.whatif_plots(result, tmp_path)
    axes = drawn["outcomes.png"].axes
    endings = sorted({ending for stats in result.stats for ending in stats.outcomes})
    assert len(endings) > 1
    assert legend(axes[0]) == [ending.replace("/", " / ") for ending in endings]
    for world, ax in enumerate(axes):
        assert rows(ax) == list(study.decisions)
        for row in range(len(study.decisions)):
            stats = result.stats[world * 4 + row]
            segments = [p for p in ax.patches if p.get_y() + p.get_height() / 2 == pytest.approx(row)]
            assert [p.get_width() for p in segments] == pytest.approx(
                [100 * stats.outcomes.get(ending, 0) / RUNS for ending in endings])
            assert [to_hex(p.get_facecolor()) for p in segments] == [COLOURS[e.split("/")[1]] for e in endings]
            killed = sum(n for e, n in stats.outcomes.items() if e.endswith(("MaxWaitTimeExceeded",
                                                                             "MaxRuntimeExceeded")))
            notes = [t.get_text() for t in ax.texts if t.get_text().startswith("killed")
                     and t.get_position()[1] == row]
            assert notes == ([f"killed {100 * killed / RUNS:.1f}%"] if killed else [])
    assert axes[-1].get_xlabel() == "share of replicates (%)"


def test_the_savings_have_a_bar_per_decision_against_the_baseline_in_each_setting(drawn, tmp_path):
    study, result = swept(SPOT_STUDY)
    plots.whatif_plots(result, tmp_path)
    axes = drawn["savings.png"].axes
    for world, ax in enumerate(axes):
        others = [(name, result.stats[world * 4 + d].savings) for d, name in enumerate(study.decisions)
                  if d != study.baseline]
        assert rows(ax) == [name for name, _ in others]
        means = [s.mean / COST_UNITS_PER_USD for _, s in others]
        assert [p.get_width() for p in ax.patches] == pytest.approx(means)
        assert [to_hex(p.get_facecolor()) for p in ax.patches] == ["#31a354" if m >= 0 else "#a50f15" for m in means]
    assert axes[-1].get_xlabel() == "saving per job against 'on-demand' (USD, paired; 95 % CI)"


def test_the_sensitivity_shows_each_assumptions_range_and_the_saving_against_it(drawn, tmp_path):
    _, result = swept(SPOT_STUDY)
    written = plots.whatif_plots(result, tmp_path)
    assert sorted(p.name for p in written) == sorted(drawn) == [
        "cost_ecdf.png", "outcomes.png", "savings.png", "sensitivity.png", "wall_time_ecdf.png"]
    tornado, line = drawn["sensitivity.png"].axes
    (row,) = result.to_json()["sensitivity"]
    (bar,) = tornado.patches
    assert bar.get_x() == pytest.approx(min(row["savings_percent"]))
    assert bar.get_x() + bar.get_width() == pytest.approx(max(row["savings_percent"]))
    savings = [ln for ln in line.lines if ln.get_marker() == "o"]
    assert [ln.get_label().split(" (breaks even")[0] for ln in savings] == list(row["by_decision"])  # named variants
    for ln, (name, moved) in zip(savings, row["by_decision"].items(), strict=True):
        shown = [(v, s) for v, s in zip(row["values"], moved["savings_percent"], strict=True) if s is not None]
        assert list(zip(ln.get_xdata(), ln.get_ydata(), strict=True)) == shown
        even = moved["break_even"]
        assert ln.get_label() == (name if even is None else f"{name} (breaks even at {even:.3g})")
    assert any(m["break_even"] is not None for m in row["by_decision"].values())  # this study has one
    assert line.get_xlabel() == "spot.interruptions_per_instance_hour"


def test_the_grid_plot_draws_cost_time_and_the_share_killed_against_the_grid_parameter(drawn, tmp_path):
    study, result = swept(CHECKPOINTS)
    plots.whatif_plots(result, tmp_path)
    figure = drawn["grid.png"]
    cost_ax, wall_ax, killed_ax = figure.axes
    intervals = [120, 300, 600, 900, 1800, 3600, 7200]
    grid = [s for v, s in zip(study.variants, result.stats, strict=True) if v.from_grid]
    for ax, expected in ((cost_ax, [s.cost.mean / COST_UNITS_PER_USD for s in grid]),
                         (wall_ax, [s.wall.mean / 3_600_000 for s in grid]),
                         (killed_ax, [100 * sum(n for e, n in s.outcomes.items() if e.startswith("Stopped/Max"))
                                      / RUNS for s in grid])):
        assert ax.get_xlabel() == "checkpoint.interval (h:mm)" and ax.get_xscale() == "log"
        means = ax.lines[0]
        assert list(means.get_xdata()) == intervals and list(means.get_ydata()) == pytest.approx(expected)
        assert [t.get_text() for t in ax.get_xticklabels()] == ["0:02", "0:05", "0:10", "0:15", "0:30", "1:00",
                                                                 "2:00"]
    assert killed_ax.get_ylabel() == "share killed by MaxWait or MaxRuntime (%)"
    handles = figure.legends[0]  # beside the panels, never over the data
    assert [t.get_text() for t in handles.get_texts()] == ["on-demand (baseline)"]


@pytest.mark.parametrize("values", [
    [120, 150, 180, 300, 600, 900, 1200, 1500, 1800, 3600, 7200],  # "12001500" collided here
    list(range(3600, 3600 * 25, 3600)), [0.1, 0.2, 0.25, 0.3, 0.33, 0.5, 1.0, 2.0],
])
def test_tick_labels_never_touch(values):
    import matplotlib.pyplot as plt

    seconds = values[0] >= 100
    for width in (4.5, 6):
        fig, ax = plt.subplots(figsize=(width, 3))
        ax.plot(values, range(len(values)))
        plots._ticks(ax, values, True, seconds)
        fig.tight_layout()
        plots.declutter(fig)
        fig.canvas.draw()
        boxes = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_text()]
        assert len(boxes) >= 3
        assert not any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2))
        assert list(ax.get_xticks()) == pytest.approx(values)  # every value keeps its tick
        plt.close(fig)


def test_fifty_variants_get_fifty_styles():
    styles = plots.styles(50)
    assert len({(to_hex(s["color"]), s["linestyle"]) for s in styles}) == 50
    assert len({to_hex(s["color"]) for s in plots.styles(10)}) == 10


def test_a_27_point_grid_under_two_settings_draws_every_plot(drawn, tmp_path):
    data = yaml.safe_load(SPOT_STUDY.read_text())
    data["speed"] = {"ml.g4dn.xlarge": 0.625, "ml.g5.2xlarge": 1.1}
    data["whatif"] = {"baseline": "on-demand", "variants": data["whatif"]["variants"][:1], "grid": {
        "checkpoint.interval": [300, 900, 1800], "job.StoppingCondition.MaxWaitTimeInSeconds": [28800, 43200, 57600],
        "job.ResourceConfig.InstanceType": ["ml.g5.xlarge", "ml.g4dn.xlarge", "ml.g5.2xlarge"]},
        "assumptions": {"spot.interruptions_per_instance_hour": [0.3, 1.0]}}
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = sweep(load_study(path), runs=4, seed=1)
    plots.whatif_plots(result, tmp_path)
    assert sorted(drawn) == ["cost_ecdf.png", "grid.png", "outcomes.png", "savings.png", "sensitivity.png",
                             "wall_time_ecdf.png"]
    labels = legend(drawn["cost_ecdf.png"].axes[0])
    assert len(labels) == 28 + 1 and labels[2] == name_of(result, 1)  # every decision, the baseline's mean
    assert len(drawn["grid.png"].legends[0].get_texts()) == 9 * 2  # the other paths' points, under each setting
