"""A history summed up per instance type, as its records stream in (memory that does not grow with
them): jobs, instance-hours, the spot share, how jobs ended, the phases' durations, and the rates of
spot interruptions and failures per instance-hour, with exact Poisson confidence intervals.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from scipy.stats import chi2

from ..whatif.stats import Summary
from .measures import OUTCOMES, PHASES, RETRIED, Measured

#: fewer events than this, and a rate's interval is wide: a summary says so
FEW = 5


def rate(events: int, exposure_hours: float) -> dict[str, Any] | None:
    """Events per hour of exposure, with the exact (Garwood) 95 % interval of a Poisson rate, and
    whether it rests on few events (None without exposure)."""
    if exposure_hours <= 0:
        return None
    low = float(chi2.ppf(0.025, 2 * events)) / 2 if events else 0.0
    high = float(chi2.ppf(0.975, 2 * events + 2)) / 2
    return {"events": events, "exposure_hours": round(exposure_hours, 3),
            "per_hour": round(events / exposure_hours, 6),
            "ci95": [round(low / exposure_hours, 6), round(high / exposure_hours, 6)], "few": events < FEW}


@dataclass
class Events:
    """Spot interruptions and failures, and the instance time up they struck in: the rates a summary
    shows and a calibration writes."""

    interruptions: int = 0  #: of spot jobs
    spot_exposure: float = 0.0  #: instance-seconds up, spot jobs
    failures: Counter = field(default_factory=Counter)  #: failures, by kind (a retried one too)
    exposure: float = 0.0  #: instance-seconds up, every job

    def add(self, m: Measured) -> None:
        if m.failure is not None:
            self.failures[m.failure] += 1
        if m.retries:
            self.failures[RETRIED] += m.retries
        self.exposure += m.exposure
        if m.spot:
            self.interruptions += m.interruptions
            self.spot_exposure += m.exposure

    def interruption_rate(self) -> dict[str, Any] | None:
        """Spot interruptions per spot instance-hour up (:func:`rate`)."""
        return rate(self.interruptions, self.spot_exposure / 3600)

    def failure_rate(self, kind: str | None = None) -> dict[str, Any] | None:
        """Failures (of ``kind``, or all) per instance-hour up (:func:`rate`)."""
        return rate(self.failures[kind] if kind else sum(self.failures.values()), self.exposure / 3600)


@dataclass
class TypeSummary:
    """What the jobs of one instance type measured."""

    jobs: int = 0
    spot_jobs: int = 0
    billed: float = 0.0  #: instance-seconds billed
    spot_billed: float = 0.0
    legacy: int = 0  #: jobs whose transitions show the retired statuses
    outcomes: Counter = field(default_factory=Counter)
    phases: dict[str, Summary] = field(default_factory=lambda: {p: Summary() for p in PHASES})
    events: Events = field(default_factory=Events)

    def add(self, m: Measured) -> None:
        self.jobs += 1
        self.billed += m.billed
        self.legacy += m.legacy
        self.outcomes[m.outcome] += 1
        for phase, seconds, whole in m.phases:
            if whole:  # one cut short tells only that it would have taken longer
                self.phases[phase].add(round(seconds * 1000))
        self.events.add(m)
        if m.spot:
            self.spot_jobs += 1
            self.spot_billed += m.billed

    def report(self) -> dict[str, Any]:
        """The summary as JSON: durations in seconds (``n``, ``mean``, ``p50``, ``p90``)."""
        return {
            "jobs": self.jobs, "legacy_jobs": self.legacy,
            "instance_hours": round(self.billed / 3600, 3),
            "spot_share": {"jobs": round(self.spot_jobs / self.jobs, 4) if self.jobs else None,
                           "instance_hours": round(self.spot_billed / self.billed, 4) if self.billed else None},
            "outcomes": {o: self.outcomes[o] for o in OUTCOMES if self.outcomes[o]},
            "phases": {p: s.report(scale=0.001, digits=1, quantiles=(0.5, 0.9)) for p, s in self.phases.items()
                       if s.n},
            "interruptions_per_spot_instance_hour": self.events.interruption_rate(),
            "failures_per_instance_hour": self.events.failure_rate(),
            "failures": dict(sorted(self.events.failures.items())),
        }


@dataclass
class History:
    """A history's summary: per instance type, and how many records were read and left out."""

    types: dict[str, TypeSummary] = field(default_factory=dict)
    first: float | None = None  #: the earliest CreationTime, epoch seconds
    last: float | None = None

    def add(self, m: Measured) -> None:
        self.types.setdefault(m.instance_type, TypeSummary()).add(m)
        self.first = m.created if self.first is None else min(self.first, m.created)
        self.last = m.created if self.last is None else max(self.last, m.created)

    @property
    def jobs(self) -> int:
        return sum(t.jobs for t in self.types.values())

    def report(self) -> dict[str, Any]:
        return {"jobs": self.jobs, "first_created": self.first, "last_created": self.last,
                "instance_types": {name: self.types[name].report() for name in sorted(self.types)}}
