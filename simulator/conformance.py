"""Does a DescribeTrainingJob response look like one the service could send?

Checks the wire form against botocore's output shape (types, required members, ranges, lengths,
enums, patterns, no unknown members), the boto3 form as botocore parses it, the documented
primary/secondary grouping, and the history's own rules. Used by the tests on every snapshot, and
available to anyone who builds responses of their own.
"""

from __future__ import annotations

from typing import Any

from . import service, shapes
from .statuses import PRIMARY_OF, TERMINAL, Secondary

_OUTPUT = service.output_shape("DescribeTrainingJob")
_BILLING = ("TrainingStartTime", "TrainingEndTime", "TrainingTimeInSeconds", "BillableTimeInSeconds")


def problems(wire: dict[str, Any]) -> list[shapes.Problem]:
    """Every way ``wire`` departs from what the service sends; empty when it conforms."""
    P = shapes.Problem
    found = shapes.validate(wire, _OUTPUT)
    if found:
        return found
    found += shapes.validate(shapes.parse_wire(wire, _OUTPUT), _OUTPUT, prefix="(boto3)")
    secondary, primary = wire["SecondaryStatus"], wire["TrainingJobStatus"]
    if PRIMARY_OF.get(Secondary(secondary)) != primary:
        found.append(P("SecondaryStatus", f"{secondary} does not belong under {primary}"))
    history = wire.get("SecondaryStatusTransitions", [])
    if not history or history[-1]["Status"] != secondary:
        found.append(P("SecondaryStatusTransitions", "the last entry is not the current SecondaryStatus"))
    previous_end = None
    for i, entry in enumerate(history):
        path = f"SecondaryStatusTransitions[{i}]"
        if entry["StatusMessage"].endswith("."):
            found.append(P(f"{path}.StatusMessage", "stored messages carry no trailing period"))
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
    if "TrainingStartTime" in wire and wire["TrainingStartTime"] <= wire["CreationTime"]:
        found.append(P("TrainingStartTime", "not after CreationTime"))
    finished = Secondary(secondary) in TERMINAL
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
    if ("FailureReason" in wire) != (primary == "Failed"):
        found.append(P("FailureReason", "present exactly when the job failed"))
    return found
