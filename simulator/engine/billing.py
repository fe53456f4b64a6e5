"""A job's accounts: the instance time it is billed for, the time counted against MaxRuntime, and
the TrainingTimeInSeconds and BillableTimeInSeconds it ends with. Arithmetic, no clock of its own."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..distributions import Distribution, sample

if TYPE_CHECKING:
    from .streams import Streams

_MIN_RATIO = 0.001  # a spot price ratio drawn from a distribution is kept above 0


class Billing:
    """What a job has used, in instance seconds (per instance: the cluster is billed as one)."""

    __slots__ = ("billable_seconds", "running", "runtime_used", "training_seconds",
                 "training_start", "up")

    def __init__(self) -> None:
        self.up = False  #: instances are up (or being set up after the grant): time is billed
        self.running = 0.0  #: instance seconds, all attempts (billed)
        self.runtime_used = 0.0  #: instance seconds counted against MaxRuntime
        self.training_start: float | None = None  #: clock time the first instances came up
        self.training_seconds: int | None = None  #: TrainingTimeInSeconds, once the job has ended
        self.billable_seconds: int | None = None  #: BillableTimeInSeconds, once the job has ended

    def __repr__(self) -> str:
        return f"<Billing {self.running:g} s running, {self.runtime_used:g} s against MaxRuntime>"

    def settle(self, now: float, spot_ratio: float | Distribution | None, streams: Streams) -> None:
        """The job ended ``now``: its training and billable seconds. ``spot_ratio`` is the spot price
        as a share of on-demand (None: on-demand); a distribution draws from ``streams``' own stream."""
        if self.training_start is None:
            return  # instances never came up: nothing was billed
        self.training_seconds = max(1, math.floor(now - self.training_start + 0.5))
        if spot_ratio is None:
            self.billable_seconds = self.training_seconds
            return
        if spot_ratio.__class__ is not float:
            spot_ratio = min(max(sample(spot_ratio, streams["price_ratio"]), _MIN_RATIO), 1.0)
        billed = math.floor(self.running * spot_ratio + 0.5)
        self.billable_seconds = max(1, min(self.training_seconds, billed))
