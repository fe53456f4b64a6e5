"""Replaying a scenario: run its jobs to the end on one clock and read snapshots off their histories."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .engine import record, snapshot
from .engine.job import Job
from .engine.simulation import Simulation
from .plan import compile_plan
from .scenario import Scenario


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
        return max(job.created + job.log[-1][0] for job in self.jobs)

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
            return sorted({job.created + t for job in self.jobs for t in record.change_times(job.log)})
        return [i * poll for i in range(math.ceil(self.end / poll) + 1)]

    def timeline(self, poll: float | None = None, job: str | None = None) -> Iterator[tuple[float, dict[str, Any]]]:
        """``(t, wire response)`` for each of :meth:`times`: one response per job that exists then
        (and, without ``poll``, that changed then), in creation order; only ``job``'s if given."""
        chosen = [self.simulation.job(job)] if job is not None else self.jobs
        changes = None if poll is not None else {
            j.plan.name: {j.created + t for t in record.change_times(j.log)} for j in chosen}
        for t in self.times(poll):
            for j in chosen:
                if j.created <= t and (changes is None or t in changes[j.plan.name]):
                    yield t, snapshot.describe(j, min(t, self.simulation.now) - j.created)


def replay(scenario: Scenario) -> Replay:
    """Run the scenario's jobs to their end on a fresh clock."""
    simulation = Simulation(origin=scenario.epoch.timestamp())
    simulation.submit(compile_plan(scenario))
    for at, later in scenario.later:
        simulation.submit_at(at, compile_plan(later))
    simulation.run()
    return Replay(scenario, simulation)
