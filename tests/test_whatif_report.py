"""simulator/whatif/report.py: the what-if table on a terminal and into a file."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from simulator.whatif import report
from simulator.whatif.spec import load_study
from simulator.whatif.sweep import sweep

from .conftest import ROOT


@pytest.fixture(scope="module")
def result():
    return sweep(load_study(ROOT / "scenarios" / "whatif-spot-vs-on-demand.yaml"), runs=40, seed=7)


@pytest.mark.parametrize("width", [80, 100, 160])
def test_every_figure_is_whole_on_a_terminal_of_80_columns_and_more(result, width):
    out = io.StringIO()
    report.show(result, Console(file=out, width=width, force_terminal=True, color_system=None))
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= width
    text = out.getvalue()
    for variant in result.to_json()["variants"]:
        assert f"${variant['cost_usd']['mean']:.2f}" in text and f"${variant['cost_usd']['p95']:.2f}" in text
    assert "…" not in text
    rows = [line.rstrip() for line in lines if re.search(r"\$\d+\.\d\d ±", line)]  # a variant's figures
    # nothing cropped on the right: a row with a left rule has its right one, a row without ends in its saving
    assert len(rows) == len(result.study.variants)
    assert all(row.endswith("│") if row.startswith("│") else re.search(r"(%\)|baseline|\$[\d.]+)$", row)
               for row in rows)


def test_into_a_file_or_a_pipe_the_table_is_never_cut(tmp_path):
    import yaml

    data = yaml.safe_load((ROOT / "scenarios" / "whatif-spot-vs-on-demand.yaml").read_text())
    data["whatif"] = {"baseline": "on-demand", "variants": data["whatif"]["variants"][:1], "grid": {
        "job.StoppingCondition.MaxWaitTimeInSeconds": [30000, 40000], "checkpoint.interval": [300, 600]},
        "assumptions": {"spot.interruptions_per_instance_hour": [0.333333, 0.666666]}}
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = sweep(load_study(path), runs=10, seed=7)
    out = io.StringIO()
    report.show(result, Console(file=out))
    text = out.getvalue()
    assert "┃ variant" in text and "…" not in text  # the full table, rules and all, nothing cut
    for name in ("MaxWaitTimeInSeconds=30000, interval=300", "MaxWaitTimeInSeconds=40000, interval=600"):
        assert text.count(f"│ {name} ") == 2  # whole, once under each setting of the assumptions
    assert "under spot.interruptions_per_instance_hour=0.666666:" in text


def test_a_share_is_never_rounded_to_zero_or_to_all_when_it_is_not():
    from simulator.whatif.report import _percent

    assert [_percent(n, 20_000) for n in (0, 1, 1000, 19_999, 20_000)] == ["0.0%", "<0.1%", "5.0%", ">99.9%", "100.0%"]


def test_a_grid_of_booleans_is_written_as_the_file_writes_it(tmp_path):
    import yaml

    data = yaml.safe_load((ROOT / "scenarios" / "whatif-spot-vs-on-demand.yaml").read_text())
    data["whatif"] = {"grid": {"job.EnableNetworkIsolation": [True, False]},
                      "baseline": "job.EnableNetworkIsolation=false"}
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(data))
    study = load_study(path)
    result = sweep(study, runs=4, seed=7)
    data = result.to_json()
    out = io.StringIO()
    Console(file=out, width=160).print(report.table(result, data))
    assert "variant / EnableNetworkIsolation" in out.getvalue()  # the grid's one path, named once
    assert "│ true " in out.getvalue() and "True" not in out.getvalue()
    assert [v["name"] for v in data["variants"]] == ["job.EnableNetworkIsolation=true",
                                                     "job.EnableNetworkIsolation=false"]


def test_the_verdict_says_when_no_decision_qualifies_in_every_setting(tmp_path):
    import yaml

    data = yaml.safe_load((ROOT / "scenarios" / "whatif-spot-vs-on-demand.yaml").read_text())
    data["whatif"] = {"baseline": "spot, MaxWait 5 h", "max_kill_share": 0.01, "variants": [
        {"name": "spot, MaxWait 5 h", "job": {"StoppingCondition": {"MaxRuntimeInSeconds": 18000,
                                                                    "MaxWaitTimeInSeconds": 18000}}}],
        "assumptions": {"spot.interruptions_per_instance_hour": [0.01, 1.0]}}
    path = tmp_path / "tight.yaml"
    path.write_text(yaml.safe_dump(data))
    result = sweep(load_study(path), runs=50, seed=7)
    lines = report.verdict(result, result.to_json())
    assert "no decision qualifies in every setting of the assumptions as the lowest cost per completed job (all " \
           "replicates' cost over those that completed) among those killing at most 1 %" in lines
