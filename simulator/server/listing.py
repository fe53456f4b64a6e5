"""ListTrainingJobs' pages: which jobs a query chooses, in which order, a page at a time, with a
token good only for the query that made it. Each job's summary is kept, and made again only when
the job's history has grown (as describes are).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
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


class Listing:
    """The pages of ``sim``'s jobs, and the summaries they are made of."""

    def __init__(self, sim: Simulation):
        self.sim = sim
        self._summaries: dict[str, tuple[int, dict[str, Any]]] = {}  # name: (history's length, summary)

    def __repr__(self) -> str:
        return f"<Listing {len(self._summaries)} summaries kept>"

    def page(self, request: dict[str, Any]) -> dict[str, Any]:
        """The ListTrainingJobs response to ``request`` (valid for the operation's input shape).

        Raises:
            RequestError: its NextToken is not one this query made.
        """
        query = {k: v for k, v in request.items() if k not in ("NextToken", "MaxResults")}
        fingerprint = hashlib.sha256(json.dumps(query, sort_keys=True).encode()).hexdigest()[:16]
        start = _page_start(request.get("NextToken"), fingerprint)
        windows = {key: _epoch(request[key]) for key in _WINDOWS if key in request}
        chosen = [s for s in map(self.summary, self.sim.jobs.values()) if _matches(s, request, windows)]
        order = {name: i for i, name in enumerate(self.sim.jobs)}  # jobs are kept in the order they were created
        keys = {"Name": lambda s: s["TrainingJobName"],
                "Status": lambda s: (s["TrainingJobStatus"], s["CreationTime"], order[s["TrainingJobName"]]),
                "CreationTime": lambda s: (s["CreationTime"], order[s["TrainingJobName"]])}
        chosen.sort(key=keys[request.get("SortBy", "CreationTime")],
                    reverse=request.get("SortOrder", "Ascending") == "Descending")
        size = request.get("MaxResults", _DEFAULT_SIZE)
        page = chosen[start:start + size]
        out: dict[str, Any] = {"TrainingJobSummaries": page}
        if start + size < len(chosen):
            out["NextToken"] = _token(start + size, fingerprint)
        return out

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


def _token(start: int, fingerprint: str) -> str:
    """A NextToken: where the next page starts, for the query of ``fingerprint`` only."""
    return base64.urlsafe_b64encode(json.dumps({"start": start, "query": fingerprint}).encode()).decode()


def _page_start(token: str | None, fingerprint: str) -> int:
    """Where the page ``token`` asks for starts.

    Raises:
        RequestError: ``token`` is not one the query of ``fingerprint`` made.
    """
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
