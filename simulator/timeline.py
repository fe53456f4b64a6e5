"""Replaying a scenario: run its jobs to the end on one clock and read snapshots off their histories."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .compile import compile_plan
from .engine import record, snapshot
from .engine.job import Job
from .engine.simulation import Simulation
from .format.scenario import Scenario


@dataclass(frozen=True, slots=True)
class Replay:
    """A scenario's finished (or forever waiting) jobs. Times are seconds after the first job's
    creation; the first job is :attr:`job`, a scenario's later jobs follow in :attr:`jobs`."""

    scenario: Scenario
    simulation: Simulation

    @property
    def jobs(self) -> list[Job]:
        return list(self.simulation.jobs.values())

    @property
    def job(self) -> Job:
        return self.jobs[0]

    @property
    def end(self) -> float:
        """The last instant anything changed."""
        return max(job.created + job.history.end for job in self.jobs)

    def describe(self, at: float | None = None, job: str | None = None) -> dict[str, Any]:
        """The wire-form response of ``job`` (default: the first) at ``at`` (default: the end); a
        time past the end shows the end.

        Raises:
            ResourceNotFound: no job of that name.
            ValueError: the job did not exist yet at ``at``.
        """
        chosen = self.simulation.job(job) if job is not None else self.job
        now = self.simulation.now - chosen.created
        return snapshot.describe(chosen, now if at is None else min(at - chosen.created, now))

    def times(self, poll: float | None = None) -> list[float]:
        """Every instant a job changed, or with ``poll`` every poll from 0 through the last change."""
        if poll is None:
            return sorted({job.created + t for job in self.jobs for t in record.change_times(job.history.entries)})
        return [i * poll for i in range(math.ceil(self.end / poll) + 1)]

    def views(self, poll: float | None = None, job: str | None = None) -> Iterator[tuple[float, Job, record.View]]:
        """``(t, job, its view as of t)`` for each of :meth:`times`: one per job that exists then (and,
        without ``poll``, that changed then), in creation order; only ``job``'s if given. Each job's
        history is folded once, forward, so the cost grows with the number of changes, not its square.
        A view is moved on as the walk goes: read it before taking the next."""
        chosen = [self.simulation.job(job)] if job is not None else self.jobs
        times = self.times(poll)
        walks = {}
        for j in chosen:
            own = [min(t, self.simulation.now) - j.created for t in times if t >= j.created]
            walks[j.plan.name] = j.history.views(own)
        changes = None if poll is not None else {
            j.plan.name: {j.created + t for t in record.change_times(j.history.entries)} for j in chosen}
        for t in times:
            for j in chosen:
                if j.created <= t:
                    _, view = next(walks[j.plan.name])
                    if changes is None or t in changes[j.plan.name]:
                        yield t, j, view

    def timeline(self, poll: float | None = None, job: str | None = None) -> Iterator[tuple[float, dict[str, Any]]]:
        """``(t, wire response)`` for each of :meth:`views`: what a client polling then would see."""
        for t, j, view in self.views(poll, job):
            yield t, snapshot.from_view(j, view)

    def changes(self, poll: float | None = None, job: str | None = None) -> Iterator[dict[str, Any]]:
        """The compact timeline: for each of :meth:`views`, one small record — ``t`` (the change's or
        the poll's time, seconds after the first job's creation), the job, its statuses, the current
        status message, and every other member whose value changed since the job's previous record
        (all of them in its first; SecondaryStatusTransitions is the statuses and messages over time)."""
        previous: dict[str, dict[str, Any]] = {}
        for t, j, view in self.views(poll, job):
            response = snapshot.from_view(j, view, transitions=False)
            before = previous.get(j.plan.name, {})
            record_ = {"t": round(t, 3), "TrainingJobName": j.plan.name,
                       "TrainingJobStatus": response["TrainingJobStatus"],
                       "SecondaryStatus": response["SecondaryStatus"], "StatusMessage": view.message,
                       "LastModifiedTime": response["LastModifiedTime"]}
            changed = {k: v for k, v in response.items() if k not in record_ and before.get(k, _NOTHING) != v}
            gone = [k for k in before if k not in response]
            if changed:
                record_["changed"] = changed
            if gone:
                record_["removed"] = gone
            previous[j.plan.name] = response
            yield record_


_NOTHING = object()


def replay(scenario: Scenario) -> Replay:
    """Run the scenario's jobs to their end on a fresh clock."""
    simulation = Simulation(origin=scenario.epoch.timestamp())
    simulation.submit(compile_plan(scenario))
    for at, later in scenario.later:
        simulation.submit_at(at, compile_plan(later))
    simulation.run()
    return Replay(scenario, simulation)
