"""A fleet what-if file, as written: a team's job history (``fleet:``), the settings every job lives
with (the scenario's ``timing``, ``spot``, ``checkpoint``, ``lifecycle``, ``failures``, ``speed``),
and the decisions to replay each of its jobs under (``whatif:``, as in a scenario, with one more
kind of override: ``instance_types``, which moves each job of one type to another).

There is no ``job``: each historical job brings its own request. Only the file's shape is checked
here; :mod:`simulator.fleet.whatif.spec` lays each variant over each job, which validates the result
as a scenario of its own.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from ..errors import ProblemAt
from ..limits import MAX_SECONDS
from .scenario import InstanceType
from .whatif import Variant, WhatIf

#: the sections of a fleet file besides ``fleet`` and ``whatif``: the settings every job lives with
SETTINGS = ("seed", "region", "account", "timing", "spot", "checkpoint", "lifecycle", "failures", "speed")
#: scenario sections a fleet file has no use for, and why
NOT_IN_A_FLEET = {
    "job": "each job's request comes from its history",
    "later_jobs": "the fleet's jobs are its history's",
    "epoch": "each job is created when its history says",
    "events": "a fleet's jobs live only their random events",
    "metrics": "a fleet what-if reports cost, not metrics",
    "rules": "a fleet what-if reports cost, not rule evaluations",
}


def is_fleet(data: Any) -> bool:
    """Whether a file's YAML data is a fleet what-if (it has a ``fleet:`` section)."""
    return isinstance(data, dict) and "fleet" in data


#: at most this many listed jobs, copies included
MAX_LISTED = 100_000
_Seconds = Annotated[float, Field(ge=0, le=MAX_SECONDS, strict=False, allow_inf_nan=False)]


class ListedJob(BaseModel):
    """A job the fleet runs that no history holds (a planned one): its request, its training, when."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    #: a CreateTrainingJob request, as boto3 takes it (checked once laid under each variant)
    job: dict[str, Any]
    #: the training seconds it needs on its own instance type
    training: Annotated[float, Field(gt=0, le=MAX_SECONDS, strict=False, allow_inf_nan=False)]
    at: _Seconds = 0.0  #: when the first is created: seconds after the fleet's first job
    count: Annotated[int, Field(ge=1, le=100_000)] = 1  #: this many such jobs, named NAME-1, NAME-2, …
    every: _Seconds = 0.0  #: seconds between two of them


class Fleet(BaseModel):
    """The fleet's jobs — a history, a list, or both — and how to read them."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    #: DescribeTrainingJob responses: .json or .jsonl files, or directories of them (relative to the file)
    history: Annotated[list[Annotated[str, Field(min_length=1)]], Field(max_length=100)] = []
    #: jobs no history holds: what they would cost is all a what-if can say (no savings against a history)
    jobs: Annotated[list[ListedJob], Field(max_length=10_000)] = []
    #: a fragment `tjsim calibrate` wrote: each job lives with its instance type's section
    calibration: Annotated[str, Field(min_length=1)] | None = None
    #: leave out damaged, partial and duplicate records (each is named) instead of refusing the history
    skip_bad: bool = False
    #: a job that did not complete trained less than it needed: replay it with the training it did
    #: ("trained", a lower bound), or leave it out ("skip")
    unfinished: Literal["trained", "skip"] = "trained"

    @field_validator("history", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _some_jobs(self) -> Fleet:
        if not self.history and not self.jobs:
            raise ValueError("give the history (history: FILE or [FILES]), a list of jobs (jobs: [...]), or both")
        listed = sum(job.count for job in self.jobs)
        if listed > MAX_LISTED:
            raise ProblemAt("jobs", f"{listed:,} jobs listed (their counts added up); at most {MAX_LISTED:,}")
        return self


class _FleetVariant(Variant):  # type: ignore[misc, valid-type]
    #: instance type -> the type its jobs move to (training scaled by ``speed``); other jobs stay
    instance_types: dict[InstanceType, InstanceType] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _moves(self) -> _FleetVariant:
        for source, target in self.instance_types.items():
            if source == target:
                raise ProblemAt(f"instance_types.{source}", "moves the jobs to their own type: leave it out")
        resources = (self.job or {}).get("ResourceConfig") if isinstance(self.job, dict) else None
        if self.instance_types and isinstance(resources, dict) and "InstanceType" in resources:
            raise ProblemAt("instance_types", "give either instance_types (by type) or "
                                              "job.ResourceConfig.InstanceType (every job), not both")
        return self


FleetVariant = create_model("FleetVariant", __base__=_FleetVariant, __module__=__name__,
                            __doc__="A decision over every job of the fleet: overrides laid over each job's "
                                    "request and settings, and instance types moved.")


class FleetWhatIf(WhatIf):
    """A scenario's what-if section, its variants able to move instance types."""

    variants: list[FleetVariant] = Field(default_factory=list)  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _own_names(self) -> FleetWhatIf:
        for i, variant in enumerate(self.variants):
            if "TrainingJobName" in (variant.job or {}):
                raise ProblemAt(f"variants[{i}].job.TrainingJobName", _OWN_NAME)
        if "job.TrainingJobName" in self.grid:
            raise ProblemAt("grid.job.TrainingJobName", _OWN_NAME)
        if "timing.training" in self.assumptions:
            raise ProblemAt("assumptions.timing.training", _OWN_TRAINING)
        return self


_OWN_NAME = "each job keeps its own name (its random draws follow it): leave it out"
_OWN_TRAINING = ("each job trains what its history measured: leave it out (speed and whatif's instance_types move "
                 "it to other types)")


class FleetFile(BaseModel):
    """The file's sections: the history, the what-if, and the settings (checked once laid over a job)."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)
    description: str = ""
    fleet: Fleet
    whatif: FleetWhatIf

    @model_validator(mode="before")
    @classmethod
    def _known(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in data:
                if key in NOT_IN_A_FLEET:
                    raise ProblemAt(key, f"not in a fleet what-if: {NOT_IN_A_FLEET[key]}")
                if key not in (*SETTINGS, "description", "fleet", "whatif"):
                    raise ProblemAt(key, f"not a section of a fleet what-if (they are: description, fleet, whatif, "
                                         f"{', '.join(SETTINGS)})")
        return data

    @model_validator(mode="after")
    def _own_training(self) -> FleetFile:
        timing = (self.model_extra or {}).get("timing")
        if isinstance(timing, dict) and "training" in timing:
            raise ProblemAt("timing.training", _OWN_TRAINING)
        return self

    def settings(self) -> dict[str, Any]:
        """The settings sections as written (validated once laid over a job)."""
        return {key: value for key, value in (self.model_extra or {}).items() if key in SETTINGS}
