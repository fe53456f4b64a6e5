"""The DescribeTrainingJob response of a job at any simulated instant, built member by member from
the job's history (never by reflecting objects), in the wire form and in boto3's form."""

from __future__ import annotations

import json
import math
from typing import Any

from .. import service, shapes
from ..errors import HistoryNotKept
from . import record
from .job import Job
from .plan import RULE_GROUPS
from .statuses import PRIMARY_OF, TERMINAL, Secondary

_OUTPUT = service.output_shape("DescribeTrainingJob")
_ORDER = {name: i for i, name in enumerate(_OUTPUT.members)}
_MERGED = ("ProfilerConfig", "ResourceConfig", "RemoteDebugConfig")  # UpdateTrainingJob merges these


def describe(job: Job, at: float | None = None, *, transitions: bool = True) -> dict[str, Any]:
    """The wire-form (JSON) response as of ``at`` seconds after the job's creation (default: now).

    Timestamps are epoch seconds with milliseconds, exactly what the HTTP API sends
    (``transitions=False``: without SecondaryStatusTransitions, see :func:`from_view`).

    Raises:
        ValueError: ``at`` lies in the simulation's future, or before the job existed.
        HistoryNotKept: the job was run with ``record=False``.
    """
    if job.quiet:
        raise HistoryNotKept(job.plan.name)
    now = job.env.now - job.created
    at = now if at is None else at
    if at > now or at < 0:
        raise ValueError(f"cannot describe t={at:g}: the job exists from t=0 and the clock is at t={now:g}")
    return from_view(job, job.history.view(at), transitions=transitions)


def from_view(job: Job, view: record.View, *, transitions: bool = True) -> dict[str, Any]:
    """The wire-form response of ``job`` as ``view`` shows it (``transitions=False`` leaves out
    SecondaryStatusTransitions, the one member that grows with the job's history)."""
    plan = job.plan
    base = job.origin + job.created

    def ts(t: float) -> float:
        return round(base + t, 3)

    status = Secondary(view.status)
    out: dict[str, Any] = shapes.copied(plan.request)
    for changes in view.updates:
        _apply_update(out, changes)
    out.update({
        "TrainingJobName": plan.name,
        "TrainingJobArn": plan.arn,
        "TrainingJobStatus": view.primary or str(PRIMARY_OF[status]),
        "SecondaryStatus": str(status),
        "CreationTime": ts(0.0),
        "LastModifiedTime": ts(view.last_modified),
        "ProfilingStatus": _profiling_status(out.get("ProfilerConfig")),
    })
    if transitions:
        out["SecondaryStatusTransitions"] = _transitions(view, status in TERMINAL, ts)
    if view.artifacts:  # [OBS] absent until the model upload begins, although the shape requires it
        out["ModelArtifacts"] = {"S3ModelArtifacts": plan.model_artifacts}
    if view.failure_reason is not None:
        out["FailureReason"] = view.failure_reason
    if view.training_start is not None:
        out["TrainingStartTime"] = ts(view.training_start)
    if view.training_end is not None:
        out["TrainingEndTime"] = ts(view.training_end)
    if view.billing is not None:
        out["TrainingTimeInSeconds"], out["BillableTimeInSeconds"] = view.billing
    if view.metrics_at is not None:  # [OBS] emitted during training, in whole seconds
        emitted = float(math.floor(base + view.metrics_at))
        out["FinalMetricDataList"] = [{"MetricName": name, "Value": value, "Timestamp": emitted}
                                      for name, value in plan.metrics]
    if view.warm_pool is not None:
        pool_status, retained, reused_by = view.warm_pool
        pool: dict[str, Any] = {"Status": pool_status}
        if retained is not None:
            pool["ResourceRetainedBillableTimeInSeconds"] = retained
        if reused_by is not None:
            pool["ReusedByJob"] = reused_by
        out["WarmPoolStatus"] = pool
    for group, (_, member) in RULE_GROUPS.items():
        statuses = [_rule(name, rule, ts) for (g, name), rule in view.rules.items() if g == group]
        if statuses:
            out[member] = statuses
    return {key: out[key] for key in sorted(out, key=lambda k: _ORDER.get(k, len(_ORDER)))}


def wire_json(job: Job) -> bytes:
    """The present response as JSON bytes, as the endpoint sends it; computed again only when the
    job's history has grown since the last call, so polling a job costs a lookup."""
    return job.history.wire(lambda: json.dumps(describe(job), separators=(",", ":")).encode())


def to_boto3(wire: dict[str, Any]) -> dict[str, Any]:
    """The response as boto3 returns it (datetimes), parsed by botocore itself."""
    return shapes.parse_wire(wire, _OUTPUT)


def _transitions(view: record.View, final: bool, ts) -> list[dict[str, Any]]:
    entries = []
    for transition in view.transitions:
        entry = {"Status": str(transition.status), "StartTime": ts(transition.start)}
        if transition.end is not None:
            entry["EndTime"] = ts(transition.end)
        entry["StatusMessage"] = transition.message
        entries.append(entry)
    if final:  # [OBS] the final entry starts and ends at once
        last = entries[-1]
        entries[-1] = {"Status": last["Status"], "StartTime": last["StartTime"], "EndTime": last["StartTime"],
                       "StatusMessage": last["StatusMessage"]}
    return entries


def _rule(name: str, rule: record.RuleView, ts) -> dict[str, Any]:
    out: dict[str, Any] = {"RuleConfigurationName": name}
    if rule.arn is not None:
        out["RuleEvaluationJobArn"] = rule.arn
    out["RuleEvaluationStatus"] = rule.status
    if rule.details is not None:
        out["StatusDetails"] = rule.details
    out["LastModifiedTime"] = ts(rule.modified)
    return out


def _profiling_status(config: dict[str, Any] | None) -> str:
    """[INF] Enabled while a ProfilerConfig is set and not disabled."""
    return "Enabled" if config is not None and not config.get("DisableProfiler", False) else "Disabled"


def _apply_update(out: dict[str, Any], changes: dict[str, Any]) -> None:
    for member, value in changes.items():
        if member in _MERGED:
            out.setdefault(member, {}).update(shapes.copied(value))
        elif member == "ProfilerRuleConfigurations":
            out.setdefault(member, []).extend(shapes.copied(value))
        else:
            out[member] = shapes.copied(value)
