"""A history tjsim makes: a fleet's jobs, each lived by the engine with its own request and draws,
described once it ended, in the form ``aws sagemaker describe-training-job`` prints (ISO 8601 times).
The shipped example (``scenarios/history/example-fleet.jsonl``) is made from the parameters beside it:

    python -m simulator.fleet.example scenarios/history/example-fleet.yaml > scenarios/history/example-fleet.jsonl

The same parameters give the same history, byte for byte.
"""

from __future__ import annotations

import json
import math
import random
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from .. import service, shapes
from ..compile import compile_request
from ..distributions import Distribution
from ..engine import snapshot
from ..engine.simulation import Simulation
from ..format.events import FailureKind
from ..format.scenario import Settings
from ..format.settings import Era

_STRICT = ConfigDict(extra="forbid")
_OUTPUT = service.output_shape("DescribeTrainingJob")


class FleetType(BaseModel):
    """The jobs of one instance type: their share of the fleet, and how they live."""

    model_config = _STRICT
    instance_type: str
    share: Annotated[float, Field(gt=0, le=1)]
    instance_count: Annotated[int, Field(ge=1, le=100)] = 1
    spot_share: Annotated[float, Field(ge=0, le=1)] = 0.0
    era: Era = "2024+"
    training: float | Distribution
    interruptions_per_instance_hour: Annotated[float, Field(ge=0, le=100)] = 0.0
    failures: dict[FailureKind, Annotated[float, Field(ge=0, le=10)]] = {}


class FleetSpec(BaseModel):
    """What a generated history is made from (``scenarios/history/example-fleet.yaml``)."""

    model_config = _STRICT
    seed: Annotated[int, Field(ge=0)]
    start: datetime
    days: Annotated[float, Field(gt=0, le=366)]
    jobs: Annotated[int, Field(ge=1, le=100_000)]
    name_prefix: Annotated[str, Field(pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,30}$")]
    region: str = "us-east-1"
    account: Annotated[str, Field(pattern=r"^\d{12}$")] = "123456789012"
    types: Annotated[list[FleetType], Field(min_length=1)]


def responses(spec: FleetSpec) -> Iterator[dict[str, Any]]:
    """The fleet's jobs, each described once it ended (boto3's form: datetimes), in creation order."""
    rng = random.Random(spec.seed)
    sim = Simulation(origin=spec.start.timestamp())
    gap = spec.days * 86400 / spec.jobs  # the mean time between two creations
    weights = [t.share for t in spec.types]
    at = 0.0
    for index in range(spec.jobs):
        at += rng.expovariate(1 / gap)
        sim.advance_to(math.floor(at))
        kind = rng.choices(spec.types, weights)[0]
        spot = rng.random() < kind.spot_share
        name = f"{spec.name_prefix}-{kind.instance_type.split('.')[1]}-{index:05d}"
        sim.submit(compile_request(_request(name, kind, spot, spec), _settings(kind, spec, rng)))
    sim.run()
    for job in sim.jobs.values():
        yield shapes.parse_wire(snapshot.describe(job), _OUTPUT)


def _request(name: str, kind: FleetType, spot: bool, spec: FleetSpec) -> dict[str, Any]:
    stopping = {"MaxRuntimeInSeconds": 5 * 86400}
    request: dict[str, Any] = {
        "TrainingJobName": name,
        "RoleArn": f"arn:aws:iam::{spec.account}:role/service-role/AmazonSageMaker-ExecutionRole",
        "AlgorithmSpecification": {"TrainingImage": f"763104351884.dkr.ecr.{spec.region}.amazonaws.com/"
                                   "pytorch-training:2.3.0-gpu-py311-cu121-ubuntu20.04-sagemaker",
                                   "TrainingInputMode": "File"},
        "InputDataConfig": [{"ChannelName": "training", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": f"s3://{spec.name_prefix}-ml/datasets/train/"}}}],
        "OutputDataConfig": {"S3OutputPath": f"s3://{spec.name_prefix}-ml/models/"},
        "ResourceConfig": {"InstanceType": kind.instance_type, "InstanceCount": kind.instance_count,
                           "VolumeSizeInGB": 100},
        "StoppingCondition": stopping,
        "Tags": [{"Key": "team", "Value": spec.name_prefix}],
    }
    if spot:
        stopping["MaxWaitTimeInSeconds"] = 2 * stopping["MaxRuntimeInSeconds"]
        request["EnableManagedSpotTraining"] = True
        request["CheckpointConfig"] = {"S3Uri": f"s3://{spec.name_prefix}-ml/checkpoints/{name}/"}
    return request


def _settings(kind: FleetType, spec: FleetSpec, rng: random.Random) -> Settings:
    return Settings.model_validate({
        "seed": rng.getrandbits(62), "region": spec.region, "account": spec.account,
        "timing": {"training": kind.training if isinstance(kind.training, float | int) else
                   kind.training.model_dump()},
        "spot": {"interruptions_per_instance_hour": kind.interruptions_per_instance_hour},
        "checkpoint": {"interval": 1800.0, "write": 30.0},
        "lifecycle": {"era": kind.era}, "failures": dict(kind.failures)})


def dumps(response: dict[str, Any]) -> str:
    """One line of JSON, as the AWS CLI writes a response: times in ISO 8601 with their offset."""
    return json.dumps(response, default=lambda value: value.isoformat(), separators=(",", ":"))


def load(path: str | Path) -> FleetSpec:
    return FleetSpec.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


if __name__ == "__main__":
    for response in responses(load(sys.argv[1])):
        sys.stdout.write(dumps(response) + "\n")
