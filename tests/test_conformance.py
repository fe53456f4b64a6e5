"""The conformance check can fail: responses broken on purpose are caught, each for its reason."""

from __future__ import annotations

import copy

import pytest

from simulator import conformance

from .conftest import replayed


def completed():
    return copy.deepcopy(replayed("on-demand-completed").describe())


def training():
    r = replayed("on-demand-completed")
    return copy.deepcopy(r.describe(r.describe()["TrainingStartTime"] - r.describe(0)["CreationTime"] + 600))


def problems(response):
    return [str(p) for p in conformance.problems(response)]


def test_the_unbroken_responses_conform():
    assert problems(completed()) == []
    assert problems(training()) == []


def _set(path, value):
    def change(d):
        *parents, last = path
        for key in parents:
            d = d[key]
        d[last] = value
    return change


def _drop(member):
    return lambda d: d.pop(member)


BROKEN = {
    "wrong type": (_set(["TrainingTimeInSeconds"], "2601"), "TrainingTimeInSeconds: '2601' has the wrong type"),
    "bool as int": (_set(["BillableTimeInSeconds"], True), "BillableTimeInSeconds: True has the wrong type"),
    "missing required": (_drop("CreationTime"), "CreationTime: required member is missing"),
    "bad enum": (_set(["SecondaryStatus"], "Finished"), "SecondaryStatus: 'Finished' is not one of"),
    "unknown member": (_set(["TrainingJobColour"], "green"), "TrainingJobColour: unknown member"),
    "below minimum": (_set(["BillableTimeInSeconds"], 0), "BillableTimeInSeconds: value 0 is below the minimum"),
    "bad pattern": (_set(["TrainingJobArn"], "arn:aws:s3:::bucket"), "TrainingJobArn: 'arn:aws:s3:::bucket' does "
                                                                      "not match the pattern"),
    "wrong group": (_set(["TrainingJobStatus"], "InProgress"), "SecondaryStatus: Completed does not belong under "
                                                               "InProgress"),
    "history out of order": (lambda d: d["SecondaryStatusTransitions"][2].update(
        StartTime=d["SecondaryStatusTransitions"][2]["StartTime"] - 5),
        "SecondaryStatusTransitions[2].StartTime: does not follow on from the previous entry's EndTime"),
    "history ends elsewhere": (lambda d: d["SecondaryStatusTransitions"].pop(),
                               "SecondaryStatusTransitions: the last entry is not the current SecondaryStatus"),
    "end before start": (lambda d: d["SecondaryStatusTransitions"][1].update(
        EndTime=d["SecondaryStatusTransitions"][1]["StartTime"] - 1),
        "SecondaryStatusTransitions[1].EndTime: before StartTime"),
    "unknown message": (lambda d: d["SecondaryStatusTransitions"][2].update(
        StatusMessage="Training image download completed. Training in progress"),
        "SecondaryStatusTransitions[2].StatusMessage: 'Training image download completed. Training in progress' "
        "is not a message the service shows in Training"),
    "billable over training": (_set(["BillableTimeInSeconds"], 99999), "BillableTimeInSeconds: 99999 exceeds"),
    "modified before the end": (lambda d: d.update(LastModifiedTime=d["TrainingEndTime"] - 1),
                                "LastModifiedTime: before TrainingEndTime"),
    "failure reason on success": (_set(["FailureReason"], "AlgorithmError: x"),
                                  "FailureReason: present exactly when the job failed"),
    "metric in fractions": (lambda d: d["FinalMetricDataList"][0].update(Timestamp=d["TrainingEndTime"] - 0.5),
                            "FinalMetricDataList[0].Timestamp: not a whole second during training"),
    "pool without its billing": (_set(["WarmPoolStatus"], {"Status": "Terminated"}),
                                 "WarmPoolStatus.ResourceRetainedBillableTimeInSeconds: present exactly once"),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_broken_response_is_caught(case):
    change, expected = BROKEN[case]
    response = completed()
    change(response)
    found = problems(response)
    assert any(expected in p for p in found), found


def test_billing_members_only_once_finished():
    response = training()
    response["TrainingTimeInSeconds"] = response["BillableTimeInSeconds"] = 10
    assert "TrainingTimeInSeconds: present only once a job that had instances has finished" in problems(response)


def test_the_service_omits_model_artifacts_but_nothing_else_it_requires():
    response = training()
    assert "ModelArtifacts" not in response and problems(response) == []
    response.pop("StoppingCondition")
    assert problems(response) == ["StoppingCondition: required member is missing"]
