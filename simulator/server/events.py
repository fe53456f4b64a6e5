"""The feed of changes: every change of every training job, as the EventBridge event SageMaker emits
for it ("SageMaker Training Job State Change", ``source`` ``aws.sagemaker``), numbered in the order
the endpoint saw them. ``GET /_tjsim/events`` serves it as Server-Sent Events (:mod:`.app`); in
process, :meth:`.inprocess.SimulatedAWS.events` iterates it.

A message's id is ``<epoch>-<number>``: the epoch names the simulation (:attr:`Feed.epoch`), so
that a client of a server restarted without its state is told, not fed other events under numbers
it has seen.

A change is an instant at which a job's description changed (a status, a message, a time). The
engine calls :meth:`Feed.watch` as a job's history grows; the feed takes the new changes at fixed
points — after each accepted mutation or clock move (and each journal entry replayed), and when a
realtime clock is brought up to the present — ordered by time, then by job and by change. Replaying
a journal takes them at the same points, so an event has the same number after a restart and a
client resumes (``Last-Event-ID``) without loss or duplicates. Only the (job, instant) of an event is
kept; its text is made when it is read, and the last ones made are kept.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from .. import service
from ..engine import record, snapshot

if TYPE_CHECKING:
    from botocore.model import Shape

    from ..engine.job import Job
    from ..engine.simulation import Simulation

DETAIL_TYPE = "SageMaker Training Job State Change"  #: [DOC]
SOURCE = "aws.sagemaker"  #: [DOC]


class Feed:
    """The events of ``sim``'s jobs. Event ``n`` (from 1) is the n-th change the feed took."""

    def __init__(self, sim: Simulation, *, region: str, account: str,
                 tags: Callable[[str], tuple[tuple[str, str], ...]] | None = None):
        self.sim, self.region, self.account = sim, region, account
        self._tags = tags or (lambda arn: ())
        #: what the events' ids begin with: the same for a server restarted on its state file (the same
        #: origin, region and account), another for a new simulation, whose numbers mean other events
        self.epoch = hashlib.sha256(f"{sim.origin!r}/{region}/{account}".encode()).hexdigest()[:8]
        self._changed: dict[str, Job] = {}  # jobs whose history grew since the last take, in order
        self._taken: dict[str, int] = {}  # job: how many of its history's entries are in events
        self._count: dict[str, int] = {}  # job: how many events it has
        self._order: dict[str, int] = {}  # job: its creation's place
        #: (job, seconds after its creation, entries of its history then, its tags then), by number - 1
        self._events: list[tuple[Job, float, int, tuple[tuple[str, str], ...]]] = []
        self._last_tags: dict[str, tuple[tuple[str, str], ...]] = {}  # job: its tags as its last event had them
        self._listeners: list[Any] = []  # objects with .set(): told when events are added
        #: event ``number`` as JSON text; the last ones made are kept
        self.encoded = lru_cache(maxsize=4096)(self._make)
        #: event ``number`` as a Server-Sent Events message (``id``, ``data``), made once for every client
        self.message = lru_cache(maxsize=4096)(self._message)
        sim.on_change = self.watch

    def __repr__(self) -> str:
        return f"<Feed {len(self._events)} events>"

    def __len__(self) -> int:
        return len(self._events)

    @property
    def last(self) -> int:
        """The number of the newest event (0: none yet)."""
        return len(self._events)

    def watch(self, job: Job) -> None:
        """The engine's hook: ``job``'s history grew."""
        self._changed[job.plan.name] = job
        self._order.setdefault(job.plan.name, len(self._order))

    def take(self, before: float | None = None) -> int:
        """Number the changes that have happened since the last take; how many were added. A change
        is an instant of the clock at which entries were added to a job's history: one at an instant
        already published (a stop in the same second as the status before it) is a change too.

        ``before``: only the instants before it (simulated seconds), while the clock is still moving
        through later ones: takes during a move, then one after it, number the events exactly as one
        take after it would."""
        if not self._changed:
            return 0
        fresh: list[tuple[float, int, int, Job, float, int, tuple[tuple[str, str], ...]]] = []
        pending: dict[str, Job] = {}
        bound = math.inf if before is None else before
        for name, job in self._changed.items():
            entries, now, created = job.history.entries, job.env.now - job.created, job.created
            i, seen = self._taken.get(name, 0), self._count.get(name, 0)
            order, tags = self._order[name], None
            while i < len(entries) and entries[i][0] <= now and created + entries[i][0] < bound:
                t, j = entries[i][0], i
                while j < len(entries) and entries[j][0] == t:
                    j += 1
                if any(entries[k][1] != record.CHECKPOINT for k in range(i, j)):
                    tags = self._tags_now(job) if tags is None else tags  # the same for all its changes now
                    fresh.append((created + t, order, seen, job, t, j, tags))
                    seen += 1
                i = j
            if i < len(entries):
                pending[name] = job  # an entry logged ahead of the clock: taken once the clock is there
            self._taken[name], self._count[name] = i, seen
        self._changed = pending
        fresh.sort(key=itemgetter(0, 1, 2))  # (time, job's order, its count): unique, so a full order
        self._events += [(job, t, k, tags) for *_, job, t, k, tags in fresh]
        if fresh:
            self.wake()
        return len(fresh)

    def kept(self, since: int) -> tuple[list[tuple[str, float, int, tuple[tuple[str, str], ...]]], dict[str, Any]]:
        """What the feed is, for a snapshot (:mod:`.snapshots`): the events after number ``since``,
        naming their jobs, and where each job's history has been taken to."""
        events = [(job.plan.name, t, k, tags) for job, t, k, tags in self._events[since:]]
        return events, {"taken": self._taken, "count": self._count, "last_tags": self._last_tags,
                        "changed": list(self._changed)}

    def restore(self, events: list[tuple[str, float, int, tuple[tuple[str, str], ...]]], where: dict[str, Any]) -> None:
        """Be the feed :meth:`kept` described (its events, all of them), over the simulation's jobs:
        numbered as it numbered them, its clients resume where they were.

        Raises:
            KeyError: a job it names is not the simulation's.
        """
        jobs = self.sim.jobs
        self._events = [(jobs[name], t, k, tags) for name, t, k, tags in events]
        self._taken, self._count = dict(where["taken"]), dict(where["count"])
        self._last_tags = dict(where["last_tags"])
        self._changed = {name: jobs[name] for name in where["changed"]}

    def _tags_now(self, job: Job) -> tuple[tuple[str, str], ...]:
        """The job's tags now, as the event of a change now carries them (shared while unchanged)."""
        tags = self._tags(job.plan.arn)
        kept = self._last_tags.get(job.plan.name)
        if kept != tags:
            self._last_tags[job.plan.name] = kept = tags
        return kept

    def wake(self) -> None:
        """Tell every listener to look again (events came, or the clock was switched)."""
        for listener in self._listeners:
            listener.set()

    def listen(self, listener: Any) -> None:
        """``listener.set()`` is called whenever events are added (an ``asyncio.Event``)."""
        self._listeners.append(listener)

    def unlisten(self, listener: Any) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def since(self, last: int, name: str | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
        """``(number, event)`` of every event after number ``last`` (of job ``name`` alone, if given)."""
        for number in self.numbers(last, self.last, name):
            yield number, self.event(number)

    def numbers(self, after: int, upto: int, name: str | None = None) -> list[int]:
        """The numbers of the events after ``after`` up to ``upto`` (of job ``name`` alone, if given)."""
        events = self._events
        if name is None:
            return list(range(max(0, after) + 1, upto + 1))
        return [n for n in range(max(0, after) + 1, upto + 1) if events[n - 1][0].plan.name == name]

    def event(self, number: int) -> dict[str, Any]:
        """Event ``number`` as EventBridge delivers it."""
        return json.loads(self.encoded(number))

    def _message(self, number: int) -> bytes:
        return f"id: {self.epoch}-{number}\r\ndata: {self.encoded(number)}\r\n\r\n".encode()

    def _make(self, number: int) -> str:
        job, t, entries, tags = self._events[number - 1]
        wire = snapshot.from_view(job, record.fold(job.history.entries[:entries], t))
        at = datetime.fromtimestamp(math.floor(self.sim.origin + job.created + t), UTC)  # to the second
        event = {"version": "0", "id": _uuid(job.plan.name, number), "detail-type": DETAIL_TYPE, "source": SOURCE,
                 "account": self.account, "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                 "region": self.region, "resources": [job.plan.arn],
                 "detail": detail(wire, tags)}
        return json.dumps(event, separators=(",", ":"))


def detail(wire: dict[str, Any], tags: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """The event's ``detail``: the job's description as of the change, its timestamps in epoch
    milliseconds (numbers), and its tags as a map [DOC: the EventBridge page's example; OBS: handlers
    of real events read ``Tags["key"]`` and subtract the times]."""
    return {**_millis(wire, _DESCRIBE), "Tags": dict(tags)}


_DESCRIBE = service.output_shape("DescribeTrainingJob")


def _millis(value: Any, shape: Shape) -> Any:
    """``value`` with every timestamp of ``shape`` (botocore's) in epoch milliseconds."""
    if shape.type_name == "timestamp" and isinstance(value, int | float):
        return round(value * 1000)
    if shape.type_name == "structure" and isinstance(value, dict):
        members = shape.members
        return {k: _millis(v, members[k]) if k in members else v for k, v in value.items()}
    if shape.type_name == "list" and isinstance(value, list):
        return [_millis(v, shape.member) for v in value]
    return value


def _uuid(name: str, number: int) -> str:
    """A deterministic UUID-shaped id for the event (EventBridge's ``id``)."""
    digest = hashlib.sha256(f"{name}/{number}".encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
