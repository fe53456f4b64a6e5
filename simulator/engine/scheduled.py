"""A scenario's events, delivered to its job at their times, beside the job's lifecycle: one the
job does not accept changes nothing, and is kept with the reason (``tjsim replay --verbose``)."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from ..errors import InvalidAction
from .waits import ticks

if TYPE_CHECKING:
    from .job import Job

#: a simpy priority after NORMAL: processed after every other event of the same instant
LATE = simpy.events.NORMAL + 1


class Late(simpy.Event):
    """An event ``delay`` from now that is processed after every other event of that instant: a
    simpy Timeout at priority LATE (built the way simpy builds its Timeout)."""

    def __init__(self, env: simpy.Environment, delay: float):
        super().__init__(env)
        self._ok, self._value = True, None
        env.schedule(self, LATE, delay)


def deliver(job: Job) -> Generator[simpy.Event, Any, None]:
    """Deliver each of the job's scheduled events at its time (``job.unheeded`` keeps the refused)."""
    for event in job.plan.events:
        delay = max(job.created + ticks(event.at) - job.env.now, 0.0)
        # after everything else due at that instant: a phase that ends as the event arrives ends
        # first, and the event meets the status that follows
        yield Late(job.env, delay)
        try:
            job.inject(event.action)
        except InvalidAction as refused:
            job.unheeded.append((event, str(refused)))
