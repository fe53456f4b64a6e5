"""A scenario, or a request and the settings it lives with, compiled into the engine's
:class:`~.engine.plan.Plan`: the one module that reads both the scenario format and the engine's
types. A Monte Carlo sweep compiles once and runs the plan many times."""

from __future__ import annotations

import re
from dataclasses import fields
from functools import cache
from typing import Any

from . import service, shapes
from .defaults import DEFAULT_MAX_RUNTIME
from .engine import plan as engine
from .engine.actions import Fail
from .engine.eras import ERAS, Era
from .engine.plan import RULE_GROUPS, Plan, RuleOutcome, Scheduled, partition
from .format.events import InterruptEvent
from .format.scenario import Scenario, Settings


def echo(job: dict[str, Any], era: Era, *, owned: bool = False) -> dict[str, Any]:
    """The CreateTrainingJob members DescribeTrainingJob returns, with what the service fills in
    when a request leaves them out [OBS: real describe output, docs/semantics.md]. ``owned``: the
    caller gives ``job`` away (a request read from a journal), so its values are used, not copied."""
    described = service.output_shape("DescribeTrainingJob").members
    out = {k: v if owned else shapes.copied(v) for k, v in job.items() if k in described and k != "TrainingJobName"}
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


def compile_request(job: dict[str, Any], s: Settings, *, owned: bool = False,
                    made: dict[int, tuple[Any, Any]] | None = None) -> Plan:
    """Compile a valid CreateTrainingJob request and the settings it lives with: how a scenario's
    job and a job created on the endpoint become the same kind of plan. A story's events and
    metrics that do not apply to this request (an interruption of an on-demand job, a metric it
    does not define) are left out. ``owned``: ``job`` is the caller's no more, and may be kept and
    filled in rather than copied (a restart's replay: a fifth of its compile time was copying).
    ``made``: the engine's sections already made from settings sections, kept by a caller that
    compiles many jobs sharing their story's sections and never changes them (a replay); their plans
    then share them too."""
    era = ERAS[s.lifecycle.era]
    request = echo(job, era, owned=owned)
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
    rules = tuple(RuleOutcome(group, name, *outcomes.get(name, ("NoIssuesFound", None))) for group, name in configured)
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
        timing=_as(engine.Timing, s.timing, made),
        starting=s.timing.starting if s.timing.starting is not None else era.starting,
        spot_config=_as(engine.Spot, s.spot, made), checkpoint=_as(engine.Checkpoint, s.checkpoint, made),
        lifecycle=_as(engine.Lifecycle, s.lifecycle, made), era=era,
        events=tuple(sorted((Scheduled(e.at, e.action(), i) for i, e in enumerate(s.events)
                             if spot or not isinstance(e, InterruptEvent)), key=lambda e: e.at)),
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



def _as(kind: type, section: Any, made: dict[int, tuple[Any, Any]] | None = None) -> Any:
    """The engine's dataclass ``kind`` with the values of the scenario section of the same fields (the
    one already ``made`` from that very section, if any)."""
    if made is not None and (found := made.get(id(section))) is not None and found[0] is section:
        return found[1]
    value = kind(**{name: getattr(section, name) for name in _names(kind)})
    if made is not None:
        made[id(section)] = (section, value)  # the section kept with it: its id is not another's meanwhile
    return value


@cache
def _names(kind: type) -> tuple[str, ...]:
    """An engine dataclass's field names."""
    return tuple(f.name for f in fields(kind))
