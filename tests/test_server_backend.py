"""The endpoint's operations, in process: validation, the service's errors, lists, the clock, the journal."""

from __future__ import annotations

import copy

import pytest

from simulator.errors import InvalidAction, RequestError, ResourceInUse, ResourceNotFound, StateError
from simulator.server.backend import Backend
from simulator.server.clock import ManualClock, RealtimeClock
from simulator.server.journal import Journal
from simulator.server.stories import Stories

from .conftest import ROOT
from .test_job import JOB

ORIGIN = 1_735_689_600.0  # 2025-01-01T00:00:00Z


def backend(**kwargs) -> Backend:
    return Backend(stories=Stories(ROOT / "scenarios"), origin=ORIGIN, **kwargs)


def request(name="job-1", **members):
    body = copy.deepcopy(JOB)
    body["TrainingJobName"] = name
    body.update(members)
    return body


def describe(b, name="job-1"):
    import json

    return json.loads(b.describe_training_job({"TrainingJobName": name}))


def test_create_then_describe_through_the_lifecycle():
    b = backend()
    arn = b.create_training_job(request())["TrainingJobArn"]
    assert arn == "arn:aws:sagemaker:us-east-1:123456789012:training-job/job-1"
    seen = [describe(b)["SecondaryStatus"]]
    while b.advance_to_next("job-1")["changed"]:
        seen.append(describe(b)["SecondaryStatus"])
    assert [s for i, s in enumerate(seen) if i == 0 or s != seen[i - 1]] == [
        "Starting", "Downloading", "Training", "Uploading", "Completed"]
    d = describe(b)
    assert d["CreationTime"] == ORIGIN and d["TrainingJobStatus"] == "Completed"


def test_the_simulation_owns_the_origin_jobs_from_different_stories_created_together_agree():
    b = backend()
    b.create_training_job(request("a", Tags=[{"Key": "tjsim:scenario", "Value": "legacy-statuses"}]))
    b.create_training_job(request("b", Tags=[{"Key": "tjsim:scenario", "Value": "spot-interrupted"}]))
    b.advance(100)
    b.create_training_job(request("c"))
    created = [describe(b, n)["CreationTime"] for n in "abc"]
    assert created == [ORIGIN, ORIGIN, ORIGIN + 100]


def test_a_story_gives_the_job_its_settings_and_events():
    b = backend()
    spot = {"EnableManagedSpotTraining": True, "CheckpointConfig": {"S3Uri": "s3://b/c/"},
            "StoppingCondition": {"MaxRuntimeInSeconds": 86400, "MaxWaitTimeInSeconds": 172800}}
    b.create_training_job(request(**spot, Tags=[{"Key": "tjsim:scenario", "Value": "spot-interrupted"}]))
    b.advance(1500)  # spot-interrupted schedules an interruption at 1500 s
    assert describe(b)["SecondaryStatus"] == "Interrupted"
    # an on-demand request living the same story skips the interruptions it cannot have
    b.create_training_job(request("od", Tags=[{"Key": "tjsim:scenario", "Value": "spot-interrupted"}]))
    b.advance(1500)
    assert describe(b, "od")["SecondaryStatus"] != "Interrupted"


def test_stop_and_update_are_visible_in_the_very_next_describe():
    b = backend()
    b.create_training_job(request())
    b.advance(600)
    b.update_training_job({"TrainingJobName": "job-1", "ProfilerConfig": {"ProfilingIntervalInMilliseconds": 100}})
    assert describe(b)["SecondaryStatus"] == "Updating"
    b.advance(60)
    b.stop_training_job({"TrainingJobName": "job-1"})
    assert describe(b)["TrainingJobStatus"] == "Stopping"


@pytest.mark.parametrize("call, error, message", [
    (lambda b: b.describe_training_job({"TrainingJobName": "nope"}), ResourceNotFound,
     r"^Requested resource not found\.$"),
    (lambda b: b.stop_training_job({"TrainingJobName": "nope"}), ResourceNotFound, "Requested resource not found."),
    (lambda b: b.create_training_job(request()), ResourceInUse,
     r"Training job names must be unique within an AWS account and region, and a training job with this name already "
     r"exists \(arn:aws:sagemaker:us-east-1:123456789012:training-job/job-1\)"),
    (lambda b: b.create_training_job(request("my_job")), RequestError,
     r"^1 validation error detected: Value 'my_job' at 'trainingJobName' failed to satisfy constraint: Member must "
     r"satisfy regular expression pattern: \^\[a-zA-Z0-9\]\(-\*\[a-zA-Z0-9\]\)\*$"),
    (lambda b: b.describe_training_job({"TrainingJobName": "bad name"}), RequestError,
     "^1 validation error detected: Value 'bad name' at 'trainingJobName'"),
    (lambda b: b.create_training_job(request("x", StoppingCondition={"MaxRuntimeInSeconds": 3600,
                                                                     "MaxWaitTimeInSeconds": 7200})),
     RequestError, "Invalid MaxWaitTimeInSeconds. It is only supported when EnableManagedSpotTraining is set to true"),
    (lambda b: b.create_training_job({"TrainingJobName": "x"}), RequestError, r"^\d+ validation errors detected: "),
    (lambda b: b.create_training_job(request("t", Tags=[{"Key": "tjsim:scenario", "Value": "nope"}])), RequestError,
     "tag tjsim:scenario: no scenario named 'nope'"),
    (lambda b: b.list_training_jobs({"MaxResults": 0}), RequestError, "MaxResults: value 0 is below the minimum of 1"),
    (lambda b: b.list_training_jobs({"NextToken": "garbage"}), RequestError, "Invalid pagination token"),
])
def test_errors_as_the_service_answers(call, error, message):
    b = backend()
    b.create_training_job(request())
    with pytest.raises(error, match=message) as raised:
        call(b)
    assert raised.value.code == {ResourceInUse: "ResourceInUse"}.get(error, "ValidationException")


def test_actions_the_status_does_not_allow_are_refused():
    b = backend()
    b.create_training_job(request())
    with pytest.raises(InvalidAction, match="secondary status Starting"):  # updates are for Training
        b.update_training_job({"TrainingJobName": "job-1", "ProfilerConfig": {"ProfilingIntervalInMilliseconds": 100}})
    b.stop_training_job({"TrainingJobName": "job-1"})
    with pytest.raises(InvalidAction, match=r"in status Stopping\.$"):
        b.stop_training_job({"TrainingJobName": "job-1"})
    while b.advance_to_next()["changed"]:
        pass
    finished = r"^The request was rejected because the training job is in status Stopped\.$"
    with pytest.raises(InvalidAction, match=finished):
        b.stop_training_job({"TrainingJobName": "job-1"})
    b.create_training_job(request("on-demand"))
    with pytest.raises(InvalidAction, match="not a spot job"):
        b.inject("on-demand", {"type": "interrupt"})


def test_inject_forces_a_path_now():
    b = backend()
    b.create_training_job(request())
    b.advance(500)
    b.inject("job-1", {"type": "fail", "error": "ClientError", "message": "Data download failed: denied"})
    d = describe(b)
    assert d["TrainingJobStatus"] == "Failed" or d["SecondaryStatus"] == "Training"  # written a moment later
    b.advance(1)
    assert describe(b)["FailureReason"] == "ClientError: Data download failed: denied"
    with pytest.raises(RequestError, match="type: one of"):
        b.inject("job-1", {"type": "explode"})


def test_list_filters_sorts_and_pages():
    b = backend()
    for i in range(12):
        b.create_training_job(request(f"job-{i:02d}"))
        b.advance(10)
    b.stop_training_job({"TrainingJobName": "job-03"})
    everything = b.list_training_jobs({})
    assert len(everything["TrainingJobSummaries"]) == 10 and "NextToken" in everything
    rest = b.list_training_jobs({"NextToken": everything["NextToken"]})
    names = [s["TrainingJobName"] for s in everything["TrainingJobSummaries"] + rest["TrainingJobSummaries"]]
    assert names == [f"job-{i:02d}" for i in range(12)] and "NextToken" not in rest
    assert [s["TrainingJobName"] for s in b.list_training_jobs({"StatusEquals": "Stopping"})["TrainingJobSummaries"]] \
        == ["job-03"]
    assert len(b.list_training_jobs({"NameContains": "job-1"})["TrainingJobSummaries"]) == 2
    after = ORIGIN + 45
    windowed = b.list_training_jobs({"CreationTimeAfter": after, "CreationTimeBefore": after + 30})
    assert [s["TrainingJobName"] for s in windowed["TrainingJobSummaries"]] == ["job-05", "job-06", "job-07"]
    by_name = b.list_training_jobs({"SortBy": "Name", "SortOrder": "Descending", "MaxResults": 3})
    assert [s["TrainingJobName"] for s in by_name["TrainingJobSummaries"]] == ["job-11", "job-10", "job-09"]
    with pytest.raises(RequestError, match="Invalid pagination token"):  # a token of another query
        b.list_training_jobs({"NextToken": everything["NextToken"], "StatusEquals": "Completed"})


def test_list_filters_by_warm_pool_status_and_training_plan():
    b = backend()
    plan = "arn:aws:sagemaker:us-east-1:123456789012:training-plan/p1"
    pooled = request("pooled")
    pooled["ResourceConfig"] = {**pooled["ResourceConfig"], "KeepAlivePeriodInSeconds": 1800}
    planned = request("planned")
    planned["ResourceConfig"] = {**planned["ResourceConfig"], "TrainingPlanArn": plan}
    for body in (pooled, planned, request("plain")):
        b.create_training_job(body)
    while describe(b, "pooled")["TrainingJobStatus"] == "InProgress":
        b.advance_to_next("pooled")

    def names(**query):
        return [s["TrainingJobName"] for s in b.list_training_jobs(query)["TrainingJobSummaries"]]

    assert names(WarmPoolStatusEquals="Available") == ["pooled"]
    assert names(WarmPoolStatusEquals="InUse") == []
    assert names(TrainingPlanArnEquals=plan) == ["planned"]
    summaries = {s["TrainingJobName"]: s for s in b.list_training_jobs({})["TrainingJobSummaries"]}
    assert summaries["planned"]["TrainingPlanArn"] == plan and "TrainingPlanArn" not in summaries["plain"]
    assert summaries["pooled"]["WarmPoolStatus"]["Status"] == "Available"


def test_a_realtime_clock_moves_the_simulation_at_its_speed(monkeypatch):
    import simulator.server.clock as clock_module

    now = [1000.0]
    monkeypatch.setattr(clock_module.time, "time", lambda: now[0])
    b = backend(clock=RealtimeClock(60, wall_origin=1000.0))
    b.create_training_job(request())
    now[0] += 10  # ten real seconds: ten simulated minutes
    b.sync()
    assert b.sim.now == 600 and describe(b)["SecondaryStatus"] == "Training"
    with pytest.raises(RequestError, match="the clock is realtime"):
        b.advance(5)


def test_a_restart_on_the_same_state_answers_as_before(tmp_path):
    state = tmp_path / "jobs.db"
    first = backend(journal=Journal(state))
    first.create_training_job(request("a"))
    first.advance(300)
    first.create_training_job(request("b", Tags=[{"Key": "tjsim:scenario", "Value": "algorithm-error"}]))
    first.advance(700)
    first.stop_training_job({"TrainingJobName": "a"})
    first.update_training_job({"TrainingJobName": "b", "ProfilerConfig": {"ProfilingIntervalInMilliseconds": 100}})
    first.advance_to_next("b")
    before = {name: describe(first, name) for name in ("a", "b")}
    second = Backend(stories=Stories(), journal=Journal(state), origin=0.0)  # the journal's origin wins
    assert {name: describe(second, name) for name in ("a", "b")} == before
    assert second.sim.now == first.sim.now
    second.advance(5000)  # and it goes on from there
    assert describe(second, "a")["TrainingJobStatus"] == "Stopped"


def test_a_state_file_keeps_its_clock(tmp_path):
    Backend(journal=Journal(tmp_path / "s.db"), clock=ManualClock())
    with pytest.raises(StateError, match="--clock manual"):
        Backend(journal=Journal(tmp_path / "s.db"), clock=RealtimeClock(60))
