"""A job's history: one append-only log of timed facts, folded into the view at any instant.

The engine only appends, in time order; :func:`fold` answers "what did the job look like at t" for
any t up to the simulation's present, so describing the past never re-simulates and describing the
present costs one pass over a short list. An entry's time is when a client can first see it; a few
facts carry an earlier stamp of their own (the final status is written a moment after the
instances stop, stamped with their stop time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# log kinds: (time, kind, a, b)
STATUS = 0  #: a = secondary status entered, b = its message
MESSAGE = 1  #: b = the current status's message, overwritten in place
START = 2  #: TrainingStartTime
END = 3  #: a = TrainingEndTime (a stamp, relative seconds)
FAILURE = 4  #: b = FailureReason
BILLING = 5  #: a = TrainingTimeInSeconds, b = BillableTimeInSeconds
METRICS = 6  #: a = when the metrics were last emitted (relative seconds); final metrics are reported
RULE = 7  #: a = (group, rule name), b = (status, details)
RULE_ARN = 8  #: a = (group, rule name), b = evaluation job ARN
UPDATE = 9  #: b = the UpdateTrainingJob changes
CLOSE = 10  #: a = the final secondary status, b = (its message, its stamp)
PRIMARY = 11  #: a = the primary status, where it is not the documented group's (until the next status)
ARTIFACTS = 12  #: the model upload began: ModelArtifacts appear
WARM_POOL = 13  #: a = WarmPoolStatus.Status, b = (ResourceRetainedBillableTimeInSeconds | None, ReusedByJob | None)
CHECKPOINT = 14  #: a = the training seconds a checkpoint saved; not part of any response (plots read it)

Entry = tuple[float, int, Any, Any]


@dataclass(slots=True)
class RuleView:
    status: str = "InProgress"
    details: str | None = None
    arn: str | None = None
    modified: float = 0.0


@dataclass(slots=True)
class Transition:
    """One entry of SecondaryStatusTransitions (times in simulated seconds)."""

    status: str
    start: float
    end: float | None
    message: str


@dataclass(slots=True)
class View:
    """The job as of one instant (times in simulated seconds)."""

    transitions: list[Transition] = field(default_factory=list)
    primary: str | None = None  #: set only where it departs from the status's documented group
    last_modified: float = 0.0
    training_start: float | None = None
    training_end: float | None = None
    failure_reason: str | None = None
    billing: tuple[int, int] | None = None
    metrics_at: float | None = None
    artifacts: bool = False
    warm_pool: tuple[str, int | None, str | None] | None = None
    rules: dict[tuple[str, str], RuleView] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.transitions[-1].status

    @property
    def message(self) -> str:
        """The present status's message."""
        return self.transitions[-1].message


def fold(log: list[Entry], at: float) -> View:
    """The view of ``log`` as of simulated time ``at`` (entries at ``at`` included)."""
    view = View()
    advance(view, log, 0, at)
    return view


def advance(view: View, log: list[Entry], applied: int, at: float) -> int:
    """Apply ``log[applied:]`` to ``view`` up to simulated time ``at`` (included); how many entries
    of ``log`` are then applied."""
    while applied < len(log) and log[applied][0] <= at:
        apply(view, log[applied])
        applied += 1
    return applied


def apply(view: View, entry: Entry) -> None:
    """Add one log entry to ``view`` (folding is applying every entry up to an instant, in order)."""
    t, kind, a, b = entry
    if kind == CHECKPOINT:  # not part of any response
        return
    transitions = view.transitions
    view.last_modified = t
    if kind == STATUS:
        if transitions:
            transitions[-1].end = t
        transitions.append(Transition(a, t, None, b))
        view.primary = None
    elif kind == MESSAGE:
        transitions[-1].message = b
    elif kind == CLOSE:
        message, stamp = b
        transitions[-1].end = stamp
        transitions.append(Transition(a, stamp, stamp, message))
        view.primary = None
    elif kind == PRIMARY:
        view.primary = a
    elif kind == START:
        view.training_start = t
    elif kind == END:
        view.training_end = a
    elif kind == FAILURE:
        view.failure_reason = b
    elif kind == BILLING:
        view.billing = (a, b)
    elif kind == METRICS:
        view.metrics_at = a
    elif kind == ARTIFACTS:
        view.artifacts = True
    elif kind == WARM_POOL:
        view.warm_pool = (a, *b)
    elif kind == RULE:
        rule = view.rules.setdefault(a, RuleView())
        rule.status, rule.details, rule.modified = b[0], b[1], t
    elif kind == RULE_ARN:
        view.rules.setdefault(a, RuleView(modified=t)).arn = b
    elif kind == UPDATE:
        view.updates.append(b)


def change_times(log: list[Entry]) -> list[float]:
    """Every distinct instant at which something a client can see changed."""
    times: list[float] = []
    for t, kind, *_ in log:
        if kind != CHECKPOINT and (not times or t != times[-1]):
            times.append(t)
    return times


def checkpoints(log: list[Entry]) -> list[tuple[float, float]]:
    """(when, training seconds saved) of every checkpoint the job completed."""
    return [(t, a) for t, kind, a, _ in log if kind == CHECKPOINT]
