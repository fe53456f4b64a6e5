"""SageMaker managed warm pools: the instances a finished job keeps for KeepAlivePeriodInSeconds.

[DOC, AWS guide "Train Using SageMaker Managed Warm Pools"] A job with a KeepAlivePeriodInSeconds
above 0 that completes, is stopped after its cluster launched, or fails with an algorithm or client
error keeps its instances: WarmPoolStatus Available. A later job whose RoleArn, ResourceConfig
(InstanceCount, InstanceType, VolumeKmsKeyId, VolumeSizeInGB), VpcConfig and the two network flags
are identical takes them over: the first job's pool becomes Reused (ReusedByJob names the taker),
the taker shows InUse, skips provisioning, and keeps the pool in turn when it ends. A pool nobody
takes is Terminated when the keep-alive runs out. ResourceRetainedBillableTimeInSeconds appears once
the pool is Reused or Terminated [DOC, botocore's model].
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from . import messages as msg
from . import record as rec

if TYPE_CHECKING:
    from .history import History
    from .plan import Plan

AVAILABLE, IN_USE, REUSED, TERMINATED = "Available", "InUse", "Reused", "Terminated"


class WarmPool:
    """The pool the job of ``plan`` keeps from its end (``since``) until it is reused or its
    keep-alive runs out; it becomes Available when the job's final status is written (now), in the
    job's ``history``. ``completed``: the job completed (a reuse then shows in its message)."""

    def __init__(self, env: simpy.Environment, history: History, plan: Plan, *, completed: bool, keep_alive: float,
                 since: float):
        self.env = env
        self.plan = plan
        self.since = since  #: the job's end: the keep-alive and the retained time count from it
        self.keep_alive = keep_alive
        self.status = AVAILABLE
        self.retained: float | None = None  #: seconds kept, once Reused or Terminated
        self._history = history
        self._completed = completed
        history.log(rec.WARM_POOL, AVAILABLE, (None, None))
        self._process = env.process(self._keep())

    def __repr__(self) -> str:
        return f"<WarmPool of {self.plan.name} {self.status}>"

    @property
    def alive(self) -> bool:
        """The pool still waits for its keep-alive to run out."""
        return self._process.is_alive

    @property
    def key(self) -> tuple[Any, ...] | None:
        return self.plan.warm_pool_key

    def claim(self, by: str) -> None:
        """A matching job created now takes the pool over."""
        self._end(REUSED, by)
        if self._completed:  # [OBS] seen on Completed jobs only
            self._history.log(rec.MESSAGE, None, msg.REUSED.format(name=by))

    def retime(self, keep_alive: float) -> None:
        """UpdateTrainingJob changed KeepAlivePeriodInSeconds while the pool is Available; 0
        terminates it now [DOC]. The period still counts from the job's end [INF]."""
        self.keep_alive = keep_alive
        if self.since + keep_alive <= self.env.now:
            self._end(TERMINATED, None)
        else:
            self._process.interrupt()  # wait again, for the new period

    def _keep(self) -> Generator[simpy.Event, Any, None]:
        while self.status == AVAILABLE:
            try:
                yield self.env.timeout(self.since + self.keep_alive - self.env.now)
            except simpy.Interrupt:
                continue
            self._end(TERMINATED, None)

    def _end(self, status: str, reused_by: str | None) -> None:
        self.retained = self.env.now - self.since
        retained = math.floor(self.retained + 0.5)
        self.status = status
        self._history.log(rec.WARM_POOL, status, (retained, reused_by))
        if self._process.is_alive and self.env.active_process is not self._process:
            self._process.interrupt()  # it sees the status and ends


class WarmPools:
    """The pools of one simulation that later jobs can take over, oldest first."""

    def __init__(self) -> None:
        self._pools: list[WarmPool] = []

    def offer(self, pool: WarmPool) -> None:
        self._pools.append(pool)

    def claim(self, plan: Plan) -> WarmPool | None:
        """The oldest Available pool that matches ``plan``, now taken over by it; None if there is
        none or the job cannot use one (spot, heterogeneous clusters, no KeepAlivePeriodInSeconds)."""
        self._pools = [p for p in self._pools if p.status == AVAILABLE]
        if plan.warm_pool_key is None or plan.keep_alive <= 0:
            return None
        for pool in self._pools:
            if pool.key == plan.warm_pool_key:
                pool.claim(plan.name)
                self._pools.remove(pool)
                return pool
        return None
