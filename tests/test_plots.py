"""simulator/plots.py: what each picture draws, read off its matplotlib figure (the bars, lines and
markers, their colours, labels, titles and legend), not off the PNG file. That a PNG is written:
test_cli_plot.py and test_cli_whatif.py."""

from __future__ import annotations

import pytest
from matplotlib.colors import to_hex

from simulator import load, plots, replay

from .conftest import ROOT
from .plot_helpers import legend, rows

SPOT = ROOT / "scenarios" / "spot-interrupted.yaml"
WARM = ROOT / "scenarios" / "warm-pool-reuse.yaml"
ON_INSTANCES = ("Downloading", "Training", "Uploading")  # the statuses billed while they last
STATUS_BAR, BAND = 0.5, 0.1  # the heights of a status's bar and of a billed band above it


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
