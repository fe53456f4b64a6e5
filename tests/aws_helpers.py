"""What the tests of the endpoint's AWS services share: an in-process mock with the shipped
scenarios, boto3 clients for it, and a job request. Test modules import these from here."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import boto3

from simulator.server.inprocess import SimulatedAWS

from .factories import JOB

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
GROUP = "/aws/sagemaker/TrainingJobs"
REGION = "us-east-1"


def mock(**settings: Any) -> SimulatedAWS:
    return SimulatedAWS(scenarios=SCENARIOS, **settings)


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")


def job(name: str, *, instances: int = 1, scenario: str | None = None, **members: Any) -> dict[str, Any]:
    request = copy.deepcopy(JOB)
    request["TrainingJobName"] = name
    request["ResourceConfig"]["InstanceCount"] = instances
    request["AlgorithmSpecification"]["MetricDefinitions"] = [
        {"Name": "train:loss", "Regex": "loss=([0-9.]+)"}, {"Name": "validation:accuracy", "Regex": "acc: (\\S+)"}]
    if scenario:
        request["Tags"] = [{"Key": "tjsim:scenario", "Value": scenario}]
    request.update(members)
    return request


def run_to_end(aws: SimulatedAWS, sm: Any, name: str) -> dict[str, Any]:
    """Move the clock until the job is finished; its last description."""
    while sm.describe_training_job(TrainingJobName=name)["TrainingJobStatus"] in ("InProgress", "Stopping"):
        aws.next(name)
    return sm.describe_training_job(TrainingJobName=name)
