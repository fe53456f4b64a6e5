"""Invariants over random configurations and random event sequences (hypothesis)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings

from simulator import conformance, replay
from simulator.engine import lifecycle
from simulator.engine.statuses import TERMINAL

from .factories import scenarios

EDGES = {(str(s), str(dest)) for _, sources, dest in lifecycle.TRANSITIONS for s in sources}


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_run_keeps_the_invariants(s):
    r = replay(s)
    for job in r.jobs:
        check_job(r, job.plan.name)
    check_warm_pools(r)


def check_job(r, name):
    final = r.describe(job=name)
    assert final["SecondaryStatus"] in {str(t) for t in TERMINAL}
    history = [e["Status"] for e in final["SecondaryStatusTransitions"]]
    assert set(itertools.pairwise(history)) <= EDGES
    if "Stopping" in history:  # once stopping, a job only ends stopped or failed, and never starts again
        assert final["TrainingJobStatus"] in ("Stopped", "Failed")
        assert "Starting" not in history[history.index("Stopping"):]
    starts = [e["StartTime"] for e in final["SecondaryStatusTransitions"]]
    assert starts == sorted(starts)
    previous_modified, ended, artifacts = 0.0, None, False
    for t, response in r.timeline(job=name):
        assert conformance.problems(response) == [], (t, conformance.problems(response))
        assert response["LastModifiedTime"] >= previous_modified
        previous_modified = response["LastModifiedTime"]
        if ended is not None:
            assert response["SecondaryStatus"] == ended
        if response["SecondaryStatus"] in TERMINAL:
            ended = response["SecondaryStatus"]
        assert artifacts <= ("ModelArtifacts" in response)  # once uploaded, for good
        artifacts = "ModelArtifacts" in response
    if "BillableTimeInSeconds" in final:
        assert 1 <= final["BillableTimeInSeconds"] <= final["TrainingTimeInSeconds"]
        if not final["EnableManagedSpotTraining"]:
            assert final["BillableTimeInSeconds"] == final["TrainingTimeInSeconds"]
        assert final["LastModifiedTime"] - final["TrainingEndTime"] >= 0.14


def check_warm_pools(r):
    for job in r.jobs:
        pool = r.describe(job=job.plan.name).get("WarmPoolStatus")
        if pool is None:
            continue
        assert not job.plan.spot
        retained = pool.get("ResourceRetainedBillableTimeInSeconds")
        if pool["Status"] == "Reused":
            taker = r.simulation.job(pool["ReusedByJob"])
            assert taker.took_pool is job.pool
            assert 0 <= retained <= job.pool.keep_alive
            assert r.describe(taker.created, job=taker.plan.name)["WarmPoolStatus"] == {"Status": "InUse"}
        elif pool["Status"] == "Terminated" and job.pool is not None:
            # the keep-alive ran out, or an update shortened it to a period already past
            assert retained == job.pool.keep_alive or retained > job.pool.keep_alive
        else:
            assert pool["Status"] == "Terminated" and job.took_pool is not None


@settings(max_examples=40, deadline=None)
@given(scenarios())
def test_same_seed_same_output(s):
    assert list(replay(s).timeline()) == list(replay(s).timeline())
