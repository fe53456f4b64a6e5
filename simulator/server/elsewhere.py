"""Every AWS call tjsim does not simulate goes to moto, in the same process: S3 above all (the SDK's
default bucket, source uploads, checkpoints, the model read back), and whatever else a client calls.

The endpoint mounts moto's own server application (its WSGI app behind a2wsgi); in process, moto's
``mock_aws`` answers through botocore's hooks (:mod:`simulator.mock`). When a job has completed, its
``ModelArtifacts`` object exists in that S3: a small, valid ``model.tar.gz``, written before the next
call reaches moto, so ``estimator.model_data`` can be downloaded.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from typing import TYPE_CHECKING, Any

from ..errors import TjsimError

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from ..engine.job import Job
    from .backend import Backend


class Elsewhere(Exception):
    """The call is for moto: tjsim serves the operation, but not for this resource (a log group,
    namespace or ARN of another kind)."""


class NotAnswered(TjsimError):
    """moto has not implemented the operation, or failed on the request: refused in the client's
    protocol (4xx, as for an operation the service does not know), never a 500."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def refusal(err: Exception, what: str, protocol: str) -> NotAnswered:
    """moto's failure ``err`` on ``what`` (method and path, or the operation) as the error a client
    of ``protocol`` reads: a query client's ``InvalidAction``, a JSON one's ``UnknownOperationException``
    for an operation nobody serves; a ``ValidationError``/``ValidationException`` for the rest."""
    query = protocol == "query"
    if isinstance(err, NotImplementedError):
        return NotAnswered(f"{what}: tjsim does not simulate it and moto has not implemented it ({err})",
                           "InvalidAction" if query else "UnknownOperationException")
    return NotAnswered(f"{what}: moto could not answer it ({type(err).__name__}: {err})",
                       "ValidationError" if query else "ValidationException")


def moto_app() -> ASGIApp | None:
    """moto's server as an ASGI application; None when moto's server is not installed."""
    try:
        from a2wsgi import WSGIMiddleware
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    except ImportError:  # pragma: no cover - moto[server] is a dependency; a trimmed install may lack it
        return None
    return WSGIMiddleware(DomainDispatcherApplication(create_backend_app))


def write_artifacts(backend: Backend) -> None:
    """Bring the simulation up to the clock, and put the model of every job completed since the
    last call into moto's S3 (the bucket must exist, as the service needs it to; a job whose bucket
    does not exist leaves nothing). Called before each call reaches moto."""
    backend.sync()
    waiting = backend.awaiting_artifacts
    if not waiting:
        return
    for name in list(waiting):
        job = backend.sim.jobs[name]
        if not job.settled and job.state != "Completed":
            continue
        waiting.discard(name)
        if job.state == "Completed":
            _put(job)


def _put(job: Job) -> None:
    try:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.s3.models import s3_backends
    except ImportError:  # pragma: no cover
        return
    bucket, _, key = job.plan.model_artifacts.removeprefix("s3://").partition("/")
    s3 = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    if bucket in s3.buckets:
        s3.put_object(bucket, key, model_tarball(job))


def model_tarball(job: Job) -> bytes:
    """A deterministic ``model.tar.gz``: one ``model.json`` naming the job, its final metrics and
    its times (the same job gives the same bytes)."""
    plan = job.plan
    ended = job.origin + job.created + (job.ended if job.ended is not None else job.env.now - job.created)
    card: dict[str, Any] = {"TrainingJobName": plan.name, "TrainingJobArn": plan.arn,
                            "FinalMetrics": dict(plan.metrics), "simulated": "tjsim"}
    data = json.dumps(card, indent=2).encode()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("model.json")
        info.size, info.mtime, info.mode = len(data), int(ended), 0o644
        tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=int(ended))
