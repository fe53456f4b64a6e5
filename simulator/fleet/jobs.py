"""A historical job as a fleet what-if replays it: its CreateTrainingJob request, rebuilt from the
members DescribeTrainingJob echoes, the training it needed, what it cost, and when it was created.

The training a job needed is read off its Training phases (docs/semantics.md, "A fleet what-if"):
- without a CheckpointConfig each attempt trained from the start: a job that completed needed its
  last phase; one that did not, at least its longest;
- with one, at the interval and write time the fleet file gives (how the history's jobs wrote
  them), each attempt cut short kept the checkpoints it wrote whole (interval + write seconds each),
  and the last went on from there, writing one after each interval but at the end: exact, when those
  settings are the job's;
- a job that did not complete (failed, stopped, killed by a limit) needed more than it trained: with
  ``unfinished: trained`` it is replayed with what it trained (a lower bound), with ``skip`` left out;
  one with no Training phase is left out either way.
"""

from __future__ import annotations

import math
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
    trainings: tuple[float, ...]  #: its Training phases' seconds, in order
    checkpointed: bool  #: it had a CheckpointConfig
    outcome: str  #: its final SecondaryStatus
    billable: int  #: BillableTimeInSeconds (per instance, as the response gives it)
    retained: int  #: WarmPoolStatus.ResourceRetainedBillableTimeInSeconds: its warm pool's billed seconds
    listed: bool = False  #: a job the fleet file lists, which no history holds: it has no cost of its own

    @property
    def label(self) -> str:
        """How a problem names it: ``acme-0042 (history.jsonl:42)``."""
        return f"{self.name} ({self.where})"

    def need(self, interval: float, write: float) -> float:
        """The training seconds it needed, its checkpoints written every ``interval`` seconds of progress,
        ``write`` seconds each, as a replay lives them (the module's docstring says how)."""
        trainings = self.trainings
        if not trainings:
            return 0.0
        if not self.checkpointed:  # each attempt trained from the start
            return trainings[-1] if self.outcome == "Completed" else max(trainings)
        # an attempt cut short kept the checkpoints it wrote whole: interval + write seconds each
        cycle = interval + write
        kept = sum(math.floor(t / cycle + 1e-9) * interval for t in trainings[:-1])
        # the last went on from there, writing a checkpoint after each interval but at the end
        last = trainings[-1]
        writes = max(math.ceil(last / cycle - 1e-9) - 1, 0) if write else 0
        return round(kept + last - writes * write, 3)


def fleet_job(record: Record, unfinished: str = "trained") -> FleetJob | str:
    """The job ``record`` holds, or why it is left out of a fleet (``"in progress"``, ``"unfinished"``,
    ``"never trained"``, ``"heterogeneous"``, ``"no InstanceType"``, ``"on a training plan"``)."""
    response = record.response
    m = measure(response)
    if not m.ended:
        return "in progress"
    trainings = tuple(seconds for phase, seconds, _ in m.phases if phase == "Training")
    if m.outcome != "Completed" and unfinished == "skip":
        return "unfinished"
    if not trainings:  # nothing to tell what it needed (a job that failed early, or a record of no phases)
        return "never trained"
    resources = response["ResourceConfig"]
    if resources.get("InstanceGroups"):
        return "heterogeneous"
    if not resources.get("InstanceType"):
        return "no InstanceType"
    if resources.get("TrainingPlanArn"):  # paid for in advance, not by the second
        return "on a training plan"
    arn = response.get("TrainingJobArn", "").split(":")
    region, account = (arn[3], arn[4]) if len(arn) > 5 and arn[:3] == ["arn", arn[1], "sagemaker"] else (None, None)
    request = {key: response[key] for key in _REQUEST if key in response}
    pool = response.get("WarmPoolStatus") or {}
    return FleetJob(record.where, m.name, request, resources["InstanceType"], m.instance_count, region or None,
                    account or None, m.created, trainings, "CheckpointConfig" in response, m.outcome,
                    int(response.get("BillableTimeInSeconds", response.get("TrainingTimeInSeconds")) or 0),
                    int(pool.get("ResourceRetainedBillableTimeInSeconds") or 0))
