"""The training-job operations of SageMaker over one simulation: what the endpoint serves.

Requests are validated against botocore's input shapes and the service's cross-field rules (the
code the scenario loader uses); a mutation is checked against the job's status, journaled, then
applied, so an answered request is never lost. Errors are tjsim's own, with their AWS codes; the
HTTP edge turns them into responses.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import time
from collections.abc import Callable
from typing import Any

from .. import service, shapes
from ..engine import snapshot
from ..engine.actions import Action, Fail, Interrupt, Stop, Update
from ..engine.simulation import Simulation
from ..errors import InvalidAction, RequestError, ResourceInUse, StateError
from ..plan import compile_request
from ..request_rules import request_problems, service_problems
from ..scenario import FAILURE_KINDS, Settings
from .clock import ManualClock, RealtimeClock
from .journal import Journal
from .stories import Stories

_LIST_DEFAULT = 10  # results per page when MaxResults is not given
_SUMMARY = tuple(service.shape("TrainingJobSummary").members)  # a list entry: botocore's members


class Backend:
    """SageMaker's training jobs, simulated on one clock.

    Args:
        clock: manual, or realtime (simulated seconds per real second).
        stories: the scenarios a created job can live.
        journal: where accepted mutations are written; with entries already in it, they are replayed.
        origin: the wall-clock time (epoch seconds) of the clock's zero; a journal's own wins.
        region, account: for ARNs.
    """

    def __init__(self, *, clock: ManualClock | RealtimeClock | None = None, stories: Stories | None = None,
                 journal: Journal | None = None, origin: float | None = None, region: str = "us-east-1",
                 account: str = "123456789012"):
        self.clock = clock or ManualClock()
        self.stories = stories or Stories()
        self.journal = journal
        self.region, self.account = region, account
        meta = journal.meta() if journal is not None else {}
        if meta:
            if meta["mode"] != self.clock.mode or meta.get("speed", 0) != self.clock.speed:
                started = f"--clock {meta['mode']}" + (f" --speed {meta['speed']:g}" if meta["mode"] == "realtime"
                                                       else "")
                raise StateError(f"{journal.path} was written by a server started with {started}: start it with "
                                 "the same clock")
            origin = meta["origin"]
            if isinstance(self.clock, RealtimeClock):
                self.clock.wall_origin = meta["wall_origin"]
        origin = time.time() if origin is None else origin
        self.sim = Simulation(origin=origin)
        self._created = 0  # jobs created, for the list's stable order
        self._order: dict[str, int] = {}
        if journal is not None:
            if not meta:
                journal.set_meta({"mode": self.clock.mode, "speed": self.clock.speed, "origin": origin,
                                  "wall_origin": getattr(self.clock, "wall_origin", None), "version": 1})
            self._replay(journal)

    def __repr__(self) -> str:
        return f"<Backend {self.clock!r} t={self.sim.now:g} jobs={len(self.sim.jobs)}>"

    @property
    def now(self) -> float:
        """The present, in epoch seconds."""
        return self.sim.origin + self.sim.now

    def sync(self) -> None:
        """Bring the simulation up to the clock's present (a realtime clock has moved on)."""
        present = self.clock.present(self.sim.now)
        if present > self.sim.now:
            self.sim.advance_to(present)

    # --- the SageMaker operations --------------------------------------------------------------

    def create_training_job(self, request: dict[str, Any]) -> dict[str, Any]:
        problems = request_problems(request)  # botocore's shape, in the service's words where known
        if problems:
            raise RequestError(_validation_message(problems))
        story, settings = self.stories.resolve(request.get("Tags"))
        settings = settings.model_copy(update={"region": self.region, "account": self.account})
        problems = service_problems(request, settings.lifecycle)
        if problems:
            raise RequestError(_validation_message(problems))
        name = request["TrainingJobName"]
        if name in self.sim.jobs:
            raise ResourceInUse("Training job names must be unique within an AWS account and region, and a "
                                f"training job with this name already exists ({self.sim.jobs[name].plan.arn})")
        stored = settings.model_dump(mode="json", include=set(Settings.model_fields))
        self._write("create", {"request": request, "settings": stored, "story": story})
        job = self._create(request, settings)
        return {"TrainingJobArn": job.plan.arn}

    def describe_training_job(self, request: dict[str, Any]) -> bytes:
        _check(request, "DescribeTrainingJob")
        return snapshot.wire_json(self.sim.job(request["TrainingJobName"]))

    def stop_training_job(self, request: dict[str, Any]) -> dict[str, Any]:
        _check(request, "StopTrainingJob")
        self._act(request["TrainingJobName"], Stop())
        return {}

    def update_training_job(self, request: dict[str, Any]) -> dict[str, Any]:
        _check(request, "UpdateTrainingJob")
        name = request["TrainingJobName"]
        changes = {k: v for k, v in request.items() if k != "TrainingJobName"}
        self._act(name, Update(changes))
        return {"TrainingJobArn": self.sim.job(name).plan.arn}

    def list_training_jobs(self, request: dict[str, Any]) -> dict[str, Any]:
        _check(request, "ListTrainingJobs")
        query = {k: v for k, v in request.items() if k not in ("NextToken", "MaxResults")}
        fingerprint = hashlib.sha256(json.dumps(query, sort_keys=True).encode()).hexdigest()[:16]
        start = _page_start(request.get("NextToken"), fingerprint)
        summaries = [_summary(snapshot.describe(job)) for job in self.sim.jobs.values()]
        chosen = [s for s in summaries if _matches(s, request)]
        order = self._order
        keys = {"Name": lambda s: s["TrainingJobName"],
                "Status": lambda s: (s["TrainingJobStatus"], s["CreationTime"], order[s["TrainingJobName"]]),
                "CreationTime": lambda s: (s["CreationTime"], order[s["TrainingJobName"]])}
        chosen.sort(key=keys[request.get("SortBy", "CreationTime")],
                    reverse=request.get("SortOrder", "Ascending") == "Descending")
        size = request.get("MaxResults", _LIST_DEFAULT)
        page = chosen[start:start + size]
        out: dict[str, Any] = {"TrainingJobSummaries": page}
        if start + size < len(chosen):
            out["NextToken"] = _token(start + size, fingerprint)
        return out

    # --- the control API ---------------------------------------------------------------------------

    def clock_state(self) -> dict[str, Any]:
        return {"now": round(self.now, 3), "simulated_seconds": round(self.sim.now, 3), "mode": self.clock.mode,
                "speed": self.clock.speed, "origin": self.sim.origin}

    def advance(self, seconds: Any) -> dict[str, Any]:
        """Move a manual clock on by ``seconds``."""
        self._manual("advance")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not (0 <= seconds < math.inf):
            raise RequestError(f"seconds: a number of seconds from 0 up (got {seconds!r})")
        self._move_to(self.sim.now + seconds)
        return self.clock_state()

    def advance_to_next(self, name: str | None = None) -> dict[str, Any]:
        """Move a manual clock to the next change of job ``name`` (or of any job); it stays put when
        nothing more will change."""
        self._manual("next")
        jobs = [self.sim.job(name)] if name is not None else list(self.sim.jobs.values())
        before = [len(job.log) for job in jobs]
        env = self.sim.env
        while env.peek() < math.inf:
            self._move_to(env.peek())
            if [len(job.log) for job in jobs] != before:
                break
        return {**self.clock_state(), "changed": [len(job.log) for job in jobs] != before}

    def inject(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """Force a path: ``{"type": "interrupt"}``, ``{"type": "fail", "error": ..., "message": ...}``,
        ``{"type": "stop"}`` or ``{"type": "update", "changes": {...}}``."""
        self._act(name, _action(body))
        return {"TrainingJobName": name, **self.clock_state()}

    # --- mutations: checked, journaled, applied ----------------------------------------------------

    def _act(self, name: str, action: Action) -> None:
        job = self.sim.job(name)
        reason = job.refusal(action)
        if reason is not None:
            raise InvalidAction(reason)
        self._write("act", {"name": name, "action": _describe_action(action)})
        self.sim.inject(name, action)

    def _create(self, request: dict[str, Any], settings: Settings):
        job = self.sim.submit(compile_request(request, settings))
        self._order[job.plan.name] = self._created
        self._created += 1
        return job

    def _move_to(self, t: float) -> None:
        if t > self.sim.now:
            self._write("clock", {}, at=t)
            self.sim.advance_to(t)

    def _manual(self, what: str) -> None:
        if self.clock.mode != "manual":
            raise RequestError(f"the clock is realtime: /_tjsim/clock/{what} needs a server started with "
                               "--clock manual")

    def _write(self, kind: str, payload: dict[str, Any], *, at: float | None = None) -> None:
        if self.journal is not None:
            self.journal.append(self.sim.now if at is None else at, kind, payload)

    def _replay(self, journal: Journal) -> None:
        """Apply the journal's entries, each at its simulated time, without writing them again."""
        writing, self.journal = self.journal, None
        try:
            for at, kind, payload in journal.entries():
                if at > self.sim.now:
                    self.sim.advance_to(at)
                if kind == "create":
                    self._create(payload["request"], Settings.model_validate(payload["settings"]))
                elif kind == "act":
                    self.sim.inject(payload["name"], _action(payload["action"]))
        finally:
            self.journal = writing


#: the operations the endpoint serves, by X-Amz-Target's name
OPERATIONS: dict[str, Callable[[Backend, dict[str, Any]], Any]] = {
    "CreateTrainingJob": Backend.create_training_job,
    "DescribeTrainingJob": Backend.describe_training_job,
    "StopTrainingJob": Backend.stop_training_job,
    "UpdateTrainingJob": Backend.update_training_job,
    "ListTrainingJobs": Backend.list_training_jobs,
}


def _check(request: dict[str, Any], operation: str) -> None:
    """The request against botocore's input shape, in the service's words.

    Raises:
        RequestError: one or more problems (the service's "N validation errors detected").
    """
    problems = shapes.validate(request, service.input_shape(operation))
    name = request.get("TrainingJobName")
    bad_name = any(p.path == "TrainingJobName" for p in problems)
    if isinstance(name, str) and bad_name:
        problems = [p for p in problems if p.path != "TrainingJobName"] + [shapes.Problem("", _bad_name(name))]
    if problems:
        raise RequestError(_validation_message(problems))


def _bad_name(name: str) -> str:
    return (f"Value '{name}' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular "
            "expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*")


def _validation_message(problems: list[shapes.Problem]) -> str:
    """[OBS] "1 validation error detected: Value '...' at '...' failed to satisfy constraint: ..."."""
    texts = [p.message if p.message.startswith("Value '") else str(p).removeprefix("job.") for p in problems]
    count = len(texts)
    return f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(texts)


def _summary(described: dict[str, Any]) -> dict[str, Any]:
    """The job's ListTrainingJobs entry: the members a describe shares with the summary shape, and
    the training plan its ResourceConfig names."""
    plan = described["ResourceConfig"].get("TrainingPlanArn")
    found = {**described, **({"TrainingPlanArn": plan} if plan else {})}
    return {key: found[key] for key in _SUMMARY if key in found}


def _matches(summary: dict[str, Any], request: dict[str, Any]) -> bool:
    created, modified = summary["CreationTime"], summary["LastModifiedTime"]
    pool = summary.get("WarmPoolStatus", {}).get("Status")
    return all((
        request.get("NameContains", "") in summary["TrainingJobName"],
        request.get("StatusEquals", summary["TrainingJobStatus"]) == summary["TrainingJobStatus"],
        request.get("WarmPoolStatusEquals", pool) == pool,
        request.get("TrainingPlanArnEquals", summary.get("TrainingPlanArn")) == summary.get("TrainingPlanArn"),
        created > request.get("CreationTimeAfter", -math.inf),
        created < request.get("CreationTimeBefore", math.inf),
        modified > request.get("LastModifiedTimeAfter", -math.inf),
        modified < request.get("LastModifiedTimeBefore", math.inf),
    ))


def _token(start: int, fingerprint: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"start": start, "query": fingerprint}).encode()).decode()


def _page_start(token: str | None, fingerprint: str) -> int:
    if token is None:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        start = data["start"] if data["query"] == fingerprint else None
    except (ValueError, KeyError, TypeError, binascii.Error):
        start = None
    if not isinstance(start, int) or start < 0:
        raise RequestError("Invalid pagination token: it does not belong to this query")
    return start


def _describe_action(action: Action) -> dict[str, Any]:
    if isinstance(action, Fail):
        return {"type": "fail", "error": action.error, "message": action.message}
    if isinstance(action, Update):
        return {"type": "update", "changes": action.changes}
    return {"type": action.trigger}


def _action(body: Any) -> Action:
    """An action from its JSON form (the control API's, and the journal's).

    Raises:
        RequestError: not an action.
    """
    if not isinstance(body, dict):
        raise RequestError("the body is an action: {\"type\": \"interrupt\" | \"fail\" | \"stop\" | \"update\", ...}")
    kind = body.get("type")
    if kind == "stop":
        return Stop()
    if kind == "interrupt":
        return Interrupt()
    if kind == "fail":
        error = body.get("error", "AlgorithmError")
        message = body.get("message")
        if error not in FAILURE_KINDS:
            raise RequestError(f"error: one of {', '.join(FAILURE_KINDS)} (got {error!r})")
        if message is not None and not (isinstance(message, str) and 0 < len(message) <= 1000):
            raise RequestError("message: a text of 1 to 1000 characters")
        return Fail(error, message)
    if kind == "update":
        changes = body.get("changes", {})
        if not isinstance(changes, dict):
            raise RequestError("changes: an UpdateTrainingJob request without TrainingJobName")
        problems = shapes.validate({"TrainingJobName": "x", **changes}, service.input_shape("UpdateTrainingJob"))
        if problems:
            raise RequestError(_validation_message(problems))
        return Update(changes)
    raise RequestError(f"type: one of interrupt, fail, stop, update (got {kind!r})")
