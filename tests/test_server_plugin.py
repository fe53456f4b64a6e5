"""Real clients against a real socket: boto3 (its waiter and paginator), the AWS CLI, tjsim's own
pytest fixture used as a user's suite would use it, and a server killed mid-burst."""

from __future__ import annotations

import copy
import json
import os
import shutil
import signal
import subprocess
import threading
import time

import pytest
from botocore.exceptions import ClientError, WaiterError

from .conftest import ROOT
from .factories import JOB
from .server_helpers import post, start_server

SPOT = {"EnableManagedSpotTraining": True, "CheckpointConfig": {"S3Uri": "s3://bucket/ckpt/"},
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400, "MaxWaitTimeInSeconds": 172800}}


def request(name, story=None, **members):
    body = copy.deepcopy(JOB)
    body.update(TrainingJobName=name, **members)
    if story is not None:
        body["Tags"] = [{"Key": "tjsim:scenario", "Value": story}]
    return body


def test_a_job_through_every_status_of_its_story(sagemaker_sim):
    sm = sagemaker_sim.client()
    sm.create_training_job(**request("resnet", "spot-interrupted", **SPOT))
    seen = []
    while True:
        d = sm.describe_training_job(TrainingJobName="resnet")
        status = (d["TrainingJobStatus"], d["SecondaryStatus"])
        if not seen or seen[-1] != status:
            seen.append(status)
        if not sagemaker_sim.advance_to_next("resnet")["changed"]:
            break
    assert seen == [("InProgress", "Starting"), ("InProgress", "Downloading"), ("InProgress", "Training"),
                    ("InProgress", "Interrupted"), ("InProgress", "Starting"), ("InProgress", "Downloading"),
                    ("InProgress", "Training"), ("InProgress", "Interrupted"), ("InProgress", "Starting"),
                    ("InProgress", "Downloading"), ("InProgress", "Training"), ("InProgress", "Uploading"),
                    ("Completed", "Completed")]
    assert d["BillableTimeInSeconds"] < d["TrainingTimeInSeconds"]


def test_stop_mid_training(sagemaker_sim):
    sm = sagemaker_sim.client()
    sm.create_training_job(**request("bert"))
    while sm.describe_training_job(TrainingJobName="bert")["SecondaryStatus"] != "Training":
        sagemaker_sim.advance_to_next("bert")
    sagemaker_sim.advance(300)
    sm.stop_training_job(TrainingJobName="bert")
    assert sm.describe_training_job(TrainingJobName="bert")["TrainingJobStatus"] == "Stopping"  # at once
    sagemaker_sim.advance(3600)
    d = sm.describe_training_job(TrainingJobName="bert")
    assert [e["Status"] for e in d["SecondaryStatusTransitions"]][-3:] == ["Stopping", "Uploading", "Stopped"]
    with pytest.raises(ClientError) as err:
        sm.stop_training_job(TrainingJobName="bert")
    assert err.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "The request was rejected because the training job is in status Stopped."}


def poll_moves_the_clock(sm, sagemaker_sim, name):
    """Each DescribeTrainingJob the waiter sends first moves the job to its next change."""
    def move(**_):
        sagemaker_sim.advance_to_next(name)  # and return nothing: the call goes on to the endpoint

    sm.meta.events.register("before-call.sagemaker.DescribeTrainingJob", move)


def test_the_waiter_ends_on_a_stopped_job(sagemaker_sim):
    sm = sagemaker_sim.client()
    sm.create_training_job(**request("stopped", "stopped-while-training"))
    poll_moves_the_clock(sm, sagemaker_sim, "stopped")
    sm.get_waiter("training_job_completed_or_stopped").wait(TrainingJobName="stopped",
                                                            WaiterConfig={"Delay": 0, "MaxAttempts": 60})
    assert sm.describe_training_job(TrainingJobName="stopped")["TrainingJobStatus"] == "Stopped"


def test_the_waiter_fails_on_a_failed_job(sagemaker_sim):
    sm = sagemaker_sim.client()
    sm.create_training_job(**request("failed", "algorithm-error"))
    poll_moves_the_clock(sm, sagemaker_sim, "failed")
    with pytest.raises(WaiterError, match="Failed"):
        sm.get_waiter("training_job_completed_or_stopped").wait(TrainingJobName="failed",
                                                                WaiterConfig={"Delay": 0, "MaxAttempts": 60})


def test_the_paginator_and_the_filters(sagemaker_sim):
    sm = sagemaker_sim.client()
    for i in range(23):
        sm.create_training_job(**request(f"exp-{i:02d}"))
        sagemaker_sim.advance(60)
    sm.stop_training_job(TrainingJobName="exp-05")
    pages = list(sm.get_paginator("list_training_jobs").paginate(PaginationConfig={"PageSize": 7}))
    assert [len(p["TrainingJobSummaries"]) for p in pages] == [7, 7, 7, 2]
    names = [s["TrainingJobName"] for p in pages for s in p["TrainingJobSummaries"]]
    assert names == [f"exp-{i:02d}" for i in range(23)]
    stopping = sm.list_training_jobs(StatusEquals="Stopping")["TrainingJobSummaries"]
    assert [s["TrainingJobName"] for s in stopping] == ["exp-05"]
    first = sm.describe_training_job(TrainingJobName="exp-10")["CreationTime"]
    window = sm.list_training_jobs(CreationTimeAfter=first, SortBy="Name", SortOrder="Descending")
    assert [s["TrainingJobName"] for s in window["TrainingJobSummaries"]][:3] == ["exp-22", "exp-21", "exp-20"]
    assert len(sm.list_training_jobs(NameContains="exp-1", MaxResults=100)["TrainingJobSummaries"]) == 10


def test_every_error_with_its_code_and_message(sagemaker_sim):
    sm = sagemaker_sim.client()
    sm.create_training_job(**request("taken"))
    cases = [
        (lambda: sm.describe_training_job(TrainingJobName="nope"), "ValidationException",
         "Requested resource not found."),
        (lambda: sm.stop_training_job(TrainingJobName="nope"), "ValidationException", "Requested resource not found."),
        (lambda: sm.create_training_job(**request("taken")), "ResourceInUse",
         "Training job names must be unique within an AWS account and region, and a training job with this name "
         "already exists (arn:aws:sagemaker:us-east-1:123456789012:training-job/taken)"),
    ]
    for call, code, message in cases:
        with pytest.raises(ClientError) as err:
            call()
        assert (err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]) == (code, message)
    with pytest.raises(sm.exceptions.ResourceInUse):
        sm.create_training_job(**request("taken"))
    # botocore validates names before sending; a raw client's bad name gets the service's words
    body = json.dumps(request("my_job")).encode()
    answer = post(sagemaker_sim.endpoint_url, "CreateTrainingJob", body)
    assert answer == (400, {"__type": "ValidationException", "message": (
        "1 validation error detected: Value 'my_job' at 'trainingJobName' failed to satisfy constraint: Member must "
        "satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")})


def test_injected_paths_for_a_ui_under_test(sagemaker_sim):
    sm = sagemaker_sim.client()
    sm.create_training_job(**request("ui", **SPOT))
    while sm.describe_training_job(TrainingJobName="ui")["SecondaryStatus"] != "Training":
        sagemaker_sim.advance_to_next("ui")
    sagemaker_sim.inject("ui", "interrupt")
    assert sm.describe_training_job(TrainingJobName="ui")["SecondaryStatus"] == "Interrupted"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed")
def test_the_aws_cli(sagemaker_sim):
    sagemaker_sim.client().create_training_job(**request("cli-job"))
    environment = {**os.environ, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y",
                   "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": os.devnull,
                   "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    out = subprocess.run(["aws", "sagemaker", "describe-training-job", "--training-job-name", "cli-job",
                          "--endpoint-url", sagemaker_sim.endpoint_url], capture_output=True, text=True,
                         env=environment, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["SecondaryStatus"] == "Starting"
    missing = subprocess.run(["aws", "sagemaker", "describe-training-job", "--training-job-name", "nope",
                              "--endpoint-url", sagemaker_sim.endpoint_url], capture_output=True, text=True,
                             env=environment, timeout=120)
    assert missing.returncode != 0 and "Requested resource not found." in missing.stderr


@pytest.mark.slow
def test_a_kill_9_mid_burst_loses_no_answered_request_and_a_restart_describes_as_before(tmp_path):
    state = tmp_path / "jobs.db"
    server, url = start_server(state)
    answered, stop = [], threading.Event()

    def burst():
        for i in range(10_000):
            if stop.is_set():
                return
            body = json.dumps(request(f"burst-{i:05d}")).encode()
            try:
                status, _ = post(url, "CreateTrainingJob", body)
            except OSError:
                return
            if status == 200:
                answered.append(f"burst-{i:05d}")

    worker = threading.Thread(target=burst)
    worker.start()
    deadline = time.monotonic() + 30  # a server that stops answering fails the test, not hangs it
    while len(answered) < 40 and worker.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    if len(answered) < 40:
        stop.set()
        server.kill()
        server.wait()
        worker.join(timeout=10)
        pytest.fail(f"the server answered {len(answered)} CreateTrainingJob requests, not 40, "
                    f"{'within 30 s' if worker.is_alive() else 'before the burst ended'}")
    server.send_signal(signal.SIGKILL)
    server.wait()
    stop.set()
    worker.join()
    server, url = start_server(state)  # the same state, wherever it listens now
    try:
        names = set()
        token = None
        while True:
            _, page = post(url, "ListTrainingJobs", json.dumps(
                {"MaxResults": 100, **({"NextToken": token} if token else {})}).encode())
            names |= {s["TrainingJobName"] for s in page["TrainingJobSummaries"]}
            token = page.get("NextToken")
            if token is None:
                break
        assert set(answered) <= names
        before = post(url, "DescribeTrainingJob", b'{"TrainingJobName": "burst-00000"}')
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
    server, url = start_server(state)  # and once more: the same answers
    try:
        assert post(url, "DescribeTrainingJob", b'{"TrainingJobName": "burst-00000"}') == before
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait()


def test_the_fixture_comes_from_the_installed_plugin(pytestconfig):
    assert pytestconfig.pluginmanager.has_plugin("tjsim")
    assert ROOT.joinpath("scenarios").is_dir()
