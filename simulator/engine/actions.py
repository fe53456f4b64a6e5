"""What can happen to a running job, now: the actions a client (StopTrainingJob, UpdateTrainingJob)
or a test (a spot interruption, a failure) delivers. An action has no time of its own: it takes
effect at the simulation's present. A scenario's events are actions with a time (``at``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Stop:
    """StopTrainingJob."""

    trigger = "stop"


@dataclass(frozen=True, slots=True)
class Interrupt:
    """A spot interruption: the capacity is reclaimed."""

    trigger = "interrupt"


@dataclass(frozen=True, slots=True)
class Fail:
    """A failure of kind ``error`` (AlgorithmError, ClientError, CapacityError, InternalServerError);
    ``message`` defaults to the text real jobs show."""

    error: str
    message: str | None = None
    trigger = "fail"


@dataclass(frozen=True, slots=True)
class Update:
    """UpdateTrainingJob; ``changes`` is its request without TrainingJobName."""

    changes: dict[str, Any] = field(default_factory=dict)
    trigger = "update"


@dataclass(frozen=True, slots=True)
class Retry:
    """Not a request: the job's own move to try again after a failure of kind ``error`` (it asks
    :mod:`.acceptance` like any action)."""

    error: str
    trigger = "retry"


Action = Stop | Interrupt | Fail | Update
