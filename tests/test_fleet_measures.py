"""One job's measures, read off its response: for every shipped story, what the engine lived (its
interruptions, its outcome, its era) is what the response shows."""

from __future__ import annotations

import pytest

from simulator.engine.statuses import ON_INSTANCES
from simulator.fleet.measures import DETOURS, PHASE_OF, measure
from simulator.loading import load
from simulator.timeline import replay

from .conftest import ROOT

STORIES = sorted(p for p in (ROOT / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", STORIES, ids=lambda p: p.stem)
def test_a_response_measures_what_the_engine_lived(path):
    lived = replay(load(path))
    for job in lived.jobs:
        wire = lived.describe(job=job.plan.name)
        m = measure(wire)
        assert m.interruptions == job.interruptions
        assert m.outcome == (job.state if job.finished else "InProgress")
        assert m.spot == job.plan.spot and m.instance_count == job.plan.instance_count
        assert m.legacy == (job.plan.era.name == "pre-2019" and any(
            t["Status"] in ("LaunchingMLInstances", "PreparingTrainingStack") for t in
            wire["SecondaryStatusTransitions"]))
        transitions = wire["SecondaryStatusTransitions"]
        ended = [t for t in transitions if "EndTime" in t]
        assert sum(s for _, s, _ in m.phases) == pytest.approx(sum(t["EndTime"] - t["StartTime"] for t in ended
                                                                   if t["Status"] in PHASE_OF or
                                                                   t["Status"] in DETOURS))
        assert m.retries == job.attempts - 1
        up = sum(t["EndTime"] - t["StartTime"] for t in ended if t["Status"] in {str(s) for s in ON_INSTANCES})
        if job.state in ("Stopped", "MaxRuntimeExceeded", "MaxWaitTimeExceeded"):  # its last upload: wound down
            up -= next((t["EndTime"] - t["StartTime"] for t in reversed(ended) if t["Status"] == "Uploading"), 0)
        assert m.exposure == pytest.approx(up * job.plan.instance_count)
        assert m.billed == wire.get("BillableTimeInSeconds", 0) * job.plan.instance_count
        if job.state == "Failed":
            assert wire["FailureReason"].startswith(m.failure)


def test_a_run_of_one_phase_is_one_occurrence():
    """The retired statuses are parts of the phase that replaced them: Starting, LaunchingMLInstances
    and PreparingTrainingStack in a row are one Starting."""
    steps = [("Starting", 0, 10), ("LaunchingMLInstances", 10, 100), ("PreparingTrainingStack", 100, 130),
             ("Downloading", 130, 150), ("DownloadingTrainingImage", 150, 200), ("Training", 200, 900),
             ("Interrupted", 900, 960), ("Starting", 960, 1000), ("Training", 1000, 1100), ("Uploading", 1100, 1120)]
    wire = {"TrainingJobName": "old", "CreationTime": 0.0, "SecondaryStatus": "Completed",
            "ResourceConfig": {"InstanceType": "ml.p3.2xlarge", "InstanceCount": 2}, "EnableManagedSpotTraining": True,
            "BillableTimeInSeconds": 500,
            "SecondaryStatusTransitions": [{"Status": s, "StartTime": a, "EndTime": b} for s, a, b in steps] +
            [{"Status": "Completed", "StartTime": 1120.0}]}
    m = measure(wire)
    assert m.phases == (("Starting", 130, True), ("Downloading", 70, True), ("Training", 700, False),
                        ("Interrupted", 60, True), ("Starting", 40, True), ("Training", 100, True),
                        ("Uploading", 20, True))  # the first Training was cut short by the interruption
    assert (m.interruptions, m.legacy, m.exposure, m.billed) == (1, True, 2 * (70 + 700 + 100 + 20), 1000)


def test_a_phase_cut_short_an_updating_detour_and_a_retry():
    """A phase that ends otherwise than in its successor was cut short; Updating's time is the phase's
    it interrupted; a Training followed by Restarting was a retried failure."""
    steps = [("Starting", 0, 50), ("Downloading", 50, 60), ("Training", 60, 960), ("Updating", 960, 990),
             ("Training", 990, 1500), ("Restarting", 1500, 1530), ("Starting", 1530, 1580),
             ("Downloading", 1580, 1590), ("Training", 1590, 2000)]
    wire = {"TrainingJobName": "j", "CreationTime": 0.0, "SecondaryStatus": "Failed", "FailureReason":
            "AlgorithmError: boom", "ResourceConfig": {"InstanceType": "ml.g5.xlarge", "InstanceCount": 1},
            "SecondaryStatusTransitions": [{"Status": s, "StartTime": a, "EndTime": b} for s, a, b in steps] +
            [{"Status": "Failed", "StartTime": 2000.0}]}
    m = measure(wire)
    assert m.phases == (("Starting", 50, True), ("Downloading", 10, True), ("Training", 1440, False),
                        ("Restarting", 30, True), ("Starting", 50, True), ("Downloading", 10, True),
                        ("Training", 410, False))
    assert (m.retries, m.failure) == (1, "AlgorithmError")
