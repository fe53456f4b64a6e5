"""What can happen to a running job, now: the actions a client (StopTrainingJob, UpdateTrainingJob)
or a test (a spot interruption, a failure) delivers. An action has no time of its own: it takes
effect at the simulation's present. A scenario's events are actions with a time (``at``).

Each action is also its one model as JSON, ``{"type": "fail", "error": ...}``: the scenario format
and the endpoint validate these dataclasses as they are (pydantic reads the ``type`` tag, the
annotations' constraints and ``__pydantic_config__``); the engine itself never imports pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from annotated_types import MaxLen, MinLen

#: the kinds of failure: a ``fail`` action's, and a scenario's random ``failures``
FAILURE_KINDS = ("AlgorithmError", "ClientError", "CapacityError", "InternalServerError")
FailureKind = Literal[FAILURE_KINDS]  # type: ignore[valid-type]

# Unknown keys are refused. Not "strict": pydantic then takes only instances of a dataclass, not
# the mappings a file or a request holds (the scenario's events are validated strictly anyway).
_AS_JSON: dict[str, Any] = {"extra": "forbid"}


def _tag(name: str) -> Any:
    """The ``type`` member of an action as JSON: keyword-only, so that ``Fail("ClientError")`` is
    still the error, and left out of reprs and comparisons (a class has one)."""
    return field(default=name, kw_only=True, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Stop:
    """StopTrainingJob."""

    type: Literal["stop"] = _tag("stop")
    trigger = "stop"
    __pydantic_config__ = _AS_JSON


@dataclass(frozen=True, slots=True)
class Interrupt:
    """A spot interruption: the capacity is reclaimed."""

    type: Literal["interrupt"] = _tag("interrupt")
    trigger = "interrupt"
    __pydantic_config__ = _AS_JSON


@dataclass(frozen=True, slots=True)
class Fail:
    """A failure of kind ``error`` (:data:`FAILURE_KINDS`); ``message`` defaults to the text real
    jobs show."""

    type: Literal["fail"] = _tag("fail")
    error: FailureKind
    message: Annotated[str, MinLen(1), MaxLen(1000)] | None = None
    trigger = "fail"
    __pydantic_config__ = _AS_JSON


@dataclass(frozen=True, slots=True)
class Update:
    """UpdateTrainingJob; ``changes`` is its request without TrainingJobName."""

    type: Literal["update"] = _tag("update")
    changes: dict[str, Any]
    trigger = "update"
    __pydantic_config__ = _AS_JSON


Action = Stop | Interrupt | Fail | Update
