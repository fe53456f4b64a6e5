"""The scenario file: a real CreateTrainingJob request plus what happens to it.

``job`` is validated against botocore's CreateTrainingJob input shape and the service's
cross-field rules; every other section is ours and validated with pydantic. Problems are reported
together, one line each, naming the file, the field path and what is wrong.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, Field, NonNegativeInt, PlainValidator, ValidationError, WithJsonSchema

from . import service, shapes
from .distributions import KINDS, MAX_SECONDS, Seconds, Uniform
from .distributions import STRICT as _STRICT
from .errors import ScenarioError

DEFAULT_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
DEFAULT_MAX_RUNTIME = 86400  # [DOC] StoppingCondition.MaxRuntimeInSeconds defaults to one day
MAX_RUNTIME_LIMIT = 28 * 86400  # [DOC] "The maximum value is 28 days"
_DURATION_HELP = ("expected seconds or one of {uniform: [low, high]}, {normal: [mean, sd]}, "
                  "{lognormal: [mu, sigma]}, {exponential: mean}, {choice: [...]}")


def _duration(value: Any) -> Any:
    """Seconds or a one-key distribution mapping; one clear message for anything else."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not (math.isfinite(value) and 0 <= value <= MAX_SECONDS):
            raise ValueError(f"a duration is a finite number of seconds from 0 to {MAX_SECONDS:.0f} (got {value})")
        return float(value)
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            pass
        else:
            raise ValueError(f"{value!r} is text, not a number: write it unquoted (YAML reads 1e4 as text; "
                             "write 10000 or 1.0e+4)")
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in KINDS:
        key = next(iter(value))
        try:
            return KINDS[key].model_validate(value)
        except ValidationError as err:
            first = err.errors()[0]
            where = "".join(f"[{p}]" for p in first["loc"][1:])
            raise ValueError(f"{key}{where}: {first['msg'].removeprefix('Value error, ')}") from None
    raise ValueError(f"{_DURATION_HELP} (got {value!r})")


_DURATION_SCHEMA = {"anyOf": [{"type": "number", "minimum": 0, "maximum": MAX_SECONDS},
                              *({"type": "object", "required": [k], "additionalProperties": False,
                                 "properties": {k: {}}} for k in KINDS)]}
Duration = Annotated[Any, PlainValidator(_duration), WithJsonSchema(_DURATION_SCHEMA)]
OptionalDuration = Annotated[Any, PlainValidator(lambda v: None if v is None else _duration(v)),
                             WithJsonSchema({"anyOf": [_DURATION_SCHEMA, {"type": "null"}]})]


def _utc(value: datetime) -> datetime:
    """A zone-less epoch is UTC, so output never depends on the machine's time zone."""
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    if not 1970 <= value.year <= 2200:
        raise ValueError("epoch must fall between 1970 and 2200")
    return value


def _d(low: float, high: float) -> Uniform:
    return Uniform(uniform=[low, high])


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
    pending: OptionalDuration = None  #: a Pending status before Starting (on-demand capacity wait)


class Spot(BaseModel):
    """Managed spot behaviour (used only with EnableManagedSpotTraining)."""

    model_config = _STRICT
    price_ratio: Annotated[float, Field(gt=0, le=1)] = 0.30  #: SEMANTICS §4: 874/262 s, a 70 % saving
    checkpoint_interval: Annotated[float, Field(gt=0, le=MAX_SECONDS)] = 600.0  #: training seconds per checkpoint
    interruption_rate_per_hour: Annotated[float, Field(ge=0, le=3600)] = 0.0  #: Poisson rate on instance time
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
    at: Seconds  #: seconds after CreationTime


class StopEvent(_Event):
    """StopTrainingJob."""

    type: Literal["stop"] = "stop"


class InterruptEvent(_Event):
    """A spot interruption (capacity reclaimed)."""

    type: Literal["interrupt"] = "interrupt"


FAILURE_KINDS = ("AlgorithmError", "ClientError", "CapacityError", "InternalServerError")


class FailEvent(_Event):
    """A failure; ``message`` defaults to the text real jobs show for ``error``."""

    type: Literal["fail"] = "fail"
    error: Literal[FAILURE_KINDS]  # type: ignore[valid-type]
    message: Annotated[str, Field(min_length=1, max_length=1000)] | None = None


class UpdateEvent(_Event):
    """UpdateTrainingJob; ``changes`` is its request without TrainingJobName."""

    type: Literal["update"] = "update"
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
    #: CreationTime; every timestamp is epoch + simulated seconds (UTC when no zone is given)
    epoch: Annotated[datetime, Field(strict=False), AfterValidator(_utc)] = DEFAULT_EPOCH
    region: Annotated[str, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")] = "us-east-1"
    account: Annotated[str, Field(pattern=r"^\d{12}$")] = "123456789012"
    job: dict[str, Any]  #: a CreateTrainingJob request, as boto3 takes it
    timing: Timing = Timing()
    spot: Spot = Spot()
    lifecycle: Lifecycle = Lifecycle()
    events: list[Event] = []
    metrics: dict[str, float] = {}  #: final value per MetricDefinitions name (finite)
    rules: dict[str, Rule] = {}  #: outcome per RuleConfigurationName

    @property
    def name(self) -> str:
        return self.job["TrainingJobName"]

    @property
    def spot_enabled(self) -> bool:
        return bool(self.job.get("EnableManagedSpotTraining"))


# --- loading ----------------------------------------------------------------------------------

class _Loader(yaml.SafeLoader):
    """YAML without implicit timestamps: dates stay text, as boto3 would be given them, and pydantic
    parses ``epoch`` (an impossible date is then a field problem, not a crash)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Raises:
        ScenarioError: the file is missing, unreadable, empty, not YAML, or invalid; one line per problem.
    """
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(source, ["no such file"]) from None
    except UnicodeDecodeError:
        raise ScenarioError(source, ["cannot read the file (it is not UTF-8 text)"]) from None
    except OSError as err:
        raise ScenarioError(source, [f"cannot read the file ({err.strerror or type(err).__name__})"]) from None
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(err, "problem", None) or "malformed YAML"
        raise ScenarioError(source, [f"{where}malformed YAML: {problem}"]) from None
    except RecursionError:
        raise ScenarioError(source, ["malformed YAML: nested too deeply"]) from None
    return parse(data, source=source)


def parse(data: Any, *, source: str = "<scenario>") -> Scenario:
    """Validate already-loaded scenario data (see :func:`load`); every problem is reported."""
    if data is None:
        raise ScenarioError(source, ["the file is empty"])
    if not isinstance(data, dict):
        raise ScenarioError(source, [f"expected a mapping of sections, got {type(data).__name__}"])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        problems = _pydantic_problems(err)
        job = data.get("job")
        if isinstance(job, dict) and not any(p.startswith("job") for p in problems):
            problems += [str(p) for p in _request_problems(job)]
        raise ScenarioError(source, problems) from None
    problems = [str(p) for p in _request_problems(scenario.job) + _cross_field_problems(scenario)]
    if problems:
        raise ScenarioError(source, problems)
    return scenario


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]":
            out += " (a key)"
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


_TAGS = tuple(cls.model_fields["type"].default for cls in (StopEvent, InterruptEvent, FailEvent, UpdateEvent))


def _pydantic_problems(err: ValidationError) -> list[str]:
    problems = []
    for e in err.errors():
        loc = tuple(e["loc"])
        # a discriminated union adds the tag to the path: events[0].fail.error -> events[0].error
        loc = tuple(p for i, p in enumerate(loc) if not (i and isinstance(loc[i - 1], int) and p in _TAGS))
        if e["type"] == "extra_forbidden":
            hint = shapes.did_you_mean(str(loc[-1]), _fields_at(loc[:-1]))
            hint = f" ({hint})" if hint else ""
            problems.append(f"{_path(loc)}: unknown key{hint}")
        elif e["type"] == "missing":
            problems.append(f"{_path(loc)}: required key is missing")
        else:
            message = e["msg"].removeprefix("Value error, ")
            shown = e.get("input")
            got = "" if isinstance(shown, dict | list) or "(got " in message else f" (got {shown!r})"
            problems.append(f"{_path(loc)}: {message}{got}")
    return problems


# --- the job section: botocore's shape plus the service's cross-field rules ----------------------

_NAME_PATTERN = "^[a-zA-Z0-9](-*[a-zA-Z0-9])*"


def _request_problems(job: dict[str, Any]) -> list[shapes.Problem]:
    """The request against botocore's CreateTrainingJob shape, in the service's words where known."""
    P = shapes.Problem
    problems = shapes.validate(job, service.input_shape("CreateTrainingJob"), prefix="job")
    name = job.get("TrainingJobName")
    if isinstance(name, str) and any(p.path == "job.TrainingJobName" for p in problems):
        # the service's own words for a bad name (SEMANTICS §7)
        problems = [p for p in problems if p.path != "job.TrainingJobName"]
        problems.append(P("job.TrainingJobName", f"Value '{name}' at 'trainingJobName' failed to satisfy "
                          f"constraint: Member must satisfy regular expression pattern: {_NAME_PATTERN}"))
    for member in ("AlgorithmSpecification", "ResourceConfig"):
        if member not in job:
            problems.append(P(f"job.{member}", "required member is missing (the service needs it for a "
                                               "training job that runs on instances)"))
    return problems


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _cross_field_problems(s: Scenario) -> list[shapes.Problem]:
    """Rules the service enforces across fields, and the scenario's references into the request.
    Written to hold whatever shape problems the request has, so that all are reported at once."""
    P = shapes.Problem
    problems = []
    job = s.job
    stopping = _mapping(job.get("StoppingCondition"))
    runtime = stopping.get("MaxRuntimeInSeconds", DEFAULT_MAX_RUNTIME)
    runtime = runtime if isinstance(runtime, int) and not isinstance(runtime, bool) else DEFAULT_MAX_RUNTIME
    wait = stopping.get("MaxWaitTimeInSeconds")
    wait = wait if isinstance(wait, int) and not isinstance(wait, bool) else None
    if runtime > MAX_RUNTIME_LIMIT:
        problems.append(P("job.StoppingCondition.MaxRuntimeInSeconds", f"value {runtime} exceeds the maximum of "
                          f"{MAX_RUNTIME_LIMIT} (28 days)"))
    if wait is not None and not s.spot_enabled:
        problems.append(P("job.StoppingCondition.MaxWaitTimeInSeconds", "Invalid MaxWaitTimeInSeconds. It is "
                          "only supported when EnableManagedSpotTraining is set to true"))
    elif wait is not None and wait < runtime:
        problems.append(P("job.StoppingCondition.MaxWaitTimeInSeconds", f"must be greater than or equal to "
                          f"MaxRuntimeInSeconds ({runtime})"))
    elif wait is not None and wait > MAX_SECONDS:
        problems.append(P("job.StoppingCondition.MaxWaitTimeInSeconds", f"value {wait} is beyond what tjsim "
                          f"simulates ({MAX_SECONDS:.0f} s)"))
    if s.spot_enabled and wait is None and s.lifecycle.require_max_wait_for_spot:
        problems.append(P("job.StoppingCondition.MaxWaitTimeInSeconds", "required with "
                          "EnableManagedSpotTraining (set lifecycle.require_max_wait_for_spot: false to wait "
                          "without a limit)"))
    resources = _mapping(job.get("ResourceConfig"))
    if resources.get("InstanceCount") == 0 and not resources.get("InstanceGroups"):
        problems.append(P("job.ResourceConfig.InstanceCount", "a training job needs at least one instance"))
    if not s.spot_enabled:
        if s.spot.interruption_rate_per_hour:
            problems.append(P("spot.interruption_rate_per_hour", "spot interruptions need "
                              "job.EnableManagedSpotTraining: true"))
        for i, event in enumerate(s.events):
            if isinstance(event, InterruptEvent):
                problems.append(P(f"events[{i}]", "a spot interruption needs job.EnableManagedSpotTraining: true"))
        if s.spot.capacity == "never":
            problems.append(P("spot.capacity", "'never' needs job.EnableManagedSpotTraining: true"))
    metric_names = {m.get("Name") for m in _items(_mapping(job.get("AlgorithmSpecification")).get("MetricDefinitions"))}
    for metric in s.metrics:
        if metric not in metric_names:
            hint = shapes.did_you_mean(metric, metric_names)
            hint = f" ({hint})" if hint else ""
            problems.append(P(f"metrics.{metric}", f"not in job.AlgorithmSpecification.MetricDefinitions{hint}"))
    rule_names = {r.get("RuleConfigurationName") for key in ("DebugRuleConfigurations", "ProfilerRuleConfigurations")
                  for r in _items(job.get(key))}
    update_shape = service.input_shape("UpdateTrainingJob")
    for i, event in enumerate(s.events):
        if not isinstance(event, UpdateEvent):
            continue
        request = {"TrainingJobName": job.get("TrainingJobName"), **event.changes}
        found = [p for p in shapes.validate(request, update_shape) if not p.path.startswith("TrainingJobName")]
        problems += [P(f"events[{i}].changes.{p.path}", p.message) for p in found]
        if found:
            continue
        for k, rule in enumerate(event.changes.get("ProfilerRuleConfigurations", [])):
            name = rule["RuleConfigurationName"]
            if name in rule_names:
                problems.append(P(f"events[{i}].changes.ProfilerRuleConfigurations[{k}].RuleConfigurationName",
                                  f"a rule named {name!r} is already configured"))
            rule_names.add(name)
    for rule in s.rules:
        if rule not in rule_names:
            problems.append(P(f"rules.{rule}", "not a RuleConfigurationName of the job's Debug or Profiler rules"))
    return problems


def json_schema() -> dict[str, Any]:
    """JSON Schema of the scenario format; ``job`` is botocore's CreateTrainingJob input shape."""
    schema = Scenario.model_json_schema()
    defs: dict[str, Any] = schema.setdefault("$defs", {})
    job = shapes.json_schema(service.input_shape("CreateTrainingJob"), defs)
    schema["properties"]["job"] = {**job, "description": "A CreateTrainingJob request, as boto3 takes it."}
    schema["title"] = "tjsim scenario"
    return schema
