"""simulator/whatif/decide.py: the best decision under each setting of the assumptions, across them,
and where the choice stops paying."""

from __future__ import annotations

import pytest

from simulator.whatif.decide import _break_even, world_index
from simulator.whatif.sweep import sweep

from .test_whatif_sweep import SPOT_JOB, TIMING, study_of

DECISIONS = {"baseline": "on-demand", "variants": [
    {"name": "on-demand", "job": {"EnableManagedSpotTraining": False,
                                  "StoppingCondition": {"MaxWaitTimeInSeconds": None}}},
    {"name": "spot, no checkpoints", "job": {"CheckpointConfig": None}},
    {"name": "spot, checkpoints"}]}


@pytest.fixture(scope="module")
def markets(tmp_path_factory):
    study = study_of(tmp_path_factory.mktemp("decide"), {
        **DECISIONS, "assumptions": {"spot.interruptions_per_instance_hour": [0.05, 1.0, 6.0],
                                     "spot.price_ratio": [0.3, 0.6]}},
        job=SPOT_JOB, checkpoint={"interval": 300, "write": 15}, timing={**TIMING, "training": 7200})
    return study, sweep(study, runs=300, seed=4).to_json()


def test_each_setting_of_the_assumptions_gets_the_decision_cheapest_there(markets):
    study, data = markets
    per = data["recommendation"]["per_assumption"]
    assert [p["assumptions"] for p in per] == list(study.worlds)
    for w, pick in enumerate(per):
        cells = data["variants"][3 * w:3 * w + 3]
        best = min(cells, key=lambda v: v["cost_per_completed_job_usd"])
        assert pick["decision"] == best["name"] in study.decisions  # a decision, never an assumption


def test_the_decision_across_assumptions_has_the_best_worst_case(markets):
    study, data = markets
    across = data["recommendation"]["across_assumptions"]
    worst = {d: max(v["cost_per_completed_job_usd"] for v in data["variants"] if v["name"] == d)
             for d in study.decisions}
    assert across["decision"] == min(worst, key=worst.get)
    assert across["worst_case"]["cost_per_completed_job_usd"] == worst[across["decision"]]
    assert across["decision"] == "spot, checkpoints"


def test_the_sensitivity_moves_one_assumption_with_the_others_at_their_middle(markets):
    study, data = markets
    rate, ratio = data["sensitivity"]
    assert rate["assumption"] == "spot.interruptions_per_instance_hour" and rate["values"] == [0.05, 1.0, 6.0]
    assert ratio["values"] == [0.3, 0.6] and rate["decision"] == ratio["decision"] == "spot, checkpoints"
    # the others held at their middle value: the price ratio at 0.6 (index 1 of 2)
    for k, saved in enumerate(rate["savings_usd"]):
        cell = data["variants"][3 * world_index(study, [k, 1]) + 2]
        assert cell["savings_vs_baseline"]["usd"]["mean"] == saved
    assert rate["savings_usd"] == sorted(rate["savings_usd"], reverse=True)  # a busier market saves less
    # every decision's saving per completed job, along the same line of settings
    for k, saved in enumerate(rate["by_decision"]["spot, no checkpoints"]["savings_percent"]):
        row = data["variants"][3 * world_index(study, [k, 1]):3 * world_index(study, [k, 1]) + 3]
        base, ours = row[0]["cost_per_completed_job_usd"], row[1]["cost_per_completed_job_usd"]
        assert saved == round(100 * (base - ours) / base, 2)


def test_where_spot_stops_paying(tmp_path):
    study = study_of(tmp_path, {**DECISIONS, "assumptions": {"spot.interruptions_per_instance_hour": [0.1, 3.0, 8.0]}},
                     job=SPOT_JOB, spot={"price_ratio": 0.7}, checkpoint={"interval": 1800, "write": 60},
                     timing={**TIMING, "training": 7200})
    data = sweep(study, runs=200, seed=4).to_json()
    row = data["sensitivity"][0]
    for name, moved in row["by_decision"].items():  # per completed job, against on-demand's
        saved = moved["savings_percent"]
        assert saved[0] > 0 > (-100 if saved[-1] is None else saved[-1]), name  # None: none completed
        assert row["values"][0] < moved["break_even"] < row["values"][-1]
    assert row["break_even"] == row["by_decision"][row["decision"]]["break_even"]
    assert row["best"][0] != "on-demand" and row["best"][-1] == "on-demand"
    (switch, *_) = row["switches"]
    assert switch["to"] == "on-demand" and switch["at"] is not None


def test_where_the_best_decision_changes(tmp_path):
    from simulator.whatif.spec import load_study

    from .conftest import ROOT

    data = sweep(load_study(ROOT / "scenarios" / "whatif-g5-vs-g4dn.yaml"), runs=200, seed=9).to_json()
    speed = next(r for r in data["sensitivity"] if r["assumption"] == "speed.ml.g4dn.xlarge")
    assert speed["best"] == ["g5 spot", "g5 spot", "g4dn spot"]
    (switch,) = speed["switches"]
    assert (switch["from"], switch["to"], switch["between"]) == ("g5 spot", "g4dn spot", [0.45, 0.6])
    assert 0.45 < switch["at"] < 0.6


def test_a_cap_on_kills_rules_a_decision_out(tmp_path):
    tight = {"name": "spot, MaxWait 2:10", "job": {"StoppingCondition": {"MaxRuntimeInSeconds": 7800,
                                                                         "MaxWaitTimeInSeconds": 7800}}}
    whatif = {**DECISIONS, "variants": [*DECISIONS["variants"], tight], "max_kill_share": 0.01}
    study = study_of(tmp_path, whatif, job=SPOT_JOB, spot={"interruptions_per_instance_hour": 1.0, "price_ratio": 0.2},
                     checkpoint={"interval": 300, "write": 0}, timing={**TIMING, "training": 7200})
    data = sweep(study, runs=200, seed=4).to_json()
    assert data["variants"][3]["kill_share"] > 0.01
    assert data["recommendation"]["per_assumption"][0]["decision"] != "spot, MaxWait 2:10"


@pytest.mark.parametrize("values, savings, expected", [
    ([1, 2, 3], [3.0, 1.0, -1.0], 2.5), ([1, 2], [1.0, 2.0], None), ([3, 1, 2], [-1.0, 3.0, 1.0], 2.5),
    (["a", "b"], [1.0, -1.0], None), ([1, 2], [0.0, -1.0], 1),
])
def test_break_even_is_linear_between_the_values_around_zero(values, savings, expected):
    assert _break_even(values, savings) == expected
