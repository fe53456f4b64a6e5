"""``tjsim whatif`` from the command line (simulator/cli/whatif.py): the table, the JSON, the plots it
writes and the input it refuses. What the plots draw: test_plots.py."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from simulator.cli import main

from .cli_helpers import GOOD, run
from .conftest import ROOT

PNG = b"\x89PNG\r\n\x1a\n"  #: the signature every PNG file starts with
CHECKPOINTS = ROOT / "scenarios" / "whatif-checkpoint-interval.yaml"
SPOT_STUDY = ROOT / "scenarios" / "whatif-spot-vs-on-demand.yaml"


def test_whatif_table_and_json():
    result = CliRunner().invoke(main, ["whatif", str(SPOT_STUDY), "--runs", "30", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "on-demand" in result.output and "baseline" in result.output
    assert "recommended across the assumptions: spot, checkpoint every 10 min" in result.output
    data = json.loads(CliRunner().invoke(main, ["whatif", str(SPOT_STUDY), "--runs", "30", "--seed", "7",
                                                "--json"]).output)
    assert (data["seed"], data["runs"], data["baseline"]) == (7, 30, "on-demand")
    assert len(data["variants"]) == 4 * 3 and data["transitions"] > 0


@pytest.mark.slow  # five PNGs rendered
def test_whatif_plots_are_written_as_png(tmp_path):
    result = CliRunner().invoke(main, ["whatif", str(CHECKPOINTS), "--runs", "20", "--plots", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in tmp_path.glob("*.png"))
    assert written == ["cost_ecdf.png", "grid.png", "outcomes.png", "savings.png", "wall_time_ecdf.png"]
    assert all((tmp_path / name).read_bytes()[:8] == PNG for name in written)


@pytest.mark.parametrize("args, expected", [
    (["whatif", str(GOOD)], "whatif: required for a what-if run"),
    (["whatif", str(SPOT_STUDY), "--runs", "0"], "Invalid value for '--runs'"),
    (["whatif", str(SPOT_STUDY), "--runs", "2", "--dask", "udp://127.0.0.1:9"], "cannot reach the Dask scheduler"),
    (["whatif", "scenarios/nope.yaml"], "scenarios/nope.yaml: no such file"),
    (["whatif", str(SPOT_STUDY), "--workers", "2", "--dask", "tcp://127.0.0.1:9"], "--workers: processes on this "
                                                                                    "machine; with --dask"),
    (["whatif", str(SPOT_STUDY), "--quantiles", "50,101"], "expected percentiles between 0 and 100"),
    (["whatif", str(SPOT_STUDY), "--quantiles", "median"], "expected percentiles between 0 and 100"),
    (["whatif", str(SPOT_STUDY), "--kill-share", "0.1"], "--kill-share: the share a solved limit may stop; give "
                                                          "--solve too"),
    (["whatif", str(SPOT_STUDY), "--solve", "MaxPendingTimeInSeconds"], "Invalid value for '--solve'"),
])
def test_bad_whatif_input_is_one_line_exit_2(args, expected):
    result = run(*args)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 or "Usage" in result.stderr, result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr


def test_the_solved_limit_and_the_asked_quantiles_reach_the_table_and_the_json():
    args = ["whatif", str(SPOT_STUDY), "--runs", "40", "--solve", "MaxWaitTimeInSeconds", "--kill-share", "0.1",
            "--quantiles", "50,99.9"]
    table = run(*args)
    assert table.returncode == 0 and "MaxWait for ≤10% killed (CI)" in table.stdout and "cost p99.9" in table.stdout
    data = json.loads(run(*args, "--json").stdout)
    assert data["solve"] == {"limit": "MaxWaitTimeInSeconds", "kill_share": 0.1} and data["quantiles"] == [0.5, 0.999]
    spot = data["variants"][1]
    assert spot["solved"]["seconds"] > 0 and set(spot["cost_usd"]) == {"n", "mean", "p50", "p99.9", "ci95"}
