"""A scenario compiled once into what the engine and the snapshot read: a Monte Carlo sweep runs
one plan many times with different seeds, so nothing here is recomputed per run."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from . import service
from .distributions import Duration
from .engine.actions import Fail
from .engine.eras import ERAS, Era
from .scenario import DEFAULT_MAX_RUNTIME, Checkpoint, InterruptEvent, Lifecycle, Scenario, Settings, Spot, Timing

#: Rule groups: (configurations member, statuses member) of the DescribeTrainingJob response.
RULE_GROUPS = {"Debug": ("DebugRuleConfigurations", "DebugRuleEvaluationStatuses"),
               "Profiler": ("ProfilerRuleConfigurations", "ProfilerRuleEvaluationStatuses")}


@dataclass(frozen=True, slots=True)
class RulePlan:
    group: str  #: "Debug" or "Profiler"
    name: str
    result: str
    details: str | None


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
    events: tuple[Any, ...]  #: scenario events, by time
    metrics: tuple[tuple[str, float], ...]  #: in MetricDefinitions order
    rules: tuple[RulePlan, ...]
    rule_outcomes: dict[str, tuple[str, str | None]]  #: for rules an update adds
    model_artifacts: str


def partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def echo(job: dict[str, Any], era: Era) -> dict[str, Any]:
    """The CreateTrainingJob members DescribeTrainingJob returns, with what the service fills in
    when a request leaves them out [OBS: real describe output, docs/semantics.md]."""
    described = service.output_shape("DescribeTrainingJob").members
    out = {k: copy.deepcopy(v) for k, v in job.items() if k in described and k != "TrainingJobName"}
    out.setdefault("StoppingCondition", {}).setdefault("MaxRuntimeInSeconds", DEFAULT_MAX_RUNTIME)
    output = out["OutputDataConfig"]
    output.setdefault("KmsKeyId", "")
    if era.echoes_compression:  # a newer member: 2021 and 2023 output has none, 2025 output has it
        output.setdefault("CompressionType", "GZIP")
    for flag in ("EnableNetworkIsolation", "EnableInterContainerTrafficEncryption", "EnableManagedSpotTraining"):
        out.setdefault(flag, False)
    out["AlgorithmSpecification"].setdefault("EnableSageMakerMetricsTimeSeries", False)
    for channel in out.get("InputDataConfig", []):
        channel.setdefault("CompressionType", "None")
        channel.setdefault("RecordWrapperType", "None")
        s3 = channel.get("DataSource", {}).get("S3DataSource")
        if s3 is not None:
            s3.setdefault("S3DataDistributionType", "FullyReplicated")
    return out


def compile_plan(s: Scenario) -> Plan:
    """Compile a validated scenario: its request, lived with its own settings."""
    return compile_request(s.job, s)


def compile_request(job: dict[str, Any], s: Settings) -> Plan:
    """Compile a valid CreateTrainingJob request and the settings it lives with: how a scenario's
    job and a job created on the endpoint become the same kind of plan. A story's events and
    metrics that do not apply to this request (an interruption of an on-demand job, a metric it
    does not define) are left out."""
    era = ERAS[s.lifecycle.era]
    request = echo(job, era)
    algorithm = request["AlgorithmSpecification"]
    default_mode = algorithm["TrainingInputMode"]
    channels = request.get("InputDataConfig", [])
    downloads = any(c.get("InputMode", default_mode) == "File" for c in channels)
    stopping = request["StoppingCondition"]
    spot = bool(request["EnableManagedSpotTraining"])
    resources = request["ResourceConfig"]
    values = dict(s.metrics)
    metrics = tuple((m["Name"], values[m["Name"]]) for m in algorithm.get("MetricDefinitions", [])
                    if m["Name"] in values)
    configured = [(group, r["RuleConfigurationName"]) for group, (member, _) in RULE_GROUPS.items()
                  for r in job.get(member, [])]
    outcomes = {name: (rule.result, rule.details) for name, rule in s.rules.items()}
    rules = tuple(RulePlan(group, name, *outcomes.get(name, ("NoIssuesFound", None))) for group, name in configured)
    name = job["TrainingJobName"]
    return Plan(
        name=name,
        arn=f"arn:{partition(s.region)}:sagemaker:{s.region}:{s.account}:training-job/{name.lower()}",
        region=s.region, account=s.account, epoch=s.epoch.timestamp(), seed=s.seed, request=request,
        spot=spot, checkpointing="CheckpointConfig" in job, downloads=downloads,
        max_runtime=float(stopping["MaxRuntimeInSeconds"]),
        max_wait=float(stopping["MaxWaitTimeInSeconds"]) if spot and "MaxWaitTimeInSeconds" in stopping else None,
        max_pending=(float(stopping["MaxPendingTimeInSeconds"])
                     if "MaxPendingTimeInSeconds" in stopping and _accelerated(resources) else None),
        retries=job.get("RetryStrategy", {}).get("MaximumRetryAttempts", 0),
        instance_type=resources.get("InstanceType"), instance_count=_instance_count(resources),
        failure_clocks=tuple((kind, rate * _instance_count(resources) / 3600, Fail(kind))
                             for kind, rate in sorted(s.failures.items()) if rate > 0),
        keep_alive=resources.get("KeepAlivePeriodInSeconds", 0),
        warm_pool_key=None if spot or resources.get("InstanceGroups") else _warm_pool_key(s, request),
        timing=s.timing, starting=s.timing.starting if s.timing.starting is not None else era.starting,
        spot_config=s.spot, checkpoint=s.checkpoint, lifecycle=s.lifecycle, era=era,
        events=tuple(sorted((e for e in s.events if spot or not isinstance(e, InterruptEvent)), key=lambda e: e.at)),
        metrics=metrics, rules=rules,
        rule_outcomes=outcomes,
        model_artifacts=f"{job['OutputDataConfig']['S3OutputPath'].rstrip('/')}/{name}/output/model.tar.gz",
    )


def _instance_count(resources: dict[str, Any]) -> int:
    """Instances in the cluster: InstanceCount, or the sum over a heterogeneous cluster's groups."""
    groups = resources.get("InstanceGroups")
    if groups:
        return sum(group.get("InstanceCount", 0) for group in groups)
    return resources.get("InstanceCount", 1)


_ACCELERATED = re.compile(r"ml\.(p|g|trn)\d")


def _accelerated(resources: dict[str, Any]) -> bool:
    """[DOC, StoppingCondition] MaxPendingTimeInSeconds "takes effect only for jobs that request
    accelerated computing instance types, such as instances in the ml.p, ml.g, and ml.trn families"."""
    types = [resources.get("InstanceType"), *(g.get("InstanceType") for g in resources.get("InstanceGroups", [])),
             *(p.get("InstanceType") for p in resources.get("InstancePreferences", []))]
    return any(isinstance(t, str) and _ACCELERATED.match(t) for t in types)


def _warm_pool_key(s: Settings, request: dict[str, Any]) -> tuple[Any, ...]:
    """[DOC, AWS warm-pool guide, "Matching training jobs"] the values a later job must share."""
    resources, vpc = request["ResourceConfig"], request.get("VpcConfig", {})
    return (s.account, s.region, request["RoleArn"], resources.get("InstanceCount"), resources.get("InstanceType"),
            resources.get("VolumeKmsKeyId"), resources.get("VolumeSizeInGB"),
            tuple(sorted(vpc.get("SecurityGroupIds", ()))), tuple(sorted(vpc.get("Subnets", ()))),
            request["EnableInterContainerTrafficEncryption"], request["EnableNetworkIsolation"])


def outcome(plan: Plan, group: str, name: str) -> RulePlan:
    """The rule ``name`` of ``group`` with the outcome the scenario gives it (NoIssuesFound if none)."""
    result, details = plan.rule_outcomes.get(name, ("NoIssuesFound", None))
    return RulePlan(group, name, result, details)
