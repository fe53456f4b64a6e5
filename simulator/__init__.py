"""tjsim: a simulator of AWS SageMaker training jobs.

The lifecycle runs as a ``transitions`` state machine under a ``simpy`` clock; at any simulated
instant a job answers with the full DescribeTrainingJob response a real client would receive.
"""

from .errors import InvalidAction, ResourceNotFound, ScenarioError, TjsimError
from .job import Job
from .plan import Plan, compile_plan
from .replay import Replay, replay
from .scenario import Scenario, load, parse
from .simulation import Simulation
from .snapshot import describe, to_boto3

__all__ = ["InvalidAction", "Job", "Plan", "Replay", "ResourceNotFound", "Scenario", "ScenarioError",
           "Simulation", "TjsimError", "compile_plan", "describe", "load", "parse", "replay", "to_boto3"]
