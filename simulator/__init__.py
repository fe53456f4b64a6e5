"""tjsim: a simulator of AWS SageMaker training jobs.

The lifecycle runs as a ``transitions`` state machine under a ``simpy`` clock; at any simulated
instant a job answers with the full DescribeTrainingJob response a real client would receive.

The names below are imported when first used, so that ``import simulator`` (and the ``tjsim``
command's start-up) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "Job": ".engine.job", "Outcome": ".engine.outcome", "simulate": ".engine.outcome",
    "Simulation": ".engine.simulation", "describe": ".engine.snapshot", "to_boto3": ".engine.snapshot",
    "Streams": ".engine.streams", "load": ".loading", "parse": ".loading", "Plan": ".engine.plan",
    "compile_plan": ".compile", "Replay": ".timeline", "replay": ".timeline", "Scenario": ".format.scenario",
    **{name: ".errors" for name in ("HistoryNotKept", "InvalidAction", "ResourceInUse", "ResourceNotFound",
                                    "ScenarioError", "TjsimError")},
}

__all__ = ["HistoryNotKept", "InvalidAction", "Job", "Outcome", "Plan", "Replay", "ResourceInUse", "ResourceNotFound",
           "Scenario", "ScenarioError", "Simulation", "Streams", "TjsimError", "compile_plan", "describe", "load",
           "parse", "replay", "simulate", "to_boto3"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


if TYPE_CHECKING:  # for type checkers and editors: the same names, eagerly
    from .compile import compile_plan
    from .engine.job import Job
    from .engine.outcome import Outcome, simulate
    from .engine.plan import Plan
    from .engine.simulation import Simulation
    from .engine.snapshot import describe, to_boto3
    from .engine.streams import Streams
    from .errors import HistoryNotKept, InvalidAction, ResourceInUse, ResourceNotFound, ScenarioError, TjsimError
    from .format.scenario import Scenario
    from .loading import load, parse
    from .timeline import Replay, replay
