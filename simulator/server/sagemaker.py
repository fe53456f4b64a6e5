"""The SageMaker service's training-job operations, and :data:`OPERATIONS`, the one table the
endpoint dispatches ``X-Amz-Target: SageMaker.<name>`` through: an operation is added there.

Every operation takes the :class:`~.backend.Backend` and the request's members, and returns the
response body, JSON as sent. Requests are validated against botocore's input shapes and the
service's cross-field rules (the code the scenario loader uses); a mutation is checked against the
job's status, applied, then journaled before it is answered, so an answered request is never lost
and the journal holds only what replays. Errors are tjsim's own, with their AWS codes; the HTTP
edge turns them into responses.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import service, shapes
from ..compile import compile_request
from ..engine import snapshot
from ..engine.actions import Action, Stop, Update
from ..engine.streams import job_seed
from ..errors import RequestError
from ..format.constraints import request_problems, service_problems, update_problems
from ..format.events import ACTION
from ..format.scenario import Settings
from .metriclines import falling

if TYPE_CHECKING:
    from .backend import Backend


def create_training_job(backend: Backend, request: dict[str, Any]) -> bytes:
    """Create the job now, living the story its tag ``tjsim:scenario`` names (else the default).

    Raises:
        RequestError: the request is invalid, or its tag names no known scenario.
        ResourceInUse: a job of that name exists.
    """
    problems = request_problems(request)  # botocore's shape, in the service's words where known
    if problems:
        raise RequestError(validation_message(problems))
    story, settings = backend.stories.resolve(request.get("Tags"))
    settings = settings.model_copy(update={"region": backend.region, "account": backend.account})
    problems = service_problems(request, settings.lifecycle)
    if problems:
        raise RequestError(validation_message(problems))
    seed = job_seed(settings.seed, request["TrainingJobName"])
    settings = settings.model_copy(update={"seed": seed, "metrics": _metrics(request, settings.metrics, seed)})
    plan = compile_request(request, settings)
    backend.sim.vacant(plan.name)
    stored = settings.model_dump(mode="json", include=set(Settings.model_fields))
    backend.persist("create", {"request": request, "settings": stored, "story": story})  # then, and only then:
    job = backend.sim.submit(plan)
    backend.created(job, request.get("Tags"))
    backend.applied()
    return _body({"TrainingJobArn": job.plan.arn})


def _metrics(request: dict[str, Any], given: dict[str, float], seed: int) -> dict[str, float]:
    """[INF] the final value of each MetricDefinitions metric: the story's, else one drawn from the
    job's seed (a falling metric such as a loss between 0.05 and 0.5, another between 0.7 and
    0.99), so that a job's log, metrics and FinalMetricDataList carry every metric it defines."""
    values = dict(given)
    for definition in request.get("AlgorithmSpecification", {}).get("MetricDefinitions", []):
        name = definition["Name"]
        if name not in values:
            draw = random.Random(f"{seed}:{name}").random()
            values[name] = round(0.05 + 0.45 * draw if falling(name) else 0.7 + 0.29 * draw, 4)
    return values


def describe_training_job(backend: Backend, request: dict[str, Any]) -> bytes:
    """The job's description, as the engine keeps it serialized (the hot path: nothing is built anew).

    Raises:
        RequestError: the request is invalid.
        ResourceNotFound: no such job.
    """
    name = request.get("TrainingJobName")
    job = backend.sim.jobs.get(name) if len(request) == 1 and isinstance(name, str) else None
    if job is None:  # a job's name was checked when it was created: only others need the shape's check
        check(request, "DescribeTrainingJob")
        job = backend.sim.job(name)
    return snapshot.wire_json(job)


def stop_training_job(backend: Backend, request: dict[str, Any]) -> bytes:
    """Stop the job now.

    Raises:
        RequestError: the request is invalid.
        ResourceNotFound: no such job.
        InvalidAction: the job's status does not take a stop.
    """
    check(request, "StopTrainingJob")
    act(backend, request["TrainingJobName"], Stop())
    return _body({})


def update_training_job(backend: Backend, request: dict[str, Any]) -> bytes:
    """Apply the request's changes to the job now.

    Raises:
        RequestError: the request is invalid, or adds a rule the job has.
        ResourceNotFound: no such job.
        InvalidAction: the job's status does not take an update.
    """
    check(request, "UpdateTrainingJob")
    name = request["TrainingJobName"]
    act(backend, name, Update(changes={k: v for k, v in request.items() if k != "TrainingJobName"}))
    return _body({"TrainingJobArn": backend.sim.job(name).plan.arn})


def list_training_jobs(backend: Backend, request: dict[str, Any]) -> bytes:
    """A page of the jobs the request's filters choose (:mod:`.listing`).

    Raises:
        RequestError: the request is invalid, or its NextToken is of another query.
    """
    check(request, "ListTrainingJobs")
    return _body(backend.listing.page(request))


#: the operations the endpoint serves, by X-Amz-Target's name
OPERATIONS: dict[str, Callable[[Backend, dict[str, Any]], bytes]] = {
    "CreateTrainingJob": create_training_job,
    "DescribeTrainingJob": describe_training_job,
    "StopTrainingJob": stop_training_job,
    "UpdateTrainingJob": update_training_job,
    "ListTrainingJobs": list_training_jobs,
}


def act(backend: Backend, name: str, action: Action) -> None:
    """Journal an action to job ``name``, then deliver it now (a refused one is never journaled).

    Raises:
        ResourceNotFound: no such job.
        RequestError: an update adds a rule the job has.
        InvalidAction: the job's status does not take the action.
    """
    job = backend.sim.job(name)
    if isinstance(action, Update):
        problems = update_problems(action.changes, {rule.name for rule in job.rules})
        if problems:
            raise RequestError(validation_message(problems))
    job.check(action)  # what the status does not accept is refused, and never journaled
    backend.persist("act", {"name": name, "action": ACTION.dump_python(action, mode="json", exclude_none=True)})
    backend.sim.inject(name, action)
    backend.applied()


def validation_message(problems: list[shapes.Problem]) -> str:
    """[OBS] "2 validation errors detected: Value '...' at 'trainingJobName' failed to satisfy
    constraint: ...; Value ...": each problem in the service's words where they are known."""
    texts = [p.service_text() or str(p).removeprefix("job.") for p in problems]
    count = len(texts)
    return f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(texts)


def check(request: dict[str, Any], operation: str) -> None:
    """The request against botocore's input shape, in the service's words.

    Raises:
        RequestError: one or more problems (the service's "N validation errors detected").
    """
    problems = shapes.validate_request(request, service.input_shape(operation))
    if problems:
        raise RequestError(validation_message(problems))


def _body(response: dict[str, Any]) -> bytes:
    return json.dumps(response).encode()
