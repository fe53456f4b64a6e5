"""Getting a job ready to train: Pending for capacity, Starting (provisioning, with a wait for spot
capacity), then the input download and the training image pull, each where its era of the service
shows it (:mod:`.eras`). Like :mod:`.ending`, these phases drive the job through its public surface."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from . import messages as msg
from .waits import IDLE, INF, MAX_PENDING, PENDING_LIMIT, TICK, UP, Halt, ticks

if TYPE_CHECKING:
    from .job import Job

MIN_STARTING = TICK  # CreationTime < TrainingStartTime, even at the service's millisecond precision


def pending(job: Job) -> Generator[simpy.Event, Any, None]:
    """Pending, until capacity comes, MaxPendingTimeInSeconds, or the service's own limit.

    Raises:
        Halt: a limit came first (MaxPending stops the job; the service's limit fails it).
    """
    plan = job.plan
    wait = job.streams.draw("pending", plan.timing.pending)
    limit, cause = INF, None
    if plan.max_pending is not None:
        limit, cause = plan.max_pending, MAX_PENDING
    capacity_limit = plan.lifecycle.pending_capacity_limit
    if capacity_limit is not None and ticks(capacity_limit) < limit:
        limit, cause = ticks(capacity_limit), PENDING_LIMIT
    yield from job.waits.hold(min(wait, limit), IDLE)
    if wait > limit:
        raise Halt(cause, 0.0)


def duration(job: Job, warm: bool) -> float:
    """How long Starting takes this time; a job that took over a warm pool (``warm``) starts faster."""
    plan, draw = job.plan, job.streams.draw
    # [DOC] CreationTime < TrainingStartTime: provisioning takes time, however small the scenario's
    return max(draw("warm_starting", plan.timing.warm_starting) if warm else draw("starting", plan.starting),
               MIN_STARTING)


def provision(job: Job, starting: float, capacity: float) -> Generator[simpy.Event, Any, None]:
    """Starting for ``starting`` seconds, its steps as the era shows them, after ``capacity`` seconds
    of waiting for spot capacity."""
    hold, steps = job.waits.hold, job.plan.era.starting_steps
    spent = 0.0
    for i, (trigger, message, share) in enumerate(steps):
        if trigger is not None:
            job.enter(trigger, message)
        elif i:
            job.set_message(message)
        # the last step takes what is left, so the steps add up to Starting exactly
        part = ticks(starting * share) if i < len(steps) - 1 else starting - spent
        spent += part
        yield from hold(part, IDLE)
        if i == 0 and capacity > 0:
            job.set_message(msg.NO_CAPACITY)
            yield from hold(capacity, IDLE)


def prepare(job: Job) -> Generator[simpy.Event, Any, None]:
    """From instances ready to training: input download and image pull, placed as the era places them."""
    plan, hold = job.plan, job.waits.hold
    where = plan.era.image_pull
    downloading = job.streams.draw("downloading", plan.timing.downloading) if plan.downloads else 0.0
    image_pull = job.streams.draw("image_pull", plan.timing.image_pull)
    if where == "downloading":  # 2024+: the image pull ends Downloading, whatever the input mode
        job.enter("download", msg.DOWNLOADING if plan.downloads else msg.PULLING_IMAGE)
        if job.quiet:  # one wait: nobody reads the message change
            yield from hold(downloading + image_pull, UP)
        else:
            if plan.downloads:
                yield from hold(downloading, UP)
                job.set_message(msg.PULLING_IMAGE)
            yield from hold(image_pull, UP)
        job.enter("train", msg.TRAINING)
        return
    if plan.downloads:
        job.enter("download", msg.DOWNLOADING)
        yield from hold(downloading, UP)
    if where == "status":  # before 2019: a status of its own
        job.enter("pull_image", msg.PULLING_IMAGE)
        yield from hold(image_pull, UP)
        job.enter("train", msg.TRAINING)
    else:  # 2019-2023: the start of Training
        job.enter("train", msg.PULLING_IMAGE)
        yield from hold(image_pull, UP)
        job.set_message(msg.TRAINING)
