"""What happens to a job, as a scenario writes it: an action (``stop``, ``interrupt``, ``fail``,
``update``), and an event, the action at a time. The endpoint's control API takes the actions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from ..distributions import STRICT as _STRICT
from ..distributions import Seconds
from ..engine import actions


class StopAction(BaseModel):
    """StopTrainingJob."""

    model_config = _STRICT
    type: Literal["stop"] = "stop"

    def action(self) -> actions.Stop:
        return actions.Stop()


class InterruptAction(BaseModel):
    """A spot interruption (capacity reclaimed)."""

    model_config = _STRICT
    type: Literal["interrupt"] = "interrupt"

    def action(self) -> actions.Interrupt:
        return actions.Interrupt()


FAILURE_KINDS = ("AlgorithmError", "ClientError", "CapacityError", "InternalServerError")
FailureKind = Literal[FAILURE_KINDS]  # type: ignore[valid-type]


class FailAction(BaseModel):
    """A failure; ``message`` defaults to the text real jobs show for ``error``."""

    model_config = _STRICT
    type: Literal["fail"] = "fail"
    error: FailureKind
    message: Annotated[str, Field(min_length=1, max_length=1000)] | None = None

    def action(self) -> actions.Fail:
        return actions.Fail(self.error, self.message)


class UpdateAction(BaseModel):
    """UpdateTrainingJob; ``changes`` is its request without TrainingJobName."""

    model_config = _STRICT
    type: Literal["update"] = "update"
    changes: dict[str, Any]

    def action(self) -> actions.Update:
        return actions.Update(self.changes)


#: an action as JSON: what the endpoint's control API takes, and its journal keeps
ActionSpec = Annotated[StopAction | InterruptAction | FailAction | UpdateAction, Field(discriminator="type")]


class StopEvent(StopAction):
    """StopTrainingJob, at a time."""

    at: Seconds  #: seconds after CreationTime


class InterruptEvent(InterruptAction):
    """A spot interruption, at a time."""

    at: Seconds  #: seconds after CreationTime


class FailEvent(FailAction):
    """A failure, at a time."""

    at: Seconds  #: seconds after CreationTime


class UpdateEvent(UpdateAction):
    """UpdateTrainingJob, at a time."""

    at: Seconds  #: seconds after CreationTime


#: an action at a time after the job's creation
Event = Annotated[StopEvent | InterruptEvent | FailEvent | UpdateEvent, Field(discriminator="type")]
