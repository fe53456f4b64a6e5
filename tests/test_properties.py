"""Invariants over random configurations and random event sequences (hypothesis)."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator import conformance, lifecycle, replay
from simulator.statuses import TERMINAL

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
    evs = draw(events)
    if not spot:
        evs = [e for e in evs if e["type"] != "interrupt"]
        job["StoppingCondition"] = {"MaxRuntimeInSeconds": runtime}
    timing = {name: draw(seconds) for name in ("starting", "downloading", "image_pull", "uploading", "interrupted",
                                               "capacity_wait", "sigterm_save", "stopping", "restarting", "updating")}
    timing["training"] = draw(st.integers(0, 5000))
    timing["pending"] = draw(st.one_of(st.none(), seconds))
    lifecycle_settings = {"legacy_statuses": draw(st.booleans()), "restarting_on_retry": draw(st.booleans()),
                          "upload_on_stop": draw(st.booleans())}
    spot_settings = None
    if spot:
        spot_settings = {"interruption_rate_per_hour": draw(st.sampled_from([0, 0.5, 3])),
                         "checkpoint_interval": draw(st.integers(1, 900)),
                         "capacity": draw(st.sampled_from(["available", "available", "never"])),
                         "first_capacity_wait": draw(seconds)}
    return scenario(job=job, spot=(runtime, runtime + draw(st.integers(0, 8000))) if spot else None,
                    checkpoint=draw(st.booleans()), spot_settings=spot_settings, events=evs, timing=timing,
                    lifecycle=lifecycle_settings, seed=draw(st.integers(0, 2**32)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_run_keeps_the_invariants(s):
    r = replay(s)
    final = r.describe()
    assert final["SecondaryStatus"] in {str(t) for t in TERMINAL}
    history = [e["Status"] for e in final["SecondaryStatusTransitions"]]
    assert set(itertools.pairwise(history)) <= EDGES
    starts = [e["StartTime"] for e in final["SecondaryStatusTransitions"]]
    assert starts == sorted(starts)
    previous_modified, ended = 0.0, None
    for t, response in r.timeline():
        assert conformance.problems(response) == [], (t, conformance.problems(response))
        assert response["LastModifiedTime"] >= previous_modified
        previous_modified = response["LastModifiedTime"]
        if ended is not None:
            assert response["SecondaryStatus"] == ended
        if response["SecondaryStatus"] in TERMINAL:
            ended = response["SecondaryStatus"]
    if "BillableTimeInSeconds" in final:
        assert 1 <= final["BillableTimeInSeconds"] <= final["TrainingTimeInSeconds"]
        if not final["EnableManagedSpotTraining"]:
            assert final["BillableTimeInSeconds"] == final["TrainingTimeInSeconds"]


@settings(max_examples=40, deadline=None)
@given(scenarios())
def test_same_seed_same_output(s):
    assert list(replay(s).timeline()) == list(replay(s).timeline())
