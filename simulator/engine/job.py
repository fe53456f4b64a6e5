"""One training job's lifecycle as a simpy process: the phases a job goes through, in order.

Getting ready (Pending, Starting, the download and image pull) is :mod:`.starting`; stopping, failing
and the final status are :mod:`.ending`. Beside the phases, each in a small object or module of its
own: how the job waits and what ends a wait early (:mod:`.waits`), its training progress
(:mod:`.progress`), its accounts (:mod:`.billing`), its history (:mod:`.history`), which actions it
accepts (:mod:`.acceptance`), its scheduled events (:mod:`.scheduled`), updates (:mod:`.updates`),
rule evaluations (:mod:`.evaluations`) and the warm pool it keeps (:mod:`.warmpool`). Statuses move
only through :func:`.lifecycle.fire`.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from ..errors import ActionIgnored, InvalidAction
from . import ending, evaluations, scheduled, starting, updates
from . import messages as msg
from . import record as rec
from .acceptance import Verdict, retimed_keep_alive, verdict
from .actions import Action, Fail, Update
from .billing import Billing
from .history import QUIET, History, Quiet
from .lifecycle import fire
from .plan import Plan, RuleOutcome, Scheduled
from .progress import Progress
from .statuses import PRIMARY_OF, TERMINAL
from .statuses import Secondary as S
from .streams import Streams
from .waits import IDLE, INF, PENDING_LIMIT, SPOT_RECLAIM, UP, WORK, Halt, Limit, Waits, ticks
from .warmpool import IN_USE, WarmPool, WarmPools

#: what runs a job on its clock, or is given to it, rather than what it is: left out when a settled
#: job is kept (:meth:`Job.__getstate__`), given back when it is adopted (:meth:`Job.adopted`)
MACHINERY = frozenset({"env", "plan", "streams", "waits", "pools", "process", "_processes"})


class Job:
    """A training job running under ``env``.

    Args:
        env: the simpy environment (shared by every job of a simulation).
        plan: the compiled scenario.
        streams: the job's random streams; by default replicate 0 of ``plan.seed``.
        record: keep the full history for describing; ``False`` keeps only the outcome and
            billing, for sweeps that never describe (:attr:`quiet`, with a :class:`.history.Quiet`
            history).
        pools: the simulation's warm pools, where the pool this job keeps is offered to later jobs.
        warm_pool: the pool this job took over at creation (it skips provisioning).
        origin: the wall-clock time (epoch seconds) of the clock's zero; by default the scenario's epoch.
        process: run the phases as a simpy Process, which actions and scheduled events interrupt and
            rule evaluations wait for; ``False`` leaves :meth:`lifecycle` to the caller, for a job that
            nothing acts on and nobody describes, driven by its clock (:meth:`.clock.Clock.drive`: a
            sweep's job).

    Raises:
        ValueError: ``process=False`` for a job recorded, or with scheduled events.
    """

    def __init__(self, env: simpy.Environment, plan: Plan, *, streams: Streams | None = None,
                 record: bool = True, pools: WarmPools | None = None, warm_pool: WarmPool | None = None,
                 origin: float | None = None, process: bool = True):
        self.env, self.plan = env, plan
        self.streams = streams if streams is not None else Streams(plan.seed)
        self.created = env.now
        self.origin = plan.epoch if origin is None else origin  #: epoch seconds at the clock's zero
        self.history: History | Quiet = History(env, self.created) if record else QUIET
        #: nobody will read the job's history (a sweep's job): waits whose only difference is a message
        #: are merged, and what only a describe shows is skipped — the one seam of the quiet path
        self.quiet = not record
        self.billing = Billing()
        checkpoint = plan.checkpoint
        self.progress = Progress(self.streams.draw("training", plan.timing.training),
                                 ticks(checkpoint.interval) if plan.checkpointing else 0.0,
                                 ticks(checkpoint.write) if plan.checkpointing else 0.0, self.history)
        self.waits = Waits(env, plan, self.streams, self.billing, self.progress, job=self)
        self.state = str(S.Pending if plan.timing.pending is not None else S.Starting)  # one of lifecycle.INITIAL
        self.message = ""
        self.transitions = 0  #: status changes so far
        self.failure_reason: str | None = None
        self.failure_kind: str | None = None
        self.ended: float | None = None  #: when the job ended (seconds after creation)
        self.interruptions, self.attempts, self.retries_left = 0, 1, plan.retries
        self.stopping = False  #: stopped, or stopping: a failure now is final
        self.training = False  #: the algorithm is training (not pulling its image, not uploading)
        self.artifacts = False  #: the model upload has begun: ModelArtifacts appear
        self.keep_alive = plan.keep_alive  #: KeepAlivePeriodInSeconds, as updated
        self.took_pool = warm_pool  #: the pool taken over at creation
        self.pool: WarmPool | None = None  #: the pool this job keeps once it has ended
        self.pools = pools
        self.rules: list[RuleOutcome] = list(plan.rules)
        self.unheeded: list[tuple[Scheduled, str]] = []  #: (scheduled event, why) for events that changed nothing
        self._detour: tuple[str, str] | None = None  # the status an Updating detour left, and its message
        if not process:
            if record or plan.events:
                raise ValueError(f"{plan.name}: a job recorded, or with scheduled events, runs as a process")
            self.process: simpy.Process | None = None
            self._processes: list[simpy.Process] = []
            return
        self.process = env.process(self.lifecycle())
        self._processes = [self.process]  #: what runs for this job as the clock moves
        if plan.events:
            self._processes.append(env.process(scheduled.deliver(self)))
        if record:  # rules are reported, never billed: a sweep skips them (an update may add some)
            self._processes.append(env.process(evaluations.evaluate(env, self.process, self.rules, self.history,
                                                                    self.streams, plan.timing)))

    def __repr__(self) -> str:
        return f"<Job {self.plan.name} {self.state} at t={self.env.now - self.created:g}>"

    @property
    def finished(self) -> bool:
        return self.state in TERMINAL

    @property
    def settled(self) -> bool:
        """Nothing more happens to the job as the clock runs: its lifecycle, scheduled events, rule
        evaluations and warm pool are all over (an action, or another job taking its pool, still may
        change it)."""
        return not any(p.is_alive for p in self._processes) and (self.pool is None or not self.pool.alive)

    @property
    def keepable(self) -> bool:
        """The job can be kept as it is (:meth:`__getstate__`) and adopted by another simulation
        (:meth:`.simulation.Simulation.adopt`) instead of living again: settled, with a history, and
        apart from every other job (no warm pool kept or taken over)."""
        return self.state in TERMINAL and not self.quiet and self.took_pool is None and self.pool is None and \
            self.settled

    def __getstate__(self) -> dict[str, Any]:
        """What a settled job is (pickle's hook): every attribute but what ran it on its clock and what
        it was given (:data:`MACHINERY`). Nothing more happens to such a job, so nothing of that is
        needed again; its plan is compiled again from its request.

        Raises:
            TypeError: the job is not :attr:`keepable`.
        """
        if not self.keepable:
            raise TypeError(f"{self!r} is not settled apart from other jobs: only its journal can bring it back")
        return {k: v for k, v in self.__dict__.items() if k not in MACHINERY}

    def adopted(self, env: simpy.Environment, plan: Plan, pools: WarmPools | None) -> None:
        """Give a kept job (unpickled) the machinery :meth:`__getstate__` left out, on ``env``: it
        describes, lists and refuses actions as the job it was kept from."""
        self.env, self.plan, self.pools = env, plan, pools
        self.streams = self.waits = self.process = None  # type: ignore[assignment]  # settled: never used again
        self._processes = []
        self.history.adopted(env)

    @property
    def primary(self) -> str:
        """TrainingJobStatus: the documented group of the status, or Stopping while a stopped job
        uploads its model (``lifecycle.stop_upload_primary``)."""
        if self.stopping and self.state == S.Uploading and self.plan.lifecycle.stop_upload_primary == "Stopping":
            return "Stopping"
        return str(PRIMARY_OF[self.state])

    def inject(self, action: Action) -> None:
        """Deliver ``action`` now. It takes effect at the present instant, before the clock moves on:
        a stop or an update is visible in the very next describe.

        Raises:
            InvalidAction: the service would refuse it (:mod:`.acceptance`); :class:`~simulator.errors.ActionIgnored`,
                there is nothing to act on.
        """
        self.check(action)
        if self.finished:  # an update of an Available warm pool's keep-alive
            self.history.log(rec.UPDATE, None, action.changes)
            self.pool.retime(retimed_keep_alive(self, action))
            return
        self.process.interrupt(action)

    # --- the phases ---------------------------------------------------------------------------

    def lifecycle(self) -> Generator[simpy.Event, Any, str]:
        """The job's phases, from its creation to its final status: what its process runs (call it
        once, for a job made with ``process=False``)."""
        plan = self.plan
        self.message = msg.PENDING if self.state == S.Pending else msg.STARTING
        self.history.log(rec.STATUS, self.state, self.message)
        for rule in self.rules:
            self.history.log(rec.RULE, (rule.group, rule.name), ("InProgress", None))
        if self.took_pool is not None:
            self.history.log(rec.WARM_POOL, IN_USE, (None, None))
        capacity = 0.0
        if plan.spot:
            never = plan.spot_config.capacity == "never"
            capacity = INF if never else self._capacity("first_capacity_wait", plan.spot_config.first_capacity_wait)
        cause: Limit | Action | None = None
        remaining = 0.0
        while True:
            try:
                if cause is None:
                    if self.state == S.Pending:
                        yield from starting.pending(self)
                        self.enter("start", msg.STARTING)
                    first = self.attempts == 1 and not self.interruptions  # the pool taken over serves one start
                    yield from self._attempt(capacity, warm=self.took_pool is not None and first)
                    return self.state
                current, cause = cause, None
                capacity = 0.0
                if current is SPOT_RECLAIM:
                    capacity = yield from self._reclaimed()
                elif current is PENDING_LIMIT:
                    yield from ending.fail(self, "InsufficientCapacityError", None)
                    return self.state
                elif current.__class__ is Fail:
                    if verdict(self, current, "retry")[0] is Verdict.ACCEPT:
                        yield from self._retry()
                    else:
                        yield from ending.fail(self, current.error, current.message)
                        return self.state
                else:
                    yield from ending.wind_down(self, current, remaining)
                    return self.state
            except Halt as halt:
                cause, remaining = halt.cause, halt.remaining

    def _attempt(self, capacity: float, warm: bool) -> Generator[simpy.Event, Any, None]:
        """Starting (after any capacity wait) through Completed."""
        hold = self.waits.hold
        provisioning = starting.duration(self, warm)
        if self._one_starting_wait():
            yield from hold(provisioning + capacity, IDLE)
        else:
            yield from starting.provision(self, provisioning, capacity)
        self._instances_ready()
        yield from starting.prepare(self)
        self.training = True
        self.progress.start(self.env.now)
        yield from hold(self.progress.time_left(), WORK)
        self.training = False
        self.enter("upload", msg.UPLOADING)
        ending.upload_begins(self)
        yield from hold(self.streams.draw("uploading", self.plan.timing.uploading), UP)
        self.billing.up = False
        yield from ending.close(self, "complete", msg.COMPLETED)

    def _instances_ready(self) -> None:
        self.billing.up = True
        if self.billing.training_start is None:
            self.billing.training_start = self.env.now
            self.history.log(rec.START)
            for rule in self.rules:
                evaluations.started(self.history, self.plan, rule)

    def _one_starting_wait(self) -> bool:
        """Nobody reads Starting's messages (a sweep's job), and Starting has no status of its own in
        the job's era: its waits, for capacity and for provisioning, are one wait, of the same time
        and the same draws."""
        return self.quiet and self.plan.era.starting_steps[1][0] is None

    def _reclaimed(self) -> Generator[simpy.Event, Any, float]:
        """Interrupted, then Starting again, waiting for spot capacity. Returns what is still to be
        waited for capacity: with :meth:`_one_starting_wait`, the next attempt waits it with its own
        provisioning."""
        self.interruptions += 1
        self._lose_instances()
        self.enter("interrupt", msg.INTERRUPTED)
        yield from self.waits.hold(self.streams.draw("interrupted", self.plan.timing.interrupted), IDLE)
        self.enter("start", msg.NO_CAPACITY)
        capacity = self._capacity("capacity_wait", self.plan.timing.capacity_wait)
        if self._one_starting_wait():
            return capacity
        yield from self.waits.hold(capacity, IDLE)
        return 0.0

    def _capacity(self, source: str, duration: Any) -> float:
        """A wait for spot capacity: one draw for the job, or with ``spot.capacity_for: each_instance``
        one per instance, the job waiting for the last (a wait that grows with InstanceCount)."""
        draw = self.streams.draw
        if self.plan.spot_config.capacity_for == "job" or self.plan.instance_count == 1:
            return draw(source, duration)
        return max(draw(source, duration) for _ in range(self.plan.instance_count))

    def _retry(self) -> Generator[simpy.Event, Any, None]:
        """[DOC] "When the job is retried, its SecondaryStatus is changed to STARTING"."""
        self.retries_left -= 1
        self.attempts += 1
        self._lose_instances()
        if self.plan.lifecycle.restarting_on_retry:
            self.enter("restart", msg.RESTARTING)
            yield from self.waits.hold(self.streams.draw("restarting", self.plan.timing.restarting), IDLE)
            self.enter("start", msg.STARTING)
        else:
            self.enter("retry", msg.STARTING)

    def _lose_instances(self) -> None:
        """Instances gone: training resumes from the last checkpoint, or from scratch."""
        self.billing.up = False
        self.training = False
        self.progress.lose()

    # --- statuses, updates, and what runs beside the phases ----------------------------------------

    def move(self, trigger: str) -> None:
        """Move the status along ``trigger`` (the message and the history are the caller's)."""
        fire(self, trigger)
        self.transitions += 1
        self._detour = None
        self.waits.update_until = INF

    def enter(self, trigger: str, message: str) -> None:
        """Move the status along ``trigger``, showing ``message``."""
        fire(self, trigger)  # move(), inlined: every status change of a sweep passes here
        self.transitions += 1
        self._detour = None
        self.waits.update_until = INF
        self.message = message
        if not self.quiet:
            self.history.log(rec.STATUS, self.state, message)

    def set_message(self, message: str) -> None:
        """Show ``message`` within the present status (or on return from an Updating detour)."""
        if self._detour is not None:
            self._detour = (self._detour[0], message)
        elif message != self.message:
            self.message = message
            self.history.log(rec.MESSAGE, None, message)

    @property
    def detoured_from(self) -> str | None:
        """The status an Updating detour left, while the job is on it."""
        return self._detour[0] if self._detour is not None else None

    def check(self, action: Action) -> None:
        """What :meth:`inject` would refuse, refused without acting.

        Raises:
            InvalidAction: the service would refuse it; :class:`~simulator.errors.ActionIgnored`, there
                is nothing to act on.
        """
        decision, reason = verdict(self, action)
        if decision is Verdict.IGNORE:
            raise ActionIgnored(reason)
        if decision is Verdict.REFUSE:
            raise InvalidAction(reason)

    def accepts(self, action: Action) -> bool:
        """Whether the job takes ``action`` now (:mod:`.acceptance`)."""
        return verdict(self, action)[0] is Verdict.ACCEPT

    def begin_update(self, update: Update) -> None:
        """Show Updating for a while, then return to the status it interrupted (:mod:`.updates`)."""
        if self.state != S.Updating:
            detour = (self.state, self.message)
            self.enter("update", msg.UPDATING)
            self._detour = detour
        self.waits.update_until = self.env.now + self.streams.draw("updating", self.plan.timing.updating)
        updates.apply(self, update)

    def end_update(self) -> None:
        """The Updating detour is over: back to the status it left, with its message."""
        status, message = self._detour
        self.enter(updates.RETURN[status], message)
