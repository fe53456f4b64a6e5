"""ListTrainingJobs' pages: which jobs a query chooses, in which order, a page at a time, with a
token good only for the query that made it, holding the position by key (:class:`Listing`). Each
job's summary is kept, and made again only when the job's history has grown (as describes are).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
import json
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from botocore.utils import parse_timestamp

from .. import service
from ..engine import snapshot
from ..errors import RequestError

if TYPE_CHECKING:
    from ..engine.job import Job
    from ..engine.simulation import Simulation

_DEFAULT_SIZE = 10  # results per page when MaxResults is not given
_WINDOWS = ("CreationTimeAfter", "CreationTimeBefore", "LastModifiedTimeAfter", "LastModifiedTimeBefore")
_SUMMARY = tuple(service.shape("TrainingJobSummary").members)  # a list entry: botocore's members


#: TrainingJobStatus values in the order SortBy=Status lists them (ascending)
_STATUSES = tuple(sorted(service.enum("TrainingJobStatus")))


class Listing:
    """The pages of ``sim``'s jobs, and the summaries they are made of.

    A NextToken holds the position by key — the last job listed, by creation (its place in the
    order jobs were created, which is CreationTime's), by name, or by status then creation — so a
    page costs the jobs it reads from there, never a sort of them all; a full pagination reads each
    job about once. A job that matches the query throughout is listed exactly once, whatever is
    created or changes between pages: jobs created after the first page come after it in ascending
    order (and are listed) and before it in descending order (and are not). A job that changes status
    between pages is listed where its status puts it when its place is read: with SortBy=Status, or
    StatusEquals, once or not at all as the change moves it behind or ahead of the position.
    """

    def __init__(self, sim: Simulation):
        self.sim = sim
        self._summaries: dict[str, tuple[int, dict[str, Any]]] = {}  # name: (history's length, summary)
        self._order: list[Job] = []  #: the jobs as they were created (CreationTime's order)
        self._index: dict[str, int] = {}  #: name -> place in ``_order``
        self._names: list[str] = []  #: sorted

    def __repr__(self) -> str:
        return f"<Listing {len(self._summaries)} summaries kept>"

    def _sync(self) -> None:
        """Take in the jobs created since the last page (the simulation keeps them in creation order)."""
        if len(self._order) == len(self.sim.jobs):
            return
        for job in list(self.sim.jobs.values())[len(self._order):]:
            self._index[job.plan.name] = len(self._order)
            self._order.append(job)
            bisect.insort(self._names, job.plan.name)

    def page(self, request: dict[str, Any]) -> dict[str, Any]:
        """The ListTrainingJobs response to ``request`` (valid for the operation's input shape).

        Raises:
            RequestError: its NextToken is not one this query made.
        """
        self._sync()
        query = {k: v for k, v in request.items() if k not in ("NextToken", "MaxResults")}
        fingerprint = hashlib.sha256(json.dumps(query, sort_keys=True).encode()).hexdigest()[:16]
        by = request.get("SortBy", "CreationTime")
        after = _position(request.get("NextToken"), fingerprint, by)
        windows = {key: _epoch(request[key]) for key in _WINDOWS if key in request}
        size = request.get("MaxResults", _DEFAULT_SIZE)
        found: list[tuple[Job, dict[str, Any]]] = []
        more = False
        for job, summary in self._walk(by, request.get("SortOrder", "Ascending") == "Descending", after):
            if _matches(summary, request, windows):
                if len(found) == size:
                    more = True  # one more matches: there is a next page
                    break
                found.append((job, summary))
        out: dict[str, Any] = {"TrainingJobSummaries": [summary for _, summary in found]}
        if more:
            last, summary = found[-1]
            index = self._index[last.plan.name]
            key = {"CreationTime": index, "Name": last.plan.name, "Status": [summary["TrainingJobStatus"], index]}
            out["NextToken"] = _token(key[by], fingerprint)
        return out

    def _walk(self, by: str, descending: bool, after: Any) -> Iterator[tuple[Job, dict[str, Any]]]:
        """The jobs in the query's order from just past ``after`` (the last key listed; None: from the
        start), each with its summary."""
        order, count = self._order, len(self._order)
        if by == "Name":
            names = self._names
            if descending:
                places = range((bisect.bisect_left(names, after) if after is not None else count) - 1, -1, -1)
            else:
                places = range(bisect.bisect_right(names, after) if after is not None else 0, count)
            for place in places:
                job = self.sim.jobs[names[place]]
                yield job, self.summary(job)
            return
        if by == "CreationTime":
            if descending:
                places = range((after if after is not None else count) - 1, -1, -1)
            else:
                places = range(after + 1 if after is not None else 0, count)
            for place in places:
                yield order[place], self.summary(order[place])
            return
        # Status, then creation: a pass over the jobs per status, from the position on
        statuses = _STATUSES[::-1] if descending else _STATUSES
        status, index = after if after is not None else (statuses[0], None)
        for current in statuses[statuses.index(status):] if status in statuses else ():
            if descending:
                places = range((index if current == status and index is not None else count) - 1, -1, -1)
            else:
                places = range(index + 1 if current == status and index is not None else 0, count)
            for place in places:
                summary = self.summary(order[place])
                if summary["TrainingJobStatus"] == current:
                    yield order[place], summary

    def summary(self, job: Job) -> dict[str, Any]:
        """The job's list entry, made again only when its history has grown."""
        cached = self._summaries.get(job.plan.name)
        changes = len(job.history)
        if cached is None or cached[0] != changes:
            entry = _list_entry(snapshot.describe(job, transitions=False))  # a summary has no transitions
            cached = self._summaries[job.plan.name] = (changes, entry)
        return cached[1]


def _list_entry(described: dict[str, Any]) -> dict[str, Any]:
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


def _token(after: Any, fingerprint: str) -> str:
    """A NextToken: the key of the last job listed, for the query of ``fingerprint`` only."""
    return base64.urlsafe_b64encode(json.dumps({"after": after, "query": fingerprint}).encode()).decode()


def _position(token: str | None, fingerprint: str, by: str) -> Any:
    """The key the page ``token`` asks for starts after (None: the first page).

    Raises:
        RequestError: ``token`` is not one the query of ``fingerprint`` made.
    """
    if token is None:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        after = data["after"] if data["query"] == fingerprint else None
    except (ValueError, KeyError, TypeError, binascii.Error):
        after = None
    valid = {"CreationTime": lambda a: isinstance(a, int) and not isinstance(a, bool) and a >= 0,
             "Name": lambda a: isinstance(a, str),
             "Status": lambda a: isinstance(a, list) and len(a) == 2 and a[0] in _STATUSES
             and isinstance(a[1], int) and not isinstance(a[1], bool) and a[1] >= 0}
    if after is None or not valid[by](after):
        raise RequestError("Invalid pagination token: it does not belong to this query")
    return after
