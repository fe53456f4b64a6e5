"""A scenario's ``timing``, ``spot`` and ``failures``, fitted per instance type from a history, and
written as a fragment ``tjsim whatif --calibration`` merges into a scenario.

Which measures feed which setting (docs/semantics.md, "A team's history"):

- ``starting``: each job's first Starting (a spot job's includes its first capacity wait);
- ``capacity_wait``: a Starting after an Interrupted, less the median first Starting;
- ``downloading``: Downloading, the image pull included (``image_pull`` is then 0: the history
  does not split them);
- ``training``: each job's first Training (checkpoint writes included), one cut short by an
  interruption, a failure or a stop counted as needing at least that long (right-censored: the
  clocks that cut it run independently of the need);
- ``uploading``, ``interrupted``, ``pending`` (only when most jobs showed one): their phases;
- every phase but training only where it ran its course (:data:`~.measures.NEXT`);
- ``spot.interruptions_per_instance_hour`` and ``failures``: events per instance-hour up, a retry
  an InternalServerError.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import yaml

from ..engine.actions import FAILURE_KINDS
from .fit import Fit, fit
from .measures import Measured
from .summary import Events

#: the timing settings fitted, in a scenario's order
TIMINGS = ("pending", "starting", "downloading", "training", "uploading", "interrupted", "capacity_wait")


@dataclass
class Samples:
    """What one instance type's jobs measured, as the settings read it."""

    timing: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    after_interruption: list[float] = field(default_factory=list)  #: Starting after an Interrupted
    events: Events = field(default_factory=Events)
    jobs: int = 0
    pending_jobs: int = 0  #: jobs that showed Pending

    def add(self, m: Measured) -> None:
        self.jobs += 1
        before, trained = None, False
        for index, (phase, seconds, whole) in enumerate(m.phases):
            if phase == "Training" and not trained:  # the first: from scratch, cut short or not
                trained = True
                self.timing["training" if whole else "training_censored"].append(seconds)
            elif not whole:  # cut short by an interruption, a failure or a stop: not a duration
                pass
            elif phase == "Starting" and before == "Interrupted":
                self.after_interruption.append(seconds)
            elif phase == "Starting" and (index == 0 or before == "Pending"):
                self.timing["starting"].append(seconds)
            elif phase in ("Downloading", "Uploading", "Interrupted", "Pending"):
                self.timing[phase.lower()].append(seconds)
            before = phase
        self.pending_jobs += any(phase == "Pending" for phase, _, _ in m.phases)
        self.events.add(m)

    def values(self, key: str) -> list[float]:
        """The whole durations measured for the timing setting ``key``: ``capacity_wait``'s, each Starting
        after an interruption less the median first Starting."""
        if key == "capacity_wait":
            first = float(np.median(self.timing["starting"])) if self.timing.get("starting") else 0.0
            return [max(0.0, s - first) for s in self.after_interruption]
        return list(self.timing.get(key, []))


@dataclass
class Calibration:
    """One instance type's fitted settings, and the evidence behind each."""

    jobs: int
    timing: dict[str, Fit]
    interruptions: dict[str, Any] | None  #: :func:`.summary.rate` of spot interruptions
    failures: dict[str, dict[str, Any]]  #: per kind

    def sections(self) -> dict[str, Any]:
        """The scenario sections ``tjsim whatif --calibration`` merges: ``timing`` (but ``training``, the
        job's own: the fragment shows it commented), ``spot`` and ``failures`` (the kinds a scenario
        knows), each only when it holds something."""
        out: dict[str, Any] = {}
        timing = {k: f.value for k, f in self.timing.items() if k != "training"}
        if "downloading" in timing:
            timing["image_pull"] = 0.0
        if timing:
            out["timing"] = timing
        if self.interruptions is not None:
            out["spot"] = {"interruptions_per_instance_hour": self.interruptions["per_hour"]}
        known = {k: r["per_hour"] for k, r in self.failures.items() if k in FAILURE_KINDS}
        if known:
            out["failures"] = known
        return out

    def report(self) -> dict[str, Any]:
        return {"jobs": self.jobs, "sections": self.sections(),
                "timing": {k: f.report() for k, f in self.timing.items()},
                "interruptions_per_spot_instance_hour": self.interruptions, "failures_per_instance_hour": self.failures}


def calibrate(samples: Samples) -> Calibration:
    timing: dict[str, Fit] = {}
    for key in TIMINGS:
        if key == "pending" and 2 * samples.pending_jobs < samples.jobs:  # the engine sends every job through
            continue  # Pending once it is set: only when most jobs showed it
        # training: those cut short (an interruption, a failure, a stop) needed at least as long
        censored = samples.timing.get("training_censored", []) if key == "training" else []
        fitted = fit(samples.values(key), censored)
        if fitted is not None:
            timing[key] = fitted
    events = samples.events
    failures = {kind: events.failure_rate(kind) for kind in sorted(events.failures) if events.exposure > 0}
    return Calibration(samples.jobs, timing, events.interruption_rate(), failures)  # type: ignore[arg-type]


def fragment(calibrations: dict[str, Calibration], source: str) -> str:
    """The YAML fragment ``tjsim whatif --calibration`` takes: per instance type, the scenario sections,
    each setting with its evidence in a comment."""
    lines = [f"# tjsim calibrate, from {source.strip()}: per instance type, the scenario's timing, spot and "
             "failures.", "# tjsim whatif SCENARIO --calibration THIS merges the section of the scenario job's "
             "instance type;", "# a fleet file's fleet.calibration: THIS gives each job its own type's.",
             "instance_types:"]
    for name in sorted(calibrations):
        c = calibrations[name]
        sections = c.sections()
        if not sections and "training" not in c.timing:
            lines.append(f"  # {name}: {c.jobs} jobs, nothing ended to fit")
            continue
        lines.append(f"  {name}:  # {c.jobs} jobs")
        if "timing" in sections or "training" in c.timing:
            lines.append("    timing:")
        for key, value in sections.get("timing", {}).items():
            notes = [_fit_note(c.timing[key])] if key in c.timing else []
            lines.append(f"      {key}: {_flow(value)}  # {'; '.join([*notes, *filter(None, [_NOTES.get(key)])])}")
        if "training" in c.timing:  # the scenario job's own need, not the type's: shown, not merged
            lines.append(f"      # training: {_flow(c.timing['training'].value)}  # the fleet's, not one job's: "
                         f"uncomment to use it; {_fit_note(c.timing['training'])}")
        if "timing" not in sections and "training" in c.timing:
            lines.append("      {}")
        if "spot" in sections:
            lines.append("    spot:")
            per_hour = _flow(sections["spot"]["interruptions_per_instance_hour"])
            lines.append(f"      interruptions_per_instance_hour: {per_hour}  # {_rate_note(c.interruptions)}")
        if "failures" in sections:
            lines.append("    failures:")
            for kind, value in sections["failures"].items():
                lines.append(f"      {kind}: {_flow(value)}  # {_rate_note(c.failures[kind])}")
        for kind in (k for k in c.failures if k not in FAILURE_KINDS):
            lines.append(f"    # failures of no kind a scenario knows (FailureReason without one of "
                         f"{', '.join(FAILURE_KINDS)}): {_rate_note(c.failures[kind])}")
    return "\n".join(lines) + "\n"


#: what a setting's comment says instead of (or beside) its fit's evidence
_NOTES = {"image_pull": "the history does not split it from the phase it sits in (Downloading from 2024, Training "
                        "in 2019-2023)",
          "capacity_wait": "a Starting after an interruption less the median first Starting: the first Starting's "
                           "spread widens it, and its intervals do not hold"}


def _flow(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, width=1000).strip().removesuffix("...").strip()


def _fit_note(f: Fit) -> str:
    if f.family == "constant":
        return f"n={f.n}, a constant (equal values, or too few to fit a shape)"
    ci = ", ".join(f"[{lo:g}, {hi:g}]" for lo, hi in f.intervals)
    return f"n={f.n}, by AIC among {', '.join(f.candidates)}; 95 % {ci}; KS {f.ks:.3f}"


def _rate_note(r: dict[str, Any] | None) -> str:
    if r is None:
        return "no exposure"
    low, high = r["ci95"]
    few = "; few events: the interval is wide" if r["few"] else ""
    return f"{r['events']} in {r['exposure_hours']:g} instance-hours up, 95 % [{low:g}, {high:g}]{few}"
