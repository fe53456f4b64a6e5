"""Does a DescribeTrainingJob response look like one the service could send?

Checks the wire form against botocore's output shape (types, required members, ranges, lengths,
enums, patterns, no unknown members), the boto3 form as botocore parses it, the documented
primary/secondary grouping, the texts each status shows, and the history's own rules. Used by the
tests on every snapshot, and available to anyone who builds responses of their own.

One departure from botocore's shape is the service's own: ``ModelArtifacts`` is absent until the
model upload begins, although the shape marks it required (docs/semantics.md).
"""

from __future__ import annotations

from typing import Any

from . import service, shapes
from .engine import messages
from .engine.statuses import PRIMARY_OF, TERMINAL, Secondary

_OUTPUT = service.output_shape("DescribeTrainingJob")
_BILLING = ("TrainingStartTime", "TrainingEndTime", "TrainingTimeInSeconds", "BillableTimeInSeconds")
_SERVICE_OMITS = {"ModelArtifacts"}  #: required by the shape, absent in the service's real responses


def shape_problems(wire: dict[str, Any], *, prefix: str = "") -> list[shapes.Problem]:
    """``wire`` against botocore's output shape, less the omissions the real service makes."""
    return [p for p in shapes.validate(wire, _OUTPUT, prefix=prefix)
            if not (p.message == "required member is missing" and p.path.removeprefix(prefix).lstrip(".")
                    in _SERVICE_OMITS)]


def problems(wire: dict[str, Any]) -> list[shapes.Problem]:
    """Every way ``wire`` departs from what the service sends; empty when it conforms."""
    found = shape_problems(wire)
    if found:
        return found
    found += shape_problems(shapes.parse_wire(wire, _OUTPUT), prefix="(boto3)")
    found += _status_problems(wire)
    found += _history_problems(wire)
    found += _member_problems(wire)
    return found


def _status_problems(wire: dict[str, Any]) -> list[shapes.Problem]:
    P = shapes.Problem
    secondary, primary = wire["SecondaryStatus"], wire["TrainingJobStatus"]
    history = wire.get("SecondaryStatusTransitions", [])
    documented = PRIMARY_OF.get(Secondary(secondary)) == primary
    # [OBS] a job stopped while training uploads its model in an Uploading entry after Stopping
    stop_upload = (secondary == "Uploading" and primary == "Stopping" and len(history) > 1
                   and history[-2]["Status"] == "Stopping")
    if not (documented or stop_upload):
        return [P("SecondaryStatus", f"{secondary} does not belong under {primary}")]
    return []


def _history_problems(wire: dict[str, Any]) -> list[shapes.Problem]:
    P = shapes.Problem
    found = []
    secondary = wire["SecondaryStatus"]
    history = wire.get("SecondaryStatusTransitions", [])
    if not history or history[-1]["Status"] != secondary:
        found.append(P("SecondaryStatusTransitions", "the last entry is not the current SecondaryStatus"))
    previous_end = None
    for i, entry in enumerate(history):
        path = f"SecondaryStatusTransitions[{i}]"
        if not messages.known(entry["Status"], entry["StatusMessage"]):
            found.append(P(f"{path}.StatusMessage", f"{entry['StatusMessage']!r} is not a message the service "
                                                    f"shows in {entry['Status']}"))
        if previous_end is not None and entry["StartTime"] != previous_end:
            found.append(P(f"{path}.StartTime", "does not follow on from the previous entry's EndTime"))
        last = i == len(history) - 1
        if "EndTime" in entry and entry["EndTime"] < entry["StartTime"]:
            found.append(P(f"{path}.EndTime", "before StartTime"))
        if "EndTime" not in entry and not last:
            found.append(P(f"{path}.EndTime", "missing on a status the job has left"))
        closed_at_once = "EndTime" in entry and entry["EndTime"] == entry["StartTime"]
        if last and (Secondary(secondary) in TERMINAL) != closed_at_once:
            found.append(P(f"{path}.EndTime", "only the final entry of a finished job has EndTime == StartTime"))
        previous_end = entry.get("EndTime")
    if wire["LastModifiedTime"] < max([wire["CreationTime"], *(e["StartTime"] for e in history)]):
        found.append(P("LastModifiedTime", "earlier than the last change"))
    return found


def _member_problems(wire: dict[str, Any]) -> list[shapes.Problem]:
    P = shapes.Problem
    found = []
    primary = wire["TrainingJobStatus"]
    if "TrainingStartTime" in wire and wire["TrainingStartTime"] <= wire["CreationTime"]:
        found.append(P("TrainingStartTime", "not after CreationTime"))
    finished = Secondary(wire["SecondaryStatus"]) in TERMINAL
    started = "TrainingStartTime" in wire
    for member in _BILLING[1:]:
        if (member in wire) != (finished and started):
            found.append(P(member, "present only once a job that had instances has finished"))
    if "BillableTimeInSeconds" in wire:
        training, billable = wire["TrainingTimeInSeconds"], wire["BillableTimeInSeconds"]
        if billable > training:
            found.append(P("BillableTimeInSeconds", f"{billable} exceeds TrainingTimeInSeconds {training}"))
        if not wire.get("EnableManagedSpotTraining") and billable != training:
            found.append(P("BillableTimeInSeconds", "an on-demand job is billed its training time"))
    if "TrainingEndTime" in wire and wire["LastModifiedTime"] < wire["TrainingEndTime"]:
        found.append(P("LastModifiedTime", "before TrainingEndTime"))
    if ("FailureReason" in wire) != (primary == "Failed"):
        found.append(P("FailureReason", "present exactly when the job failed"))
    if "ModelArtifacts" in wire and not started:
        found.append(P("ModelArtifacts", "present although the job never had instances"))
    for i, metric in enumerate(wire.get("FinalMetricDataList", [])):
        stamp = metric["Timestamp"]
        if stamp != int(stamp) or not started or not wire["TrainingStartTime"] - 1 < stamp <= wire["TrainingEndTime"]:
            found.append(P(f"FinalMetricDataList[{i}].Timestamp", "not a whole second during training"))
    pool = wire.get("WarmPoolStatus")
    if pool is not None:
        ended = pool["Status"] in ("Reused", "Terminated")
        if ("ResourceRetainedBillableTimeInSeconds" in pool) != ended:
            found.append(P("WarmPoolStatus.ResourceRetainedBillableTimeInSeconds",
                           "present exactly once the pool is Reused or Terminated"))
        if ("ReusedByJob" in pool) != (pool["Status"] == "Reused"):
            found.append(P("WarmPoolStatus.ReusedByJob", "present exactly when the pool is Reused"))
        if pool["Status"] != "InUse" and not finished:
            found.append(P("WarmPoolStatus.Status", f"{pool['Status']} while the job runs"))
    return found
