"""How a job spends time: the kinds of wait, the limits that end a wait early, and the random
clocks that run on instance time. A phase's wait costs one simpy timeout whatever the number of
limits: each is a deadline folded into the wait (:meth:`Waits.hold`).

The clock's resolution is :data:`TICK`: every duration the engine waits is a whole number of ticks.
A tick is a power of two (2⁻¹⁰ s, just under a millisecond), so sums and differences of times are
exact in floating point: however a stretch of time is cut into waits, the clock, the accounts and
their rounding to whole seconds come out the same — a sweep's merged waits give a replay's figures.
"""

from __future__ import annotations

import contextlib
import math
import weakref
from collections import deque
from collections.abc import Generator
from enum import Enum, IntEnum
from typing import Any, Protocol

import simpy

from .actions import Action, Fail, Interrupt, Stop, Update
from .billing import Billing
from .plan import Plan
from .progress import Progress
from .streams import Streams

INF = math.inf
TICK = 2.0 ** -10


def ticks(seconds: float) -> float:
    """``seconds`` rounded to a whole number of :data:`TICK`."""
    return round(seconds * 1024) / 1024 if seconds != INF else INF


class Wait(IntEnum):
    """What a wait accrues."""

    IDLE = 0  #: nothing: no instances are running (Pending, Starting, Interrupted, Restarting)
    UP = 1  #: instance time: billed, counted against MaxRuntime and the random clocks
    WORK = 2  #: instance time and training progress
    WIND = 3  #: instance time while stopping: billed, and only a failure can intervene


class Limit(Enum):
    """What ends an attempt without an action of a client's: a limit of the job's own, or its spot
    capacity reclaimed (at random, or injected)."""

    MAX_RUNTIME = "MaxRuntime"  #: StoppingCondition.MaxRuntimeInSeconds, on instance time
    MAX_WAIT = "MaxWait"  #: StoppingCondition.MaxWaitTimeInSeconds, on wall time from creation
    MAX_PENDING = "MaxPending"  #: StoppingCondition.MaxPendingTimeInSeconds
    PENDING_LIMIT = "PendingLimit"  #: the service's own limit on waiting for capacity
    SPOT_RECLAIM = "SpotReclaim"  #: the spot capacity is reclaimed

    def __repr__(self) -> str:
        return self.value


#: what ends the current attempt: a limit, or an action (a stop request, a failure)
Cause = Limit | Stop | Fail

# The members as plain names: reading an Enum member off its class costs ~75 ns on Python 3.11, and
# the hot path of a sweep reads them on every wait.
IDLE, UP, WORK, WIND = Wait
MAX_RUNTIME, MAX_WAIT, MAX_PENDING, PENDING_LIMIT, SPOT_RECLAIM = Limit
#: what ends a wait early without ending the attempt: an Updating detour is over (the wait goes on)
_DETOUR_ENDS = object()


class Halt(Exception):
    """Unwinds the phase code when something ends the current attempt: ``cause``, with
    ``remaining`` seconds of the interrupted wait left."""

    def __init__(self, cause: Cause, remaining: float):
        self.cause = cause
        self.remaining = remaining


class RandomClock:
    """Something that happens at random on instance time, a Poisson process of ``rate`` per second:
    ``left`` instance seconds until it next happens, drawn from ``streams``' stream ``source``."""

    __slots__ = ("cause", "left", "rate", "source", "streams")

    def __init__(self, cause: Limit | Fail, streams: Streams, source: str, rate: float):
        self.cause = cause
        self.streams = streams
        self.source = source
        self.rate = rate
        self.left = ticks(streams.interval(source, rate))

    def __repr__(self) -> str:
        return f"<RandomClock {self.cause!r} in {self.left:g} s>"

    def redraw(self) -> None:
        """It happened: draw when it happens next."""
        self.left = ticks(self.streams.interval(self.source, self.rate))


class Owner(Protocol):
    """The job, as its waits see it."""

    def accepts(self, action: Action) -> bool:
        """Whether the job takes ``action`` now."""

    def begin_update(self, update: Update) -> None:
        """Apply an accepted UpdateTrainingJob: the job shows Updating until :attr:`Waits.update_until`."""

    def end_update(self) -> None:
        """The Updating detour is over: back to the status it left."""


class Waits:
    """What ends a job's waits early: its deadlines, the random clocks on its instance time, an
    Updating detour's end, and the actions delivered to its process; and what a wait accrues, into
    ``billing`` and ``progress``.

    Args:
        env: the job's clock (the job is created now).
        plan: the job's plan: its limits and random clocks.
        streams: the job's random streams, which the random clocks draw from.
        billing, progress: the job's accounts, which the waits fill.
        job: what the waits ask and tell (:class:`Owner`). A delivered action asks the job again: in
            the instant the job accepted it, another action (or, for one that arrived as a phase ended,
            the next phase) may have moved the job on. Held weakly: a finished job is freed at once,
            without waiting for the cycle collector (a sweep makes millions).
    """

    __slots__ = ("_billing", "_env", "_job", "_max_runtime", "_progress",
                 "checked", "clocks", "deadline", "deferred", "update_until")

    def __init__(self, env: simpy.Environment, plan: Plan, streams: Streams, billing: Billing, progress: Progress, *,
                 job: Owner):
        self._env = env
        self._billing = billing
        self._progress = progress
        self._max_runtime = plan.max_runtime
        self._job = weakref.proxy(job)
        #: MaxWait, as a clock time
        self.deadline = env.now + plan.max_wait if plan.max_wait is not None else INF
        #: the end of the last wait MaxWait could have cut short: a MaxWait below it (counted from the
        #: creation) would have stopped the job; one at or above it changes nothing
        self.checked = env.now
        self.clocks: list[RandomClock] = []  #: what happens at random on instance time
        per_instance = plan.spot_config.interruptions_per_instance_hour
        if plan.spot and per_instance:
            if per_instance.__class__ is not float:  # an uncertain rate: one draw per job, from its own stream
                # unrounded: a duration's millisecond would round the Advisor's 0.0002 an hour to 0
                per_instance = max(0.0, per_instance.sample(streams["interruption_rate"]))
            # any one instance reclaimed interrupts the whole job [DOC: the managed spot guide]
            rate = per_instance * plan.instance_count * plan.spot_config.interruptions_scale / 3600
            if rate:
                self.clocks.append(RandomClock(Limit.SPOT_RECLAIM, streams, "interruptions", rate))
        for kind, rate, failure in plan.failure_clocks:
            self.clocks.append(RandomClock(failure, streams, f"failures.{kind}", rate))
        self.update_until = INF  #: when the Updating detour ends
        self.deferred: deque[Action] = deque()  #: actions that arrived as a phase ended

    def __repr__(self) -> str:
        return f"<Waits deadline={self.deadline:g} clocks={len(self.clocks)} deferred={len(self.deferred)}>"

    def hold(self, duration: float, kind: Wait) -> Generator[simpy.Event, Any, None]:
        """Spend ``duration`` seconds in the current phase.

        Raises:
            Halt: a limit or an action ended the phase early; carries what was left of it.
        """
        env, billing = self._env, self._billing
        remaining = duration
        while True:
            start = env.now
            limit, cause = remaining, None
            if kind != WIND:
                if self.deadline - start < limit:
                    limit, cause = self.deadline - start, MAX_WAIT
                if kind != IDLE and billing.up:
                    if self._max_runtime - billing.runtime_used < limit:
                        limit, cause = self._max_runtime - billing.runtime_used, MAX_RUNTIME
                    for clock in self.clocks:
                        if clock.left < limit:
                            limit, cause = clock.left, clock
            if self.update_until - start < limit:
                limit, cause = self.update_until - start, _DETOUR_ENDS
            action = None
            if self.deferred:
                action = self.deferred.popleft()
            else:
                try:
                    yield env.timeout(limit if limit > 0 else 0.0) if limit != INF else env.event()
                except simpy.Interrupt as interrupt:
                    action = interrupt.cause
            now = env.now
            elapsed = now - start
            remaining -= elapsed
            if kind != WIND:
                self.checked = now
            if billing.up:  # instance time: billed; against MaxRuntime and the random clocks
                billing.running += elapsed  # unless stopping; training progress when working
                if kind in (UP, WORK):
                    billing.runtime_used += elapsed
                    for clock in self.clocks:
                        clock.left -= elapsed
                    if kind == WORK and elapsed > 0:
                        self._progress.advance(elapsed, now)
            if action is not None and now >= start + limit:
                # the phase (or a limit) ends at this very instant: it goes first, the action after
                self.deferred.append(action)
                action = None
            if action is None:
                if cause is None:
                    return
                if cause is _DETOUR_ENDS:
                    self._job.end_update()
                    continue
                if cause.__class__ is RandomClock:  # it happened: the next one is drawn now
                    cause.redraw()
                    cause = cause.cause
                raise Halt(cause, remaining)
            if not self._job.accepts(action):
                continue  # the job moved on since it accepted the action (another came first): nothing now
            kind_of = action.__class__
            if kind_of is Update:
                self._job.begin_update(action)
            elif kind_of is Interrupt:
                raise Halt(SPOT_RECLAIM, remaining)
            else:  # a stop or a failure ends the attempt
                raise Halt(action, remaining)

    def wait_out(self, duration: float) -> Generator[simpy.Event, Any, None]:
        """Spend ``duration`` seconds that no action can shorten (the job has already ended)."""
        env = self._env
        until = env.now + duration
        while env.now < until:
            with contextlib.suppress(simpy.Interrupt):
                yield env.timeout(until - env.now)
