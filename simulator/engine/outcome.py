"""The public sweep API: run one job to its end and keep only what it came to.

``simulate`` is what a what-if sweep calls millions of times: no history is kept, the job's
message-only waits are merged, its clock drives it without a simpy Process (:meth:`.clock.Clock.drive`),
and the result is an immutable :class:`Outcome`. With the same (seed, replicate) it gives exactly the
figures a recorded replay of the same job gives.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from .clock import clock
from .job import Job
from .plan import Plan
from .statuses import PRIMARY_OF
from .streams import Streams


class Outcome(NamedTuple):
    """What one job came to. Times are seconds after its creation; billing as DescribeTrainingJob
    reports it (None where the response has no such member). A named tuple: a sweep makes millions,
    and one is made in a fifth of a frozen dataclass's time."""

    name: str
    primary: str  #: TrainingJobStatus
    secondary: str  #: SecondaryStatus
    ended: float | None  #: when the job ended (None: it never did)
    training_start: float | None
    training_seconds: int | None
    billable_seconds: int | None
    warm_pool_seconds: int | None  #: WarmPoolStatus.ResourceRetainedBillableTimeInSeconds
    instance_count: int
    interruptions: int
    attempts: int
    checkpoint_write_seconds: float  #: instance seconds training paused for checkpoint writes, all attempts
    #: instance seconds counted against MaxRuntime: a MaxRuntimeInSeconds below it would have stopped the
    #: job, one above it changes nothing (at it exactly, the limit ties with a failure due that instant, and wins)
    runtime_used: float
    #: the end of the last wait MaxWait could cut short: a MaxWaitTimeInSeconds below it would have
    #: stopped the job, one above it changes nothing (the same draws run up to the limit)
    wait_checked: float
    transitions: int
    failure_reason: str | None
    hourly_price: float | None  #: on-demand USD per instance-hour, when given
    warm_start: bool  #: it took over a warm pool an earlier job left (it skipped provisioning)
    cost_usd: float | None  #: (billable + warm pool seconds) × instances × hourly price / 3600

    @classmethod
    def of(cls, job: Job, hourly_price: float | None = None) -> Outcome:
        pool = job.pool
        retained = math.floor(pool.retained + 0.5) if pool is not None and pool.retained is not None else None
        billing = job.billing
        billed = (billing.billable_seconds or 0) + (retained or 0)
        cost = None if hourly_price is None else billed * job.plan.instance_count * hourly_price / 3600
        return cls(name=job.plan.name, primary=str(PRIMARY_OF[job.state]), secondary=str(job.state), ended=job.ended,
                   training_start=None if billing.training_start is None else billing.training_start - job.created,
                   training_seconds=billing.training_seconds, billable_seconds=billing.billable_seconds,
                   warm_pool_seconds=retained, instance_count=job.plan.instance_count,
                   interruptions=job.interruptions, attempts=job.attempts,
                   checkpoint_write_seconds=job.progress.writing, runtime_used=billing.runtime_used,
                   wait_checked=job.waits.checked - job.created, transitions=job.transitions,
                   failure_reason=job.failure_reason, hourly_price=hourly_price,
                   warm_start=job.took_pool is not None, cost_usd=cost)


def simulate(plan: Plan, *, seed: int | None = None, replicate: int = 0,
             hourly_price: float | None = None) -> Outcome:
    """Run ``plan``'s job to its end on a clock of its own, keeping no history.

    Args:
        plan: the compiled scenario.
        seed: the run's seed (default: the scenario's); with ``replicate`` it fixes every draw.
        replicate: which replicate of the run this is.
        hourly_price: on-demand USD per instance-hour, for :attr:`Outcome.cost_usd`.
    """
    env = clock()
    streams = Streams(plan.seed if seed is None else seed, replicate)
    if plan.events:  # scheduled events act on the job: it runs as a process they can interrupt
        job = Job(env, plan, streams=streams, record=False)
        env.run()
    else:  # alone on its clock
        job = Job(env, plan, streams=streams, record=False, process=False)
        env.drive(job.lifecycle())
    return Outcome.of(job, hourly_price)
