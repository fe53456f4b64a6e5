"""One training job's lifecycle as a simpy process.

Time comes only from the simpy clock. Everything that happens *to* a job — a stop request, a spot
interruption, an injected failure, an update — reaches the process as a simpy interrupt, so it can
land in any phase. The job's own limits (MaxRuntime on instance time, MaxWait on wall time, a
seeded spot reclaim on instance time) are deadlines folded into each wait, so a phase costs one
simpy timeout whatever the number of timers. The statuses move only through :func:`lifecycle.fire`.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections import deque
from collections.abc import Generator
from typing import Any

import simpy

from . import messages as msg
from . import record as rec
from .distributions import sample
from .errors import InvalidAction
from .lifecycle import allowed_from, fire
from .plan import Plan, RulePlan, outcome, partition
from .scenario import FailEvent, InterruptEvent, StopEvent, UpdateEvent
from .statuses import PRIMARY_OF, TERMINAL
from .statuses import Secondary as S

INF = math.inf
SIGTERM_WINDOW = 120.0  # [DOC] SageMaker waits up to 120 s after SIGTERM
#: how a plain (non-legacy) Starting splits between its three messages
STARTING_SPLIT = (0.1, 0.6, 0.3)
MIN_STARTING = 0.001  # one tick of the service's millisecond timestamps


class _Deadline:
    """A limit the job hits by itself; named for logs and reprs."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


MAX_RUNTIME = _Deadline("MaxRuntime")
MAX_WAIT = _Deadline("MaxWait")
RECLAIM = _Deadline("SpotReclaim")
_UPDATE_DONE = _Deadline("UpdateDone")

# what a wait accrues: WAIT nothing; UP instance time (runtime limit, spot reclaims); WORK also
# training progress; WIND instance time while stopping, when only a failure can intervene
WAIT, UP, WORK, WIND = 0, 1, 2, 3

#: the trigger that re-enters a status after the Updating detour
_RETURN = {S.Starting: "start", S.Downloading: "download", S.Training: "train", S.Uploading: "upload",
           S.Interrupted: "interrupt", S.LaunchingMLInstances: "launch_instances",
           S.PreparingTrainingStack: "prepare_stack", S.DownloadingTrainingImage: "pull_image"}
#: where a retry can start from: not Restarting itself, nor Stopping (a failure there is final)
_RETRYABLE = frozenset(allowed_from("retry"))
_END = {MAX_RUNTIME: ("end_max_runtime", msg.MAX_RUNTIME), MAX_WAIT: ("end_max_wait", msg.MAX_WAIT)}


class _Halt(Exception):
    """Unwinds the phase code when something ends the current attempt."""

    def __init__(self, cause: Any, remaining: float):
        self.cause = cause
        self.remaining = remaining


class Job:
    """A training job running under ``env``.

    Args:
        env: the simpy environment (shared by every job of a simulation).
        plan: the compiled scenario.
        rng: the job's random stream; by default seeded from ``plan.seed``.
        record: keep the full history for describing; ``False`` keeps only the outcome and
            billing, for sweeps that never describe.
    """

    def __init__(self, env: simpy.Environment, plan: Plan, *, rng: random.Random | None = None,
                 record: bool = True):
        self.env = env
        self.plan = plan
        self.rng = rng if rng is not None else random.Random(plan.seed)
        self.created = env.now
        self.recording = record
        self.log: list[rec.Entry] = []
        self.state: str = S.Pending if plan.timing.pending is not None else S.Starting
        self.message = ""
        self.training_start: float | None = None
        self.training_end: float | None = None
        self.training_seconds: int | None = None
        self.billable_seconds: int | None = None
        self.failure_reason: str | None = None
        self.running = 0.0  #: instance seconds, all attempts (billed)
        self.runtime_used = 0.0  #: instance seconds counted against MaxRuntime
        self.work_needed = sample(plan.timing.training, self.rng)
        self.work_done = 0.0
        self.interruptions = 0
        self.transitions = 0  #: status changes so far
        self.attempts = 1
        self.retries_left = plan.retries
        self.instances_up = False
        self.reached_training = False
        self.rules: list[RulePlan] = list(plan.rules)
        self._detour: tuple[S, str] | None = None  # the status Updating interrupted, and its message
        self._update_until = INF
        self._deferred: deque[Any] = deque()  # actions that arrived as a phase ended
        rate = plan.spot_config.interruption_rate_per_hour if plan.spot else 0.0
        self._reclaim_rate = rate / 3600.0
        self._next_reclaim = self.rng.expovariate(self._reclaim_rate) if rate else INF
        self._wait_deadline = self.created + plan.max_wait if plan.max_wait is not None else INF
        self.process = env.process(self._lifecycle())
        if plan.events:
            env.process(self._scheduled())
        if record:  # rules are reported, never billed: a sweep skips them (an update may add some)
            env.process(self._evaluate_rules())

    def __repr__(self) -> str:
        return f"<Job {self.plan.name} {self.state} at t={self.env.now - self.created:g}>"

    # --- public surface ----------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        return self.state in TERMINAL

    def inject(self, action: StopEvent | InterruptEvent | FailEvent | UpdateEvent) -> None:
        """Deliver ``action`` now; it takes effect when the clock next advances (even by zero).

        Raises:
            InvalidAction: the job has finished (the service's ValidationException).
        """
        if not self.process.is_alive:
            raise InvalidAction(f"The request was rejected because the training job is in status "
                                f"{PRIMARY_OF[self.state]}.")
        self.process.interrupt(action)

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
        self._log(rec.STATUS, self.state, message)

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
            _Halt: a deadline or an action ended the phase early; carries what was left of it.
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
                    if self._next_reclaim < limit:
                        limit, cause = self._next_reclaim, RECLAIM
            if self._update_until - start < limit:
                limit, cause = self._update_until - start, _UPDATE_DONE
            action = None
            if self._deferred:
                action = self._deferred.popleft()
            else:
                try:
                    yield env.timeout(max(limit, 0.0)) if limit != INF else env.event()
                except simpy.Interrupt as interrupt:
                    action = interrupt.cause
            elapsed = env.now - start
            remaining -= elapsed
            if self.instances_up:
                self.running += elapsed
                if kind in (UP, WORK):
                    self.runtime_used += elapsed
                    self._next_reclaim -= elapsed
                    if kind == WORK:
                        self.work_done += elapsed
            if action is not None and env.now >= start + limit:
                # the phase (or a limit) ends at this very instant: it goes first, the action after
                self._deferred.append(action)
                action = None
            if action is None:
                if cause is None:
                    return
                if cause is _UPDATE_DONE:
                    self._return_from_update()
                    continue
                raise _Halt(cause, remaining)
            if isinstance(action, FailEvent):
                raise _Halt(action, remaining)
            if kind == WIND:
                continue  # already stopping: only a failure changes the course
            if isinstance(action, StopEvent):
                raise _Halt(action, remaining)
            if isinstance(action, UpdateEvent):
                self._begin_update(action)
            elif isinstance(action, InterruptEvent) and self.instances_up and self.plan.spot:
                raise _Halt(RECLAIM, remaining)
            # otherwise: an interruption with no instances to reclaim changes nothing

    # --- the lifecycle ------------------------------------------------------------------------

    def _lifecycle(self) -> Generator[simpy.Event, Any, None]:
        plan, timing, rng = self.plan, self.plan.timing, self.rng
        self.message = msg.PENDING if self.state == S.Pending else msg.STARTING
        self._log(rec.STATUS, self.state, self.message)
        for rule in self.rules:
            self._log(rec.RULE, (rule.group, rule.name), ("InProgress", None))
        capacity = 0.0
        if plan.spot:
            never = plan.spot_config.capacity == "never"
            capacity = INF if never else sample(plan.spot_config.first_capacity_wait, rng)
        cause: Any = None
        remaining = 0.0
        while True:
            try:
                if cause is None:
                    if self.state == S.Pending:
                        yield from self._hold(sample(timing.pending, rng), WAIT)
                        self._enter("start", msg.STARTING)
                    yield from self._attempt(capacity)
                    return
                current, cause = cause, None
                capacity = 0.0
                if current is RECLAIM:
                    yield from self._reclaimed()
                elif isinstance(current, FailEvent):
                    retryable = current.error == "InternalServerError" and self.state in _RETRYABLE
                    if retryable and self.retries_left > 0:
                        yield from self._retry()
                    else:
                        self._fail(current)
                        return
                else:
                    yield from self._wind_down(current, remaining)
                    return
            except _Halt as halt:
                cause, remaining = halt.cause, halt.remaining

    def _attempt(self, capacity: float) -> Generator[simpy.Event, Any, None]:
        """Starting (after any capacity wait) through Completed."""
        plan, timing, rng = self.plan, self.plan.timing, self.rng
        legacy = plan.lifecycle.legacy_statuses
        # [DOC] CreationTime < TrainingStartTime: provisioning takes time, however small the scenario's
        starting = max(sample(timing.starting, rng), MIN_STARTING)
        yield from self._hold(starting * STARTING_SPLIT[0], WAIT)
        if capacity > 0:
            self._set_message(msg.NO_CAPACITY)
            yield from self._hold(capacity, WAIT)
        if legacy:
            self._enter("launch_instances", msg.LAUNCHING)
            yield from self._hold(starting * STARTING_SPLIT[1], WAIT)
            self._enter("prepare_stack", msg.PREPARING)
            yield from self._hold(starting * STARTING_SPLIT[2], WAIT)
        else:  # the same waits whether recorded or not, so a sweep's numbers equal a replay's
            self._set_message(msg.LAUNCHING)
            yield from self._hold(starting * STARTING_SPLIT[1], WAIT)
            self._set_message(msg.PREPARING)
            yield from self._hold(starting * STARTING_SPLIT[2], WAIT)
        self._instances_ready()
        if plan.downloads:
            self._enter("download", msg.DOWNLOADING)
            yield from self._hold(sample(timing.downloading, rng), UP)
        if legacy:
            self._enter("pull_image", msg.PULLING_IMAGE)
            yield from self._hold(sample(timing.image_pull, rng), UP)
            self._enter("train", msg.TRAINING)
        else:
            self._enter("train", msg.PULLING_IMAGE)
            yield from self._hold(sample(timing.image_pull, rng), UP)
            self._set_message(msg.TRAINING)
        self.reached_training = True
        yield from self._hold(self.work_needed - self.work_done, WORK)
        self._enter("upload", msg.UPLOADING)
        yield from self._hold(sample(timing.uploading, rng), UP)
        self.instances_up = False
        self._finish("complete", msg.COMPLETED)

    def _instances_ready(self) -> None:
        self.instances_up = True
        if self.training_start is None:
            self.training_start = self.env.now
            self._log(rec.START)
            for rule in self.rules:
                self._log(rec.RULE_ARN, (rule.group, rule.name), self._rule_arn(rule))

    def _lose_instances(self) -> None:
        """Instances gone: training resumes from the last checkpoint, or from scratch."""
        self.instances_up = False
        if self.plan.checkpointing:
            interval = self.plan.spot_config.checkpoint_interval
            self.work_done = math.floor(self.work_done / interval) * interval
        else:
            self.work_done = 0.0

    def _reclaimed(self) -> Generator[simpy.Event, Any, None]:
        timing = self.plan.timing
        self.interruptions += 1
        self._next_reclaim = self.rng.expovariate(self._reclaim_rate) if self._reclaim_rate else INF
        self._lose_instances()
        self._enter("interrupt", msg.INTERRUPTED)
        yield from self._hold(sample(timing.interrupted, self.rng), WAIT)
        self._enter("start", msg.NO_CAPACITY)
        yield from self._hold(sample(timing.capacity_wait, self.rng), WAIT)

    def _retry(self) -> Generator[simpy.Event, Any, None]:
        self.retries_left -= 1
        self.attempts += 1
        self._lose_instances()
        if self.plan.lifecycle.restarting_on_retry:
            self._enter("restart", msg.RESTARTING)
            yield from self._hold(sample(self.plan.timing.restarting, self.rng), WAIT)
            self._enter("start", msg.STARTING)
        else:
            self._enter("retry", msg.STARTING)

    def _wind_down(self, cause: Any, remaining: float) -> Generator[simpy.Event, Any, None]:
        """Stopping, then Stopped / MaxRuntimeExceeded / MaxWaitTimeExceeded."""
        timing, rng = self.plan.timing, self.rng
        was = self._detour[0] if self._detour else self.state
        self._enter("stop", msg.STOPPING)
        if self.instances_up and self.plan.lifecycle.upload_on_stop and was in (S.Training, S.Uploading):
            if was == S.Training:  # SIGTERM: the algorithm saves its model, then it is uploaded
                yield from self._hold(min(sample(timing.sigterm_save, rng), SIGTERM_WINDOW), WIND)
                remaining = sample(timing.uploading, rng)
            yield from self._hold(remaining, WIND)
        else:
            yield from self._hold(sample(timing.stopping, rng), WIND)
        self.instances_up = False
        trigger, message = _END.get(cause, ("end_stopped", msg.STOPPED))
        self._finish(trigger, message)

    def _fail(self, failure: FailEvent) -> None:
        self.instances_up = False
        self.failure_reason = msg.failure_reason(failure.error, failure.message)
        self._log(rec.FAILURE, None, self.failure_reason)
        self._finish("fail", msg.FAILED)

    def _finish(self, trigger: str, message: str) -> None:
        self._enter(trigger, message)
        if self.training_start is None:
            return  # instances never came up: nothing was billed
        now = self.env.now
        self.training_end = now
        self.training_seconds = max(1, math.floor(now - self.training_start + 0.5))
        if self.plan.spot:
            billed = math.floor(self.running * self.plan.spot_config.price_ratio + 0.5)
            self.billable_seconds = max(1, min(self.training_seconds, billed))
        else:
            self.billable_seconds = self.training_seconds
        self._log(rec.END)
        self._log(rec.BILLING, self.training_seconds, self.billable_seconds)
        if self.reached_training and self.plan.metrics:
            self._log(rec.METRICS)

    # --- updates --------------------------------------------------------------------------------

    def _begin_update(self, update: UpdateEvent) -> None:
        if self.state not in _RETURN and self.state != S.Updating:
            return  # nothing to update in Pending or Restarting: the request is dropped
        if self.state != S.Updating:
            self._detour = None
            detour = (self.state, self.message)
            self._enter("update", msg.UPDATING)
            self._detour = detour
        self._update_until = self.env.now + sample(self.plan.timing.updating, self.rng)
        self._log(rec.UPDATE, None, update.changes)
        for rule in update.changes.get("ProfilerRuleConfigurations", []):
            added = outcome(self.plan, "Profiler", rule["RuleConfigurationName"])
            self.rules.append(added)
            self._log(rec.RULE, (added.group, added.name), ("InProgress", None))
            if self.training_start is not None:
                self._log(rec.RULE_ARN, (added.group, added.name), self._rule_arn(added))

    def _return_from_update(self) -> None:
        status, message = self._detour
        self._enter(_RETURN[status], message)

    # --- what runs beside the lifecycle ----------------------------------------------------------

    def _scheduled(self) -> Generator[simpy.Event, Any, None]:
        """Deliver the scenario's events at their times."""
        for event in self.plan.events:
            delay = self.created + event.at - self.env.now
            if delay > 0:
                yield self.env.timeout(delay)
            if not self.process.is_alive:
                return
            self.process.interrupt(event)

    def _evaluate_rules(self) -> Generator[simpy.Event, Any, None]:
        """Rule evaluations finish after the job ends [INF]: with their scenario outcome when the
        job trained, Stopped when it never did."""
        yield self.process
        end = self.env.now
        finishing = sorted((end + sample(self.plan.timing.rule_evaluation, self.rng), i)
                           for i in range(len(self.rules)))
        for at, i in finishing:
            yield self.env.timeout(at - self.env.now)
            rule = self.rules[i]
            if self.reached_training:
                template = msg.RULE_DETAILS.get(rule.result)
                details = rule.details or (template.format(rule=rule.name) if template else None)
                self._log(rec.RULE, (rule.group, rule.name), (rule.result, details))
            else:
                self._log(rec.RULE, (rule.group, rule.name), ("Stopped", None))

    def _rule_arn(self, rule: RulePlan) -> str:
        digest = hashlib.sha1(f"{self.plan.arn}/{rule.name}".encode()).hexdigest()[:8]
        stem = re.sub(r"[^a-zA-Z0-9]+", "-", f"{self.plan.name[:26]}-{rule.name[:26]}").strip("-").lower()
        plan = self.plan
        return f"arn:{partition(plan.region)}:sagemaker:{plan.region}:{plan.account}:processing-job/{stem}-{digest}"
