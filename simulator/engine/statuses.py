"""The status enums, built from botocore's model, and the documented primary/secondary grouping."""

from __future__ import annotations

from enum import StrEnum

from .. import service

#: Primary statuses, exactly botocore's ``TrainingJobStatus`` enum.
Primary = StrEnum("Primary", {value: value for value in service.enum("TrainingJobStatus")})
#: Secondary statuses, exactly botocore's ``SecondaryStatus`` enum.
Secondary = StrEnum("Secondary", {value: value for value in service.enum("SecondaryStatus")})
#: Debugger/Profiler rule evaluation statuses, exactly botocore's ``RuleEvaluationStatus`` enum.
RuleStatus = StrEnum("RuleStatus", {value: value for value in service.enum("RuleEvaluationStatus")})

#: The grouping of the DescribeTrainingJob reference page (SecondaryStatus section). Restarting,
#: Updating and Pending are in the enum without a documented group; they are InProgress statuses
#: (the job is alive and billed or waiting), and so are the retired LaunchingMLInstances,
#: PreparingTrainingStack and DownloadingTrainingImage, which old job records show mid-run.
GROUPS: dict[str, tuple[str, ...]] = {
    "InProgress": ("Pending", "Starting", "LaunchingMLInstances", "PreparingTrainingStack", "Downloading",
                   "DownloadingTrainingImage", "Training", "Interrupted", "Uploading", "Restarting", "Updating"),
    "Completed": ("Completed",),
    "Failed": ("Failed",),
    "Stopping": ("Stopping",),
    "Stopped": ("MaxRuntimeExceeded", "MaxWaitTimeExceeded", "Stopped"),
}

#: Secondary → primary, for every secondary status.
PRIMARY_OF: dict[Secondary, Primary] = {
    Secondary(secondary): Primary(primary) for primary, members in GROUPS.items() for secondary in members
}

#: The statuses AWS no longer emits; reachable only with ``lifecycle.era: pre-2019``.
RETIRED = frozenset({Secondary("LaunchingMLInstances"), Secondary("PreparingTrainingStack"),
                     Secondary("DownloadingTrainingImage")})

#: Statuses in which the instances are up: billed (Stopping too, while they save and upload the model).
ON_INSTANCES = frozenset(Secondary(s) for s in ("Downloading", "DownloadingTrainingImage", "Training", "Uploading",
                                                "Updating"))

#: Terminal secondary statuses: a job in one of these never changes status again.
TERMINAL = frozenset(s for s, p in PRIMARY_OF.items() if p in ("Completed", "Failed", "Stopped"))

_missing = set(Secondary) - set(PRIMARY_OF)
if _missing:  # a botocore upgrade added a status: make the grouping decision explicitly
    raise RuntimeError(f"SecondaryStatus values without a primary group: {sorted(_missing)}")
