"""Histories for the fleet what-if tests: jobs lived by the engine with settings the test knows,
described and written as the AWS CLI prints them, and fleet files over them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from simulator import service, shapes
from simulator.compile import compile_request
from simulator.engine import snapshot
from simulator.engine.simulation import Simulation
from simulator.fleet.example import dumps
from simulator.format.overlay import deep_merge
from simulator.format.scenario import Settings

ORIGIN = 1_793_491_200.0  #: 2026-11-01T00:00:00Z
#: every phase a constant: a replay with the same settings lives the job again, to the second
STEADY = {"starting": 60, "downloading": 30, "uploading": 20, "image_pull": 0}


def request(name: str, **changes: Any) -> dict[str, Any]:
    base = {
        "TrainingJobName": name,
        "RoleArn": "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole",
        "AlgorithmSpecification": {"TrainingImage": "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3",
                                   "TrainingInputMode": "File"},
        "InputDataConfig": [{"ChannelName": "training", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": "s3://acme/train/"}}}],
        "OutputDataConfig": {"S3OutputPath": "s3://acme/models/"},
        "ResourceConfig": {"InstanceType": "ml.g5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 50},
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
    }
    return deep_merge(base, changes)


def history(path: Path, jobs: list[tuple[float, dict[str, Any], dict[str, Any]]]) -> Path:
    """``jobs`` — (created at, request, settings) — lived on one clock and written as JSONL to ``path``."""
    simulation = Simulation(origin=ORIGIN)
    for at, job, settings in sorted(jobs, key=lambda j: j[0]):
        simulation.advance_to(at)
        simulation.submit(compile_request(job, Settings.model_validate(settings)))
    simulation.run()
    output = service.output_shape("DescribeTrainingJob")
    lines = [dumps(shapes.parse_wire(snapshot.describe(job), output)) for job in simulation.jobs.values()]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def steady(training: float, **settings: Any) -> dict[str, Any]:
    """Settings with every phase a constant and ``training`` seconds of training."""
    return deep_merge({"timing": {**STEADY, "training": training}}, settings)


def fleet_file(folder: Path, history_name: str = "history.jsonl", **sections: Any) -> Path:
    """A fleet file over ``history_name``: ``sections`` laid over steady timing and an as-run variant."""
    data = deep_merge({"seed": 5, "fleet": {"history": history_name}, "timing": dict(STEADY),
                       "whatif": {"baseline": "as run", "variants": [{"name": "as run"}]}}, sections)
    path = folder / "fleet.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
