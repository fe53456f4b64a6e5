"""How a job ends: the phases after the last attempt — Stopping and the upload of the model saved on
SIGTERM, a failure — and the final status, written a moment after the instances stop, with what it
leaves behind: billing, final metrics, a warm pool. They drive the job through its public surface
(:meth:`.job.Job.enter`, its history, accounts and waits), as the phases in :mod:`.job` do."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from . import messages as msg
from . import record as rec
from .statuses import Secondary as S
from .waits import MAX_PENDING, MAX_RUNTIME, MAX_WAIT, WIND
from .warmpool import TERMINATED, WarmPool

if TYPE_CHECKING:
    from .job import Job
    from .waits import Cause

SIGTERM_WINDOW = 120.0  # [DOC] SageMaker waits up to 120 s after SIGTERM
_END = {MAX_RUNTIME: ("end_max_runtime", msg.MAX_RUNTIME), MAX_WAIT: ("end_max_wait", msg.MAX_WAIT),
        MAX_PENDING: ("end_stopped", msg.MAX_PENDING)}
#: [DOC] failures after which a job still keeps its warm pool
_POOL_KEEPING_FAILURES = frozenset({"AlgorithmError", "ClientError"})


def wind_down(job: Job, cause: Cause, remaining: float) -> Generator[simpy.Event, Any, None]:
    """Stopping, the upload of the model saved on SIGTERM, then Stopped / MaxRuntimeExceeded /
    MaxWaitTimeExceeded."""
    plan, timing, draw, hold = job.plan, job.plan.timing, job.streams.draw, job.waits.hold
    shape = plan.lifecycle.stop_upload
    was = job.detoured_from or job.state
    training = job.training  # not while it is still pulling its image
    job.training = False
    job.stopping = True
    job.enter("stop", msg.STOPPING)
    if job.billing.up and shape != "none" and (training or was == S.Uploading):
        if training:  # SIGTERM: the algorithm saves its model within the window
            yield from hold(min(draw("sigterm_save", timing.sigterm_save), SIGTERM_WINDOW), WIND)
            upload = draw("uploading", timing.uploading)
        else:  # the model was already being uploaded: the upload goes on
            if shape == "uploading":
                yield from hold(draw("stopping", timing.stopping), WIND)
            upload = remaining
        if shape == "uploading":  # [OBS] an Uploading entry of its own, after Stopping
            job.enter("upload", msg.UPLOADING)
            if plan.lifecycle.stop_upload_primary == "Stopping":
                job.history.log(rec.PRIMARY, "Stopping")
        upload_begins(job)
        yield from hold(upload, WIND)
    else:
        yield from hold(draw("stopping", timing.stopping), WIND)
    job.billing.up = False
    trigger, message = _END.get(cause, ("end_stopped", msg.STOPPED))
    yield from close(job, trigger, message)


def fail(job: Job, kind: str, message: str | None) -> Generator[simpy.Event, Any, None]:
    """Failed, with the FailureReason real jobs of ``kind`` show (or ``message``)."""
    job.billing.up = False
    job.failure_kind = kind
    job.failure_reason = msg.failure_reason(kind, message)
    yield from close(job, "fail", msg.FAILED)


def upload_begins(job: Job) -> None:
    """The model upload begins: ModelArtifacts appear (once)."""
    if not job.artifacts:
        job.artifacts = True
        job.history.log(rec.ARTIFACTS)


def close(job: Job, trigger: str, message: str) -> Generator[simpy.Event, Any, None]:
    """The final status. The job ends (and is billed) now; the service writes the final status a
    moment later [OBS: LastModifiedTime 0.14–0.55 s after TrainingEndTime], stamped now."""
    plan, billing, history = job.plan, job.billing, job.history
    job.move(trigger)
    ended = job.env.now
    billing.settle(ended, plan.spot_config.price_ratio if plan.spot else None, job.streams)
    keeps_pool = _keeps_pool(job)
    if keeps_pool and job.state == S.Completed:
        message = msg.RETAINED
    job.ended = ended - job.created
    if job.quiet:  # what follows only a client reading the job sees
        if keeps_pool:
            _keep_pool(job, ended)
        return
    metrics_at = None
    if job.progress.started_at is not None and plan.metrics:  # last emitted a little before training stopped
        progressed = job.progress.last_at - job.streams.draw("last_metric", plan.timing.last_metric)
        metrics_at = max(progressed, job.progress.started_at)
    yield from job.waits.wait_out(job.streams.draw("final_write", plan.timing.final_write))
    job.message = message
    history.log(rec.CLOSE, job.state, (message, ended - job.created))
    if job.failure_reason is not None:
        history.log(rec.FAILURE, None, job.failure_reason)
    if billing.training_start is not None:
        history.log(rec.END, ended - job.created)
        history.log(rec.BILLING, billing.training_seconds, billing.billable_seconds)
    if metrics_at is not None:
        history.log(rec.METRICS, metrics_at - job.created)
    if keeps_pool:
        _keep_pool(job, ended)
    elif job.took_pool is not None:  # [INF] the pool it took is not kept: it ends with the job
        history.log(rec.WARM_POOL, TERMINATED, (0, None))


def _keeps_pool(job: Job) -> bool:
    """[DOC] whether the instances stay in a warm pool after the job ends."""
    if job.keep_alive <= 0 or job.plan.warm_pool_key is None or job.billing.training_start is None:
        return False
    if job.state == S.Failed:
        return job.failure_kind in _POOL_KEEPING_FAILURES
    return True  # Completed, or stopped after the cluster launched


def _keep_pool(job: Job, since: float) -> None:
    job.pool = WarmPool(job.env, job.history, job.plan, completed=job.state == S.Completed,
                        keep_alive=job.keep_alive, since=since)
    if job.pools is not None:
        job.pools.offer(job.pool)
