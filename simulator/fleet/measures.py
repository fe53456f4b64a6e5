"""What one historical job measured: its phases' durations (from SecondaryStatusTransitions), its
interruptions, its exposure (the instance time in which a spot reclaim or a failure could strike)
and its outcome. The same for every era: the retired statuses (LaunchingMLInstances,
PreparingTrainingStack, DownloadingTrainingImage) are parts of the phases that replaced them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..engine.actions import FAILURE_KINDS
from ..engine.statuses import ON_INSTANCES, TERMINAL

#: the phase each secondary status is part of: a run of statuses of one phase is one occurrence of it
PHASE_OF = {"Pending": "Pending", "Starting": "Starting", "LaunchingMLInstances": "Starting",
            "PreparingTrainingStack": "Starting", "Downloading": "Downloading",
            "DownloadingTrainingImage": "Downloading", "Training": "Training", "Uploading": "Uploading",
            "Interrupted": "Interrupted", "Restarting": "Restarting", "Updating": "Updating", "Stopping": "Stopping"}
#: the phases a summary shows, in a job's order
PHASES = ("Pending", "Starting", "Downloading", "Training", "Uploading", "Interrupted", "Restarting", "Stopping")
#: how a job ended: its final secondary status, or InProgress
OUTCOMES = ("Completed", "Failed", "Stopped", "MaxRuntimeExceeded", "MaxWaitTimeExceeded", "InProgress")
_RETIRED = frozenset({"LaunchingMLInstances", "PreparingTrainingStack", "DownloadingTrainingImage"})
_UP = frozenset(str(s) for s in ON_INSTANCES)


@dataclass(frozen=True, slots=True)
class Measured:
    """One job's measures. Seconds are the service's (whole seconds in its transitions, or finer).

    ``exposure``: instance-seconds with the instances up (Downloading, Training, Uploading, Updating,
    times the instance count): the time in which tjsim's per-instance-hour rates strike.
    ``billed``: BillableTimeInSeconds times the instance count (0 while in progress).
    """

    name: str
    instance_type: str
    instance_count: int
    spot: bool
    outcome: str
    failure: str | None  #: the failure's kind (AlgorithmError, ClientError, …), read off FailureReason
    phases: tuple[tuple[str, float], ...]  #: (phase, seconds) of each ended occurrence, in order
    interruptions: int
    exposure: float
    billed: float
    created: float  #: CreationTime, epoch seconds
    legacy: bool  #: its transitions show the retired statuses (before 2019)

    @property
    def ended(self) -> bool:
        return self.outcome != "InProgress"


def measure(response: dict[str, Any]) -> Measured:
    """The measures of a DescribeTrainingJob response in the wire form (:mod:`.records`)."""
    resources = response["ResourceConfig"]
    groups = resources.get("InstanceGroups") or []
    count = sum(g.get("InstanceCount", 0) for g in groups) if groups else resources.get("InstanceCount", 1)
    kind = resources.get("InstanceType") or "+".join(sorted({g["InstanceType"] for g in groups})) or "unknown"
    secondary = response.get("SecondaryStatus", "")
    outcome = secondary if secondary in TERMINAL else "InProgress"
    phases: list[tuple[str, float]] = []
    interruptions, up, legacy = 0, 0.0, False
    current: tuple[str, float] | None = None  # the phase running, and its seconds so far
    for transition in response.get("SecondaryStatusTransitions", []):
        status, start, end = transition["Status"], transition["StartTime"], transition.get("EndTime")
        legacy = legacy or status in _RETIRED
        interruptions += status == "Interrupted"
        phase = PHASE_OF.get(status)
        seconds = max(0.0, end - start) if end is not None else None
        if status in _UP and seconds is not None:
            up += seconds
        if current is not None and current[0] != phase:
            phases.append(current)
            current = None
        if phase is None or seconds is None:  # a final status, or one still running: not a whole phase
            continue
        current = (phase, (current[1] if current else 0.0) + seconds)
    if current is not None:
        phases.append(current)
    failure = None
    if outcome == "Failed":
        reason = response.get("FailureReason", "")
        failure = next((k for k in FAILURE_KINDS if reason.startswith(k)), "Other")
    billable = response.get("BillableTimeInSeconds", response.get("TrainingTimeInSeconds", 0)) or 0
    return Measured(response["TrainingJobName"], kind, count, bool(response.get("EnableManagedSpotTraining")),
                    outcome, failure, tuple(phases), interruptions, up * count, billable * count,
                    response["CreationTime"], legacy)
