"""The rules the service enforces on a CreateTrainingJob request: botocore's input shape, in the
service's own words where they are known, plus the cross-field rules no shape states, and the
scenario's references into the request."""

from __future__ import annotations

from typing import Any

from .. import service, shapes
from ..defaults import DEFAULT_MAX_RUNTIME, MAX_RUNTIME_LIMIT
from ..limits import MAX_SECONDS
from .events import InterruptEvent, UpdateEvent
from .scenario import Scenario
from .settings import Lifecycle

P = shapes.Problem


def request_problems(job: dict[str, Any]) -> list[shapes.Problem]:
    """The request against botocore's CreateTrainingJob shape (each problem the service reports also
    in its words: :meth:`shapes.Problem.service_text`), and the members a training job on instances needs."""
    problems = shapes.validate(job, service.input_shape("CreateTrainingJob"), prefix="job")
    for member in ("AlgorithmSpecification", "ResourceConfig"):
        if member not in job:
            problems.append(P(f"job.{member}", "required member is missing (the service needs it for a "
                                               "training job that runs on instances)"))
    return problems


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def cross_field_problems(s: Scenario) -> list[shapes.Problem]:
    """Rules the service enforces across fields, and the scenario's references into the request.
    Written to hold whatever shape problems the request has, so that all are reported at once."""
    return service_problems(s.job, s.lifecycle) + _reference_problems(s)


def service_problems(job: dict[str, Any], lifecycle: Lifecycle) -> list[shapes.Problem]:
    """The rules the service enforces across a CreateTrainingJob request's fields (the endpoint
    applies these too)."""
    problems = []
    # a member of the wrong type is the shape's problem: the rules that need it are skipped (None)
    spot_member = job.get("EnableManagedSpotTraining", False)
    spot = spot_member if isinstance(spot_member, bool) else None
    stopping_member = job.get("StoppingCondition", {})
    stopping = stopping_member if isinstance(stopping_member, dict) else None
    if stopping is None:  # the shape's problem; the rules below need it
        stopping, spot = {}, None
    runtime = _integer(stopping.get("MaxRuntimeInSeconds", DEFAULT_MAX_RUNTIME))
    wait = _integer(stopping.get("MaxWaitTimeInSeconds"))
    if runtime is not None and runtime > MAX_RUNTIME_LIMIT:
        problems.append(P("job.StoppingCondition.MaxRuntimeInSeconds", f"value {runtime} exceeds the maximum of "
                          f"{MAX_RUNTIME_LIMIT} (28 days)"))
    if wait is not None and spot is False:
        problems.append(P("job.StoppingCondition.MaxWaitTimeInSeconds", "Invalid MaxWaitTimeInSeconds. It is "
                          "only supported when EnableManagedSpotTraining is set to true"))
    elif spot and wait is not None and runtime is not None and wait < runtime:
        problems.append(P("job.StoppingCondition.MaxWaitTimeInSeconds", f"must be greater than or equal to "
                          f"MaxRuntimeInSeconds ({runtime})"))
    elif wait is not None and wait > MAX_SECONDS:
        problems.append(P("job.StoppingCondition.MaxWaitTimeInSeconds", f"value {wait} is beyond what tjsim "
                          f"simulates ({MAX_SECONDS:.0f} s)"))
    if spot and "MaxWaitTimeInSeconds" not in stopping and lifecycle.require_max_wait_for_spot:
        problems.append(P("job.StoppingCondition.MaxWaitTimeInSeconds", "required with "
                          "EnableManagedSpotTraining (set lifecycle.require_max_wait_for_spot: false to wait "
                          "without a limit)"))
    resources = _mapping(job.get("ResourceConfig"))
    if _integer(resources.get("InstanceCount")) == 0 and not resources.get("InstanceGroups"):
        problems.append(P("job.ResourceConfig.InstanceCount", "a training job needs at least one instance"))
    return problems


def update_problems(changes: dict[str, Any], configured: set[str]) -> list[shapes.Problem]:
    """An UpdateTrainingJob request's changes (without TrainingJobName) against botocore's shape,
    and the rule the service adds: a profiler rule already configured (``configured`` names the
    job's rules) cannot be added again. The scenario loader and the endpoint both ask this."""
    if "TrainingJobName" in changes:
        return [P("TrainingJobName", "not a change: the job updated is the one the event or request is for")]
    request = {"TrainingJobName": "x", **changes}
    found = shapes.validate(request, service.input_shape("UpdateTrainingJob"))
    if found:
        return found
    problems, names = [], set(configured)
    for k, rule in enumerate(changes.get("ProfilerRuleConfigurations", [])):
        name = rule["RuleConfigurationName"]
        if name in names:
            problems.append(P(f"ProfilerRuleConfigurations[{k}].RuleConfigurationName",
                              f"a rule named {name!r} is already configured"))
        names.add(name)
    return problems


def _reference_problems(s: Scenario) -> list[shapes.Problem]:
    """The scenario's references into its request: events, metrics and rule outcomes."""
    problems = []
    job = s.job
    if not s.spot_enabled:  # the spot: section describes the spot market, which an on-demand job never meets
        for i, event in enumerate(s.events):
            if isinstance(event, InterruptEvent):
                problems.append(P(f"events[{i}]", "a spot interruption needs job.EnableManagedSpotTraining: true"))
    metric_names = {m.get("Name") for m in _items(_mapping(job.get("AlgorithmSpecification")).get("MetricDefinitions"))}
    for metric in s.metrics:
        if metric not in metric_names:
            hint = shapes.did_you_mean(metric, metric_names)
            hint = f" ({hint})" if hint else ""
            problems.append(P(f"metrics.{metric}", f"not in job.AlgorithmSpecification.MetricDefinitions{hint}"))
    rule_names = {r.get("RuleConfigurationName") for key in ("DebugRuleConfigurations", "ProfilerRuleConfigurations")
                  for r in _items(job.get(key))}
    for i, event in enumerate(s.events):
        if isinstance(event, UpdateEvent):
            found = update_problems(event.changes, rule_names)
            problems += [p.within(f"events[{i}].changes") for p in found]
            if not found:
                rule_names |= {r["RuleConfigurationName"] for r in event.changes.get("ProfilerRuleConfigurations", [])}
    for rule in s.rules:
        if rule not in rule_names:
            problems.append(P(f"rules.{rule}", "not a RuleConfigurationName of the job's Debug or Profiler rules"))
    return problems


