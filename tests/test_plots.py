"""simulator/plots.py: what each picture draws, read off its matplotlib figure (the bars, lines and
markers, their colours, labels, titles and legend), not off the PNG file. That a PNG is written:
test_cli_plot.py and test_cli_whatif.py."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import matplotlib.figure
import pytest
from matplotlib.colors import to_hex

from simulator import load, plots, replay
from simulator.whatif.spec import COST_UNITS_PER_USD, load_study
from simulator.whatif.sweep import sweep

from .conftest import ROOT

SPOT = ROOT / "scenarios" / "spot-interrupted.yaml"
WARM = ROOT / "scenarios" / "warm-pool-reuse.yaml"
SPOT_STUDY = ROOT / "scenarios" / "whatif-spot-vs-on-demand.yaml"
CHECKPOINTS = ROOT / "scenarios" / "whatif-checkpoint-interval.yaml"
RUNS = 20
ON_INSTANCES = ("Downloading", "Training", "Uploading")  # the statuses billed while they last
STATUS_BAR, BAND = 0.5, 0.1  # the heights of a status's bar and of a billed band above it


@pytest.fixture
def drawn(monkeypatch) -> dict[str, matplotlib.figure.Figure]:
    """Every figure plots.py saves, by file name, instead of the file."""
    figures: dict[str, matplotlib.figure.Figure] = {}
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", lambda fig, out, *a, **k: figures.update({
        Path(out).name: fig}))
    return figures


@cache
def swept(path: Path):
    study = load_study(path)
    return study, sweep(study, runs=RUNS, seed=3)


def legend(ax) -> list[str]:
    return [text.get_text() for text in ax.get_legend().get_texts()]


def rows(ax) -> list[str]:
    return [label.get_text() for label in ax.get_yticklabels()]


def status_bars(ax, row: int = 0) -> list:
    return [p for p in ax.patches if p.get_height() == pytest.approx(STATUS_BAR)
            and p.get_y() + STATUS_BAR / 2 == pytest.approx(row)]


def billed_bands(ax, row: int = 0, *, pool: bool = False) -> list:
    return [p for p in ax.patches if p.get_height() == pytest.approx(BAND) and p.get_y() > row
            and p.get_y() < row + STATUS_BAR and bool(p.get_hatch()) == pool]


# --- the timeline (tjsim plot) ---------------------------------------------------------------------

def test_the_timeline_has_a_bar_per_secondary_status_in_its_colour_where_the_replay_puts_it(drawn, tmp_path):
    result = replay(load(SPOT))
    plots.timeline(result, tmp_path / "t.png")
    (figure,) = drawn.values()
    (ax,) = figure.axes
    d = result.describe()
    history = d["SecondaryStatusTransitions"]
    assert ax.get_xlabel() == "minutes after creation"  # 6,691 s: minutes
    minutes = [((e["StartTime"] - d["CreationTime"]) / 60, (e.get("EndTime", e["StartTime"]) - e["StartTime"]) / 60)
               for e in history]
    bars = status_bars(ax)
    assert len(bars) == len(history) == 13
    assert [to_hex(bar.get_facecolor()) for bar in bars] == [plots.COLOURS[e["Status"]] for e in history]
    assert [bar.get_x() for bar in bars] == pytest.approx([start for start, _ in minutes])
    assert [bar.get_width() for bar in bars[:-1]] == pytest.approx([width for _, width in minutes[:-1]])
    assert 0 < bars[-1].get_width() < 1  # the final, instant status still shows
    # the billed time: a band over each status on instances, and over nothing else
    bands = billed_bands(ax)
    on_instances = [(start, width) for (start, width), e in zip(minutes, history, strict=True)
                    if e["Status"] in ON_INSTANCES]
    assert [band.get_x() for band in bands] == pytest.approx([start for start, _ in on_instances])
    assert [band.get_width() for band in bands] == pytest.approx([width for _, width in on_instances])
    assert {to_hex(band.get_facecolor()) for band in bands} == {"#333333"}
    # a ▼ where each interruption starts; a | for each checkpoint, each during training
    interruptions = [line.get_xdata()[0] for line in ax.lines if line.get_marker() == "v"]
    assert interruptions == pytest.approx([start for (start, _), e in zip(minutes, history, strict=True)
                                           if e["Status"] == "Interrupted"])
    assert len(interruptions) == 2
    training = [(start, start + width) for (start, width), e in zip(minutes, history, strict=True)
                if e["Status"] == "Training"]
    checkpoints = [line.get_xdata()[0] for line in ax.lines if line.get_marker() == "|"]
    assert checkpoints and all(any(a <= x <= b for a, b in training) for x in checkpoints)
    assert rows(ax) == [d["TrainingJobName"]]
    assert ax.get_title(loc="left") == (
        f"{d['TrainingJobName']}: Completed / Completed  ·  training {d['TrainingTimeInSeconds']:,} s, "
        f"billable {d['BillableTimeInSeconds']:,} s")
    assert legend(ax) == ["Starting", "Downloading", "Training", "Interrupted", "Uploading", "Completed",
                          "billed (instances up)", "interruption", "checkpoint"]


def test_the_timeline_has_a_row_per_job_and_the_warm_pool_kept(drawn, tmp_path):
    result = replay(load(WARM))
    plots.timeline(result, tmp_path / "t.png")
    (figure,) = drawn.values()
    (ax,) = figure.axes
    names = [job.plan.name for job in result.jobs]
    assert rows(ax) == names[::-1]  # the first job on top
    for row, name in enumerate(names[::-1]):
        d = result.describe(job=name)
        assert [to_hex(bar.get_facecolor()) for bar in status_bars(ax, row)] == [
            plots.COLOURS[e["Status"]] for e in d["SecondaryStatusTransitions"]]
        (pool,) = billed_bands(ax, row, pool=True)  # the pool's retained time, billed, hatched
        assert pool.get_width() == pytest.approx(d["WarmPoolStatus"]["ResourceRetainedBillableTimeInSeconds"] / 60)
    texts = sorted((text.get_position()[1], text.get_text().strip()) for text in ax.texts)
    assert [text for _, text in texts] == ["warm pool Terminated", "warm pool Reused"]
    assert "billed (warm pool kept)" in legend(ax) and "interruption" not in legend(ax)


def test_the_timeline_of_one_job_of_several(drawn, tmp_path):
    result = replay(load(WARM))
    plots.timeline(result, tmp_path / "t.png", job="llama-lora-exp-2")
    (ax,) = drawn["t.png"].axes
    assert rows(ax) == ["llama-lora-exp-2"]
    assert ax.get_title(loc="left").startswith("llama-lora-exp-2: Completed / Completed")
    assert len(status_bars(ax)) == len(result.describe(job="llama-lora-exp-2")["SecondaryStatusTransitions"])


# --- the what-if plots (tjsim whatif --plots) ------------------------------------------------------

@pytest.mark.parametrize("name, metric, scale, label", [
    ("cost_ecdf.png", "cost", 1 / COST_UNITS_PER_USD, "cost per job (USD)"),
    ("wall_time_ecdf.png", "wall", 1 / 3_600_000, "wall-clock time from creation to end (hours)"),
])
def test_an_ecdf_has_a_step_line_per_variant_and_the_baseline_dashed_with_its_mean(drawn, tmp_path, name, metric,
                                                                                  scale, label):
    study, result = swept(SPOT_STUDY)
    plots.whatif_plots(result, tmp_path)
    (ax,) = drawn[name].axes
    variants = [v.name for v in study.variants]
    baseline = variants[study.baseline]
    mean = getattr(result.stats[study.baseline], metric).mean * scale
    assert legend(ax) == [f"{baseline} (baseline)", f"baseline mean {mean:,.2f}",
                          *[v for i, v in enumerate(variants) if i != study.baseline]]
    steps = [line for line in ax.lines if line.get_drawstyle() == "steps-post"]
    assert [line.get_label() for line in steps] == [f"{baseline} (baseline)", *variants[1:]]
    for line in steps:
        assert list(line.get_ydata()) == pytest.approx([i / 200 for i in range(1, 200)])  # the quantiles
        xs = list(line.get_xdata())
        assert xs == sorted(xs) and xs[0] >= 0
    dashed = [line for line in steps if line.get_linestyle() == "--"]
    assert [line.get_label() for line in dashed] == [f"{baseline} (baseline)"]
    assert to_hex(dashed[0].get_color()) == "#000000"
    (mean_line,) = [line for line in ax.lines if line.get_linestyle() == ":"]
    assert list(mean_line.get_xdata()) == pytest.approx([mean, mean])
    assert ax.get_xlabel() == label
    assert ax.get_ylim() == (0, 1)
    assert ax.get_title(loc="left") == f"{study.source}: {label.split(' (')[0]}, {RUNS} replicates per variant"


def test_the_outcome_mix_stacks_each_variants_endings_to_100_percent(drawn, tmp_path):
    study, result = swept(SPOT_STUDY)
    plots.whatif_plots(result, tmp_path)
    (ax,) = drawn["outcomes.png"].axes
    variants = [v.name for v in study.variants]
    endings = sorted({ending for stats in result.stats for ending in stats.outcomes})
    assert len(endings) > 1  # this study's variants do not all end alike
    assert rows(ax) == variants
    assert legend(ax) == [ending.replace("/", " / ") for ending in endings]
    assert len(ax.patches) == len(endings) * len(variants)  # one segment per ending and variant, some empty
    for row, stats in enumerate(result.stats):
        segments = [p for p in ax.patches if p.get_y() + p.get_height() / 2 == pytest.approx(row)]
        assert sum(p.get_width() for p in segments) == pytest.approx(100)
        assert [p.get_width() for p in segments] == pytest.approx(
            [100 * stats.outcomes.get(ending, 0) / RUNS for ending in endings])
        assert [to_hex(p.get_facecolor()) for p in segments] == [plots.COLOURS[e.split("/")[1]] for e in endings]
    assert ax.get_xlabel() == "share of replicates (%)"
    assert ax.get_xlim() == (0, 100)


def test_the_savings_have_a_bar_per_variant_against_the_baseline(drawn, tmp_path):
    study, result = swept(SPOT_STUDY)
    plots.whatif_plots(result, tmp_path)
    (ax,) = drawn["savings.png"].axes
    others = [(v.name, s.savings) for i, (v, s) in enumerate(zip(study.variants, result.stats, strict=True))
              if i != study.baseline]
    assert rows(ax) == [name for name, _ in others]
    means = [s.mean / COST_UNITS_PER_USD for _, s in others]
    assert [p.get_width() for p in ax.patches] == pytest.approx(means)
    assert [to_hex(p.get_facecolor()) for p in ax.patches] == ["#31a354" if m >= 0 else "#a50f15" for m in means]
    assert ax.get_xlabel() == f"saving per job against {study.variants[study.baseline].name!r} (USD, paired; 95 % CI)"
    assert ax.get_title(loc="left") == f"{study.source}: what each variant saves"


def test_a_study_without_a_grid_draws_no_grid_plot(drawn, tmp_path):
    _, result = swept(SPOT_STUDY)
    written = plots.whatif_plots(result, tmp_path)
    assert sorted(drawn) == sorted(p.name for p in written) == [
        "cost_ecdf.png", "outcomes.png", "savings.png", "wall_time_ecdf.png"]


def test_the_grid_plot_draws_cost_and_time_against_the_grid_parameter(drawn, tmp_path):
    study, result = swept(CHECKPOINTS)
    written = plots.whatif_plots(result, tmp_path)
    assert sorted(p.name for p in written) == sorted(drawn) == [
        "cost_ecdf.png", "grid.png", "outcomes.png", "savings.png", "wall_time_ecdf.png"]
    figure = drawn["grid.png"]
    cost_ax, wall_ax = figure.axes
    assert figure.get_suptitle() == (f"{study.source}: mean and 95 % CI against checkpoint.interval, {RUNS} "
                                     "replicates per point")
    intervals = [120, 300, 600, 900, 1800, 3600, 7200]
    grid = [s for v, s in zip(study.variants, result.stats, strict=True) if v.from_grid]
    baseline = result.stats[study.baseline]
    for ax, metric, scale, ylabel in ((cost_ax, "cost", 1 / COST_UNITS_PER_USD, "mean cost per job (USD)"),
                                      (wall_ax, "wall", 1 / 3_600_000, "mean wall-clock time (hours)")):
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("checkpoint.interval (seconds)", ylabel)
        assert ax.get_xscale() == "log"  # 120 s to 2 h
        means, reference = ax.lines  # a line through the grid's means, the baseline's mean across
        assert list(means.get_xdata()) == intervals
        assert list(means.get_ydata()) == pytest.approx([getattr(s, metric).mean * scale for s in grid])
        assert means.get_marker() == "o"
        assert len(ax.collections) == 1  # the 95 % band around the line
        assert reference.get_linestyle() == "--"
        assert list(reference.get_ydata()) == pytest.approx([getattr(baseline, metric).mean * scale] * 2)
        assert legend(ax) == ["on-demand (baseline)"]
