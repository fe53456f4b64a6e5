"""What the endpoint's in-process tests share: a backend on a manual clock serving the shipped
stories, a CreateTrainingJob request, and a describe read as JSON."""

from __future__ import annotations

import copy
import json
from typing import Any

from simulator.server.backend import Backend
from simulator.server.sagemaker import describe_training_job
from simulator.server.stories import Stories

from .conftest import ROOT
from .factories import JOB

ORIGIN = 1_735_689_600.0  # 2025-01-01T00:00:00Z


def backend(**kwargs: Any) -> Backend:
    return Backend(stories=Stories(ROOT / "scenarios"), origin=ORIGIN, **kwargs)


def request(name: str = "job-1", **members: Any) -> dict[str, Any]:
    """The factories' job as a CreateTrainingJob request named ``name``, with ``members`` changed."""
    return {**copy.deepcopy(JOB), "TrainingJobName": name, **members}


def describe(b: Backend, name: str = "job-1") -> dict[str, Any]:
    return json.loads(describe_training_job(b, {"TrainingJobName": name}))
