"""The clock a sweep runs its jobs on: a simpy environment one thread reuses from job to job, which
drives a job alone on it without a simpy Process."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Generator
from heapq import heappop
from typing import Any

import simpy
from simpy.core import BoundClass
from simpy.events import URGENT


class Clock(simpy.Environment):
    """A simpy environment a thread reuses from job to job (:func:`clock`): making one binds its event
    methods, which costs as much as a short job's first events. :meth:`reset` puts it back as new."""

    def __init__(self) -> None:
        super().__init__()
        # simpy binds ``timeout``, ``event``, ``process``… to a new environment only from its own class's
        # dict (``BoundClass.bind_early``): a subclass would make a bound method on every timeout
        for name, attribute in simpy.Environment.__dict__.items():
            if type(attribute) is BoundClass:
                setattr(self, name, getattr(self, name))

    def reset(self) -> Clock:
        """The clock at 0, with nothing scheduled and events numbered from 0: as a new environment is
        (simpy keeps these three in ``__init__``), so a job lives on it exactly as on a new one."""
        self._now = 0
        self._queue.clear()
        self._eid = itertools.count()
        self._active_proc = None
        return self

    def drive(self, generator: Generator[simpy.Event, Any, Any]) -> None:
        """Run ``generator`` — what :meth:`process` takes — to its end, then everything it left on the
        clock, as if it were a process started now.

        The clock resumes the generator with each event it waits on, as a :class:`simpy.Process`
        would, without being one: a process costs work of its own (an event to start it, a callback
        on each event it waits on, an event when it ends), more than a short job's own timeouts take.
        So nothing can interrupt it or wait for it: it is for a job nothing else acts on (a sweep's).
        Every other event on the clock runs as simpy runs it, in its order; on an event the generator
        shares with others, their callbacks run before it resumes. An event that never comes leaves
        the generator waiting, as a process that waits forever is left when the clock stops.
        """
        queue, send, step = self._queue, generator.send, self.step
        start = next(self._eid)  # the number a process's start would take: what is due now before it, runs first
        while queue and queue[0][0] <= self._now and queue[0][1] == URGENT and queue[0][2] < start:
            step()
        try:
            event = next(generator)
        except StopIteration:
            event = None
        while event is not None:
            if event.callbacks is not None:  # not yet processed: the clock runs up to it
                while queue and queue[0][3] is not event:
                    step()
                if not queue:
                    return  # nothing will ever trigger it
                self._now = heappop(queue)[0]
                callbacks, event.callbacks = event.callbacks, None
                for callback in callbacks:  # anything else waiting on it
                    callback(event)
            try:
                if event._ok:
                    event = send(event._value)
                else:
                    event._defused = True
                    event = generator.throw(event._value)
            except StopIteration:
                event = None
        self.run()


_THREAD = threading.local()  # each thread's clock: Dask runs several tasks in one process, one a thread


def clock() -> Clock:
    """This thread's clock, reset as new."""
    found = getattr(_THREAD, "clock", None)
    if found is None:
        found = _THREAD.clock = Clock()
    return found.reset()
