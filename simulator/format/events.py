"""What happens to a job, as a scenario writes it: an action (``stop``, ``interrupt``, ``fail``,
``update``), and an event, the action at a time. The endpoint's control API takes the actions.

An action's one model is the engine's dataclass (:mod:`simulator.engine.actions`), validated as it
is. An event is written as the action's members and ``at``, flat (``{type: fail, at: 60, error:
ClientError}``): its model is made here from the action's dataclass, so that its problems name
``events[0].error`` and the JSON Schema lists the members a file writes.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, get_type_hints

from pydantic import BaseModel, Field, TypeAdapter, create_model

from ..distributions import STRICT as _STRICT
from ..distributions import Seconds
from ..engine.actions import FAILURE_KINDS, Action, Fail, FailureKind, Interrupt, Stop, Update

__all__ = ["ACTION", "FAILURE_KINDS", "TAGS", "ActionSpec", "Event", "FailEvent", "FailureKind", "InterruptEvent",
           "StopEvent", "UpdateEvent"]

#: an action as JSON: what the endpoint's control API takes, and its journal keeps
ActionSpec = Annotated[Action, Field(discriminator="type")]
ACTION: TypeAdapter[Action] = TypeAdapter(ActionSpec)
#: each action by its ``type``, in the order problems list them
_KINDS: dict[str, type] = {next(f.default for f in dataclasses.fields(kind) if f.name == "type"): kind
                           for kind in (Stop, Interrupt, Fail, Update)}
TAGS = tuple(_KINDS)


class _Event(BaseModel):
    """An action at a time; each action's event adds its members (:func:`_at_a_time`)."""

    model_config = _STRICT

    def action(self) -> Action:
        """The engine's action this event delivers (at ``at``)."""
        kind = _KINDS[self.type]  # type: ignore[attr-defined]
        return kind(**{f.name: getattr(self, f.name) for f in dataclasses.fields(kind)})


def _at_a_time(kind: type, what: str) -> type[_Event]:
    """The event of the action ``kind``: its members, as its dataclass declares them, then ``at``."""
    hints = get_type_hints(kind, include_extras=True)
    members: dict[str, Any] = {f.name: (hints[f.name], ... if f.default is dataclasses.MISSING else f.default)
                               for f in dataclasses.fields(kind)}
    return create_model(f"{kind.__name__}Event", __base__=_Event, __doc__=f"{what}, at a time.", __module__=__name__,
                        **members, at=(Seconds, ...))  # seconds after CreationTime


StopEvent = _at_a_time(Stop, "StopTrainingJob")
InterruptEvent = _at_a_time(Interrupt, "A spot interruption")
FailEvent = _at_a_time(Fail, "A failure")
UpdateEvent = _at_a_time(Update, "UpdateTrainingJob")

#: an action at a time after the job's creation
Event = Annotated[StopEvent | InterruptEvent | FailEvent | UpdateEvent, Field(discriminator="type")]

