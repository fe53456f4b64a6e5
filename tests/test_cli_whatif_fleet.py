"""``tjsim whatif`` on a fleet file (simulator/cli/whatif.py, simulator/fleet/whatif/): the tables a
team lead reads, the JSON, the plots, and the input it refuses, one line each."""

from __future__ import annotations

import json

import pytest

from .cli_helpers import run
from .conftest import ROOT
from .fleet_helpers import fleet_file, history, request, steady

PNG = b"\x89PNG\r\n\x1a\n"
EXAMPLE = ROOT / "scenarios" / "history" / "whatif-fleet.yaml"
SPOT = {"EnableManagedSpotTraining": True, "StoppingCondition": {"MaxWaitTimeInSeconds": 172800}}


@pytest.fixture
def fleet(tmp_path):
    history(tmp_path / "history.jsonl", [
        (0, request("a"), steady(3600)), (300, request("b", **SPOT), steady(1800, seed=2)),
        (900, request("c", ResourceConfig={"InstanceType": "ml.m5.xlarge"}), steady(600))])
    return fleet_file(tmp_path, whatif={"baseline": "on-demand", "variants": [
        {"name": "as run"},
        {"name": "on-demand", "job": {"EnableManagedSpotTraining": False,
                                      "StoppingCondition": {"MaxWaitTimeInSeconds": None}}},
        {"name": "spot", "job": SPOT}]})


def test_the_table_shows_each_decision_against_the_history(fleet):
    result = run("whatif", str(fleet), "--runs", "5")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "fleet.yaml: 3 jobs, 5 replicates, seed 5; the history cost $" in out
    for text in ("as run", "on-demand", "spot", "vs history", "vs 'on-demand'", "baseline", "by instance type",
                 "the jobs that save most", "recommended:"):
        assert text in out, text


def test_the_json_is_the_same_on_any_worker_count(fleet):
    one = run("whatif", str(fleet), "--runs", "6", "--json")
    two = run("whatif", str(fleet), "--runs", "6", "--json", "--workers", "2", "--chunk-size", "1")
    assert one.returncode == 0 and one.stdout == two.stdout
    data = json.loads(one.stdout)
    assert (data["jobs"], data["runs"], data["baseline"]) == (3, 6, "on-demand")
    assert {v["name"] for v in data["variants"]} == {"as run", "on-demand", "spot"}
    assert data["recommendation"]["per_assumption"][0]["decision"] == "spot"


@pytest.mark.slow  # the shipped example, its plots drawn
def test_the_shipped_example_and_its_plots(tmp_path):
    result = run("whatif", str(EXAMPLE), "--runs", "3", "--plots", str(tmp_path))
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in tmp_path.glob("*.png"))
    assert written == ["fleet_cost.png", "savings_by_type.png", "sensitivity.png"]
    assert all((tmp_path / name).read_bytes()[:8] == PNG for name in written)
    assert "300 jobs" in result.stdout and "breaks even with 'all on-demand'" in result.stdout


@pytest.mark.parametrize("args, expected", [
    (["--solve", "MaxWaitTimeInSeconds"], "--solve: finds one job's limit"),
    (["--calibration", "nope.yaml"], "nope.yaml: no such file"),
])
def test_options_a_fleet_refuses(fleet, args, expected):
    result = run("whatif", str(fleet), *args)
    assert result.returncode == 2 and expected in result.stderr


def test_a_refused_job_is_one_line_naming_it(fleet):
    fleet.write_text(fleet.read_text().replace("172800", "600"))
    result = run("whatif", str(fleet), "--runs", "2")
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "whatif.variants[2] (spot): every job (3), e.g. a (" in line and "MaxWaitTimeInSeconds" in line


def test_validate_reads_a_fleet_file_whole(fleet):
    assert run("validate", str(fleet)).stdout.strip().endswith("fleet.yaml: ok")
    fleet.write_text(fleet.read_text().replace("172800", "600"))
    result = run("validate", str(fleet))
    assert result.returncode == 2 and "whatif.variants[2] (spot): every job (3)" in result.stderr
