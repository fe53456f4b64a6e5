"""The AWS CLI, where installed, against the endpoint's logs, metrics, tags and identity — sent there
by ``AWS_ENDPOINT_URL`` alone, as a user's shell would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

import pytest

from .aws_helpers import GROUP, job


def version() -> str:
    """What ``aws --version`` prints, or "" when no working AWS CLI is on the PATH."""
    if shutil.which("aws") is None:
        return ""
    try:
        out = subprocess.run(["aws", "--version"], capture_output=True, text=True, timeout=60)
    except OSError:
        return ""
    return (out.stdout + out.stderr).strip() if out.returncode == 0 else ""


VERSION = version()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not VERSION, reason="the AWS CLI is not installed")]


def aws(sim, *arguments: str, check: bool = True) -> Any:
    environment = {**os.environ, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y",
                   "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": os.devnull,
                   "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_ENDPOINT_URL": sim.endpoint_url,
                   "AWS_PAGER": ""}
    out = subprocess.run(["aws", *arguments], capture_output=True, text=True, env=environment, timeout=120)
    if not check:
        return out
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if out.stdout.startswith("{") else out.stdout


@pytest.fixture
def finished(sagemaker_sim):
    """A two-instance job run to its end on the endpoint."""
    sm = sagemaker_sim.client()
    sm.create_training_job(**job("cli", instances=2, Tags=[{"Key": "team", "Value": "vision"}]))
    while sm.describe_training_job(TrainingJobName="cli")["TrainingJobStatus"] == "InProgress":
        sagemaker_sim.advance_to_next("cli")
    return sm.describe_training_job(TrainingJobName="cli")


def test_logs_streams_events_and_filter(sagemaker_sim, finished):
    streams = aws(sagemaker_sim, "logs", "describe-log-streams", "--log-group-name", GROUP,
                  "--log-stream-name-prefix", "cli/")["logStreams"]
    assert [s["logStreamName"].rsplit("-", 1)[0] for s in streams] == ["cli/algo-1", "cli/algo-2"]
    events = aws(sagemaker_sim, "logs", "get-log-events", "--log-group-name", GROUP, "--log-stream-name",
                 streams[0]["logStreamName"], "--start-from-head")["events"]
    assert events[-1]["message"].endswith("Reporting training SUCCESS")
    matched = aws(sagemaker_sim, "logs", "filter-log-events", "--log-group-name", GROUP,
                  "--log-stream-name-prefix", "cli/", "--filter-pattern", "SUCCESS")["events"]
    assert sorted(e["logStreamName"] for e in matched) == sorted(s["logStreamName"] for s in streams)
    missing = aws(sagemaker_sim, "logs", "get-log-events", "--log-group-name", GROUP, "--log-stream-name",
                  "cli/algo-9-1", check=False)
    assert missing.returncode != 0 and "ResourceNotFoundException" in missing.stderr


@pytest.mark.skipif(not VERSION.startswith("aws-cli/2"), reason="aws logs tail is the AWS CLI v2's")
def test_logs_tail(sagemaker_sim, finished):
    out = aws(sagemaker_sim, "logs", "tail", GROUP, "--log-stream-name-prefix", "cli/", "--since",
              finished["CreationTime"].isoformat(), "--format", "short")
    assert out.count("Reporting training SUCCESS") == 2


def test_metrics_tags_and_identity(sagemaker_sim, finished):
    final = {m["MetricName"]: m["Value"] for m in finished["FinalMetricDataList"]}
    end = finished["TrainingEndTime"]
    statistics = aws(sagemaker_sim, "cloudwatch", "get-metric-statistics", "--namespace", GROUP,
                     "--metric-name", "train:loss", "--dimensions", "Name=Host,Value=cli/algo-1",
                     "--start-time", finished["CreationTime"].isoformat(), "--end-time",
                     end.isoformat(), "--period", "60", "--statistics", "Minimum")["Datapoints"]
    assert min(p["Minimum"] for p in statistics) == pytest.approx(final["train:loss"])
    tags = aws(sagemaker_sim, "sagemaker", "list-tags", "--resource-arn", finished["TrainingJobArn"])["Tags"]
    assert tags == [{"Key": "team", "Value": "vision"}]
    assert aws(sagemaker_sim, "sts", "get-caller-identity")["Account"] == "123456789012"
    role = aws(sagemaker_sim, "iam", "get-role", "--role-name", "SageMakerRole")["Role"]
    assert "sagemaker.amazonaws.com" in json.dumps(role["AssumeRolePolicyDocument"])
