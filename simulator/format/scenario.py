"""The scenario format: a real CreateTrainingJob request plus what happens to it.

``job`` is validated against botocore's CreateTrainingJob input shape and the service's
cross-field rules (:mod:`.constraints`); every other section is ours, modelled with pydantic here,
in :mod:`.settings`, :mod:`.events` and :mod:`.whatif`. Validating data into a scenario and its
problems is :mod:`.overlay`; reading a file, :mod:`simulator.loading`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, PrivateAttr, create_model, model_validator

from .. import service, shapes
from ..defaults import DEFAULT_ACCOUNT, DEFAULT_EPOCH, DEFAULT_REGION
from ..distributions import STRICT as _STRICT
from ..distributions import Seconds
from ..limits import MAX_SEED
from .events import Event, FailureKind
from .settings import OVERRIDABLE, Checkpoint, Epoch, Lifecycle, Spot, Timing, override_type, renamed
from .whatif import WhatIf


class Rule(BaseModel):
    """How a Debugger or Profiler rule evaluation ends."""

    model_config = _STRICT
    result: Literal["NoIssuesFound", "IssuesFound", "Error"] = "NoIssuesFound"
    details: Annotated[str, Field(max_length=1024)] | None = None


def _instance_type(value: Any) -> Any:
    if isinstance(value, str) and value not in service.enum("TrainingInstanceType"):
        hint = shapes.did_you_mean(value, service.enum("TrainingInstanceType"))
        raise ValueError(f"{value!r} is not a SageMaker training instance type{f' ({hint})' if hint else ''}")
    return value


InstanceType = Annotated[str, AfterValidator(_instance_type)]


class Settings(BaseModel):
    """How a job lives, apart from its request: the simulation's side of a scenario. A scenario's
    job runs with its own; a job created on the endpoint runs with its story's (or the defaults)."""

    model_config = _STRICT
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = 0
    #: CreationTime; every timestamp is epoch + simulated seconds (UTC when no zone is given)
    epoch: Epoch = DEFAULT_EPOCH
    region: Annotated[str, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")] = DEFAULT_REGION
    account: Annotated[str, Field(pattern=r"^\d{12}$")] = DEFAULT_ACCOUNT
    timing: Timing = Timing()
    spot: Spot = Spot()
    checkpoint: Checkpoint = Checkpoint()
    lifecycle: Lifecycle = Lifecycle()
    events: list[Event] = []
    metrics: dict[str, float] = {}  #: final value per MetricDefinitions name (finite)
    rules: dict[str, Rule] = {}  #: outcome per RuleConfigurationName
    #: random failures: the rate per instance-hour of each kind, on instance time
    failures: dict[FailureKind, Annotated[float, Field(ge=0, le=3600)]] = {}
    #: relative training speed per instance type (a what-if comparing types reads it): ``timing.training``
    #: is for the request's own InstanceType; on type T training takes training × speed[own] / speed[T],
    #: a type not listed being the request's own speed (1.0) only when it is the request's own type
    speed: dict[InstanceType, Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)]] = {}

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, data: Any) -> Any:
        """Settings written under an old name (:data:`~.settings.RENAMED`) keep working, with a note."""
        return renamed(data)


class _LaterJob(BaseModel):
    """Another job created on the same clock, ``at`` seconds after the first; each section is
    deep-merged over the scenario's (``null`` removes a member), except ``events``, which are this
    job's own, in seconds after its creation."""

    model_config = _STRICT
    at: Seconds
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] | None = None  #: by default the scenario's seed plus its position


def _as_written(section: str) -> int:
    """Where a later job lists ``section``: as the scenario does, the request first (a variant
    lists them as :data:`~.settings.OVERRIDABLE` does: each keeps the order its JSON Schema and its
    problems have always had)."""
    return ("job", *Settings.model_fields).index(section)


#: a later job: ``at``, ``seed``, and each section it may override (by default empty: the first
#: job's, and no events)
LaterJob = create_model("LaterJob", __base__=_LaterJob, __doc__=_LaterJob.__doc__, __module__=__name__,
                        **{section: (override_type(section), override_type(section)())
                           for section in sorted(OVERRIDABLE, key=_as_written)})


class Scenario(Settings):
    """One training job and what happens to it (and, optionally, jobs created after it)."""

    description: str = ""
    job: dict[str, Any]  #: a CreateTrainingJob request, as boto3 takes it
    later_jobs: list[LaterJob] = []  #: more jobs on the same clock (e.g. to take over a warm pool)
    whatif: WhatIf | None = None  #: variants to compare in a what-if sweep (``tjsim whatif``)
    #: the later jobs, each merged into a scenario of its own and validated (set by the loader)
    _later: tuple[tuple[float, Scenario], ...] = PrivateAttr(default=())

    @property
    def later(self) -> tuple[tuple[float, Scenario], ...]:
        """``(at, scenario)`` of each later job, in the file's order."""
        return self._later

    @property
    def name(self) -> str:
        return self.job["TrainingJobName"]

    @property
    def spot_enabled(self) -> bool:
        return bool(self.job.get("EnableManagedSpotTraining"))


def json_schema() -> dict[str, Any]:
    """JSON Schema of the scenario format; ``job`` is botocore's CreateTrainingJob input shape."""
    schema = Scenario.model_json_schema()
    defs: dict[str, Any] = schema.setdefault("$defs", {})
    job = shapes.json_schema(service.input_shape("CreateTrainingJob"), defs)
    schema["properties"]["job"] = {**job, "description": "A CreateTrainingJob request, as boto3 takes it."}
    schema["title"] = "tjsim scenario"
    return schema
