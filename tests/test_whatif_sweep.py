"""Sweeps: exact and reproducible however they run, priced right, paired, and statistically sane."""

from __future__ import annotations

import copy
import json

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.whatif.spec import COST_UNITS_PER_USD, load_study
from simulator.whatif.stats import Summary
from simulator.whatif.sweep import run_chunk, sweep

from .conftest import ROOT
from .factories import JOB, TIMING

SPOT = ROOT / "scenarios" / "whatif-spot-vs-on-demand.yaml"


def study_of(tmp_path, whatif, job=None, **sections):
    data = {"seed": 1, "job": copy.deepcopy(JOB), "timing": dict(TIMING), **sections, "whatif": whatif}
    data["job"].update(job or {})
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_study(path)


SPOT_JOB = {"EnableManagedSpotTraining": True, "CheckpointConfig": {"S3Uri": "s3://b/c/"},
            "StoppingCondition": {"MaxRuntimeInSeconds": 86400, "MaxWaitTimeInSeconds": 172800}}


@pytest.mark.slow
def test_the_same_seed_gives_the_same_json_for_any_workers_and_chunks():
    study = load_study(SPOT)
    one = json.dumps(sweep(study, runs=120, seed=5).to_json())
    assert json.dumps(sweep(study, runs=120, seed=5, chunk=7).to_json()) == one
    assert json.dumps(sweep(study, runs=120, seed=5, workers=2, chunk=40).to_json()) == one
    assert json.dumps(sweep(study, runs=120, seed=6).to_json()) != one


@pytest.mark.slow
def test_the_same_json_on_a_dask_cluster():
    distributed = pytest.importorskip("distributed")
    study = load_study(SPOT)
    local = json.dumps(sweep(study, runs=60, seed=5).to_json())
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        assert json.dumps(sweep(study, runs=60, seed=5, dask=client, chunk=13).to_json()) == local
        held = []  # results held on the cluster while the sweep runs: bounded, not one per chunk
        sweep(study, runs=200, seed=5, dask=client, chunk=5, progress=lambda _: held.append(len(client.who_has())))
        assert len(held) == 40 and max(held) <= 4 * 2 + 2


def test_cost_is_billable_seconds_times_instances_times_price(tmp_path):
    two = {**JOB["ResourceConfig"], "InstanceCount": 2}
    study = study_of(tmp_path, {"baseline": "a", "variants": [{"name": "a"}]}, job={"ResourceConfig": two})
    data = sweep(study, runs=3, seed=1).to_json()["variants"][0]
    # the unit job: 1040 billable seconds, 2 × ml.g5.xlarge at $1.408/h
    assert data["billable_seconds"]["mean"] == 1040
    assert data["cost_usd"]["mean"] == round(1040 * 2 * 1.408 / 3600, 4) == data["cost_usd"]["p50"]
    assert data["wall_seconds"]["mean"] == 1140
    assert data["outcomes"] == {"Completed/Completed": 3}


def test_with_no_interruptions_spot_saves_one_minus_the_price_ratio(tmp_path):
    study = study_of(tmp_path, {"baseline": "on-demand", "variants": [
        {"name": "on-demand", "job": {"EnableManagedSpotTraining": False,
                                      "StoppingCondition": {"MaxWaitTimeInSeconds": None}}},
        {"name": "spot"}]}, job=SPOT_JOB, spot={"price_ratio": 0.3})
    spot = sweep(study, runs=5, seed=1).to_json()["variants"][1]
    assert spot["savings_vs_baseline"]["percent"] == pytest.approx(70, abs=0.1)


def test_savings_are_paired_a_setting_that_cannot_matter_saves_exactly_nothing(tmp_path):
    study = study_of(tmp_path, {"baseline": "constant", "variants": [
        {"name": "constant"}, {"name": "tagged", "job": {"Tags": [{"Key": "team", "Value": "vision"}]}}]},
        job=SPOT_JOB, spot={"interruptions_per_instance_hour": 2.0},
        timing={**TIMING, "capacity_wait": {"exponential": 300}})
    stats = sweep(study, runs=200, seed=3).stats
    assert stats[1].savings.total == stats[1].savings.squares == 0  # identical replicate by replicate
    assert stats[0].cost.total == stats[1].cost.total
    assert stats[1].cost.n == 200 and stats[1].cost.low < stats[1].cost.high  # and not trivially so


def test_more_interruptions_never_lower_the_mean_wall_time(tmp_path):
    rates = [0.0, 0.3, 1.0, 3.0]
    study = study_of(tmp_path, {"baseline": "spot", "variants": [{"name": "spot"}],
                                "assumptions": {"spot.interruptions_per_instance_hour": rates}},
                     job=SPOT_JOB, timing={**TIMING, "training": 3000})
    means = [s.wall.mean for s in sweep(study, runs=300, seed=2).stats]
    assert means == sorted(means) and means[0] < means[-1]


def test_free_checkpoints_never_raise_billable_time_under_the_same_interruptions(tmp_path):
    study = study_of(tmp_path, {"baseline": "no checkpoints", "variants": [
        {"name": "no checkpoints", "job": {"CheckpointConfig": None}}, {"name": "checkpoints"}]},
        job=SPOT_JOB, spot={"interruptions_per_instance_hour": 1.5}, checkpoint={"interval": 120},
        timing={**TIMING, "training": 3000})
    checkpoints = sweep(study, runs=300, seed=4).stats[1]
    assert checkpoints.savings.low >= 0  # replicate by replicate, never costlier
    assert checkpoints.savings.mean > 0


def test_a_chunk_is_the_sum_of_its_replicates():
    study = load_study(SPOT)
    whole = run_chunk(study, 9, 0, 10)
    halves = [run_chunk(study, 9, 0, 4), run_chunk(study, 9, 4, 10)]
    for variant in range(len(study.variants)):
        merged = halves[0][variant]
        merged.merge(halves[1][variant])
        assert (merged.cost.total, merged.cost.squares, merged.outcomes) == (
            whole[variant].cost.total, whole[variant].cost.squares, whole[variant].outcomes)
        assert merged.cost.quantile(0.5) == whole[variant].cost.quantile(0.5)


def test_summary_statistics():
    s = Summary()
    for v in (10, 20, 30, 40):
        s.add(v)
    assert s.mean == 25
    low, high = s.ci95()
    assert high - 25 == pytest.approx(25 - low) == pytest.approx(1.959963984540054 * (500 / 3) ** 0.5 / 2)
    assert 19.8 <= s.quantile(0.5) <= 30.2 and s.quantile(1.0) == 40 and s.quantile(0.0) == 10
    assert s.report(0.1, 2)["mean"] == 2.5
    assert Summary().report() is None


def test_json_units():
    result = sweep(load_study(SPOT), runs=20, seed=1).to_json()
    assert set(result) == {"tool", "version", "scenario", "scenario_sha256", "seed", "runs", "baseline", "grid",
                           "assumptions", "quantiles", "transitions", "variants", "recommendation", "sensitivity"}
    variant = result["variants"][1]
    assert set(variant["cost_usd"]) == {"n", "mean", "p50", "p90", "p95", "p99", "ci95"}
    assert variant["assumptions"] == {"spot.interruptions_per_instance_hour": 0.1}
    assert variant["savings_vs_baseline"]["usd"]["mean"] > 0
    assert COST_UNITS_PER_USD == 3_600_000_000


def _spot_study(tmp_path, **whatif):
    return study_of(tmp_path, {"baseline": "on-demand", "variants": [
        {"name": "on-demand", "job": {"EnableManagedSpotTraining": False,
                                      "StoppingCondition": {"MaxWaitTimeInSeconds": None}}},
        {"name": "spot"}], **whatif}, job=SPOT_JOB, spot={"interruptions_per_instance_hour": 1.5},
        checkpoint={"interval": 300, "write": 10},
        timing={**TIMING, "training": {"uniform": [3000, 6000]}, "capacity_wait": {"exponential": 600}})


@pytest.mark.parametrize("limit, field, ending", [
    ("MaxWaitTimeInSeconds", "max_wait", "MaxWaitTimeExceeded"),
    ("MaxRuntimeInSeconds", "max_runtime", "MaxRuntimeExceeded"),
])
def test_the_solved_limit_kills_at_most_the_share_asked_and_a_lower_one_kills_more(tmp_path, limit, field, ending):
    import dataclasses
    import math

    from simulator import simulate

    study = _spot_study(tmp_path)
    runs, share = 400, 0.05
    solved = sweep(study, runs=runs, seed=8, solve=limit, kill_share=share).to_json()["variants"][1]["solved"]
    low, high = solved["ci95"]
    assert low <= solved["seconds"] <= high
    plan = study.variants[1].plan

    def killed(seconds):
        changed = dataclasses.replace(plan, **{field: seconds})
        if field == "max_wait":
            changed = dataclasses.replace(changed, max_runtime=min(plan.max_runtime, seconds))
        return sum(simulate(changed, seed=8, replicate=r).secondary in (ending, "MaxRuntimeExceeded")
                   for r in range(runs))

    allowed = math.floor(share * runs)
    # the limit as shown keeps to the share; it is at most 0.1 % (the sketch's accuracy) above the exact
    # smallest, so 0.25 % below it already stops more
    assert killed(solved["seconds"]) <= allowed < killed(math.floor(solved["seconds"] * 0.9975))


def test_a_solved_limit_beyond_the_one_the_sweep_ran_with_is_not_guessed(tmp_path):
    study = _spot_study(tmp_path)
    data = sweep(study, runs=200, seed=8, solve="MaxWaitTimeInSeconds", kill_share=0.0).to_json()
    assert data["variants"][0]["solved"] == {"seconds": None, "why": "MaxWaitTimeInSeconds is for managed spot jobs "
                                                                     "only"}
    solved = data["variants"][1]["solved"]
    assert solved["seconds"] is not None and solved["seconds"] <= 172800  # the worst replicate's need, all seen
    tight = {**SPOT_JOB, "StoppingCondition": {"MaxRuntimeInSeconds": 6000, "MaxWaitTimeInSeconds": 6000}}
    study = study_of(tmp_path, {"baseline": "spot", "variants": [{"name": "spot"}]}, job=tight,
                     spot={"interruptions_per_instance_hour": 3.0}, timing={**TIMING, "training": 3000})
    data = sweep(study, runs=200, seed=8, solve="MaxWaitTimeInSeconds").to_json()["variants"][0]
    assert data["ended_by"]["MaxWaitTimeExceeded"] > 0.05
    assert data["solved"] == {"seconds": None, "at_least": 6000, "why": "at least the scenario's MaxWaitTimeInSeconds "
                                                                        "(6000 s): raise it in the scenario to find "
                                                                        "how far above"}
    tight["StoppingCondition"] = {"MaxRuntimeInSeconds": 3500, "MaxWaitTimeInSeconds": 60000}
    study = study_of(tmp_path, {"baseline": "spot", "variants": [{"name": "spot"}]}, job=tight,
                     spot={"interruptions_per_instance_hour": 3.0}, timing={**TIMING, "training": 3000})
    solved = sweep(study, runs=200, seed=8, solve="MaxWaitTimeInSeconds").to_json()["variants"][0]["solved"]
    assert solved == {"seconds": None, "why": "more than 5 % are stopped whatever the MaxWaitTimeInSeconds: the "
                                              "other limit stops them"}


def test_risk_figures_per_variant(tmp_path):
    data = sweep(_spot_study(tmp_path), runs=300, seed=2, quantiles=(0.5, 0.99)).to_json()
    spot = data["variants"][1]
    assert data["quantiles"] == [0.5, 0.99] and set(spot["wall_seconds"]) == {"n", "mean", "p50", "p99", "ci95"}
    assert spot["cost_usd"]["p50"] <= spot["cost_usd"]["p99"]
    assert sum(spot["ended_by"].values()) == pytest.approx(1)
    per_job = spot["interruptions_per_job"]
    assert 0 < per_job["mean"] <= per_job["p95"]
    # 1.5 per instance-hour over about 1.3 h of instance time a job
    assert 1.0 < per_job["mean"] < 3.0
    on_demand = data["variants"][0]
    assert on_demand["interruptions_per_job"] == {"mean": 0.0, "p95": 0}
    assert on_demand["checkpoint_write_seconds_mean"] > 0  # the baseline keeps CheckpointConfig: it pays the writes


def test_an_uncertain_rate_is_drawn_per_replicate_and_widens_the_spread(tmp_path):
    fixed = _spot_study(tmp_path, assumptions={"spot.interruptions_per_instance_hour": [1.0, {"uniform": [0.0, 2.0]}]})
    stats = sweep(fixed, runs=1500, seed=3).stats
    known, uncertain = stats[1].interruptions, stats[3].interruptions

    def variance(counts):
        mean = counts.mean
        return sum(v * (k - mean) ** 2 for k, v in counts.items()) / counts.n

    assert known.mean == pytest.approx(uncertain.mean, rel=0.15)  # the same mean rate
    assert variance(uncertain) > 1.2 * variance(known)  # and more spread than Poisson noise alone


def test_a_solved_limit_keeps_to_the_share_even_when_the_needs_crowd_within_the_sketchs_accuracy():
    from simulator.whatif.stats import Needed

    needed = Needed()
    for k in range(2000):  # needs 40-100 s apart near 3-8 hours: 0.1 % is 11-29 s
        needed.values.add(10_800_000 + k * 9_000)
    value, (low, high) = needed.smallest(0.05)
    exact = sorted(10_800_000 + k * 9_000 for k in range(2000))[1900 - 1]  # the 1,900th need of 2,000
    assert exact <= value <= exact * 1.001 + 1
    assert sum(v > value for v in range(10_800_000, 10_800_000 + 2000 * 9_000, 9_000)) <= 100
    assert low < value < high
    assert needed.smallest(0.0)[0] == needed.values.high  # no share to stop: the largest need, exactly
    few = Needed()
    for k in range(50):
        few.values.add(1000 + k)
    assert few.smallest(0.01)[1][1] is None  # 1 % of 50 runs: the interval's top lies beyond what was seen


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=-10**12, max_value=10**12), min_size=1, max_size=3000))
def test_a_summary_sketches_what_adding_one_by_one_does(values):
    """Values wait counted before they reach the sketch: its quantiles are those of adding each."""
    from ddsketch import DDSketch

    from simulator.whatif.stats import RELATIVE_ACCURACY

    summary = Summary()
    for value in values:
        summary.add(value % 7 if value % 3 == 0 else value)  # repeats, as costs of on-demand jobs repeat
    again = DDSketch(relative_accuracy=RELATIVE_ACCURACY)
    for value in values:
        again.add(value % 7 if value % 3 == 0 else value)
    for q in (0.01, 0.25, 0.5, 0.9, 0.99):
        assert summary.sketch.get_quantile_value(q) == again.get_quantile_value(q)
    assert summary.sketch.count == again.count


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=-10**12, max_value=10**12), max_size=2500), st.integers(0, 2500))
def test_moments_are_a_summarys_without_its_sketch_and_merge_exactly(values, cut):
    """A paired saving keeps only its moments: the same figures a Summary gives, however the values are split."""
    from simulator.whatif.stats import Moments

    whole, summary, first, second = Moments(), Summary(), Moments(), Moments()
    for i, value in enumerate(values):
        whole.add(value)
        summary.add(value)
        (first if i < cut else second).add(value)
    first.merge(second)
    for moments in (whole, first):
        assert (moments.n, moments.total, moments.squares, moments.low, moments.high) == (
            summary.n, summary.total, summary.squares, summary.low, summary.high)
        assert moments.ci95() == summary.ci95() and moments.mean == summary.mean
    report = summary.report(0.5, 2)
    assert whole.report(0.5, 2) == (report and {k: report[k] for k in ("n", "mean", "ci95")})
