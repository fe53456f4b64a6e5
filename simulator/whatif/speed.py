"""Instance speed: how long the same training takes on another instance type.

A scenario's ``timing.training`` is the compute its job needs on the request's own InstanceType.
``speed`` gives each type's training speed relative to the others (a factor against the scenario's
type, or a table of any scale): on type T the same work takes ``training × speed[own] / speed[T]``.
A variant that moves the job to a type with no speed is refused, never run at the speed of the
scenario's type: the slower type would come out "cheapest" for nothing.
"""

from __future__ import annotations

import math
from typing import Any

from ..format.scenario import Scenario
from ..shapes import Problem


def instance_type(scenario: Scenario) -> str | None:
    return (scenario.job.get("ResourceConfig") or {}).get("InstanceType")


def factor(scenario: Scenario, own: str | None) -> float | Problem:
    """How many times longer ``scenario``'s training takes on its InstanceType than on ``own``, the
    type its ``timing.training`` was given for (1.0 on the same type), or the problem."""
    target = instance_type(scenario)
    if own is None or target is None or target == own:
        return 1.0
    if target not in scenario.speed:
        example = "0.625" if own not in scenario.speed else f"{scenario.speed[own] * 0.625:g}"
        return Problem("speed", f"no speed for {target}: a comparison with {own} needs each type's training speed "
                                f"(speed: {{{target}: {example}}} if it trains at 0.625× the speed of {own}, so "
                                f"that training takes 1.6× as long)")
    if own not in scenario.speed and not 0.05 <= scenario.speed[target] <= 20:
        return Problem("speed", f"{target}: {scenario.speed[target]:g} would train {scenario.speed[target]:g}× as fast "
                                f"as {own}: without {own} in the table each speed is a factor against it; list {own} "
                                f"too (a table of any scale) or give factors")
    return scenario.speed.get(own, 1.0) / scenario.speed[target]


def scaled(duration: Any, by: float) -> Any:
    """A duration as scenarios write it (seconds, or a distribution's mapping), ``by`` times as long."""
    if isinstance(duration, int | float):
        return duration * by
    (kind, value), = duration.items()
    if kind == "lognormal":
        return {kind: [value[0] + math.log(by), value[1]]}
    if kind == "exponential":
        return {kind: value * by}
    return {kind: [v * by for v in value]}  # uniform, normal (mean and sd), choice
