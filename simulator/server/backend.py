"""The training-job operations of SageMaker over one simulation: what the endpoint serves.

Requests are validated against botocore's input shapes and the service's cross-field rules (the
code the scenario loader uses); a mutation is checked against the job's status, applied, then
journaled before it is answered, so an answered request is never lost and the journal holds only
what replays. Errors are tjsim's own, with their AWS codes; the HTTP edge turns them into responses.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

from botocore.utils import parse_timestamp
from pydantic import TypeAdapter, ValidationError

from .. import service, shapes
from ..compile import compile_request
from ..engine import snapshot
from ..engine.simulation import Simulation
from ..engine.streams import job_seed
from ..errors import RequestError, StateError, TjsimError
from ..format.constraints import request_problems, service_problems, update_problems
from ..format.events import ActionSpec, StopAction, UpdateAction
from ..format.scenario import Settings
from ..limits import MAX_SECONDS
from ..loading import pydantic_problems
from .clock import ManualClock, RealtimeClock
from .journal import Journal
from .stories import Stories

_ACTION: TypeAdapter[ActionSpec] = TypeAdapter(ActionSpec)
#: the last wall-clock time served: timestamps stay within what clients' datetimes hold
_LATEST = datetime(9000, 1, 1, tzinfo=UTC).timestamp()
_LIST_DEFAULT = 10  # results per page when MaxResults is not given
_WINDOWS = ("CreationTimeAfter", "CreationTimeBefore", "LastModifiedTimeAfter", "LastModifiedTimeBefore")
_SUMMARY = tuple(service.shape("TrainingJobSummary").members)  # a list entry: botocore's members


class Backend:
    """SageMaker's training jobs, simulated on one clock.

    Args:
        clock: manual, or realtime (simulated seconds per real second).
        stories: the scenarios a created job can live.
        journal: where accepted mutations are written; with entries already in it, they are replayed.
        origin: the wall-clock time (epoch seconds) of the clock's zero; by default now, or the
            journal's.
        region, account: for ARNs; by default us-east-1 and 123456789012, or the journal's.

    Raises:
        StateError: the journal was started with another clock, origin, region or account, or an
            entry cannot be replayed (the journal is closed).
    """

    def __init__(self, *, clock: ManualClock | RealtimeClock | None = None, stories: Stories | None = None,
                 journal: Journal | None = None, origin: float | None = None, region: str | None = None,
                 account: str | None = None):
        self.clock = clock or ManualClock()
        self.stories = stories or Stories()
        self.journal = journal
        try:
            self._start(origin, region, account)
        except BaseException:
            self.close()  # a server that does not start lets go of its file
            raise

    def _start(self, origin: float | None, region: str | None, account: str | None) -> None:
        journal = self.journal
        given = {"origin": origin, "region": region, "account": account}
        meta = journal.meta() if journal is not None else {}
        self.written_by: str | None = meta.get("tjsim")  #: the tjsim version that started the state file
        if "mode" in meta:
            _same_clock(meta, self.clock, journal.path)
            for key, value in given.items():
                if value is not None and value != meta.get(key):
                    raise StateError(f"--state {journal.path}: it was started with --{key} {_shown(key, meta.get(key))}"
                                     f", not {_shown(key, value)}: leave --{key} out, or give another file")
            origin, region, account = meta["origin"], meta["region"], meta["account"]
            if isinstance(self.clock, RealtimeClock):
                self.clock.wall_origin = meta["wall_origin"]
        origin = time.time() if origin is None else origin
        if not 0 <= origin <= _LATEST:
            raise RequestError(f"--origin: a time between 1970 and {_iso(_LATEST)}")
        self.region, self.account = region or "us-east-1", account or "123456789012"
        self.sim = Simulation(origin=origin)
        self._created = 0  # jobs created, for the list's stable order
        self._order: dict[str, int] = {}
        self._summaries: dict[str, tuple[int, dict[str, Any]]] = {}
        if journal is not None:
            if "mode" not in meta:
                journal.set_meta({"mode": self.clock.mode, "speed": self.clock.speed, "origin": origin,
                                  "wall_origin": getattr(self.clock, "wall_origin", None), "region": self.region,
                                  "account": self.account, "tjsim": _version()})
            self._replay(journal)

    def __repr__(self) -> str:
        return f"<Backend {self.clock!r} t={self.sim.now:g} jobs={len(self.sim.jobs)}>"

    def close(self) -> None:
        """Let go of the state file (another server may then take it)."""
        if self.journal is not None:
            self.journal.close()

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
        settings = settings.model_copy(update={"seed": job_seed(settings.seed, request["TrainingJobName"])})
        job = self._create(request, settings)
        stored = settings.model_dump(mode="json", include=set(Settings.model_fields))
        self._write("create", {"request": request, "settings": stored, "story": story})
        return {"TrainingJobArn": job.plan.arn}

    def describe_training_job(self, request: dict[str, Any]) -> bytes:
        name = request.get("TrainingJobName")
        job = self.sim.jobs.get(name) if len(request) == 1 and isinstance(name, str) else None
        if job is None:  # a job's name was checked when it was created: only others need the shape's check
            _check(request, "DescribeTrainingJob")
            job = self.sim.job(name)
        return snapshot.wire_json(job)

    def stop_training_job(self, request: dict[str, Any]) -> dict[str, Any]:
        _check(request, "StopTrainingJob")
        self._act(request["TrainingJobName"], StopAction())
        return {}

    def update_training_job(self, request: dict[str, Any]) -> dict[str, Any]:
        _check(request, "UpdateTrainingJob")
        name = request["TrainingJobName"]
        self._act(name, UpdateAction(changes={k: v for k, v in request.items() if k != "TrainingJobName"}))
        return {"TrainingJobArn": self.sim.job(name).plan.arn}

    def list_training_jobs(self, request: dict[str, Any]) -> dict[str, Any]:
        _check(request, "ListTrainingJobs")
        query = {k: v for k, v in request.items() if k not in ("NextToken", "MaxResults")}
        fingerprint = hashlib.sha256(json.dumps(query, sort_keys=True).encode()).hexdigest()[:16]
        start = _page_start(request.get("NextToken"), fingerprint)
        windows = {key: _epoch(request[key]) for key in _WINDOWS if key in request}
        chosen = [s for s in map(self._summary, self.sim.jobs.values()) if _matches(s, request, windows)]
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

    def _summary(self, job) -> dict[str, Any]:
        """The job's list entry, made again only when its history has grown (as describes are)."""
        cached = self._summaries.get(job.plan.name)
        if cached is None or cached[0] != len(job.history):
            entry = _summary(snapshot.describe(job, transitions=False))  # a summary has no transitions
            cached = self._summaries[job.plan.name] = (len(job.history), entry)
        return cached[1]

    # --- the control API ---------------------------------------------------------------------------

    def clock_state(self) -> dict[str, Any]:
        return {"now": round(self.now, 3), "simulated_seconds": round(self.sim.now, 3), "mode": self.clock.mode,
                "speed": self.clock.speed, "origin": self.sim.origin}

    def advance(self, seconds: Any) -> dict[str, Any]:
        """Move a manual clock on by ``seconds`` (up to a year at a time)."""
        self._manual("advance")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= MAX_SECONDS:
            raise RequestError(f"seconds: a number of seconds from 0 to {MAX_SECONDS:.0f} (a year) (got {seconds!r})")
        start = self.sim.now
        if self.sim.origin + start + seconds > _LATEST:
            raise RequestError(f"seconds: the clock would pass {_iso(_LATEST)}, the last time tjsim serves")
        self.sim.advance_to(start + seconds)
        self._write_clock(start)
        return self.clock_state()

    def advance_to_next(self, name: Any = None) -> dict[str, Any]:
        """Move a manual clock to the next change of job ``name``, or of any job. The clock stays put
        when nothing more will change as it runs."""
        self._manual("next")
        if name is not None and not isinstance(name, str):
            raise RequestError(f"TrainingJobName: the name of a training job (got {name!r})")
        jobs = [self.sim.job(name)] if name is not None else list(self.sim.jobs.values())
        before = [len(job.history) for job in jobs]
        start, env = self.sim.now, self.sim.env
        while env.peek() < math.inf and not all(job.settled for job in jobs):
            if self.sim.origin + env.peek() > _LATEST:
                break
            self.sim.advance_to(env.peek())
            if [len(job.history) for job in jobs] != before:
                break
        self._write_clock(start)
        return {**self.clock_state(), "changed": [len(job.history) for job in jobs] != before}

    def inject(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """Force a path now: ``{"type": "interrupt"}``, ``{"type": "fail", "error": ..., "message": ...}``,
        ``{"type": "stop"}`` or ``{"type": "update", "changes": {...}}``."""
        try:
            spec = _ACTION.validate_python(body)
        except ValidationError as err:
            raise RequestError("; ".join(pydantic_problems(err))) from None
        self._act(name, spec)
        return {"TrainingJobName": name, **self.clock_state()}

    # --- mutations: checked, applied, journaled ------------------------------------------------------

    def _act(self, name: str, spec: ActionSpec) -> None:
        job = self.sim.job(name)
        if isinstance(spec, UpdateAction):
            problems = update_problems(spec.changes, {rule.name for rule in job.rules})
            if problems:
                raise RequestError(_validation_message(problems))
        self.sim.inject(name, spec.action())  # Job.inject refuses what the status does not accept
        self._write("act", {"name": name, "action": spec.model_dump(mode="json", exclude_none=True)})

    def _create(self, request: dict[str, Any], settings: Settings):
        job = self.sim.submit(compile_request(request, settings))
        self._order[job.plan.name] = self._created
        self._created += 1
        return job

    def _manual(self, what: str) -> None:
        if self.clock.mode != "manual":
            raise RequestError(f"the clock is realtime: /_tjsim/clock/{what} needs a server started with "
                               "--clock manual")

    def _write(self, kind: str, payload: dict[str, Any]) -> None:
        if self.journal is not None:
            self.journal.append(self.sim.now, kind, payload)

    def _write_clock(self, start: float) -> None:
        """Journal a clock move from ``start`` to the present: one entry, however many steps it took
        (replaying it runs the same steps)."""
        if self.sim.now > start:
            self._write("clock", {})

    def _replay(self, journal: Journal) -> None:
        """Apply the journal's entries, each at its simulated time, without writing them again.

        Raises:
            StateError: an entry cannot be replayed.
        """
        writing, self.journal = self.journal, None
        try:
            for seq, at, kind, payload in journal.entries():
                try:
                    if at > self.sim.now:
                        self.sim.advance_to(at)
                    if kind == "create":
                        self._create(payload["request"], Settings.model_validate(payload["settings"]))
                    elif kind == "act":
                        self.sim.inject(payload["name"], _ACTION.validate_python(payload["action"]).action())
                    elif kind != "clock":
                        raise ValueError(f"an entry of unknown kind {kind!r}")
                except (TjsimError, ValidationError, ValueError, KeyError, TypeError) as err:
                    raise StateError(f"--state {journal.path}: entry {seq} ({kind}) cannot be replayed: "
                                     f"{str(err).splitlines()[0]}") from None
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
    if problems:
        raise RequestError(_validation_message(problems))


def _validation_message(problems: list[shapes.Problem]) -> str:
    """[OBS] "2 validation errors detected: Value '...' at 'trainingJobName' failed to satisfy
    constraint: ...; Value ...": each problem in the service's words where they are known."""
    texts = [p.service_text() or str(p).removeprefix("job.") for p in problems]
    count = len(texts)
    return f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(texts)


def _summary(described: dict[str, Any]) -> dict[str, Any]:
    """The job's ListTrainingJobs entry: the members a describe shares with the summary shape, and
    the training plan its ResourceConfig names."""
    plan = described["ResourceConfig"].get("TrainingPlanArn")
    found = {**described, **({"TrainingPlanArn": plan} if plan else {})}
    return {key: found[key] for key in _SUMMARY if key in found}


def _epoch(value: Any) -> float:
    """A timestamp member as epoch seconds: the wire's number, or a text botocore would accept."""
    if isinstance(value, int | float):
        return float(value) if abs(value) < 1e300 else math.inf if value > 0 else -math.inf
    return parse_timestamp(value).timestamp()


def _matches(summary: dict[str, Any], request: dict[str, Any], windows: dict[str, float]) -> bool:
    created, modified = summary["CreationTime"], summary["LastModifiedTime"]
    pool = summary.get("WarmPoolStatus", {}).get("Status")
    return all((
        request.get("NameContains", "") in summary["TrainingJobName"],
        request.get("StatusEquals", summary["TrainingJobStatus"]) == summary["TrainingJobStatus"],
        request.get("WarmPoolStatusEquals", pool) == pool,
        request.get("TrainingPlanArnEquals", summary.get("TrainingPlanArn")) == summary.get("TrainingPlanArn"),
        created > windows.get("CreationTimeAfter", -math.inf),
        created < windows.get("CreationTimeBefore", math.inf),
        modified > windows.get("LastModifiedTimeAfter", -math.inf),
        modified < windows.get("LastModifiedTimeBefore", math.inf),
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


def _same_clock(meta: dict[str, Any], clock: ManualClock | RealtimeClock, path: Any) -> None:
    if meta["mode"] != clock.mode or meta.get("speed", 0) != clock.speed:
        started = f"--clock {meta['mode']}" + (f" --speed {meta['speed']:g}" if meta["mode"] == "realtime" else "")
        raise StateError(f"--state {path}: it was written by a server started with {started}: start it with the "
                         "same clock")


def _shown(key: str, value: Any) -> str:
    return _iso(value) if key == "origin" and isinstance(value, int | float) else str(value)


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


def _version() -> str:
    try:
        return metadata.version("tjsim")
    except metadata.PackageNotFoundError:
        return "unknown"
