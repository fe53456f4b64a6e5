"""The scenario file: a real CreateTrainingJob request plus what happens to it.

``job`` is validated against botocore's CreateTrainingJob input shape and the service's
cross-field rules; every other section is ours and validated with pydantic. Problems are reported
together, one line each, naming the file, the field path and what is wrong.
"""

from __future__ import annotations

import difflib
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    ValidationError,
)

from . import distributions, service, shapes
from .distributions import Duration as _Duration
from .errors import ScenarioError

_STRICT = ConfigDict(extra="forbid", frozen=True)
_DIST_KEYS = {"uniform": distributions.Uniform, "normal": distributions.Normal,
              "lognormal": distributions.LogNormal, "exponential": distributions.Exponential,
              "choice": distributions.Choice}
DEFAULT_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
DEFAULT_MAX_RUNTIME = 86400  # [DOC] StoppingCondition.MaxRuntimeInSeconds defaults to one day


def _duration(value: Any) -> Any:
    """Accept seconds or a one-key distribution mapping, with one clear message otherwise."""
    if isinstance(value, bool):
        raise ValueError("expected seconds, not a boolean")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"a duration cannot be negative ({value})")
        return float(value)
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _DIST_KEYS:
        key = next(iter(value))
        return _DIST_KEYS[key].model_validate(value)
    raise ValueError("expected seconds or one of {uniform: [low, high]}, {normal: [mean, sd]}, "
                     "{lognormal: [mu, sigma]}, {exponential: mean}, {choice: [...]}")


Duration = Annotated[_Duration, BeforeValidator(_duration)]


def _d(low: float, high: float) -> distributions.Uniform:
    return distributions.Uniform(uniform=(low, high))


class Timing(BaseModel):
    """How long each phase takes, in seconds. Defaults are SEMANTICS §4's observed ranges."""

    model_config = _STRICT
    starting: Duration = _d(94, 140)
    downloading: Duration = _d(12, 21)
    image_pull: Duration = _d(20, 204)
    training: Duration = 3600.0  #: compute the algorithm needs to finish, excluding re-done work
    uploading: Duration = _d(8, 60)
    sigterm_save: Duration = 30.0  #: time the algorithm uses of the 120 s SIGTERM window
    stopping: Duration = 10.0  #: Stopping when no model has to be saved
    interrupted: Duration = 60.0  #: Interrupted, before capacity is requested again
    capacity_wait: Duration = _d(120, 600)  #: Starting after an interruption, until granted
    restarting: Duration = 30.0
    updating: Duration = 30.0
    rule_evaluation: Duration = _d(60, 300)  #: after the job ends, until each rule finishes
    pending: Duration | None = None  #: a Pending status before Starting (on-demand capacity wait)


class Spot(BaseModel):
    """Managed spot behaviour (used only with EnableManagedSpotTraining)."""

    model_config = _STRICT
    price_ratio: Annotated[float, Field(gt=0, le=1)] = 0.30  #: SEMANTICS §4: 874/262 s, a 70 % saving
    checkpoint_interval: PositiveFloat = 600.0  #: seconds of training between checkpoints
    interruption_rate_per_hour: NonNegativeFloat = 0.0  #: Poisson rate on instance time
    first_capacity_wait: Duration = 0.0  #: Starting with insufficient capacity before the first grant
    capacity: Literal["available", "never"] = "available"


class Lifecycle(BaseModel):
    """Choices where the service's behaviour is inferred, not documented (docs/semantics.md)."""

    model_config = _STRICT
    legacy_statuses: bool = False  #: LaunchingMLInstances / PreparingTrainingStack / DownloadingTrainingImage
    restarting_on_retry: bool = True  #: show Restarting between a failed attempt and its retry
    upload_on_stop: bool = True  #: a job stopped while training saves and uploads its model
    require_max_wait_for_spot: bool = True


class _Event(BaseModel):
    model_config = _STRICT
    at: NonNegativeFloat  #: seconds after CreationTime


class StopEvent(_Event):
    """StopTrainingJob."""

    type: Literal["stop"]


class InterruptEvent(_Event):
    """A spot interruption (capacity reclaimed)."""

    type: Literal["interrupt"]


FAILURE_KINDS = ("AlgorithmError", "ClientError", "CapacityError", "InternalServerError")


class FailEvent(_Event):
    """A failure; ``message`` defaults to the text real jobs show for ``error``."""

    type: Literal["fail"]
    error: Literal[FAILURE_KINDS]  # type: ignore[valid-type]
    message: Annotated[str, Field(min_length=1, max_length=1000)] | None = None


class UpdateEvent(_Event):
    """UpdateTrainingJob; ``changes`` is its request without TrainingJobName."""

    type: Literal["update"]
    changes: dict[str, Any]


Event = Annotated[StopEvent | InterruptEvent | FailEvent | UpdateEvent, Field(discriminator="type")]


class Rule(BaseModel):
    """How a Debugger or Profiler rule evaluation ends."""

    model_config = _STRICT
    result: Literal["NoIssuesFound", "IssuesFound", "Error"] = "NoIssuesFound"
    details: Annotated[str, Field(max_length=1024)] | None = None


class Scenario(BaseModel):
    """One training job and what happens to it."""

    model_config = _STRICT
    description: str = ""
    seed: NonNegativeInt = 0
    epoch: datetime = DEFAULT_EPOCH  #: CreationTime; every timestamp is epoch + simulated seconds
    region: Annotated[str, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")] = "us-east-1"
    account: Annotated[str, Field(pattern=r"^\d{12}$")] = "123456789012"
    job: dict[str, Any]  #: a CreateTrainingJob request, as boto3 takes it
    timing: Timing = Timing()
    spot: Spot = Spot()
    lifecycle: Lifecycle = Lifecycle()
    events: list[Event] = []
    metrics: dict[str, float] = {}  #: final value per MetricDefinitions name
    rules: dict[str, Rule] = {}  #: outcome per RuleConfigurationName

    @property
    def name(self) -> str:
        return self.job["TrainingJobName"]

    @property
    def spot_enabled(self) -> bool:
        return bool(self.job.get("EnableManagedSpotTraining"))


# --- loading ----------------------------------------------------------------------------------

def load(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Raises:
        ScenarioError: the file is missing, empty, not YAML, or invalid; one line per problem.
    """
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(source, ["no such file"]) from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as err:
        raise ScenarioError(source, [f"cannot read the file ({type(err).__name__})"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(err, "problem", None) or "malformed YAML"
        raise ScenarioError(source, [f"{where}malformed YAML: {problem}"]) from None
    return parse(data, source=source)


def parse(data: Any, *, source: str = "<scenario>") -> Scenario:
    """Validate already-loaded scenario data (see :func:`load`)."""
    if data is None:
        raise ScenarioError(source, ["the file is empty"])
    if not isinstance(data, dict):
        raise ScenarioError(source, [f"expected a mapping of sections, got {type(data).__name__}"])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(source, _pydantic_problems(err, data)) from None
    problems = [str(p) for p in _job_problems(scenario)]
    if problems:
        raise ScenarioError(source, problems)
    return scenario


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """The field names valid where ``loc`` points, for "did you mean"."""
    model: Any = Scenario
    for part in loc:
        field = getattr(model, "model_fields", {}).get(part) if isinstance(part, str) else None
        if field is None:
            break
        model = field.annotation
    return list(getattr(model, "model_fields", {}))


def _pydantic_problems(err: ValidationError, data: dict[str, Any]) -> list[str]:
    problems = []
    for e in err.errors():
        loc = tuple(e["loc"])
        # a discriminated union adds the tag to the path: events[0].fail.error -> events[0].error
        loc = tuple(p for i, p in enumerate(loc) if not (i and isinstance(loc[i - 1], int) and p in
                                                         ("stop", "interrupt", "fail", "update")))
        if e["type"] == "extra_forbidden":
            key = str(loc[-1])
            close = difflib.get_close_matches(key, _fields_at(loc[:-1]), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(f"{_path(loc)}: unknown key{hint}")
        elif e["type"] == "missing":
            problems.append(f"{_path(loc)}: required key is missing")
        else:
            message = e["msg"].removeprefix("Value error, ")
            problems.append(f"{_path(loc)}: {message} (got {e.get('input')!r})")
    return problems


# --- the job section: botocore's shape plus the service's cross-field rules ----------------------

_NAME_PATTERN = "^[a-zA-Z0-9](-*[a-zA-Z0-9])*"


def _job_problems(s: Scenario) -> list[shapes.Problem]:
    P = shapes.Problem
    problems = shapes.validate(s.job, service.input_shape("CreateTrainingJob"), prefix="job")
    by_path = {p.path for p in problems}
    job = s.job
    name = job.get("TrainingJobName")
    if "job.TrainingJobName" in by_path and isinstance(name, str):
        # the service's own words for a bad name (SEMANTICS §7)
        problems = [p for p in problems if p.path != "job.TrainingJobName"]
        problems.append(P("job.TrainingJobName", f"Value '{name}' at 'trainingJobName' failed to satisfy "
                          f"constraint: Member must satisfy regular expression pattern: {_NAME_PATTERN}"))
    for member in ("AlgorithmSpecification", "ResourceConfig"):
        if member not in job:
            problems.append(P(f"job.{member}", "required member is missing (the service needs it for a "
                                               "training job that runs on instances)"))
    if problems:
        return problems  # the cross-field rules below assume the shapes are right

    stopping = job.get("StoppingCondition", {})
    runtime = stopping.get("MaxRuntimeInSeconds", DEFAULT_MAX_RUNTIME)
    wait = stopping.get("MaxWaitTimeInSeconds")
    if wait is not None and not s.spot_enabled:
        problems.append(P("job.StoppingCondition.MaxWaitTimeInSeconds", "Invalid MaxWaitTimeInSeconds. It is "
                          "only supported when EnableManagedSpotTraining is set to true"))
    elif wait is not None and wait < runtime:
        problems.append(P("job.StoppingCondition.MaxWaitTimeInSeconds", f"must be greater than or equal to "
                          f"MaxRuntimeInSeconds ({runtime})"))
    if s.spot_enabled and wait is None and s.lifecycle.require_max_wait_for_spot:
        problems.append(P("job.StoppingCondition.MaxWaitTimeInSeconds", "required with "
                          "EnableManagedSpotTraining (set lifecycle.require_max_wait_for_spot: false to wait "
                          "without a limit)"))
    if not s.spot_enabled:
        if s.spot.interruption_rate_per_hour:
            problems.append(P("spot.interruption_rate_per_hour", "spot interruptions need "
                              "job.EnableManagedSpotTraining: true"))
        for i, event in enumerate(s.events):
            if isinstance(event, InterruptEvent):
                problems.append(P(f"events[{i}]", "a spot interruption needs job.EnableManagedSpotTraining: true"))
        if s.spot.capacity == "never":
            problems.append(P("spot.capacity", "'never' needs job.EnableManagedSpotTraining: true"))
    metric_names = {m["Name"] for m in job["AlgorithmSpecification"].get("MetricDefinitions", [])}
    for metric in s.metrics:
        if metric not in metric_names:
            close = difflib.get_close_matches(metric, sorted(metric_names), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(P(f"metrics.{metric}", f"not in job.AlgorithmSpecification.MetricDefinitions{hint}"))
    rule_names = {r["RuleConfigurationName"] for key in ("DebugRuleConfigurations", "ProfilerRuleConfigurations")
                  for r in job.get(key, [])}
    rule_names |= {r["RuleConfigurationName"] for e in s.events if isinstance(e, UpdateEvent)
                   for r in e.changes.get("ProfilerRuleConfigurations", []) if isinstance(r, dict)
                   and "RuleConfigurationName" in r}
    for rule in s.rules:
        if rule not in rule_names:
            problems.append(P(f"rules.{rule}", "not a RuleConfigurationName of the job's Debug or Profiler rules"))
    update_shape = service.input_shape("UpdateTrainingJob")
    for i, event in enumerate(s.events):
        if isinstance(event, UpdateEvent):
            request = {"TrainingJobName": job["TrainingJobName"], **event.changes}
            problems += shapes.validate(request, update_shape, prefix=f"events[{i}].changes")
    return problems


def json_schema() -> dict[str, Any]:
    """JSON Schema of the scenario format; ``job`` is botocore's CreateTrainingJob input shape."""
    schema = Scenario.model_json_schema()
    defs: dict[str, Any] = schema.setdefault("$defs", {})
    job = shapes.json_schema(service.input_shape("CreateTrainingJob"), defs)
    schema["properties"]["job"] = {**job, "description": "A CreateTrainingJob request, as boto3 takes it."}
    schema["title"] = "tjsim scenario"
    return schema
