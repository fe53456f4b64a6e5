"""The mechanics under a job's phases: waiting on the simpy clock with the job's own deadlines folded
in, accounting instance time, runtime and training progress, billing, and recording what a client
sees. The phases themselves (what a job goes through, in which order) are :mod:`.job`.

Everything that happens *to* a job — a stop request, a spot interruption, an injected failure, an
update — reaches the process as a simpy interrupt, so it can land in any phase. The job's own
limits (MaxRuntime on instance time, MaxWait on wall time, a seeded spot reclaim on instance time)
are deadlines folded into each wait, so a phase costs one simpy timeout whatever the number of
timers. The statuses move only through :func:`lifecycle.fire`.
"""

from __future__ import annotations

import contextlib
import math
from collections import deque
from collections.abc import Generator
from typing import Any

import simpy

from ..distributions import sample
from . import messages as msg
from . import record as rec
from .actions import Fail, Interrupt, Stop, Update
from .lifecycle import fire
from .plan import Plan
from .streams import Streams

INF = math.inf
#: the clock's resolution: every duration the engine waits is a whole number of ticks. A tick is a
#: power of two (2⁻¹⁰ s, just under a millisecond), so sums and differences of times are exact in
#: floating point: however a stretch of time is cut into waits, the clock, the accounts and their
#: rounding to whole seconds come out the same — a sweep's merged waits give a replay's figures.
TICK = 2.0 ** -10
_EPS = 1e-9  # training seconds: below this, floating-point noise, not progress
_MIN_RATIO = 0.001  # a spot price ratio drawn from a distribution is kept above 0


def ticks(seconds: float) -> float:
    """``seconds`` rounded to a whole number of :data:`TICK`."""
    return round(seconds * 1024) / 1024 if seconds != INF else INF


class Deadline:
    """A limit the job hits by itself; named for logs and reprs."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


MAX_RUNTIME = Deadline("MaxRuntime")
MAX_WAIT = Deadline("MaxWait")
MAX_PENDING = Deadline("MaxPending")
PENDING_LIMIT = Deadline("PendingLimit")
RECLAIM = Deadline("SpotReclaim")
_UPDATE_DONE = Deadline("UpdateDone")

# what a wait accrues: WAIT nothing; UP instance time (runtime limit, spot reclaims); WORK also
# training progress; WIND instance time while stopping, when only a failure can intervene
WAIT, UP, WORK, WIND = 0, 1, 2, 3


class Halt(Exception):
    """Unwinds the phase code when something ends the current attempt."""

    def __init__(self, cause: Any, remaining: float):
        self.cause = cause
        self.remaining = remaining


class Mechanics:
    """A job's clock-side state: what it has accrued, its deadlines, and its history.

    Args:
        env: the simpy environment (shared by every job of a simulation).
        plan: the compiled scenario.
        streams: the job's random streams, one per source.
        record: keep the full history for describing; ``False`` keeps only the outcome and
            billing, for sweeps that never describe.
    """

    def __init__(self, env: simpy.Environment, plan: Plan, streams: Streams, record: bool):
        self.env = env
        self.plan = plan
        self.streams = streams
        self.created = env.now
        self.recording = record
        self.log: list[rec.Entry] = []
        self._view_cache: tuple[rec.View, int] | None = None  # the view kept for describing (snapshot)
        self._wire_cache: tuple[int, bytes] | None = None  # the present response, as sent (snapshot)
        self.state: str = ""
        self.message = ""
        self.transitions = 0  #: status changes so far
        self.training_start: float | None = None
        self.training_end: float | None = None
        self.training_seconds: int | None = None
        self.billable_seconds: int | None = None
        self.running = 0.0  #: instance seconds, all attempts (billed)
        self.runtime_used = 0.0  #: instance seconds counted against MaxRuntime
        self.work_needed = self._draw("training", plan.timing.training)  #: training seconds to finish
        self.work_done = 0.0  #: training progress (what a restart resumes from: the last checkpoint)
        #: the last stretch of training: (when the algorithm started it, when it last made progress)
        self.training_stretch: tuple[float, float] | None = None
        self.algorithm_running = False  #: training now (not pulling its image, not uploading)
        self.instances_up = False
        self._checkpoint = ticks(plan.checkpoint.interval) if plan.checkpointing else 0.0
        self._write_cost = ticks(plan.checkpoint.write) if plan.checkpointing else 0.0
        self._writing = 0.0  # what is left of the checkpoint being written
        self._saved = 0.0  # the training progress the last completed checkpoint holds
        self._detour: tuple[str, str] | None = None  # the status Updating interrupted, and its message
        self._update_until = INF
        self._deferred: deque[Any] = deque()  # actions that arrived as a phase ended
        self._wait_deadline = self.created + plan.max_wait if plan.max_wait is not None else INF
        #: what happens on instance time at random: [instance seconds left, what it causes, stream, rate/s]
        self._clocks: list[list[Any]] = []
        if plan.spot and plan.spot_config.interruption_rate_per_hour:
            self._add_clock(RECLAIM, "interruptions", plan.spot_config.interruption_rate_per_hour / 3600)
        for kind, rate, event in plan.failure_clocks:
            self._add_clock(event, f"failures.{kind}", rate)

    # --- randomness ---------------------------------------------------------------------------

    def _draw(self, source: str, duration: Any) -> float:
        """One draw of ``duration`` (seconds, in whole ticks) from ``source``'s own stream; a constant
        draws nothing."""
        if duration.__class__ is float:
            return round(duration * 1024) / 1024
        return round(duration.draw(self.streams[source]) * 1024) / 1024

    def _add_clock(self, cause: Any, source: str, rate: float) -> None:
        stream = self.streams[source]
        self._clocks.append([ticks(stream.expovariate(rate)), cause, stream, rate])

    # --- recording ----------------------------------------------------------------------------

    def _log(self, kind: int, a: Any = None, b: Any = None) -> None:
        if self.recording:
            self.log.append((self.env.now - self.created, kind, a, b))

    def _enter(self, trigger: str, message: str) -> None:
        fire(self, trigger)
        self.transitions += 1
        self._detour = None
        self._update_until = INF
        self.message = message
        if self.recording:
            self.log.append((self.env.now - self.created, rec.STATUS, self.state, message))

    def _set_message(self, message: str) -> None:
        if self._detour is not None:  # shown when the job returns from Updating
            self._detour = (self._detour[0], message)
        elif message != self.message:
            self.message = message
            self._log(rec.MESSAGE, None, message)

    # --- waiting ------------------------------------------------------------------------------

    def _hold(self, duration: float, kind: int) -> Generator[simpy.Event, Any, None]:
        """Spend ``duration`` seconds in the current phase.

        Raises:
            Halt: a deadline or an action ended the phase early; carries what was left of it.
        """
        env = self.env
        remaining = duration
        while True:
            start = env.now
            limit, cause = remaining, None
            if kind != WIND:
                if self._wait_deadline - start < limit:
                    limit, cause = self._wait_deadline - start, MAX_WAIT
                if kind != WAIT and self.instances_up:
                    if self.plan.max_runtime - self.runtime_used < limit:
                        limit, cause = self.plan.max_runtime - self.runtime_used, MAX_RUNTIME
                    for clock in self._clocks:
                        if clock[0] < limit:
                            limit, cause = clock[0], clock
            if self._update_until - start < limit:
                limit, cause = self._update_until - start, _UPDATE_DONE
            action = None
            if self._deferred:
                action = self._deferred.popleft()
            else:
                try:
                    yield env.timeout(limit if limit > 0 else 0.0) if limit != INF else env.event()
                except simpy.Interrupt as interrupt:
                    action = interrupt.cause
            now = env.now
            elapsed = now - start
            remaining -= elapsed
            if self.instances_up:  # instance time: billed; against MaxRuntime and the random clocks
                self.running += elapsed  # unless stopping; training progress when working
                if kind in (UP, WORK):
                    self.runtime_used += elapsed
                    for clock in self._clocks:
                        clock[0] -= elapsed
                    if kind == WORK and elapsed > 0:
                        self._progress(elapsed)
                        if self.recording:  # only the metrics' timestamps read it
                            self.training_stretch = (self.training_stretch[0], now)
            if action is not None and now >= start + limit:
                # the phase (or a limit) ends at this very instant: it goes first, the action after
                self._deferred.append(action)
                action = None
            if action is None:
                if cause is None:
                    return
                if cause is _UPDATE_DONE:
                    self._return_from_update()
                    continue
                if cause.__class__ is list:  # a random event on instance time: the next one is drawn now
                    cause[0] = ticks(cause[2].expovariate(cause[3]))
                    cause = cause[1]
                raise Halt(cause, remaining)
            kind_of = action.__class__
            if kind_of is Fail:
                raise Halt(action, remaining)
            if kind == WIND:
                continue  # already stopping: only a failure changes the course
            if kind_of is Stop:
                raise Halt(action, remaining)
            if kind_of is Update:
                self._begin_update(action)
            elif kind_of is Interrupt and self.instances_up and self.plan.spot:
                raise Halt(RECLAIM, remaining)
            # otherwise: an interruption with no instances to reclaim changes nothing

    def _quiet(self, duration: float) -> Generator[simpy.Event, Any, None]:
        """Spend ``duration`` seconds that no action can shorten (the job has already ended)."""
        until = self.env.now + duration
        while self.env.now < until:
            with contextlib.suppress(simpy.Interrupt):
                yield self.env.timeout(until - self.env.now)

    # --- accounting ---------------------------------------------------------------------------

    def _progress(self, elapsed: float) -> None:
        """Training advances by ``elapsed`` instance seconds, pausing for each checkpoint write.

        In closed form (a long stretch crosses many checkpoints, and a sweep runs millions): finish
        the write under way, work to the next checkpoint, then as many whole cycles of write and work
        as fit, then the write due and what is left of the work.
        """
        if not self._write_cost:
            if self.recording and self._checkpoint:
                self._log_checkpoints(self.work_done, self.work_done + elapsed)
            self.work_done += elapsed
            return
        interval, cost, needed = self._checkpoint, self._write_cost, self.work_needed
        started = self.env.now - elapsed
        left = elapsed
        if self._writing:
            step = min(left, self._writing)
            left -= step
            self._writing -= step
            if self._writing > _EPS:
                return
            self._write_done(started + elapsed - left)
        boundary = (math.floor(self.work_done / interval + _EPS) + 1) * interval
        if boundary >= needed - _EPS or left < boundary - self.work_done - _EPS:
            self.work_done += left  # no checkpoint on the way
            return
        left -= boundary - self.work_done
        self.work_done = boundary  # a checkpoint is due here; the checkpoints further on, below the end:
        further = math.ceil(needed / interval - _EPS) - 1 - round(boundary / interval)
        cycles = max(0, min(math.floor(left / (cost + interval) + _EPS), further))
        if cycles:
            if self.recording:
                for k in range(cycles):
                    when = started + elapsed - left + k * (cost + interval) + cost
                    self.log.append((when - self.created, rec.CHECKPOINT, boundary + k * interval, None))
            self.work_done += cycles * interval
            self._saved = self.work_done - interval
            left = max(left - cycles * (cost + interval), 0.0)
        step = min(left, cost)
        left -= step
        if step < cost - _EPS:
            self._writing = cost - step  # the write goes on
            return
        self._writing = 0.0
        self._write_done(started + elapsed - left)
        self.work_done += left  # less than the way to the next checkpoint

    def _write_done(self, when: float) -> None:
        """The checkpoint being written is safe in S3 at ``when``."""
        self._writing = 0.0
        self._saved = self.work_done
        if self.recording:
            self.log.append((when - self.created, rec.CHECKPOINT, self._saved, None))

    def _log_checkpoints(self, before: float, after: float) -> None:
        """Record the checkpoints (instant writes) training passed from ``before`` to ``after``, which
        ended now."""
        interval = self._checkpoint
        first = math.floor(before / interval + _EPS) + 1
        last = math.floor(after / interval + _EPS)
        for k in range(first, last + 1):
            if k * interval < self.work_needed - _EPS:
                when = self.env.now - (after - k * interval)
                self.log.append((when - self.created, rec.CHECKPOINT, k * interval, None))

    def _work_time_left(self) -> float:
        """Instance seconds until training is done, the checkpoint writes on the way included."""
        left = self.work_needed - self.work_done
        if self._write_cost:
            interval = self._checkpoint
            first = math.floor(self.work_done / interval + _EPS) + 1
            last = math.ceil(self.work_needed / interval - _EPS) - 1
            left += self._writing + max(0, last - first + 1) * self._write_cost
        return left

    def _start_training(self) -> None:
        self.algorithm_running = True
        self.training_stretch = (self.env.now, self.env.now)

    def _lose_instances(self) -> None:
        """Instances gone: training resumes from the last checkpoint, or from scratch."""
        self.instances_up = False
        self.algorithm_running = False
        if not self._checkpoint:
            self.work_done = 0.0
        elif self._write_cost:
            self.work_done, self._writing = self._saved, 0.0
        else:
            self.work_done = math.floor(self.work_done / self._checkpoint + _EPS) * self._checkpoint

    def _settle_billing(self) -> None:
        """TrainingTimeInSeconds and BillableTimeInSeconds, once the job has ended (now)."""
        if self.training_start is None:
            return  # instances never came up: nothing was billed
        now = self.env.now
        self.training_end = now
        self.training_seconds = max(1, math.floor(now - self.training_start + 0.5))
        if self.plan.spot:
            ratio = self.plan.spot_config.price_ratio
            if ratio.__class__ is not float:
                ratio = min(max(sample(ratio, self.streams["price_ratio"]), _MIN_RATIO), 1.0)
            billed = math.floor(self.running * ratio + 0.5)
            self.billable_seconds = max(1, min(self.training_seconds, billed))
        else:
            self.billable_seconds = self.training_seconds

    # --- updates ------------------------------------------------------------------------------

    def _detour_into_update(self, duration: float) -> None:
        """Show Updating for ``duration``, then return to the status it interrupted."""
        if self.state != "Updating":
            self._detour = None
            detour = (self.state, self.message)
            self._enter("update", msg.UPDATING)
            self._detour = detour
        self._update_until = self.env.now + duration

    def _return_from_update(self) -> None:
        status, message = self._detour
        self._enter(_RETURN[status], message)

    def _begin_update(self, update: Update) -> None:  # what an update does: the job's business
        raise NotImplementedError


#: the trigger that re-enters the status the Updating detour left (updates are accepted in Training)
_RETURN = {"Training": "train"}
UPDATABLE = frozenset(_RETURN) | {"Updating"}
