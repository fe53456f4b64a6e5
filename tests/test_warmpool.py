"""Managed warm pools (AWS guide "Train Using SageMaker Managed Warm Pools"): kept, reused, expired."""

from __future__ import annotations

import copy

import pytest

from simulator import InvalidAction, Simulation, compile_plan
from simulator.engine.actions import Update

from .factories import JOB, scenario

# the unit job ends at 1140 (written at 1140.25): see test_job
KEEP = {"ResourceConfig": {**JOB["ResourceConfig"], "KeepAlivePeriodInSeconds": 600}}


def plan(name, job=None, **kwargs):
    request = copy.deepcopy(KEEP)
    request.update(job or {})
    return compile_plan(scenario(job={"TrainingJobName": name, **request}, **kwargs))


def pool(sim, name):
    return sim.describe(name).get("WarmPoolStatus")


def last_message(sim, name):
    return sim.describe(name)["SecondaryStatusTransitions"][-1]["StatusMessage"]


def test_a_completed_job_keeps_its_pool_until_the_keep_alive_runs_out():
    sim = Simulation()
    sim.submit(plan("first"))
    sim.advance_to(1140)
    assert pool(sim, "first") is None  # the final status is not written yet
    sim.advance_to(1140.25)
    assert pool(sim, "first") == {"Status": "Available"}
    assert last_message(sim, "first") == "Resource retained for reuse"
    # the keep-alive counts from the job's end (1140), not from when the end was written
    sim.advance_to(1739.99)
    assert pool(sim, "first") == {"Status": "Available"}
    sim.advance_to(1740)
    assert pool(sim, "first") == {"Status": "Terminated", "ResourceRetainedBillableTimeInSeconds": 600}
    assert sim.describe("first")["LastModifiedTime"] - sim.describe("first")["CreationTime"] == pytest.approx(1740)


def test_a_matching_job_takes_the_pool_over_and_starts_faster():
    sim = Simulation()
    sim.submit(plan("first"))
    sim.advance_to(1500)
    second = sim.submit(plan("second"))
    assert pool(sim, "first") == {"Status": "Reused", "ResourceRetainedBillableTimeInSeconds": 360,
                                  "ReusedByJob": "second"}
    assert last_message(sim, "first") == "Resource reused by training job: second"
    assert pool(sim, "second") == {"Status": "InUse"}
    sim.run()
    d = sim.describe("second")
    # warm_starting (10 s) instead of the 100 s cold start
    assert d["TrainingStartTime"] - d["CreationTime"] == 10
    assert second.took_pool is not None
    assert d["WarmPoolStatus"] == {"Status": "Terminated", "ResourceRetainedBillableTimeInSeconds": 600}
    # the first job's pool stays Reused for good
    assert pool(sim, "first")["Status"] == "Reused"


@pytest.mark.parametrize("difference", [
    {"ResourceConfig": {**KEEP["ResourceConfig"], "InstanceType": "ml.g5.2xlarge"}},
    {"ResourceConfig": {**KEEP["ResourceConfig"], "InstanceCount": 2}},
    {"ResourceConfig": {**KEEP["ResourceConfig"], "VolumeSizeInGB": 31}},
    {"RoleArn": "arn:aws:iam::123456789012:role/Other"},
    {"VpcConfig": {"SecurityGroupIds": ["sg-12345678"], "Subnets": ["subnet-12345678"]}},
    {"EnableNetworkIsolation": True},
    {"EnableInterContainerTrafficEncryption": True},
    {"ResourceConfig": JOB["ResourceConfig"]},  # no KeepAlivePeriodInSeconds of its own
])
def test_a_job_that_does_not_match_provisions_its_own(difference):
    sim = Simulation()
    sim.submit(plan("first"))
    sim.advance_to(1500)
    sim.submit(plan("second", difference))
    assert pool(sim, "first") == {"Status": "Available"}
    assert sim.job("second").took_pool is None


def test_no_pool_for_spot_jobs_or_failures_that_compromise_the_cluster():
    sim = Simulation()
    sim.submit(plan("spot", spot=(86400, 172800)))
    sim.submit(plan("internal", events=[{"type": "fail", "at": 500, "error": "InternalServerError"}]))
    sim.submit(plan("algorithm", events=[{"type": "fail", "at": 500, "error": "AlgorithmError"}]))
    sim.submit(plan("stopped", events=[{"type": "stop", "at": 500}]))
    sim.submit(plan("never-launched", events=[{"type": "stop", "at": 50}]))
    sim.advance_to(1000)
    assert [(name, (pool(sim, name) or {}).get("Status")) for name in sim.jobs] == [
        ("spot", None), ("internal", None), ("algorithm", "Available"), ("stopped", "Available"),
        ("never-launched", None)]


def test_update_keep_alive_while_available_and_terminate_with_zero():
    sim = Simulation()
    sim.submit(plan("first"))
    sim.advance_to(1200)
    sim.inject("first", Update(changes={"ResourceConfig": {"KeepAlivePeriodInSeconds": 3600}}))
    assert sim.describe("first")["ResourceConfig"]["KeepAlivePeriodInSeconds"] == 3600
    sim.advance_to(2000)
    assert pool(sim, "first") == {"Status": "Available"}  # the old 600 s would have ended it at 1740
    sim.inject("first", Update(changes={"ResourceConfig": {"KeepAlivePeriodInSeconds": 0}}))
    assert pool(sim, "first") == {"Status": "Terminated", "ResourceRetainedBillableTimeInSeconds": 860}
    with pytest.raises(InvalidAction, match="in status Completed"):  # no pool left to update
        sim.inject("first", Update(changes={"ResourceConfig": {"KeepAlivePeriodInSeconds": 60}}))


def test_a_job_that_took_a_pool_and_keeps_none_shows_it_terminated():
    sim = Simulation()
    sim.submit(plan("first"))
    sim.advance_to(1500)
    sim.submit(plan("second", events=[{"type": "fail", "at": 300, "error": "InternalServerError"}]))
    sim.run()
    assert pool(sim, "second") == {"Status": "Terminated", "ResourceRetainedBillableTimeInSeconds": 0}


def test_a_pool_kept_during_the_run_is_updated_by_update_training_job():
    sim = Simulation()
    sim.submit(plan("first", events=[{"type": "update", "at": 500,
                                      "changes": {"ResourceConfig": {"KeepAlivePeriodInSeconds": 60}}}]))
    sim.run()
    assert pool(sim, "first") == {"Status": "Terminated", "ResourceRetainedBillableTimeInSeconds": 60}
