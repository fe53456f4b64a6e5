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
            "Interrupted": "Interrupted", "Restarting": "Restarting", "Stopping": "Stopping"}
#: the phases a summary shows, in a job's order
PHASES = ("Pending", "Starting", "Downloading", "Training", "Uploading", "Interrupted", "Restarting", "Stopping")
#: the statuses an occurrence of each phase ends in when it ran its course: one that ends otherwise (an
#: interruption, a failure, a stop) was cut short, and only tells that the phase would have taken longer
NEXT = {"Pending": {"Starting"}, "Starting": {"Downloading", "Training"}, "Downloading": {"Training"},
        "Training": {"Uploading"}, "Uploading": {"Completed"}, "Interrupted": {"Starting"},
        "Restarting": {"Starting"}, "Stopping": {"Stopped", "MaxRuntimeExceeded", "MaxWaitTimeExceeded"}}
#: a status that interrupts the one it follows for a while, then gives it back: its time is the phase's
DETOURS = frozenset({"Updating"})
#: how a job ended: its final secondary status, or InProgress
OUTCOMES = ("Completed", "Failed", "Stopped", "MaxRuntimeExceeded", "MaxWaitTimeExceeded", "InProgress")
_STOPPED = frozenset({"Stopped", "MaxRuntimeExceeded", "MaxWaitTimeExceeded"})
_RETIRED = frozenset({"LaunchingMLInstances", "PreparingTrainingStack", "DownloadingTrainingImage"})
_UP = frozenset(str(s) for s in ON_INSTANCES)
#: [DOC] only an InternalServerError is retried: a retry (Restarting, or Starting straight after the
#: instances were up) is one such failure
RETRIED = "InternalServerError"


@dataclass(frozen=True, slots=True)
class Measured:
    """One job's measures. Seconds are the service's (whole seconds in its transitions, or finer).

    ``exposure``: instance-seconds with the instances up (Downloading, Training, Uploading, Updating,
    times the instance count; not the upload a stop lets finish): the time in which tjsim's
    per-instance-hour rates strike.
    ``billed``: BillableTimeInSeconds times the instance count (0 while in progress).
    """

    name: str
    instance_type: str
    instance_count: int
    spot: bool
    outcome: str
    failure: str | None  #: the failure's kind (AlgorithmError, ClientError, …), read off FailureReason
    retries: int  #: failures retried (InternalServerError), each one a failure event too
    #: (phase, seconds, whether it ran its course) of each ended occurrence, in order (:data:`NEXT`)
    phases: tuple[tuple[str, float, bool], ...]
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
    phases: list[tuple[str, float, bool]] = []
    interruptions, retries, up, legacy = 0, 0, 0.0, False
    current: list[Any] | None = None  # the phase running: [phase, its seconds so far]
    transitions = response.get("SecondaryStatusTransitions", [])
    for transition in transitions:
        status, start, end = transition["Status"], transition["StartTime"], transition.get("EndTime")
        legacy = legacy or status in _RETIRED
        interruptions += status == "Interrupted"
        seconds = max(0.0, end - start) if end is not None else None
        if status in _UP and seconds is not None:
            up += seconds
        if status in DETOURS:  # its time belongs to the phase it interrupted
            if current is not None and seconds is not None:
                current[1] += seconds
            continue
        phase = PHASE_OF.get(status)
        if current is not None and current[0] != phase:
            phases.append((current[0], current[1], status in NEXT.get(current[0], ())))
            if current[0] in ("Downloading", "Training", "Uploading") and status in ("Restarting", "Starting"):
                retries += 1
            current = None
        if phase is None or seconds is None:  # a final status, or one still running: not a whole phase
            continue
        current = [phase, (current[1] if current else 0.0) + seconds]
    if current is not None:  # ended by the job's end: cut short unless its successor is the final status
        phases.append((current[0], current[1], False))
    if outcome in _STOPPED:  # the upload a stop lets finish runs no random clock (the engine's wind-down)
        up -= next((t["EndTime"] - t["StartTime"] for t in reversed(transitions)
                    if t["Status"] == "Uploading" and "EndTime" in t), 0.0)
    failure = None
    if outcome == "Failed":
        reason = response.get("FailureReason", "")
        failure = next((k for k in FAILURE_KINDS if reason.startswith(k)), "Other")
    billable = response.get("BillableTimeInSeconds", response.get("TrainingTimeInSeconds", 0)) or 0
    return Measured(response["TrainingJobName"], kind, count, bool(response.get("EnableManagedSpotTraining")),
                    outcome, failure, retries, tuple(phases), interruptions, up * count, billable * count,
                    response["CreationTime"], legacy)
