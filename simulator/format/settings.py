"""The scenario's settings sections, as written: ``timing``, ``spot``, ``checkpoint`` and
``lifecycle``, with the duration, ratio and epoch types they are written in, the settings that
moved to new names (:data:`RENAMED`), and the sections a later job or a what-if variant overrides
(:data:`OVERRIDABLE`)."""

from __future__ import annotations

import math
import re
import warnings
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from .. import shapes
from ..distributions import KINDS, Uniform
from ..distributions import STRICT as _STRICT
from ..engine.eras import DEFAULT_ERA, ERAS
from ..errors import DeprecatedName, ProblemAt
from ..limits import MAX_SECONDS

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
            raise ValueError(f"{value!r} is text, not a number: write it without quotes")
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in KINDS:
        key = next(iter(value))
        try:
            return KINDS[key].model_validate(value)
        except ValidationError as err:
            first = err.errors()[0]
            where = "".join(f"[{p}]" for p in first["loc"][1:])
            raise ValueError(f"{key}{where}: {first['msg'].removeprefix('Value error, ')}") from None
    hint = shapes.did_you_mean(next(iter(value)), KINDS) if isinstance(value, dict) and len(value) == 1 else ""
    raise ValueError(f"{_DURATION_HELP} (got {value!r}{f': {hint}' if hint else ''})")


_DURATION_SCHEMA = {"anyOf": [{"type": "number", "minimum": 0, "maximum": MAX_SECONDS},
                              *({"type": "object", "required": [k], "additionalProperties": False,
                                 "properties": {k: {}}} for k in KINDS)]}
Duration = Annotated[Any, PlainValidator(_duration), WithJsonSchema(_DURATION_SCHEMA)]
OptionalDuration = Annotated[Any, PlainValidator(lambda v: None if v is None else _duration(v)),
                             WithJsonSchema({"anyOf": [_DURATION_SCHEMA, {"type": "null"}]})]


def _ratio(value: Any) -> Any:
    """A ratio in (0, 1], or a bounded distribution of them: {uniform: [low, high]} or {choice: [...]}."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not (math.isfinite(value) and 0 < value <= 1):
            raise ValueError(f"a ratio is a number above 0 and at most 1 (got {value})")
        return float(value)
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("uniform", "choice"):
        distribution = _duration(value)
        values = distribution.uniform if "uniform" in value else distribution.choice
        if all(0 < v <= 1 for v in values):
            return distribution
    hint = shapes.did_you_mean(next(iter(value)), ("uniform", "choice")) if isinstance(value, dict) and value else ""
    raise ValueError(f"a ratio is a number in (0, 1], {{uniform: [low, high]}} or {{choice: [...]}} within (0, 1] "
                     f"(got {value!r}{f': {hint}' if hint else ''})")


Ratio = Annotated[Any, PlainValidator(_ratio),
                  WithJsonSchema({"anyOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                                            *_DURATION_SCHEMA["anyOf"][1:]]})]


def _rate(value: Any) -> Any:
    """A rate per hour from 0 to 3600, or a distribution of them (drawn once per job: an uncertain rate)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not (math.isfinite(value) and 0 <= value <= 3600):
            raise ValueError(f"a rate is a number of events per hour from 0 to 3600 (got {value})")
        return float(value)
    if isinstance(value, dict):
        try:
            return _duration(value)
        except ValueError as err:
            raise ValueError(str(err).replace(_DURATION_HELP, "expected a rate per hour or one of {uniform: "
                                              "[low, high]}, {normal: [mean, sd]}, {lognormal: [mu, sigma]}, "
                                              "{exponential: mean}, {choice: [...]}")) from None
    raise ValueError(f"expected a rate per hour or a distribution of rates such as {{uniform: [0.1, 0.5]}} "
                     f"(got {value!r})")


Rate = Annotated[Any, PlainValidator(_rate),
                 WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0, "maximum": 3600},
                                           *_DURATION_SCHEMA["anyOf"][1:]]})]


def _epoch_seconds(value: Any) -> Any:
    """A number is epoch seconds, however large (pydantic would read one above 2e10 as milliseconds)."""
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?[0-9]+(\.[0-9]*)?\s*", value):
        value = float(value)  # pydantic would read a long one as milliseconds
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not (math.isfinite(value) and 0 <= value < 7258118400):  # 2200-01-01
            raise ValueError("epoch must fall between 1970 and 2200")
        return datetime.fromtimestamp(value, UTC)
    return value


def _utc(value: datetime) -> datetime:
    """A zone-less epoch is UTC, so output never depends on the machine's time zone."""
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    if not 1970 <= value.year <= 2200:
        raise ValueError("epoch must fall between 1970 and 2200")
    return value


#: an ISO-8601 time (UTC when no zone is given) or epoch seconds
Epoch = Annotated[datetime, Field(strict=False), BeforeValidator(_epoch_seconds), AfterValidator(_utc),
                  WithJsonSchema({"anyOf": [{"type": "string", "format": "date-time"}, {"type": "number"}]})]


def _d(low: float, high: float) -> Uniform:
    return Uniform(uniform=[low, high])


class Timing(BaseModel):
    """How long each phase takes, in seconds. Defaults are observed ranges (docs/semantics.md)."""

    model_config = _STRICT
    starting: OptionalDuration = None  #: provisioning; by default the era's (2024+: 35–74 s)
    warm_starting: Duration = _d(8, 20)  #: Starting of a job that takes over a warm pool
    downloading: Duration = _d(12, 21)
    image_pull: Duration = _d(20, 204)
    training: Duration = 1800.0  #: compute the algorithm needs to finish, excluding re-done work
    uploading: Duration = _d(8, 60)
    sigterm_save: Duration = 30.0  #: time the algorithm uses of the 120 s SIGTERM window
    stopping: Duration = 10.0  #: Stopping when no model has to be saved
    interrupted: Duration = 60.0  #: Interrupted, before capacity is requested again
    capacity_wait: Duration = _d(120, 600)  #: Starting after an interruption, until granted
    restarting: Duration = 30.0
    updating: Duration = 30.0
    rule_evaluation: Duration = _d(60, 300)  #: after the job ends, until each rule finishes
    rule_stopping: Duration = _d(10, 60)  #: a rule evaluation Stopping, until Stopped
    pending: OptionalDuration = None  #: a Pending status before Starting (on-demand capacity wait)
    final_write: Duration = _d(0.14, 0.55)  #: from the job's end until the service writes its final status
    last_metric: Duration = _d(1, 10)  #: how long before training stops the metrics were last emitted


class Spot(BaseModel):
    """Managed spot behaviour (used only with EnableManagedSpotTraining)."""

    model_config = _STRICT
    price_ratio: Ratio = 0.30  #: spot price / on-demand price; observed 874/262 s, a 70 % saving
    #: reclaims of ONE instance per instance-hour (a Poisson rate): a job of N instances is interrupted
    #: when any of them is, N times as often. A distribution is drawn once per job (per what-if
    #: replicate): uncertainty about the rate itself, on top of the Poisson noise
    interruptions_per_instance_hour: Rate = 0.0
    #: a factor on that rate: an assumption that moves every type's own rate alike (a fleet's calibrated ones)
    interruptions_scale: Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False, strict=False)] = 1.0
    first_capacity_wait: Duration = 0.0  #: Starting with insufficient capacity before the first grant
    capacity: Literal["available", "never"] = "available"
    #: "job": one draw of each capacity wait for the whole job; "each_instance": one per instance, the job
    #: waiting for the last, so that a wait grows with InstanceCount (with a distribution; a constant
    #: stays the same)
    capacity_for: Literal["job", "each_instance"] = "job"

    @model_validator(mode="before")
    @classmethod
    def _per_instance(cls, data: Any) -> Any:
        """The old ``interruption_rate_per_hour`` was a rate per job, whatever its InstanceCount: a file
        that has it is refused, naming the setting that replaced it, rather than read otherwise."""
        if isinstance(data, dict) and "interruption_rate_per_hour" in data:
            raise ProblemAt("interruption_rate_per_hour", "replaced by interruptions_per_instance_hour, a rate per "
                            "instance: a job of N instances is interrupted N times as often (for one instance, "
                            "write the same number)")
        return data


class Checkpoint(BaseModel):
    """Checkpoints, when the request sets ``CheckpointConfig``: every restart of training resumes from
    the last one, whether a spot interruption or a retried failure (``RetryStrategy``) caused it;
    without ``CheckpointConfig`` a restart begins again from nothing."""

    model_config = _STRICT
    interval: Annotated[float, Field(gt=0, le=MAX_SECONDS)] = 600.0  #: training seconds per checkpoint
    #: seconds each checkpoint write takes; training progress pauses while it writes
    write: Annotated[float, Field(ge=0, le=MAX_SECONDS)] = 0.0


#: settings that moved: (section, old key) -> (section, new key). The old names keep working.
RENAMED: dict[tuple[str, str], tuple[str, str]] = {
    ("spot", "checkpoint_interval"): ("checkpoint", "interval"),
    ("spot", "checkpoint_write"): ("checkpoint", "write"),
}


#: the same, as dotted paths: ``spot.checkpoint_interval`` -> ``checkpoint.interval``
RENAMED_PATHS = {f"{a}.{b}": f"{c}.{d}" for (a, b), (c, d) in RENAMED.items()}


def renamed(data: Any) -> Any:
    """``data`` with each setting of :data:`RENAMED` under its new name, warning
    :class:`~simulator.errors.DeprecatedName` for each old one.

    Raises:
        ProblemAt: a setting is written under both names, with different values.
    """
    if not isinstance(data, dict):
        return data
    for (old_section, old), (new_section, new) in RENAMED.items():
        section, target = data.get(old_section), data.get(new_section)
        if not isinstance(section, dict) or old not in section or not isinstance(target, dict | None):
            continue  # nothing to move, or a section of the wrong type: its own problem is reported
        target = target or {}
        if new in target and target[new] != section[old]:
            raise ProblemAt(f"{old_section}.{old}", f"the old name of {new_section}.{new}, which is also set: "
                            f"write only {new_section}.{new}")
        warnings.warn(f"{old_section}.{old} is the old name of {new_section}.{new} (it governs every resume, "
                      f"after an interruption or a retried failure): write {new_section}.{new}",
                      DeprecatedName, stacklevel=2)
        rest = {k: v for k, v in section.items() if k != old}  # an emptied section goes: nothing was set there
        data = {k: v for k, v in data.items() if k != old_section}
        data |= {old_section: rest} if rest else {}
        data[new_section] = {**target, new: section[old]}
    return data


#: the scenario sections a later job or a what-if variant may override, each written as a mapping
#: deep-merged into the scenario's, but ``events``: a list, which replaces the scenario's
OVERRIDABLE = ("job", "timing", "spot", "checkpoint", "lifecycle", "failures", "speed", "metrics", "rules", "events")


def override_type(section: str) -> Any:
    """How an override of ``section`` is written (its members are validated once merged)."""
    return list[dict[str, Any]] if section == "events" else dict[str, Any]


Era = Literal[tuple(ERAS)]  # type: ignore[valid-type]


class Lifecycle(BaseModel):
    """Which of the service's behaviours to show, where they changed over time or are inferred
    (docs/semantics.md)."""

    model_config = _STRICT
    era: Era = DEFAULT_ERA  #: where the status messages sit: 2024+ (today), 2019-2023, pre-2019
    restarting_on_retry: bool = False  #: show Restarting between a failed attempt and its retry
    #: a stop while training: the saved model is uploaded in an Uploading entry after Stopping
    #: ("uploading"), within Stopping ("stopping"), or not at all ("none")
    stop_upload: Literal["uploading", "stopping", "none"] = "uploading"
    stop_upload_primary: Literal["Stopping", "InProgress"] = "Stopping"  #: TrainingJobStatus during that Uploading
    require_max_wait_for_spot: bool = True
    #: a job pending for capacity longer fails with InsufficientCapacityError (null: never)
    pending_capacity_limit: Annotated[float, Field(gt=0, le=MAX_SECONDS)] | None = 172800.0

    @model_validator(mode="before")
    @classmethod
    def _deprecated(cls, data: Any) -> Any:
        """The settings these replaced keep working: ``legacy_statuses: true`` is ``era: pre-2019``,
        ``upload_on_stop: false`` is ``stop_upload: none``."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        legacy, upload = data.pop("legacy_statuses", None), data.pop("upload_on_stop", None)
        if legacy is not None:
            if not isinstance(legacy, bool):
                raise ValueError("legacy_statuses: Input should be a valid boolean (it is deprecated: "
                                 "write era: pre-2019)")
            era = data.setdefault("era", "pre-2019") if legacy else data.get("era", DEFAULT_ERA)
            if legacy != (era == "pre-2019"):
                raise ValueError(f"legacy_statuses: {str(legacy).lower()} contradicts era (it is deprecated: "
                                 "write era: pre-2019)")
        if upload is not None:
            if not isinstance(upload, bool):
                raise ValueError("upload_on_stop: Input should be a valid boolean (it is deprecated: "
                                 "write stop_upload: none)")
            shape = data.setdefault("stop_upload", "none") if not upload else data.get("stop_upload", "uploading")
            if upload == (shape == "none"):
                raise ValueError(f"upload_on_stop: {str(upload).lower()} contradicts stop_upload (it is deprecated: "
                                 "write stop_upload: none)")
        return data

