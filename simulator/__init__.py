"""tjsim: a simulator of AWS SageMaker training jobs.

The lifecycle runs as a ``transitions`` state machine under a ``simpy`` clock; at any simulated
instant a job answers with the full DescribeTrainingJob response a real client would receive.
"""

from .engine.job import Job
from .engine.outcome import Outcome, simulate
from .engine.simulation import Simulation
from .engine.snapshot import describe, to_boto3
from .engine.streams import Streams
from .errors import HistoryNotKept, InvalidAction, ResourceInUse, ResourceNotFound, ScenarioError, TjsimError
from .loading import load, parse
from .plan import Plan, compile_plan
from .replay import Replay, replay
from .scenario import Scenario

__all__ = ["HistoryNotKept", "InvalidAction", "Job", "Outcome", "Plan", "Replay", "ResourceInUse", "ResourceNotFound",
           "Scenario", "ScenarioError", "Simulation", "Streams", "TjsimError", "compile_plan", "describe", "load",
           "parse", "replay", "simulate", "to_boto3"]
