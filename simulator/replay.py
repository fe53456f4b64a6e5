"""Replaying a scenario: run its job to the end and read snapshots off the history."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from . import record, snapshot
from .job import Job
from .plan import compile_plan
from .scenario import Scenario
from .simulation import Simulation


@dataclass(frozen=True, slots=True)
class Replay:
    """A finished (or forever waiting) job and its scenario."""

    scenario: Scenario
    job: Job

    @property
    def end(self) -> float:
        """The last instant anything changed (seconds after creation)."""
        return self.job.log[-1][0]

    def describe(self, at: float | None = None) -> dict[str, Any]:
        """The wire-form response at ``at`` (default: the end); a time past the end shows the end."""
        now = self.job.env.now - self.job.created
        return snapshot.describe(self.job, now if at is None else min(at, now))

    def times(self, poll: float | None = None) -> list[float]:
        """Every change instant, or with ``poll`` every poll from 0 through the last change."""
        if poll is None:
            return record.change_times(self.job.log)
        return [i * poll for i in range(math.ceil(self.end / poll) + 1)]

    def timeline(self, poll: float | None = None) -> Iterator[tuple[float, dict[str, Any]]]:
        """``(t, wire response)`` for each of :meth:`times`."""
        for t in self.times(poll):
            yield t, self.describe(t)


def replay(scenario: Scenario) -> Replay:
    """Run the scenario's job to its end on a fresh clock."""
    simulation = Simulation()
    job = simulation.submit(compile_plan(scenario))
    simulation.run()
    return Replay(scenario, job)
