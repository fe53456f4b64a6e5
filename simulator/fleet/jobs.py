"""A historical job as a fleet what-if replays it: its CreateTrainingJob request, rebuilt from the
members DescribeTrainingJob echoes, the training it needed, what it cost, and when it was created.

The training a job needed is read off its Training phases (docs/semantics.md, "fleet what-if"):
- a job that completed in one Training phase needed exactly that phase;
- one that completed after interruptions needed its last phase when it kept no checkpoints (each
  attempt trained from the start), the sum of its phases when it did (an upper bound: the work
  redone since the last checkpoint is counted twice);
- one that did not complete (failed, stopped, killed by a limit) needed more than it trained: with
  ``unfinished: trained`` it is replayed with what it trained (a lower bound), with ``skip`` left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import service
from .measures import measure
from .records import Record

#: CreateTrainingJob's members: what a response echoes of them is the job's request
_REQUEST = tuple(service.input_shape("CreateTrainingJob").members)


@dataclass(frozen=True, slots=True)
class FleetJob:
    """One job of a fleet: its request and what the history says it did."""

    where: str  #: the record's file and line
    name: str
    request: dict[str, Any]  #: CreateTrainingJob members, as the response echoed them
    instance_type: str
    instance_count: int
    region: str | None  #: from its ARN (None: the fleet file's)
    account: str | None
    created: float  #: CreationTime, epoch seconds
    training: float  #: the training seconds it needed on its own instance type
    exact: bool  #: ``training`` is exact (it completed in one Training phase)
    outcome: str  #: its final SecondaryStatus
    billable: int  #: BillableTimeInSeconds (per instance, as the response gives it)

    @property
    def label(self) -> str:
        """How a problem names it: ``acme-0042 (history.jsonl:42)``."""
        return f"{self.name} ({self.where})"


def fleet_job(record: Record, unfinished: str = "trained") -> FleetJob | str:
    """The job ``record`` holds, or why it is left out of a fleet (``"in progress"``, ``"unfinished"``,
    ``"heterogeneous"``)."""
    response = record.response
    m = measure(response)
    if not m.ended:
        return "in progress"
    if m.outcome != "Completed" and unfinished == "skip":
        return "unfinished"
    resources = response["ResourceConfig"]
    if resources.get("InstanceGroups") or not resources.get("InstanceType"):
        return "heterogeneous"
    trainings = [seconds for phase, seconds, _ in m.phases if phase == "Training"]
    if m.outcome == "Completed" and len(trainings) > 1:
        training = sum(trainings) if "CheckpointConfig" in response else trainings[-1]
    else:  # one phase (exact when completed), or the training an unfinished job did
        training = sum(trainings)
    arn = response.get("TrainingJobArn", "").split(":")
    region, account = (arn[3], arn[4]) if len(arn) > 5 and arn[:3] == ["arn", arn[1], "sagemaker"] else (None, None)
    request = {key: response[key] for key in _REQUEST if key in response}
    return FleetJob(record.where, m.name, request, resources["InstanceType"], m.instance_count, region or None,
                    account or None, m.created, round(training, 3),
                    m.outcome == "Completed" and len(trainings) == 1, m.outcome,
                    int(response.get("BillableTimeInSeconds", response.get("TrainingTimeInSeconds")) or 0))
