"""What an accepted UpdateTrainingJob changes in a running job: the request is echoed, a new
KeepAlivePeriodInSeconds is kept for the warm pool, and the Profiler rules it adds start
evaluating. The Updating detour itself (into Updating and back) is the job's
(:meth:`.job.Job.begin_update`, :meth:`.job.Job.end_update`), timed by :attr:`.waits.Waits.update_until`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import evaluations
from . import record as rec
from .actions import Update

if TYPE_CHECKING:
    from .job import Job

#: the trigger that re-enters the status an Updating detour left (updates are accepted in Training)
RETURN = {"Training": "train"}


def apply(job: Job, update: Update) -> None:
    """Record ``update`` and take its changes on."""
    job.history.log(rec.UPDATE, None, update.changes)
    keep_alive = update.changes.get("ResourceConfig", {}).get("KeepAlivePeriodInSeconds")
    if keep_alive is not None:
        job.keep_alive = keep_alive
    for rule in update.changes.get("ProfilerRuleConfigurations", []):
        added = job.plan.rule("Profiler", rule["RuleConfigurationName"])
        job.rules.append(added)
        job.history.log(rec.RULE, (added.group, added.name), ("InProgress", None))
        if job.billing.training_start is not None:
            evaluations.started(job.history, job.plan, added)
