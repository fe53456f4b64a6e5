"""A fleet what-if (simulator/fleet/whatif/): each historical job rebuilt and replayed under each
variant, its cost against what the history cost, the same bytes however it is run."""

from __future__ import annotations

import json

import pytest

from simulator.errors import ScenarioError
from simulator.fleet.jobs import fleet_job
from simulator.fleet.records import Reader
from simulator.fleet.whatif.result import FleetResult
from simulator.fleet.whatif.spec import load_fleet
from simulator.fleet.whatif.sweep import sweep
from simulator.whatif.spec import COST_UNITS_PER_USD

from .fleet_helpers import fleet_file, history, request, steady

SPOT = {"EnableManagedSpotTraining": True, "StoppingCondition": {"MaxWaitTimeInSeconds": 172800}}


def _result(path, runs=6, seed=1, **kwargs):
    study = load_fleet(path)
    return FleetResult(study, seed, runs, tuple(sweep(study, runs=runs, seed=seed, **kwargs)))


@pytest.fixture
def mixed(tmp_path):
    """Three on-demand jobs, two spot ones (one with checkpoints), an ml.m5 one."""
    history(tmp_path / "history.jsonl", [
        (0, request("od-1"), steady(3600)),
        (600, request("od-2"), steady(7200)),
        (900, request("spot-1", **SPOT), steady(5400, spot={"interruptions_per_instance_hour": 1}, seed=3)),
        (1200, request("spot-2", **SPOT, CheckpointConfig={"S3Uri": "s3://acme/ck/"}),
         steady(5400, spot={"interruptions_per_instance_hour": 1}, seed=5, checkpoint={"interval": 600})),
        (1500, request("cpu", ResourceConfig={"InstanceType": "ml.m5.xlarge"}), steady(1800)),
    ])
    return tmp_path


def test_a_steady_on_demand_history_replays_to_its_own_cost(tmp_path):
    history(tmp_path / "history.jsonl", [(i * 300, request(f"j{i}"), steady(1000 + 500 * i)) for i in range(4)])
    result = _result(fleet_file(tmp_path))
    (entry,) = result.to_json()["variants"]
    assert entry["cost_usd"]["mean"] == pytest.approx(result.history_usd, abs=0.01)
    assert entry["cost_usd"]["ci95"][0] == entry["cost_usd"]["ci95"][1]  # nothing random
    assert entry["savings_vs_history"]["usd"]["mean"] == pytest.approx(0, abs=0.01)


def test_training_need_is_read_off_the_training_phases(mixed):
    jobs = {job.name: job for job in (fleet_job(r) for r in Reader().read([mixed / "history.jsonl"]))}
    assert jobs["od-1"].need(600, 0) == pytest.approx(3600, abs=0.01)
    assert jobs["cpu"].instance_type == "ml.m5.xlarge"
    # interrupted without checkpoints: each attempt trained from the start, the last one finished
    spot = jobs["spot-1"]
    assert spot.outcome == "Completed" and len(spot.trainings) > 1
    assert spot.need(600, 0) == pytest.approx(5400, abs=0.01)
    # with checkpoints: what each attempt cut short had saved, then the last attempt
    assert len(jobs["spot-2"].trainings) > 1 and jobs["spot-2"].need(600, 0) == pytest.approx(5400, abs=0.01)


def test_checkpoint_writes_are_taken_off_the_need(tmp_path):
    history(tmp_path / "history.jsonl", [(0, request("ck", CheckpointConfig={"S3Uri": "s3://acme/ck/"}),
                                          steady(3600, checkpoint={"interval": 600, "write": 20}))])
    (job,) = (fleet_job(r) for r in Reader().read([tmp_path / "history.jsonl"]))
    assert sum(job.trainings) == pytest.approx(3600 + 5 * 20, abs=0.01)  # five writes, none at the end
    assert job.need(600, 20) == pytest.approx(3600, abs=0.01)
    # interrupted on the way: each attempt kept the checkpoints it wrote whole, the last went on from there
    ck = {"CheckpointConfig": {"S3Uri": "s3://acme/ck/"}, **SPOT}
    history(tmp_path / "spot.jsonl", [(i, request(f"s{i}", **ck), steady(
        5400, seed=i, spot={"interruptions_per_instance_hour": 2}, checkpoint={"interval": 600, "write": 20}))
        for i in range(6)])
    jobs = [fleet_job(r) for r in Reader().read([tmp_path / "spot.jsonl"])]
    assert sum(len(j.trainings) for j in jobs) > 12 and all(j.outcome == "Completed" for j in jobs)
    assert [j.need(600, 20) for j in jobs] == [pytest.approx(5400, abs=0.01)] * 6
    result = _result(fleet_file(tmp_path, checkpoint={"interval": 600, "write": 20}))
    assert result.to_json()["variants"][0]["cost_usd"]["mean"] == pytest.approx(result.history_usd, abs=0.01)


def test_unfinished_jobs_replay_what_they_trained_or_are_left_out(tmp_path):
    history(tmp_path / "history.jsonl", [
        (0, request("done"), steady(600)),
        (10, request("killed", StoppingCondition={"MaxRuntimeInSeconds": 400}), steady(3600)),
        (20, request("early", StoppingCondition={"MaxRuntimeInSeconds": 20}), steady(3600)),  # in Downloading
        # spot without checkpoints, killed: each attempt from the start, so at least its longest
        (30, request("respun", **SPOT), steady(3600, seed=9, spot={"interruptions_per_instance_hour": 6})),
    ])
    trained = load_fleet(fleet_file(tmp_path))
    by_name = {j.name: j for j in trained.jobs}
    assert set(by_name) == {"done", "killed", "respun"} and trained.left_out == {"never trained": 1}
    assert by_name["killed"].need(600, 0) == pytest.approx(400 - 30, abs=1)  # up to the limit, counted from Downloading
    respun = by_name["respun"]
    assert len(respun.trainings) > 1 and respun.need(600, 0) == max(respun.trainings) <= 3600
    skipped = load_fleet(fleet_file(tmp_path, fleet={"unfinished": "skip"}))
    assert [j.name for j in skipped.jobs] == ["done"] and skipped.left_out == {"unfinished": 3}


def test_common_random_numbers_pair_the_variants(mixed):
    path = fleet_file(mixed, whatif={"variants": [
        {"name": "as run"}, {"name": "on-demand", "job": {"EnableManagedSpotTraining": False,
                                                          "StoppingCondition": {"MaxWaitTimeInSeconds": None}}}],
        "assumptions": {"spot.interruptions_per_instance_hour": [0.1, 3]}})
    data = _result(path, runs=8).to_json()
    on_demand = [v for v in data["variants"] if v["name"] == "on-demand"]
    assert on_demand[0]["cost_usd"] == on_demand[1]["cost_usd"]  # no spot: the market does not move it
    calm, busy = (v for v in data["variants"] if v["name"] == "as run")
    assert busy["cost_usd"]["mean"] > calm["cost_usd"]["mean"]
    assert busy["interruptions_per_job"] > calm["interruptions_per_job"]


def test_the_json_is_the_same_for_any_chunk_size_or_worker_count(mixed):
    path = fleet_file(mixed, whatif={"variants": [{"name": "as run"}, {"name": "spot", "job": {
        "EnableManagedSpotTraining": True, "StoppingCondition": {"MaxWaitTimeInSeconds": 172800}}}]})
    one = json.dumps(_result(path, runs=9).to_json())
    assert json.dumps(_result(path, runs=9, chunk=2).to_json()) == one
    assert json.dumps(_result(path, runs=9, chunk=4, workers=2).to_json()) == one


@pytest.mark.slow  # a local Dask cluster of two processes
def test_the_same_json_on_a_dask_cluster(mixed):
    distributed = pytest.importorskip("distributed")
    path = fleet_file(mixed, whatif={"variants": [{"name": "as run"}, {"name": "spot", "job": SPOT}]})
    local = json.dumps(_result(path, runs=7).to_json())
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        assert json.dumps(_result(path, runs=7, chunk=3, dask=client).to_json()) == local


def test_instance_types_move_with_their_speed(mixed):
    path = fleet_file(mixed, speed={"ml.g5.xlarge": 1.0, "ml.g6.xlarge": 0.5}, whatif={"variants": [
        {"name": "as run"}, {"name": "g6", "instance_types": {"ml.g5.xlarge": "ml.g6.xlarge"}}]})
    study = load_fleet(path)
    own, moved = (dict(zip((j.name for j in study.jobs), v.plans, strict=True)) for v in study.variants)
    assert moved["od-1"].instance_type == "ml.g6.xlarge" and moved["cpu"].instance_type == "ml.m5.xlarge"
    assert moved["od-1"].timing.training == pytest.approx(2 * own["od-1"].timing.training)
    by_type = FleetResult(study, 1, 2, tuple(sweep(study, runs=2, seed=1))).to_json()["variants"][1]["by_instance_type"]
    assert by_type["ml.g5.xlarge"]["moved_to"] == "ml.g6.xlarge" and "moved_to" not in by_type["ml.m5.xlarge"]


def test_jobs_that_match_share_warm_pools_on_one_clock(tmp_path):
    history(tmp_path / "history.jsonl", [(i * 4000, request(f"j{i}"), steady(3000)) for i in range(4)])
    path = fleet_file(tmp_path, whatif={"variants": [
        {"name": "as run"}, {"name": "warm", "job": {"ResourceConfig": {"KeepAlivePeriodInSeconds": 1800}}}]})
    result = _result(path, runs=2)
    as_run, warm = result.to_json()["variants"]
    assert result.study.variants[1].pooled and not result.study.variants[0].pooled
    assert warm["warm_starts_per_fleet"] == 3  # each job but the first takes over the one before's pool
    assert as_run["warm_starts_per_fleet"] == 0


def test_kills_are_counted_and_a_killed_job_never_heads_the_savings(mixed):
    path = fleet_file(mixed, whatif={"variants": [{"name": "as run"}, {"name": "tight", "job": {
        "EnableManagedSpotTraining": True, "StoppingCondition": {"MaxRuntimeInSeconds": 3000,
                                                                 "MaxWaitTimeInSeconds": 3000}}}]})
    tight = _result(path, runs=4).to_json()["variants"][1]
    assert tight["kill_share"] > 0 and tight["jobs_killed_per_fleet"]
    table = tight["jobs_table"]
    assert all(row["kill_share"] == 0 for row in table["largest_savings"])
    assert table["worst_risks"][0]["kill_share"] > 0


def test_history_cost_is_billable_times_instances_times_price(mixed):
    study = load_fleet(fleet_file(mixed, whatif={"prices": {"ml.g5.xlarge": 2.0, "ml.m5.xlarge": 0.5}}))
    for job, units in zip(study.jobs, study.history_units, strict=True):
        price = 0.5 if job.instance_type == "ml.m5.xlarge" else 2.0
        assert units / COST_UNITS_PER_USD == pytest.approx(job.billable * job.instance_count * price / 3600)


@pytest.mark.parametrize("change, expected", [
    ({"job": {"TrainingJobName": "x"}}, "job: not in a fleet what-if: each job's request comes from its history"),
    ({"fleet": {"history": "nope.jsonl"}}, "fleet.history: "),
    ({"whatif": {"variants": [{"name": "as run"}, {"name": "x", "instance_types": {"ml.g5.xlarge": "ml.g5.xlarge"}}]}},
     "instance_types.ml.g5.xlarge: moves the jobs to their own type"),
    ({"whatif": {"variants": [{"name": "as run"}, {"name": "g6", "instance_types": {"ml.g5.xlarge": "ml.g6.xlarge"}}]}},
     "whatif.variants[1] (g6): 4 jobs, e.g. od-1 ("),
    ({"whatif": {"variants": [{"name": "as run"}, {"name": "short wait", "job": {
        "EnableManagedSpotTraining": True, "StoppingCondition": {"MaxWaitTimeInSeconds": 3600}}}]}},
     "whatif.variants[1] (short wait): every job (5), e.g. od-1 ("),
    ({"whatif": {"prices": {"ml.g5.xlarge": 1.0}}, "region": "eu-north-1"}, None),
])
def test_bad_input_is_one_line_naming_the_jobs(mixed, change, expected):
    path = fleet_file(mixed, **change)
    if expected is None:  # the jobs' ARNs give their region: the file's region does not move them
        assert load_fleet(path).variants[0].plans[0].region == "us-east-1"
        return
    with pytest.raises(ScenarioError) as caught:
        load_fleet(path)
    assert any(expected in line for line in caught.value.problems), caught.value.problems


def test_a_type_without_a_price_names_its_record(tmp_path):
    history(tmp_path / "history.jsonl", [(0, request("odd", ResourceConfig={"InstanceType": "ml.c5n.18xlarge"}),
                                          steady(600))])
    with pytest.raises(ScenarioError) as caught:
        load_fleet(fleet_file(tmp_path))
    assert any("job odd (" in str(p) and "no on-demand price for ml.c5n.18xlarge" in str(p)
               for p in caught.value.problems)


def test_bad_records_refuse_the_history_unless_skipped(mixed):
    with (mixed / "history.jsonl").open("a") as file:
        file.write('{"TrainingJobName": "broken"\n')
    with pytest.raises(ScenarioError) as caught:
        load_fleet(fleet_file(mixed))
    assert any("history.jsonl:6: damaged" in str(p) for p in caught.value.problems)
    study = load_fleet(fleet_file(mixed, fleet={"skip_bad": True}))
    assert len(study.jobs) == 5 and study.left_out == {"bad record": 1}


def test_no_usable_record_is_one_line(tmp_path):
    (tmp_path / "history.jsonl").write_text("\n")
    with pytest.raises(ScenarioError) as caught:
        load_fleet(fleet_file(tmp_path))
    (line,) = caught.value.problems
    assert str(line).endswith("fleet.yaml: fleet.history: no job to replay among 0 records")


def test_the_shipped_month_replayed_as_run_costs_what_it_cost(tmp_path):
    """The example history was lived by the engine; replayed as it ran, each job with the calibration
    made from the history, its cost is one draw among the replay's: within three of their standard
    deviations."""
    import yaml

    from .conftest import ROOT

    folder = ROOT / "scenarios" / "history"
    data = yaml.safe_load((folder / "whatif-fleet.yaml").read_text())
    data["fleet"] = {key: str(folder / value) for key, value in data["fleet"].items()}
    data["whatif"] = {"baseline": "as run", "variants": [{"name": "as run"}]}  # the calibrated markets
    (tmp_path / "month.yaml").write_text(yaml.safe_dump(data))
    study = load_fleet(tmp_path / "month.yaml")
    (stats,) = sweep(study, runs=40, seed=3)
    sd = ((stats.cost.squares - stats.cost.total ** 2 / stats.cost.n) / (stats.cost.n - 1)) ** 0.5
    assert abs(stats.cost.mean - sum(study.history_units)) < 3 * sd


def test_warm_pool_billing_counts_in_the_history_and_the_replay(tmp_path):
    keep = {"ResourceConfig": {"KeepAlivePeriodInSeconds": 1800}}
    history(tmp_path / "history.jsonl", [(i * 9000, request(f"w{i}", **keep), steady(1000)) for i in range(3)])
    result = _result(fleet_file(tmp_path), runs=2)
    assert all(job.retained == 1800 for job in result.study.jobs)
    (as_run,) = result.to_json()["variants"]
    assert as_run["cost_usd"]["mean"] == pytest.approx(result.history_usd, abs=0.01)


def test_a_decision_cannot_pass_by_killing_a_few_big_jobs(tmp_path):
    """One long p4d job (most of the spend) among 99 small ones: a cap that kills it alone kills 1 % of
    the jobs but nearly all of the work, and is not recommended."""
    big = request("big", ResourceConfig={"InstanceType": "ml.p4d.24xlarge"})
    history(tmp_path / "history.jsonl", [(0, big, steady(36000))] + [
        (60 * i, request(f"small-{i}", ResourceConfig={"InstanceType": "ml.m5.xlarge"}), steady(600))
        for i in range(1, 100)])
    path = fleet_file(tmp_path, whatif={"max_kill_share": 0.01, "variants": [
        {"name": "as run"}, {"name": "cap 5 h", "job": {"StoppingCondition": {"MaxRuntimeInSeconds": 18000}}}]})
    data = _result(path, runs=2).to_json()
    cap = data["variants"][1]
    assert cap["jobs_killed_per_fleet"] == {"MaxRuntimeExceeded": 1.0}
    assert cap["kill_share"] > 0.9 and cap["completed_work_share"] < 0.1
    assert data["recommendation"]["per_assumption"][0]["decision"] == "as run"


def test_nor_by_killing_many_small_jobs_beside_a_big_one(tmp_path):
    big = request("big", ResourceConfig={"InstanceType": "ml.p4d.24xlarge"})
    history(tmp_path / "history.jsonl", [(0, big, steady(3000))] + [
        (60 * i, request(f"small-{i}", ResourceConfig={"InstanceType": "ml.m5.xlarge"}), steady(7200))
        for i in range(1, 100)])
    prices = {"ml.p4d.24xlarge": 100, "ml.m5.xlarge": 0.01}  # the small jobs hold a few % of the work
    path = fleet_file(tmp_path, whatif={"max_kill_share": 0.05, "prices": prices, "variants": [
        {"name": "as run"}, {"name": "cap 1 h", "job": {"StoppingCondition": {"MaxRuntimeInSeconds": 3600}}}]})
    data = _result(path, runs=2).to_json()
    cap = data["variants"][1]
    assert cap["killed_job_share"] == 0.99 and cap["killed_work_share"] < 0.05 and cap["kill_share"] == 0.99
    assert data["recommendation"]["per_assumption"][0]["decision"] == "as run"


def test_plan_names_are_unique_and_seeds_follow_them(tmp_path):
    other = "arn:aws:sagemaker:us-east-1:222222222222:training-job/train"
    history(tmp_path / "a.jsonl", [(0, request("train"), steady(600)), (5, request("train-2"), steady(600))])
    history(tmp_path / "b.jsonl", [(10, request("train"), steady(600))])
    (tmp_path / "b.jsonl").write_text((tmp_path / "b.jsonl").read_text().replace(
        "arn:aws:sagemaker:us-east-1:123456789012:training-job/train", other))
    study = load_fleet(fleet_file(tmp_path, fleet={"history": ["a.jsonl", "b.jsonl"]}))
    assert study.names == ("train", "train-2", "train-3")
    assert [j.where for j in study.jobs] == ["a.jsonl:1", "a.jsonl:2", "b.jsonl:1"]  # as the fleet file names them


def test_the_digest_does_not_depend_on_where_tjsim_runs(mixed, monkeypatch):
    path = fleet_file(mixed)
    far = load_fleet(path).sha256
    monkeypatch.chdir(mixed)
    assert load_fleet("fleet.yaml").sha256 == far


@pytest.mark.parametrize("change, expected", [
    ({"whatif": {"variants": [{"name": "as run", "job": {"TrainingJobName": "same"}}]}},
     "whatif.variants[0].job.TrainingJobName: each job keeps its own name"),
    ({"timing": {"training": 60}}, "timing.training: each job trains what its history measured"),
    ({"whatif": {"variants": [{"name": "as run"}], "assumptions": {"timing.training": [60, 120]}}},
     "whatif.assumptions.timing.training: each job trains what its history measured"),
    ({"fleet": {"jobs": [{"job": request("x"), "training": 60, "count": 100_000},
                         {"job": request("y"), "training": 60, "count": 5}]}}, "fleet.jobs: 100,005 jobs listed"),
    ({"fleet": {"jobs": [{"job": request("x", ResourceConfig={"InstanceType": "ml.c5n.18xlarge"}), "training": 60}]}},
     "fleet.jobs: job x (fleet.jobs[0]): no on-demand price for ml.c5n.18xlarge"),
    ({"region": ["x"]}, "region: "),
    ({"whatif": {"variants": [{"name": "as run", "instance_types": {"ml.p5.48xlarge": "ml.g5.xlarge"}}]}},
     "whatif.variants[0].instance_types.ml.p5.48xlarge: no job of the fleet runs on ml.p5.48xlarge"),
])
def test_a_setting_the_fleet_cannot_use_is_refused(mixed, change, expected):
    with pytest.raises(ScenarioError) as caught:
        load_fleet(fleet_file(mixed, **change))
    assert any(expected in line for line in caught.value.problems), caught.value.problems


def test_calibration_problems_name_the_calibration(mixed):
    (mixed / "cal.yaml").write_text("instance_types:\n  ml.g5.xlarge:\n    timing: {starting: -5}\n")
    with pytest.raises(ScenarioError) as caught:
        load_fleet(fleet_file(mixed, fleet={"calibration": "cal.yaml"}))
    (line,) = caught.value.problems
    assert "fleet.calibration: " in line and "cal.yaml: instance_types.ml.g5.xlarge.timing.starting" in line
    (mixed / "cal.yaml").write_text("instance_types:\n  ml.g5.xlarge:\n    timing: {starting: 50}\n")
    path = fleet_file(mixed, fleet={"calibration": "cal.yaml"}, speed={"ml.g5.xlarge": 1, "ml.g6.xlarge": 1},
                      whatif={"variants": [{"name": "as run", "instance_types": {"ml.g5.xlarge": "ml.g6.xlarge"}}]})
    assert load_fleet(path).uncalibrated == ("ml.g6.xlarge", "ml.m5.xlarge")  # types jobs run on, moved ones too


def test_a_fleet_of_listed_jobs_has_no_history_to_save_against(tmp_path):
    path = fleet_file(tmp_path, fleet={"history": [], "jobs": [
        {"job": request("nightly"), "training": 3600, "count": 3, "every": 86400},
        {"job": request("big", ResourceConfig={"InstanceType": "ml.p4d.24xlarge"}), "training": 7200, "at": 3600}]},
        whatif={"variants": [{"name": "as run"}, {"name": "spot", "job": SPOT}]})
    study = load_fleet(path)
    assert [(j.name, j.where, j.created - study.jobs[0].created) for j in study.jobs] == [
        ("nightly-1", "fleet.jobs[0] #1", 0), ("big", "fleet.jobs[1]", 3600), ("nightly-2", "fleet.jobs[0] #2", 86400),
        ("nightly-3", "fleet.jobs[0] #3", 172800)]
    data = FleetResult(study, 1, 4, tuple(sweep(study, runs=4, seed=1))).to_json()
    assert data["history_cost_usd"] is None and data["variants"][0]["savings_vs_history"] is None
    as_run = data["variants"][0]
    # billed: Downloading (30 s), Training, Uploading (20 s), at the shipped prices
    assert as_run["cost_usd"]["mean"] == pytest.approx((3 * 3650 * 1.408 + 7250 * 25.2513) / 3600, abs=0.01)
    assert as_run["jobs_table"] == {"largest_savings": [], "worst_risks": []}  # none killed, none dearer than before


@pytest.mark.parametrize("jobs, expected", [
    ([{"job": {"TrainingJobName": "x"}, "training": 60}], "fleet.jobs[0].job.ResourceConfig.InstanceType: required"),
    ([{"job": request("x", StoppingCondition={"MaxRuntimeInSeconds": 0}), "training": 60}],
     "job x (fleet.jobs[0]): job.StoppingCondition.MaxRuntimeInSeconds"),
    ([], "fleet: give the history"),
])
def test_a_listed_job_the_service_would_refuse_is_named(tmp_path, jobs, expected):
    with pytest.raises(ScenarioError) as caught:
        load_fleet(fleet_file(tmp_path, fleet={"history": [], "jobs": jobs}))
    assert any(expected in line for line in caught.value.problems), caught.value.problems
