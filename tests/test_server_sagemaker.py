"""The SageMaker operations, in process: the lifecycle a client sees, validation, the service's errors."""

from __future__ import annotations

import json

import pytest

from simulator.errors import InvalidAction, RequestError, ResourceInUse, ResourceNotFound
from simulator.server.control import advance, advance_to_next, inject
from simulator.server.sagemaker import (
    OPERATIONS,
    create_training_job,
    describe_training_job,
    list_training_jobs,
    stop_training_job,
    update_training_job,
)

from .server_helpers import ORIGIN, backend, describe, request


def test_every_operation_answers_the_json_body_as_sent():
    b = backend()
    bodies = [OPERATIONS[name](b, body) for name, body in (
        ("CreateTrainingJob", request()), ("DescribeTrainingJob", {"TrainingJobName": "job-1"}),
        ("ListTrainingJobs", {}), ("StopTrainingJob", {"TrainingJobName": "job-1"}))]
    assert all(isinstance(body, bytes) for body in bodies)
    assert json.loads(bodies[0]) == {"TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/job-1"}
    assert json.loads(bodies[3]) == {}


def test_create_then_describe_through_the_lifecycle():
    b = backend()
    arn = json.loads(create_training_job(b, request()))["TrainingJobArn"]
    assert arn == "arn:aws:sagemaker:us-east-1:123456789012:training-job/job-1"
    seen = [describe(b)["SecondaryStatus"]]
    while advance_to_next(b, "job-1")["changed"]:
        seen.append(describe(b)["SecondaryStatus"])
    assert [s for i, s in enumerate(seen) if i == 0 or s != seen[i - 1]] == [
        "Starting", "Downloading", "Training", "Uploading", "Completed"]
    d = describe(b)
    assert d["CreationTime"] == ORIGIN and d["TrainingJobStatus"] == "Completed"


def test_the_simulation_owns_the_origin_jobs_from_different_stories_created_together_agree():
    b = backend()
    create_training_job(b, request("a", Tags=[{"Key": "tjsim:scenario", "Value": "legacy-statuses"}]))
    create_training_job(b, request("b", Tags=[{"Key": "tjsim:scenario", "Value": "spot-interrupted"}]))
    advance(b, 100)
    create_training_job(b, request("c"))
    created = [describe(b, n)["CreationTime"] for n in "abc"]
    assert created == [ORIGIN, ORIGIN, ORIGIN + 100]


def test_a_story_gives_the_job_its_settings_and_events():
    b = backend()
    spot = {"EnableManagedSpotTraining": True, "CheckpointConfig": {"S3Uri": "s3://b/c/"},
            "StoppingCondition": {"MaxRuntimeInSeconds": 86400, "MaxWaitTimeInSeconds": 172800}}
    create_training_job(b, request(**spot, Tags=[{"Key": "tjsim:scenario", "Value": "spot-interrupted"}]))
    advance(b, 1500)  # spot-interrupted schedules an interruption at 1500 s
    assert describe(b)["SecondaryStatus"] == "Interrupted"
    # an on-demand request living the same story skips the interruptions it cannot have
    create_training_job(b, request("od", Tags=[{"Key": "tjsim:scenario", "Value": "spot-interrupted"}]))
    advance(b, 1500)
    assert describe(b, "od")["SecondaryStatus"] != "Interrupted"


def test_stop_and_update_are_visible_in_the_very_next_describe():
    b = backend()
    create_training_job(b, request())
    advance(b, 600)
    update_training_job(b, {"TrainingJobName": "job-1", "ProfilerConfig": {"ProfilingIntervalInMilliseconds": 100}})
    assert describe(b)["SecondaryStatus"] == "Updating"
    advance(b, 60)
    stop_training_job(b, {"TrainingJobName": "job-1"})
    assert describe(b)["TrainingJobStatus"] == "Stopping"


@pytest.mark.parametrize("call, error, message", [
    (lambda b: describe_training_job(b, {"TrainingJobName": "nope"}), ResourceNotFound,
     r"^Requested resource not found\.$"),
    (lambda b: stop_training_job(b, {"TrainingJobName": "nope"}), ResourceNotFound, "Requested resource not found."),
    (lambda b: create_training_job(b, request()), ResourceInUse,
     r"Training job names must be unique within an AWS account and region, and a training job with this name already "
     r"exists \(arn:aws:sagemaker:us-east-1:123456789012:training-job/job-1\)"),
    (lambda b: create_training_job(b, request("my_job")), RequestError,
     r"^1 validation error detected: Value 'my_job' at 'trainingJobName' failed to satisfy constraint: Member must "
     r"satisfy regular expression pattern: \^\[a-zA-Z0-9\]\(-\*\[a-zA-Z0-9\]\)\{0,62\}$"),
    # [OBS] zenml-io/zenml issues 1502 and 1517: a long name breaks the length, and with many parts the pattern too
    (lambda b: create_training_job(b, request("generic-training-pipeline-2023-04-12-15-36-41-124330-model-trainer")),
     RequestError, r"^1 validation error detected: Value 'generic-training-pipeline-2023-04-12-15-36-41-124330-model-"
     r"trainer' at 'trainingJobName' failed to satisfy constraint: Member must have length less than or equal to 63$"),
    (lambda b: create_training_job(b, request("basic-zenml-project-pipeline-2023-04-24-12-22-59-886794-step-show-"
                                              "sagemaker-s3-link")),
     RequestError, r"^2 validation errors detected: Value '[a-z0-9-]+' at 'trainingJobName' failed to satisfy "
     r"constraint: Member must satisfy regular expression pattern: \^\[a-zA-Z0-9\]\(-\*\[a-zA-Z0-9\]\)\{0,62\}; "
     r"Value '[a-z0-9-]+' at 'trainingJobName' failed to satisfy constraint: Member must have length less than or "
     r"equal to 63$"),
    (lambda b: create_training_job(b, request("x", StoppingCondition={"MaxRuntimeInSeconds": 0})), RequestError,
     r"^1 validation error detected: Value '0' at 'stoppingCondition.maxRuntimeInSeconds' failed to satisfy "
     r"constraint: Member must have value greater than or equal to 1$"),
    (lambda b: create_training_job(b, request("x", InputDataConfig=[{"ChannelName": "train"}])), RequestError,
     r"^1 validation error detected: Value null at 'inputDataConfig.1.member.dataSource' failed to satisfy "
     r"constraint: Member must not be null$"),
    (lambda b: describe_training_job(b, {"TrainingJobName": "job-1", "Verbose": True}), RequestError,
     r"^1 validation error detected: Verbose: unknown member"),
    (lambda b: describe_training_job(b, {}), RequestError, r"^1 validation error detected: Value null at "
     r"'trainingJobName' failed to satisfy constraint: Member must not be null$"),
    (lambda b: describe_training_job(b, {"TrainingJobName": "bad name"}), RequestError,
     "^1 validation error detected: Value 'bad name' at 'trainingJobName'"),
    (lambda b: create_training_job(b, request("x", StoppingCondition={"MaxRuntimeInSeconds": 3600,
                                                                      "MaxWaitTimeInSeconds": 7200})),
     RequestError, "Invalid MaxWaitTimeInSeconds. It is only supported when EnableManagedSpotTraining is set to true"),
    (lambda b: create_training_job(b, {"TrainingJobName": "x"}), RequestError, r"^\d+ validation errors detected: "),
    (lambda b: create_training_job(b, request("t", Tags=[{"Key": "tjsim:scenario", "Value": "nope"}])), RequestError,
     "tag tjsim:scenario: no scenario named 'nope'"),
    (lambda b: list_training_jobs(b, {"MaxResults": 0}), RequestError,
     "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"),
    (lambda b: list_training_jobs(b, {"SortBy": "Size"}), RequestError, r"Value 'Size' at 'sortBy' failed to satisfy "
     r"constraint: Member must satisfy enum value set: \[Name, CreationTime, Status\]"),
    (lambda b: list_training_jobs(b, {"NextToken": "garbage"}), RequestError, "Invalid pagination token"),
])
def test_errors_as_the_service_answers(call, error, message):
    b = backend()
    create_training_job(b, request())
    with pytest.raises(error, match=message) as raised:
        call(b)
    assert raised.value.code == {ResourceInUse: "ResourceInUse"}.get(error, "ValidationException")


def test_actions_the_status_does_not_allow_are_refused():
    b = backend()
    create_training_job(b, request())
    with pytest.raises(InvalidAction, match="secondary status Starting"):  # updates are for Training
        update_training_job(b, {"TrainingJobName": "job-1", "ProfilerConfig": {"ProfilingIntervalInMilliseconds": 100}})
    stop_training_job(b, {"TrainingJobName": "job-1"})
    with pytest.raises(InvalidAction, match=r"in status Stopping\.$"):
        stop_training_job(b, {"TrainingJobName": "job-1"})
    while advance_to_next(b)["changed"]:
        pass
    finished = r"^The request was rejected because the training job is in status Stopped\.$"
    with pytest.raises(InvalidAction, match=finished):
        stop_training_job(b, {"TrainingJobName": "job-1"})
    create_training_job(b, request("on-demand"))
    with pytest.raises(InvalidAction, match="not a spot job"):
        inject(b, "on-demand", {"type": "interrupt"})


def test_jobs_of_one_story_do_not_move_in_lockstep():
    b = backend()
    for name in "abc":
        create_training_job(b, request(name))
    advance(b, 600)
    starts = {describe(b, name)["TrainingStartTime"] for name in "abc"}
    assert len(starts) == 3
    again = backend()
    create_training_job(again, request("b"))
    advance(again, 600)
    assert describe(again, "b")["TrainingStartTime"] == describe(b, "b")["TrainingStartTime"]  # same name, same job


def test_a_profiler_rule_cannot_be_added_twice():
    b = backend()
    rule = {"RuleConfigurationName": "LowGPU", "RuleEvaluatorImage": "503895931360.dkr.ecr.us-east-1.amazonaws.com/x:1"}
    create_training_job(b, request(ProfilerRuleConfigurations=[rule], ProfilerConfig={"S3OutputPath": "s3://b/p"}))
    while describe(b)["SecondaryStatus"] != "Training":
        advance_to_next(b, "job-1")
    with pytest.raises(RequestError, match="a rule named 'LowGPU' is already configured"):
        update_training_job(b, {"TrainingJobName": "job-1", "ProfilerRuleConfigurations": [rule]})
    with pytest.raises(RequestError, match="a rule named 'LowGPU' is already configured"):
        inject(b, "job-1", {"type": "update", "changes": {"ProfilerRuleConfigurations": [rule]}})
