"""Aggregating replicates as they stream in, exactly, in memory that does not grow with the runs.

Every figure is an integer in its unit (seconds, milliseconds, or a fixed fraction of a dollar), so
sums and sums of squares are exact and any split of the replicates into chunks — one worker, many,
a Dask cluster — merges into the very same numbers. Quantiles come from a DDSketch (Masson, Rim &
Lee, VLDB 2019; Datadog's ``ddsketch``), whose bin counts also merge exactly; its estimates are
within 0.1 % of the true quantile, and are kept within the observed minimum and maximum.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from ddsketch import DDSketch

RELATIVE_ACCURACY = 0.001
Z95 = 1.959963984540054  # the standard normal's 97.5 % point


class Summary:
    """Count, exact sum and sum of squares, minimum, maximum and a quantile sketch of integers."""

    __slots__ = ("high", "low", "n", "sketch", "squares", "total")

    def __init__(self) -> None:
        self.n = 0
        self.total = 0
        self.squares = 0
        self.low: int | None = None
        self.high: int | None = None
        self.sketch = DDSketch(relative_accuracy=RELATIVE_ACCURACY)

    def __repr__(self) -> str:
        return f"<Summary n={self.n} mean={self.mean}>"

    def add(self, value: int) -> None:
        self.n += 1
        self.total += value
        self.squares += value * value
        self.low = value if self.low is None or value < self.low else self.low
        self.high = value if self.high is None or value > self.high else self.high
        self.sketch.add(value)

    def merge(self, other: Summary) -> None:
        if not other.n:
            return
        self.n += other.n
        self.total += other.total
        self.squares += other.squares
        self.low = other.low if self.low is None else min(self.low, other.low)
        self.high = other.high if self.high is None else max(self.high, other.high)
        self.sketch.merge(other.sketch)

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    def ci95(self) -> tuple[float, float] | None:
        """The normal-approximation 95 % confidence interval of the mean."""
        if self.n < 2:
            return None
        variance = (self.n * self.squares - self.total * self.total) / (self.n * (self.n - 1))  # exact ints
        half = Z95 * math.sqrt(max(variance, 0.0) / self.n)
        return self.total / self.n - half, self.total / self.n + half

    def quantile(self, q: float) -> float | None:
        """The ``q`` quantile (within 0.1 %; the minimum and maximum exactly)."""
        if not self.n:
            return None
        if q <= 0 or q >= 1:
            return self.low if q <= 0 else self.high
        return min(max(self.sketch.get_quantile_value(q), self.low), self.high)

    def report(self, scale: float = 1.0, digits: int = 3) -> dict[str, Any] | None:
        """``{n, mean, p50, p95, ci95: [low, high]}`` in units of ``scale``, or None without values."""
        if not self.n:
            return None
        ci = self.ci95()
        return {"n": self.n, "mean": round(self.mean * scale, digits),
                "p50": round(float(self.quantile(0.5)) * scale, digits),
                "p95": round(float(self.quantile(0.95)) * scale, digits),
                "ci95": None if ci is None else [round(ci[0] * scale, digits), round(ci[1] * scale, digits)]}


class VariantStats:
    """Everything a sweep keeps of one variant's replicates."""

    __slots__ = ("billable", "cost", "never_ended", "outcomes", "savings", "training", "transitions", "wall")

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()  #: "TrainingJobStatus/SecondaryStatus" -> replicates
        self.cost = Summary()  #: in price units (see sweep.COST_UNITS_PER_USD)
        self.billable = Summary()  #: seconds, warm-pool seconds included
        self.training = Summary()  #: seconds
        self.wall = Summary()  #: milliseconds from creation to the end
        self.savings = Summary()  #: the baseline's cost minus this variant's, replicate by replicate
        self.transitions = 0
        self.never_ended = 0

    def merge(self, other: VariantStats) -> None:
        self.outcomes.update(other.outcomes)
        for name in ("cost", "billable", "training", "wall", "savings"):
            getattr(self, name).merge(getattr(other, name))
        self.transitions += other.transitions
        self.never_ended += other.never_ended
