"""Many jobs on one simpy clock, advanced incrementally: the engine behind replay and the endpoint."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Generator
from functools import partial
from typing import Any

import simpy

from ..defaults import DEFAULT_EPOCH
from ..errors import ResourceInUse, ResourceNotFound
from . import snapshot
from .job import Job
from .plan import Plan
from .streams import Streams
from .waits import ticks
from .warmpool import WarmPools


class Simulation:
    """A shared clock and the jobs living on it, with the warm pools they leave for each other.

    The clock moves only through :meth:`advance_to` / :meth:`run`; jobs created later start at
    the clock's present. Describing is a read: it never advances or re-simulates anything. The
    simulation owns the wall-clock origin: a job created at the clock's ``t`` has CreationTime
    ``origin + t``, whatever scenario it comes from.

    Args:
        origin: the wall-clock time (epoch seconds) of the clock's zero; by default 2024-01-01T00:00:00Z.
    """

    def __init__(self, origin: float = DEFAULT_EPOCH.timestamp()) -> None:
        self.origin = origin
        self.env = simpy.Environment()
        self.jobs: dict[str, Job] = {}
        self.pools = WarmPools()
        #: called with each job whose history grows (and once with each job created): a feed of changes
        self.on_change: Callable[[Job], None] | None = None

    def __repr__(self) -> str:
        return f"<Simulation t={self.now:g} jobs={len(self.jobs)}>"

    @property
    def now(self) -> float:
        return self.env.now

    def submit(self, plan: Plan, *, streams: Streams | None = None, record: bool = True) -> Job:
        """Create a job now; it takes over a matching Available warm pool if there is one.

        Raises:
            ResourceInUse: a job of that name exists.
        """
        self.vacant(plan.name)
        job = Job(self.env, plan, streams=streams, record=record, pools=self.pools, warm_pool=self.pools.claim(plan),
                  origin=self.origin)
        self.jobs[plan.name] = job
        if self.on_change is not None and not job.quiet:
            job.history.watch = partial(self.on_change, job)  # type: ignore[union-attr]
            self.on_change(job)
        self._settle()
        return job

    def adopt(self, plan: Plan, job: Job) -> Job:
        """Take in ``job``, kept settled (:attr:`.job.Job.keepable`) by a simulation that lived the same
        jobs: created now, as it was there, and not lived again. Its plan is ``plan``, compiled as
        it was there."""
        self.vacant(plan.name)
        job.adopted(self.env, plan, self.pools)
        self.jobs[plan.name] = job
        if self.on_change is not None:
            job.history.watch = partial(self.on_change, job)
            self.on_change(job)
        return job

    def vacant(self, name: str) -> None:
        """Check that no job is named ``name``.

        Raises:
            ResourceInUse: one is.
        """
        if name in self.jobs:
            raise ResourceInUse("Training job names must be unique within an AWS account and region, and a "
                                f"training job with this name already exists ({self.jobs[name].plan.arn})")

    def submit_at(self, at: float, plan: Plan, *, streams: Streams | None = None, record: bool = True) -> None:
        """Create a job when the clock reaches ``at`` (a scenario's later job, a fleet's job)."""

        def create() -> Generator[simpy.Event, Any, None]:
            yield self.env.timeout(ticks(at) - self.env.now)
            self.submit(plan, streams=streams, record=record)

        self.env.process(create())

    def job(self, name: str) -> Job:
        """The job named ``name``.

        Raises:
            ResourceNotFound: there is none.
        """
        try:
            return self.jobs[name]
        except KeyError:
            raise ResourceNotFound(name) from None

    def inject(self, name: str, action: Any) -> None:
        """Deliver an action (stop, interruption, failure, update) to a job now.

        Raises:
            ResourceNotFound: no such job.
            InvalidAction: the job has ended and the service would refuse the action.
        """
        self.job(name).inject(action)
        self._settle()

    def advance_to(self, t: float) -> None:
        """Move the clock to ``t``, processing everything due up to and including ``t``.

        Raises:
            ValueError: ``t`` is in the past.
        """
        if t < self.env.now:
            raise ValueError(f"the clock only moves forward (now {self.env.now:g}, asked {t:g})")
        if t > self.env.now:
            self.env.run(until=float(t))  # the clock reads seconds as floats, as a replay of the journal's REAL
        self._settle()

    def advance_some(self, t: float, budget: int) -> bool:
        """Move the clock towards ``t`` by at most ``budget`` events: True once it is at ``t``, everything
        due up to and including ``t`` processed. Called until True, it makes exactly the steps one
        :meth:`advance_to` makes, in the same order: a caller may answer others in between.

        Raises:
            ValueError: ``t`` is in the past.
        """
        if t < self.env.now:
            raise ValueError(f"the clock only moves forward (now {self.env.now:g}, asked {t:g})")
        env = self.env
        for _ in range(budget):
            if env.peek() >= t:
                break
            env.step()
        else:
            if env.peek() < t:
                return False
        self.advance_to(t)
        return True

    def next_change_time(self) -> float:
        """The clock time of the next scheduled event that anything waits on (``math.inf`` when there is
        none): where :meth:`advance_to` must go for anything more to happen. An event nobody waits on
        any more (the timeout of a wait a stop cut short) is dropped: processing it would do nothing,
        and a simulation that adopted the job (:meth:`adopt`) never had it."""
        queue = self.env._queue  # simpy's schedule: (time, priority, id, event), a heap
        while queue and not queue[0][3].callbacks:
            heapq.heappop(queue)
        return self.env.peek()

    def run(self) -> None:
        """Run until nothing more is scheduled (every job finished or waits forever)."""
        self.env.run()

    def describe(self, name: str, at: float | None = None) -> dict[str, Any]:
        """The wire-form DescribeTrainingJob response of ``name`` (at the present by default)."""
        job = self.job(name)
        return snapshot.describe(job, None if at is None else at - job.created)

    def _settle(self) -> None:
        env = self.env
        while env.peek() <= env.now:
            env.step()
