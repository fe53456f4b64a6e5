"""One training job's lifecycle as a simpy process: the phases a job goes through, in order.

The waiting, deadline and accounting mechanics beneath the phases are :mod:`.mechanics`; the era
that decides where the messages sit is :mod:`.eras`; the pool a job keeps is :mod:`.warmpool`.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import simpy

from ..errors import InvalidAction
from . import evaluations
from . import messages as msg
from . import record as rec
from .actions import Action, Fail, Update
from .lifecycle import allowed_from, fire
from .mechanics import (
    MAX_PENDING,
    MAX_RUNTIME,
    MAX_WAIT,
    PENDING_LIMIT,
    RECLAIM,
    TICK,
    UP,
    UPDATABLE,
    WAIT,
    WIND,
    WORK,
    Halt,
    Mechanics,
    ticks,
)
from .plan import Plan, RuleOutcome, Scheduled
from .statuses import PRIMARY_OF, TERMINAL
from .statuses import Secondary as S
from .streams import Streams
from .warmpool import IN_USE, TERMINATED, WarmPool, WarmPools

INF = math.inf
#: a simpy priority after NORMAL: processed after every other event of the same instant
LATE = simpy.events.NORMAL + 1


class Late(simpy.Event):
    """An event ``delay`` from now that is processed after every other event of that instant: a
    simpy Timeout at priority LATE (built the way simpy builds its Timeout)."""

    def __init__(self, env: simpy.Environment, delay: float):
        super().__init__(env)
        self._ok, self._value = True, None
        env.schedule(self, LATE, delay)

SIGTERM_WINDOW = 120.0  # [DOC] SageMaker waits up to 120 s after SIGTERM
MIN_STARTING = TICK  # CreationTime < TrainingStartTime, even at the service's millisecond precision
#: where a retry can start from: not Restarting itself, nor Stopping (a failure there is final)
_RETRYABLE = frozenset(allowed_from("retry"))
#: the statuses each action's trigger may leave, read off the transition table
_ALLOWED_FROM = {trigger: frozenset(str(s) for s in allowed_from(trigger))
                 for trigger in ("stop", "update", "fail", "interrupt")}
_END = {MAX_RUNTIME: ("end_max_runtime", msg.MAX_RUNTIME), MAX_WAIT: ("end_max_wait", msg.MAX_WAIT),
        MAX_PENDING: ("end_stopped", msg.MAX_PENDING)}
#: [DOC] failures after which a job still keeps its warm pool
_POOL_KEEPING_FAILURES = frozenset({"AlgorithmError", "ClientError"})


class Job(Mechanics):
    """A training job running under ``env``.

    Args:
        env: the simpy environment (shared by every job of a simulation).
        plan: the compiled scenario.
        streams: the job's random streams; by default replicate 0 of ``plan.seed``.
        record: keep the full history for describing; ``False`` keeps only the outcome and
            billing, for sweeps that never describe.
        pools: the simulation's warm pools, where the pool this job keeps is offered to later jobs.
        warm_pool: the pool this job took over at creation (it skips provisioning).
        origin: the wall-clock time (epoch seconds) of the clock's zero; by default the scenario's epoch.
    """

    def __init__(self, env: simpy.Environment, plan: Plan, *, streams: Streams | None = None,
                 record: bool = True, pools: WarmPools | None = None, warm_pool: WarmPool | None = None,
                 origin: float | None = None):
        super().__init__(env, plan, streams if streams is not None else Streams(plan.seed), record)
        self.origin = plan.epoch if origin is None else origin  #: epoch seconds at the clock's zero
        self.state = str(S.Pending if plan.timing.pending is not None else S.Starting)  # one of lifecycle.INITIAL
        self.failure_reason: str | None = None
        self.failure_kind: str | None = None
        self.ended: float | None = None  #: when the job ended (seconds after creation)
        self.interruptions = 0
        self.attempts = 1
        self.retries_left = plan.retries
        self.reached_training = False
        self.stopping = False  #: stopped, or stopping: a failure now is final
        self.keep_alive = plan.keep_alive  #: KeepAlivePeriodInSeconds, as updated
        self.took_pool = warm_pool  #: the pool taken over at creation
        self.pool: WarmPool | None = None  #: the pool this job keeps once it has ended
        self._pools = pools
        self._warm_start = warm_pool is not None
        self._uploaded = False
        self.rules: list[RuleOutcome] = list(plan.rules)
        self.process = env.process(self._lifecycle())
        self.unheeded: list[tuple[Scheduled, str]] = []  #: (scheduled event, why) for events that changed nothing
        self._processes = [self.process]  #: what runs for this job as the clock moves
        if plan.events:
            self._processes.append(env.process(self._scheduled()))
        if record:  # rules are reported, never billed: a sweep skips them (an update may add some)
            self._processes.append(env.process(evaluations.evaluate(self)))

    def __repr__(self) -> str:
        return f"<Job {self.plan.name} {self.state} at t={self.env.now - self.created:g}>"

    # --- public surface ----------------------------------------------------------------------

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
    def primary(self) -> str:
        """TrainingJobStatus: the documented group of the status, or Stopping while a stopped job
        uploads its model (``lifecycle.stop_upload_primary``)."""
        if self.stopping and self.state == S.Uploading and self.plan.lifecycle.stop_upload_primary == "Stopping":
            return "Stopping"
        return str(PRIMARY_OF[self.state])

    def refusal(self, action: Action) -> str | None:
        """Why the service would refuse ``action`` now, or None if it is accepted. The one place that
        decides: the transition table says which statuses the action's trigger may leave."""
        if action.trigger == "interrupt" and (self.finished or self.stopping):  # no request: say what happened
            return f"the job {'has ended' if self.finished else 'is already stopping'} ({self.state})"
        if self.finished:
            if self._retimes_pool(action) is not None:
                return None
            return f"The request was rejected because the training job is in status {PRIMARY_OF[self.state]}."
        if self.stopping and action.trigger != "fail":  # [INF] a stopping job takes only a failure
            return "The request was rejected because the training job is in status Stopping."
        if action.trigger == "interrupt" and not self.plan.spot:
            return "there are no spot instances to reclaim: the job is not a spot job"
        if action.trigger == "interrupt" and not self.instances_up:
            return f"there are no spot instances to reclaim while the job is {self.state}"
        if self.state not in _ALLOWED_FROM[action.trigger]:
            return (f"The request was rejected because the training job is in status {self.primary} and "
                    f"secondary status {self.state}.")
        return None

    def inject(self, action: Action) -> None:
        """Deliver ``action`` now. It takes effect at the present instant, before the clock moves on:
        a stop or an update is visible in the very next describe.

        Raises:
            InvalidAction: the service would refuse it in the job's current status (its ValidationException).
        """
        reason = self.refusal(action)
        if reason is not None:
            raise InvalidAction(reason)
        if self.finished:  # an update of an Available warm pool's keep-alive
            self._log(rec.UPDATE, None, action.changes)
            self.pool.retime(self._retimes_pool(action))
            return
        self.process.interrupt(action)

    def _retimes_pool(self, action: Action) -> int | None:
        """The new KeepAlivePeriodInSeconds, if ``action`` updates only that of an Available pool."""
        if action.__class__ is Update and self.pool is not None and self.pool.status == "Available":
            return _keep_alive_only(action.changes)
        return None

    # --- the lifecycle ------------------------------------------------------------------------

    def _lifecycle(self) -> Generator[simpy.Event, Any, None]:
        plan = self.plan
        self.message = msg.PENDING if self.state == S.Pending else msg.STARTING
        self._log(rec.STATUS, self.state, self.message)
        for rule in self.rules:
            self._log(rec.RULE, (rule.group, rule.name), ("InProgress", None))
        if self.took_pool is not None:
            self._log(rec.WARM_POOL, IN_USE, (None, None))
        capacity = 0.0
        if plan.spot:
            never = plan.spot_config.capacity == "never"
            capacity = INF if never else self._draw("first_capacity_wait", plan.spot_config.first_capacity_wait)
        cause: Any = None
        remaining = 0.0
        while True:
            try:
                if cause is None:
                    if self.state == S.Pending:
                        yield from self._pending()
                        self._enter("start", msg.STARTING)
                    yield from self._attempt(capacity)
                    return
                current, cause = cause, None
                capacity = 0.0
                if current is RECLAIM:
                    yield from self._reclaimed()
                elif current is PENDING_LIMIT:
                    yield from self._fail("InsufficientCapacityError", None)
                    return
                elif current.__class__ is Fail:
                    retryable = (current.error == "InternalServerError" and self.state in _RETRYABLE
                                 and not self.stopping)
                    if retryable and self.retries_left > 0:
                        yield from self._retry()
                    else:
                        yield from self._fail(current.error, current.message)
                        return
                else:
                    yield from self._wind_down(current, remaining)
                    return
            except Halt as halt:
                cause, remaining = halt.cause, halt.remaining

    def _pending(self) -> Generator[simpy.Event, Any, None]:
        """Pending, until capacity comes, MaxPendingTimeInSeconds, or the service's own limit."""
        wait = self._draw("pending", self.plan.timing.pending)
        limit, cause = INF, None
        if self.plan.max_pending is not None:
            limit, cause = self.plan.max_pending, MAX_PENDING
        capacity_limit = self.plan.lifecycle.pending_capacity_limit
        if capacity_limit is not None and ticks(capacity_limit) < limit:
            limit, cause = ticks(capacity_limit), PENDING_LIMIT
        if wait <= limit:
            yield from self._hold(wait, WAIT)
        else:
            yield from self._hold(limit, WAIT)
            raise Halt(cause, 0.0)

    def _attempt(self, capacity: float) -> Generator[simpy.Event, Any, None]:
        """Starting (after any capacity wait) through Completed."""
        plan, timing = self.plan, self.plan.timing
        # [DOC] CreationTime < TrainingStartTime: provisioning takes time, however small the scenario's
        warm, self._warm_start = self._warm_start, False
        starting = max(self._draw("warm_starting", timing.warm_starting) if warm else
                       self._draw("starting", plan.starting), MIN_STARTING)
        steps = plan.era.starting_steps
        if not self.recording and steps[1][0] is None:
            # nobody reads the messages: one wait for the whole of Starting (the same time, the same draws)
            yield from self._hold(starting + capacity, WAIT)
        else:
            spent = 0.0
            for i, (trigger, message, share) in enumerate(steps):
                if trigger is not None:
                    self._enter(trigger, message)
                elif i:
                    self._set_message(message)
                # the last step takes what is left, so the steps add up to Starting exactly
                part = ticks(starting * share) if i < len(steps) - 1 else starting - spent
                spent += part
                yield from self._hold(part, WAIT)
                if i == 0 and capacity > 0:
                    self._set_message(msg.NO_CAPACITY)
                    yield from self._hold(capacity, WAIT)
        self._instances_ready()
        yield from self._prepare()
        self.reached_training = True
        self._start_training()
        yield from self._hold(self._work_time_left(), WORK)
        self.algorithm_running = False
        self._enter("upload", msg.UPLOADING)
        self._upload_begins()
        yield from self._hold(self._draw("uploading", timing.uploading), UP)
        self.instances_up = False
        yield from self._finish("complete", msg.COMPLETED)

    def _prepare(self) -> Generator[simpy.Event, Any, None]:
        """From instances ready to training: input download and image pull, placed as the era places them."""
        plan, timing = self.plan, self.plan.timing
        where = plan.era.image_pull
        downloading = self._draw("downloading", timing.downloading) if plan.downloads else 0.0
        image_pull = self._draw("image_pull", timing.image_pull)
        if where == "downloading":  # 2024+: the image pull ends Downloading, whatever the input mode
            self._enter("download", msg.DOWNLOADING if plan.downloads else msg.PULLING_IMAGE)
            if not self.recording:  # one wait: nobody reads the message change
                yield from self._hold(downloading + image_pull, UP)
            else:
                if plan.downloads:
                    yield from self._hold(downloading, UP)
                    self._set_message(msg.PULLING_IMAGE)
                yield from self._hold(image_pull, UP)
            self._enter("train", msg.TRAINING)
            return
        if plan.downloads:
            self._enter("download", msg.DOWNLOADING)
            yield from self._hold(downloading, UP)
        if where == "status":  # before 2019: a status of its own
            self._enter("pull_image", msg.PULLING_IMAGE)
            yield from self._hold(image_pull, UP)
            self._enter("train", msg.TRAINING)
        else:  # 2019-2023: the start of Training
            self._enter("train", msg.PULLING_IMAGE)
            yield from self._hold(image_pull, UP)
            self._set_message(msg.TRAINING)

    def _instances_ready(self) -> None:
        self.instances_up = True
        if self.training_start is None:
            self.training_start = self.env.now
            self._log(rec.START)
            for rule in self.rules:
                self._log(rec.RULE_ARN, (rule.group, rule.name), evaluations.evaluation_arn(self.plan, rule))

    def _upload_begins(self) -> None:
        if not self._uploaded:
            self._uploaded = True
            self._log(rec.ARTIFACTS)

    def _reclaimed(self) -> Generator[simpy.Event, Any, None]:
        timing = self.plan.timing
        self.interruptions += 1
        self._lose_instances()
        self._enter("interrupt", msg.INTERRUPTED)
        yield from self._hold(self._draw("interrupted", timing.interrupted), WAIT)
        self._enter("start", msg.NO_CAPACITY)
        yield from self._hold(self._draw("capacity_wait", timing.capacity_wait), WAIT)

    def _retry(self) -> Generator[simpy.Event, Any, None]:
        """[DOC] "When the job is retried, its SecondaryStatus is changed to STARTING"."""
        self.retries_left -= 1
        self.attempts += 1
        self._lose_instances()
        if self.plan.lifecycle.restarting_on_retry:
            self._enter("restart", msg.RESTARTING)
            yield from self._hold(self._draw("restarting", self.plan.timing.restarting), WAIT)
            self._enter("start", msg.STARTING)
        else:
            self._enter("retry", msg.STARTING)

    def _wind_down(self, cause: Any, remaining: float) -> Generator[simpy.Event, Any, None]:
        """Stopping, the upload of the model saved on SIGTERM, then Stopped / MaxRuntimeExceeded /
        MaxWaitTimeExceeded."""
        plan, timing = self.plan, self.plan.timing
        shape = plan.lifecycle.stop_upload
        was = self._detour[0] if self._detour else self.state
        training = self.algorithm_running  # not while it is still pulling its image
        self.algorithm_running = False
        self.stopping = True
        self._enter("stop", msg.STOPPING)
        if self.instances_up and shape != "none" and (training or was == S.Uploading):
            if training:  # SIGTERM: the algorithm saves its model within the window
                yield from self._hold(min(self._draw("sigterm_save", timing.sigterm_save), SIGTERM_WINDOW), WIND)
                upload = self._draw("uploading", timing.uploading)
            else:  # the model was already being uploaded: the upload goes on
                if shape == "uploading":
                    yield from self._hold(self._draw("stopping", timing.stopping), WIND)
                upload = remaining
            if shape == "uploading":  # [OBS] an Uploading entry of its own, after Stopping
                self._enter("upload", msg.UPLOADING)
                if plan.lifecycle.stop_upload_primary == "Stopping":
                    self._log(rec.PRIMARY, "Stopping")
            self._upload_begins()
            yield from self._hold(upload, WIND)
        else:
            yield from self._hold(self._draw("stopping", timing.stopping), WIND)
        self.instances_up = False
        trigger, message = _END.get(cause, ("end_stopped", msg.STOPPED))
        yield from self._finish(trigger, message)

    def _fail(self, kind: str, message: str | None) -> Generator[simpy.Event, Any, None]:
        self.instances_up = False
        self.failure_kind = kind
        self.failure_reason = msg.failure_reason(kind, message)
        yield from self._finish("fail", msg.FAILED)

    def _finish(self, trigger: str, message: str) -> Generator[simpy.Event, Any, None]:
        """The final status. The job ends (and is billed) now; the service writes the final status
        a moment later [OBS: LastModifiedTime 0.14–0.55 s after TrainingEndTime], stamped now."""
        fire(self, trigger)
        self.transitions += 1
        self._detour = None
        ended = self.env.now
        self._settle_billing()
        keeps_pool = self._keeps_pool()
        if keeps_pool and self.state == S.Completed:
            message = msg.RETAINED
        self.ended = ended - self.created
        if not self.recording:  # what follows only a client reading the job sees
            if keeps_pool:
                self._keep_pool(ended)
            return
        metrics_at = None
        if self.reached_training and self.plan.metrics:  # last emitted a little before training stopped
            started, progressed = self.training_stretch
            metrics_at = max(progressed - self._draw("last_metric", self.plan.timing.last_metric), started)
        yield from self._quiet(self._draw("final_write", self.plan.timing.final_write))
        self.message = message
        self._log(rec.CLOSE, self.state, (message, ended - self.created))
        if self.failure_reason is not None:
            self._log(rec.FAILURE, None, self.failure_reason)
        if self.training_start is not None:
            self._log(rec.END, ended - self.created)
            self._log(rec.BILLING, self.training_seconds, self.billable_seconds)
        if metrics_at is not None:
            self._log(rec.METRICS, metrics_at - self.created)
        if keeps_pool:
            self._keep_pool(ended)
        elif self.took_pool is not None:  # [INF] the pool it took is not kept: it ends with the job
            self._log(rec.WARM_POOL, TERMINATED, (0, None))

    def _keep_pool(self, since: float) -> None:
        self.pool = WarmPool(self, self.keep_alive, since=since)
        if self._pools is not None:
            self._pools.offer(self.pool)

    def _keeps_pool(self) -> bool:
        """[DOC] whether the instances stay in a warm pool after the job ends."""
        if self.keep_alive <= 0 or self.plan.warm_pool_key is None or self.training_start is None:
            return False
        if self.state == S.Failed:
            return self.failure_kind in _POOL_KEEPING_FAILURES
        return True  # Completed, or stopped after the cluster launched

    # --- updates --------------------------------------------------------------------------------

    def _begin_update(self, update: Update) -> None:
        if self.state not in UPDATABLE:
            return  # nothing to update in Pending or Restarting: the request is dropped
        self._detour_into_update(self._draw("updating", self.plan.timing.updating))
        self._log(rec.UPDATE, None, update.changes)
        keep_alive = update.changes.get("ResourceConfig", {}).get("KeepAlivePeriodInSeconds")
        if keep_alive is not None:
            self.keep_alive = keep_alive
        for rule in update.changes.get("ProfilerRuleConfigurations", []):
            added = self.plan.rule("Profiler", rule["RuleConfigurationName"])
            self.rules.append(added)
            self._log(rec.RULE, (added.group, added.name), ("InProgress", None))
            if self.training_start is not None:
                self._log(rec.RULE_ARN, (added.group, added.name), evaluations.evaluation_arn(self.plan, added))

    # --- what runs beside the lifecycle ----------------------------------------------------------

    def _scheduled(self) -> Generator[simpy.Event, Any, None]:
        """Deliver the scenario's events at their times; one that finds the job ended and that the
        service would refuse changes nothing."""
        for event in self.plan.events:
            delay = max(self.created + ticks(event.at) - self.env.now, 0.0)
            # after everything else due at that instant: a phase that ends as the event arrives ends
            # first, and the event meets the status that follows
            yield Late(self.env, delay)
            try:
                self.inject(event.action)
            except InvalidAction as refused:  # what the service would refuse changes nothing
                self.unheeded.append((event, str(refused)))


def _keep_alive_only(changes: dict[str, Any]) -> int | None:
    """The new KeepAlivePeriodInSeconds when that is all an update changes, else None."""
    if set(changes) == {"ResourceConfig"} and set(changes["ResourceConfig"]) == {"KeepAlivePeriodInSeconds"}:
        return changes["ResourceConfig"]["KeepAlivePeriodInSeconds"]
    return None
