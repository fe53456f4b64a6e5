"""Invariants over random configurations and random event sequences (hypothesis)."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator import conformance, replay
from simulator.engine import lifecycle
from simulator.engine.eras import ERAS
from simulator.engine.statuses import TERMINAL

from .test_job import scenario

EDGES = {(str(s), str(dest)) for _, sources, dest in lifecycle.TRANSITIONS for s in sources}
seconds = st.integers(min_value=0, max_value=400)

events = st.lists(st.one_of(
    st.fixed_dictionaries({"type": st.just("stop"), "at": st.integers(0, 6000)}),
    st.fixed_dictionaries({"type": st.just("interrupt"), "at": st.integers(0, 6000)}),
    st.fixed_dictionaries({"type": st.just("fail"), "at": st.integers(0, 6000),
                           "error": st.sampled_from(["AlgorithmError", "ClientError", "CapacityError",
                                                     "InternalServerError", "InternalServerError"])}),
    st.fixed_dictionaries({"type": st.just("update"), "at": st.integers(0, 6000),
                           "changes": st.just({"ResourceConfig": {"KeepAlivePeriodInSeconds": 120}})}),
), max_size=6)


@st.composite
def scenarios(draw):
    spot = draw(st.booleans())
    runtime = draw(st.integers(300, 8000))
    job = {"RetryStrategy": {"MaximumRetryAttempts": draw(st.integers(1, 3))}} if draw(st.booleans()) else {}
    mode = draw(st.sampled_from(["File", "Pipe", "FastFile"]))
    job["AlgorithmSpecification"] = {"TrainingImage": "img:1", "TrainingInputMode": mode}
    if draw(st.booleans()):
        job["ResourceConfig"] = {"InstanceType": "ml.g5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30,
                                 "KeepAlivePeriodInSeconds": draw(st.integers(0, 2000))}
    evs = draw(events)
    if not spot:
        evs = [e for e in evs if e["type"] != "interrupt"]
        job["StoppingCondition"] = {"MaxRuntimeInSeconds": runtime}
        if draw(st.booleans()):
            job["StoppingCondition"]["MaxPendingTimeInSeconds"] = draw(st.integers(1800, 4000))
    timing = {name: draw(seconds) for name in ("starting", "downloading", "image_pull", "uploading", "interrupted",
                                               "capacity_wait", "sigterm_save", "stopping", "restarting", "updating",
                                               "warm_starting")}
    timing["training"] = draw(st.integers(0, 5000))
    timing["pending"] = draw(st.one_of(st.none(), seconds, st.integers(1000, 6000)))
    lifecycle_settings = {"era": draw(st.sampled_from(list(ERAS))), "restarting_on_retry": draw(st.booleans()),
                          "stop_upload": draw(st.sampled_from(["uploading", "stopping", "none"])),
                          "stop_upload_primary": draw(st.sampled_from(["Stopping", "InProgress"]))}
    checkpoint_settings = {"interval": draw(st.integers(1, 900)), "write": draw(st.sampled_from([0, 0, 5, 60]))}
    spot_settings = {}
    if spot:
        spot_settings |= {"interruption_rate_per_hour": draw(st.sampled_from([0, 0.5, 3])),
                          "price_ratio": draw(st.sampled_from([0.3, {"uniform": [0.2, 0.5]}])),
                          "capacity": draw(st.sampled_from(["available", "available", "never"])),
                          "first_capacity_wait": draw(seconds)}
    later = []
    if draw(st.booleans()):  # a second job on the same clock: the same request, so it may take a warm pool
        later.append({"at": draw(st.integers(0, 9000)), "job": {"TrainingJobName": "later-job"},
                      "events": [e for e in draw(events) if spot or e["type"] != "interrupt"]})
    failures = draw(st.sampled_from([{}, {}, {"InternalServerError": 2.0},
                                     {"AlgorithmError": 0.5, "ClientError": 0.2}]))
    return scenario(job=job, spot=(runtime, runtime + draw(st.integers(0, 8000))) if spot else None, failures=failures,
                    checkpoint=draw(st.booleans()), spot_settings=spot_settings,
                    checkpoint_settings=checkpoint_settings, events=evs, timing=timing,
                    lifecycle=lifecycle_settings, seed=draw(st.integers(0, 2**32)), later_jobs=later)


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
