"""Which actions a job accepts, as data: one ordered table of acceptors, the first that matches
decides (botocore's waiter acceptors are the model).

Every place that asks goes through :func:`verdict`: a client's request on the endpoint, an injected
action, a scenario's scheduled event, an action as it is delivered (the job may have moved on since
it accepted it), the decision to retry a failure, and the retiming of an Available warm pool. (A
story's interruption events are left out of an on-demand job's plan when it is compiled: they are not
the job's to refuse.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from .actions import Action, Update
from .lifecycle import TRANSITIONS, allowed_from
from .statuses import PRIMARY_OF, TERMINAL

if TYPE_CHECKING:
    from .job import Job


class Verdict(Enum):
    ACCEPT = "accept"  #: the action takes effect
    #: nothing to act on, and not a request the service answers (a spot interruption with no spot instances up)
    IGNORE = "ignore"
    REFUSE = "refuse"  #: the service refuses it (its ValidationException)


@dataclass(frozen=True, slots=True)
class Acceptor:
    """``verdict`` for the actions ``triggers`` (all, when empty) when ``matches(job, action, trigger)``;
    ``reason`` says why, with ``{state}``, ``{primary}`` and ``{group}`` filled in."""

    triggers: frozenset[str]
    matches: Callable[[Job, Action, str], bool]
    verdict: Verdict
    reason: str = ""


def _ended(job: Job, action: Action, trigger: str) -> bool:
    return job.state in TERMINAL


def _stopping(job: Job, action: Action, trigger: str) -> bool:
    return job.stopping


def _retimes_pool(job: Job, action: Action, trigger: str) -> bool:
    return job.finished and retimed_keep_alive(job, action) is not None


def _on_demand(job: Job, action: Action, trigger: str) -> bool:
    return not job.plan.spot


def _no_instances(job: Job, action: Action, trigger: str) -> bool:
    return not job.billing.up


def _not_retried_kind(job: Job, action: Action, trigger: str) -> bool:
    return action.error != "InternalServerError"


def _no_retries_left(job: Job, action: Action, trigger: str) -> bool:
    return job.retries_left <= 0


#: the statuses each trigger may leave, read off the transition table
_FROM = {trigger: frozenset(str(s) for s in allowed_from(trigger)) for trigger, _, _ in TRANSITIONS}


def _not_from_here(job: Job, action: Action, trigger: str) -> bool:
    return job.state not in _FROM[trigger]


def _only(*triggers: str) -> frozenset[str]:
    return frozenset(triggers)


ANY: frozenset[str] = frozenset()  #: an acceptor for every action


_REJECTED = "The request was rejected because the training job is in status"
#: The acceptance policy, in order: the first acceptor that matches decides; an action none matches
#: is accepted.
ACCEPTORS: tuple[Acceptor, ...] = (
    Acceptor(_only("interrupt"), _ended, Verdict.IGNORE, "the job has ended ({state})"),
    Acceptor(_only("interrupt"), _stopping, Verdict.IGNORE, "the job is already stopping ({state})"),
    # [DOC] UpdateTrainingJob may change an Available warm pool's KeepAlivePeriodInSeconds, and only that
    Acceptor(_only("update"), _retimes_pool, Verdict.ACCEPT),
    Acceptor(ANY, _ended, Verdict.REFUSE, _REJECTED + " {group}."),
    # [INF] a stopping job takes only a failure
    Acceptor(_only("stop", "update", "retry"), _stopping, Verdict.REFUSE, _REJECTED + " Stopping."),
    Acceptor(_only("interrupt"), _on_demand, Verdict.IGNORE,
             "there are no spot instances to reclaim: the job is not a spot job"),
    Acceptor(_only("interrupt"), _no_instances, Verdict.IGNORE,
             "there are no spot instances to reclaim while the job is {state}"),
    # [DOC] only an InternalServerError is retried, while RetryStrategy attempts remain
    Acceptor(_only("retry"), _not_retried_kind, Verdict.REFUSE, "only an InternalServerError is retried"),
    Acceptor(_only("retry"), _no_retries_left, Verdict.REFUSE, "RetryStrategy.MaximumRetryAttempts are spent"),
    Acceptor(ANY, _not_from_here, Verdict.REFUSE, _REJECTED + " {primary} and secondary status {state}."),
)


#: the acceptors that apply to each trigger, in the table's order
_FOR = {trigger: tuple(a for a in ACCEPTORS if not a.triggers or trigger in a.triggers) for trigger in _FROM}


def verdict(job: Job, action: Action, trigger: str | None = None) -> tuple[Verdict, str | None]:
    """What ``job`` does with ``action`` now, and why when it does not accept it. ``trigger`` judges the
    action as another move of the transition table: a failure as a ``retry``, the job's own move to
    try again."""
    trigger = trigger or action.trigger
    for acceptor in _FOR[trigger]:
        if acceptor.matches(job, action, trigger):
            if acceptor.verdict is Verdict.ACCEPT:
                return acceptor.verdict, None
            group = PRIMARY_OF[job.state]
            return acceptor.verdict, acceptor.reason.format(state=job.state, primary=job.primary, group=group)
    return Verdict.ACCEPT, None


def retimed_keep_alive(job: Job, action: Action) -> int | None:
    """The new KeepAlivePeriodInSeconds, if ``action`` updates only that of the job's Available pool."""
    if action.__class__ is not Update or job.pool is None or job.pool.status != "Available":
        return None
    changes = action.changes
    if set(changes) == {"ResourceConfig"} and set(changes["ResourceConfig"]) == {"KeepAlivePeriodInSeconds"}:
        return changes["ResourceConfig"]["KeepAlivePeriodInSeconds"]
    return None
