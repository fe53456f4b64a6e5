"""What the engine runs: a job compiled once into plain, frozen data. A Monte Carlo sweep runs one
plan many times with different seeds, so nothing here is recomputed per run.

The engine owns these types and never reads the scenario format: the format's pydantic models and
the endpoint's requests are turned into them by :mod:`simulator.compile`, the one module that
builds a Plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..distributions import Distribution, Duration
from .actions import Action, Fail
from .eras import Era

#: Rule groups: (configurations member, statuses member) of the DescribeTrainingJob response.
RULE_GROUPS = {"Debug": ("DebugRuleConfigurations", "DebugRuleEvaluationStatuses"),
               "Profiler": ("ProfilerRuleConfigurations", "ProfilerRuleEvaluationStatuses")}


@dataclass(frozen=True, slots=True)
class Timing:
    """How long each phase takes (see the scenario's ``timing:`` section for what each means)."""

    starting: Duration | None
    warm_starting: Duration
    downloading: Duration
    image_pull: Duration
    training: Duration
    uploading: Duration
    sigterm_save: Duration
    stopping: Duration
    interrupted: Duration
    capacity_wait: Duration
    restarting: Duration
    updating: Duration
    rule_evaluation: Duration
    rule_stopping: Duration
    pending: Duration | None
    final_write: Duration
    last_metric: Duration


@dataclass(frozen=True, slots=True)
class Spot:
    """Managed spot behaviour."""

    price_ratio: float | Distribution
    #: a job of N instances is interrupted N times as often; a distribution is drawn once per job
    interruptions_per_instance_hour: float | Distribution
    interruptions_scale: float  #: a factor on that rate (1.0: as given)
    first_capacity_wait: Duration
    capacity: Literal["available", "never"]
    capacity_for: Literal["job", "each_instance"]  #: one capacity wait for the job, or one per instance


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Checkpoints every ``interval`` training seconds, each taking ``write`` seconds to write."""

    interval: float
    write: float


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """The service's behaviours that changed over time or are inferred (docs/semantics.md)."""

    restarting_on_retry: bool
    stop_upload: Literal["uploading", "stopping", "none"]
    stop_upload_primary: Literal["Stopping", "InProgress"]
    pending_capacity_limit: float | None


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """How one Debugger or Profiler rule evaluation ends."""

    group: str  #: "Debug" or "Profiler"
    name: str
    result: str
    details: str | None


@dataclass(frozen=True, slots=True)
class Scheduled:
    """An action due ``at`` seconds after the job's creation: the ``index``-th event of its scenario."""

    at: float
    action: Action
    index: int


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything fixed about one job before it runs."""

    name: str
    arn: str
    region: str
    account: str
    epoch: float  #: CreationTime, epoch seconds
    seed: int
    request: dict[str, Any]  #: the request members DescribeTrainingJob echoes, service defaults filled in
    spot: bool
    checkpointing: bool
    downloads: bool  #: File input mode on some channel: a Downloading phase
    max_runtime: float
    max_wait: float | None
    max_pending: float | None
    retries: int
    instance_type: str | None
    instance_count: int
    #: random failures: (kind, rate per second of instance time for the whole cluster, the event)
    failure_clocks: tuple[tuple[str, float, Fail], ...]
    keep_alive: int  #: ResourceConfig.KeepAlivePeriodInSeconds (0: no warm pool)
    #: what a later job must match to take over this job's warm pool; None where none can be used
    warm_pool_key: tuple[Any, ...] | None
    timing: Timing
    starting: Duration  #: Starting's duration: the scenario's, else the era's
    spot_config: Spot
    checkpoint: Checkpoint  #: used when ``checkpointing``
    lifecycle: Lifecycle
    era: Era
    events: tuple[Scheduled, ...]  #: by time
    metrics: tuple[tuple[str, float], ...]  #: in MetricDefinitions order
    rules: tuple[RuleOutcome, ...]
    rule_outcomes: dict[str, tuple[str, str | None]]  #: for rules an update adds
    model_artifacts: str

    def rule(self, group: str, name: str) -> RuleOutcome:
        """The rule ``name`` of ``group`` with the outcome the scenario gives it (NoIssuesFound if none)."""
        result, details = self.rule_outcomes.get(name, ("NoIssuesFound", None))
        return RuleOutcome(group, name, result, details)


def partition(region: str) -> str:
    """The ARN partition of ``region``."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"
