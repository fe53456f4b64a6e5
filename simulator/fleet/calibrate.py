"""A scenario's ``timing``, ``spot`` and ``failures``, fitted per instance type from a history, and
written as a fragment ``tjsim whatif --calibration`` merges into a scenario.

Which measures feed which setting (docs/semantics.md, "A team's history"):

- ``starting``: each job's first Starting (a spot job's includes its first capacity wait);
- ``capacity_wait``: a Starting after an Interrupted, less the median first Starting;
- ``downloading``: Downloading, the image pull included (``image_pull`` is then 0: the history
  does not split them);
- ``training``: the Training of on-demand jobs (checkpoint writes included), a job that ended
  before it completed counted as needing at least its Training (right-censored); with fewer than
  :data:`~.fit.ENOUGH` that completed, spot jobs never interrupted too (a biased sample: the longer
  a job, the likelier its interruption);
- ``uploading``, ``interrupted``, ``pending``: their phases;
- ``spot.interruptions_per_instance_hour`` and ``failures``: events per instance-hour up.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import yaml

from .fit import ENOUGH, Fit, fit
from .measures import Measured
from .summary import rate

#: the timing settings fitted, in a scenario's order
TIMINGS = ("pending", "starting", "downloading", "training", "uploading", "interrupted", "capacity_wait")


@dataclass
class Samples:
    """What one instance type's jobs measured, as the settings read it."""

    timing: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    after_interruption: list[float] = field(default_factory=list)  #: Starting after an Interrupted
    interruptions: int = 0
    spot_exposure: float = 0.0
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    exposure: float = 0.0
    jobs: int = 0

    def add(self, m: Measured) -> None:
        self.jobs += 1
        before = None
        for index, (phase, seconds) in enumerate(m.phases):
            if phase == "Starting":
                if before == "Interrupted":
                    self.after_interruption.append(seconds)
                elif index == 0 or before == "Pending":
                    self.timing["starting"].append(seconds)
            elif phase == "Downloading":
                self.timing["downloading"].append(seconds)
            elif phase == "Training" and not m.interruptions:
                key = "training" if not m.spot else "spot_training"
                self.timing[key if m.outcome == "Completed" else f"{key}_censored"].append(seconds)
            elif phase in ("Interrupted", "Pending") or (phase == "Uploading" and m.outcome == "Completed"):
                self.timing[phase.lower()].append(seconds)
            before = phase
        self.exposure += m.exposure
        if m.failure is not None:
            self.failures[m.failure] += 1
        if m.spot:
            self.interruptions += m.interruptions
            self.spot_exposure += m.exposure


@dataclass
class Calibration:
    """One instance type's fitted settings, and the evidence behind each."""

    jobs: int
    timing: dict[str, Fit]
    interruptions: dict[str, Any] | None  #: :func:`.summary.rate` of spot interruptions
    failures: dict[str, dict[str, Any]]  #: per kind

    def sections(self) -> dict[str, Any]:
        """The scenario sections: ``timing``, ``spot`` and ``failures``."""
        out: dict[str, Any] = {"timing": {k: f.value for k, f in self.timing.items()}}
        if "downloading" in self.timing:
            out["timing"]["image_pull"] = 0.0
        if self.interruptions is not None:
            out["spot"] = {"interruptions_per_instance_hour": self.interruptions["per_hour"]}
        if self.failures:
            out["failures"] = {k: r["per_hour"] for k, r in self.failures.items()}
        return out

    def report(self) -> dict[str, Any]:
        return {"jobs": self.jobs, "sections": self.sections(),
                "timing": {k: f.report() for k, f in self.timing.items()},
                "interruptions_per_spot_instance_hour": self.interruptions, "failures_per_instance_hour": self.failures}


def calibrate(samples: Samples) -> Calibration:
    timing: dict[str, Fit] = {}
    for key in TIMINGS:
        values, censored = samples.timing.get(key, []), []
        if key == "training":  # those that ended before they finished training needed at least as long
            censored = samples.timing.get("training_censored", [])
            if len(values) < ENOUGH:  # few on-demand jobs: spot ones that were never interrupted too
                values = values + samples.timing.get("spot_training", [])
                censored = censored + samples.timing.get("spot_training_censored", [])
        if key == "capacity_wait" and samples.after_interruption:
            first = float(np.median(samples.timing["starting"])) if samples.timing.get("starting") else 0.0
            values = [max(0.0, s - first) for s in samples.after_interruption]
        fitted = fit(values, censored)
        if fitted is not None:
            timing[key] = fitted
    hours = samples.exposure / 3600
    failures = {kind: rate(count, hours) for kind, count in sorted(samples.failures.items()) if hours > 0}
    spot = rate(samples.interruptions, samples.spot_exposure / 3600)
    return Calibration(samples.jobs, timing, spot, failures)  # type: ignore[arg-type]


def fragment(calibrations: dict[str, Calibration], source: str) -> str:
    """The YAML fragment ``tjsim whatif --calibration`` takes: per instance type, the scenario sections,
    each setting with its evidence in a comment."""
    lines = [f"# tjsim calibrate, from {source}: per instance type, the scenario's timing, spot and failures.",
             "# tjsim whatif SCENARIO --calibration THIS merges the section of the scenario job's instance type.",
             "instance_types:"]
    for name in sorted(calibrations):
        c = calibrations[name]
        sections = c.sections()
        lines.append(f"  {name}:  # {c.jobs} jobs")
        lines.append("    timing:")
        for key, value in sections["timing"].items():
            note = _fit_note(c.timing[key]) if key in c.timing else "not in the history: Downloading holds it"
            lines.append(f"      {key}: {_flow(value)}  # {note}")
        if "spot" in sections:
            lines.append("    spot:")
            per_hour = _flow(sections["spot"]["interruptions_per_instance_hour"])
            lines.append(f"      interruptions_per_instance_hour: {per_hour}  # {_rate_note(c.interruptions)}")
        if "failures" in sections:
            lines.append("    failures:")
            for kind, value in sections["failures"].items():
                lines.append(f"      {kind}: {_flow(value)}  # {_rate_note(c.failures[kind])}")
    return "\n".join(lines) + "\n"


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
