"""tjsim: a simulator of AWS SageMaker training jobs.

The lifecycle runs as a ``transitions`` state machine under a ``simpy`` clock; at any simulated
instant a job answers with the full DescribeTrainingJob response a real client would receive.
"""

from .engine.job import Job
from .engine.simulation import Simulation
from .engine.snapshot import describe, to_boto3
from .errors import InvalidAction, ResourceInUse, ResourceNotFound, ScenarioError, TjsimError
from .loading import load, parse
from .plan import Plan, compile_plan
from .replay import Replay, replay
from .scenario import Scenario

__all__ = ["InvalidAction", "Job", "Plan", "Replay", "ResourceInUse", "ResourceNotFound", "Scenario",
           "ScenarioError", "Simulation", "TjsimError", "compile_plan", "describe", "load", "parse", "replay",
           "to_boto3"]
