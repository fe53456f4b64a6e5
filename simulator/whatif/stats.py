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


#: values counted before they go into the sketch at once (a sketch's add costs ten counts' worth)
PENDING = 1024


class Moments:
    """Count, exact sum and sum of squares, minimum and maximum of integers: what a mean and its
    interval need, and no more (a paired saving is reported so)."""

    __slots__ = ("_high", "_low", "_n", "_squares", "_total")

    def __init__(self) -> None:
        self._n = 0
        self._total = 0
        self._squares = 0
        self._low: int | None = None
        self._high: int | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} n={self.n} mean={self.mean}>"

    def add(self, value: int) -> None:
        self._n += 1
        self._total += value
        self._squares += value * value
        if self._low is None or value < self._low:
            self._low = value
        if self._high is None or value > self._high:
            self._high = value

    def _settle(self) -> None:
        """Bring the figures up to date (a subclass may hold values back)."""

    @property
    def n(self) -> int:
        self._settle()
        return self._n

    @property
    def total(self) -> int:
        self._settle()
        return self._total

    @property
    def squares(self) -> int:
        self._settle()
        return self._squares

    @property
    def low(self) -> int | None:
        self._settle()
        return self._low

    @property
    def high(self) -> int | None:
        self._settle()
        return self._high

    def merge(self, other: Moments) -> None:
        other._settle()
        self._settle()
        if not other._n:
            return
        self._n += other._n
        self._total += other._total
        self._squares += other._squares
        self._low = other._low if self._low is None else min(self._low, other._low)
        self._high = other._high if self._high is None else max(self._high, other._high)

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    def ci95(self) -> tuple[float, float] | None:
        """The normal-approximation 95 % confidence interval of the mean."""
        self._settle()
        n, total = self._n, self._total
        if n < 2:
            return None
        variance = (n * self._squares - total * total) / (n * (n - 1))  # exact ints
        half = Z95 * math.sqrt(max(variance, 0.0) / n)
        return total / n - half, total / n + half

    def report(self, scale: float = 1.0, digits: int = 3) -> dict[str, Any] | None:
        """``{n, mean, ci95: [low, high]}`` in units of ``scale``, or None without values."""
        if not self.n:
            return None
        ci = self.ci95()
        return {"n": self.n, "mean": round(self.mean * scale, digits),
                "ci95": None if ci is None else [round(ci[0] * scale, digits), round(ci[1] * scale, digits)]}


class Summary(Moments):
    """:class:`Moments` and a quantile sketch of integers.

    Adding a value only counts it: equal values are added up once, with their count, when
    :data:`PENDING` distinct ones are waiting or a figure is read. The sketch's buckets are counts,
    so it holds exactly what adding the values one by one gives."""

    __slots__ = ("_pending", "_sketch")

    def __init__(self) -> None:
        super().__init__()
        self._sketch = DDSketch(relative_accuracy=RELATIVE_ACCURACY)
        self._pending: dict[int, int] = {}  #: value -> times added, not yet in the figures

    def add(self, value: int) -> None:
        pending = self._pending
        pending[value] = pending.get(value, 0) + 1
        if len(pending) >= PENDING:
            self._settle()

    @property
    def sketch(self) -> DDSketch:
        """The quantile sketch of every value added."""
        self._settle()
        return self._sketch

    def _settle(self) -> None:
        pending = self._pending
        if not pending:
            return
        values = sorted(pending)  # in one order, whatever the order they came in
        self._low = values[0] if self._low is None else min(self._low, values[0])
        self._high = values[-1] if self._high is None else max(self._high, values[-1])
        for value in values:
            count = pending[value]
            self._n += count
            self._total += value * count
            self._squares += value * value * count
            self._sketch.add(value, count)
        pending.clear()

    def merge(self, other: Summary) -> None:
        super().merge(other)
        if other._n:
            self._sketch.merge(other._sketch)

    def quantile(self, q: float) -> float | None:
        """The ``q`` quantile (within 0.1 %; the minimum and maximum exactly)."""
        if not self.n:
            return None
        if q <= 0 or q >= 1:
            return self.low if q <= 0 else self.high
        return min(max(self.sketch.get_quantile_value(q), self.low), self.high)

    def report(self, scale: float = 1.0, digits: int = 3, quantiles: tuple[float, ...] = (0.5, 0.95)
               ) -> dict[str, Any] | None:
        """``{n, mean, p50, p95, …, ci95: [low, high]}`` in units of ``scale`` (a ``pNN`` per asked
        quantile), or None without values."""
        moments = super().report(scale, digits)
        if moments is None:
            return None
        ci = moments.pop("ci95")
        return {**moments, **{label(q): round(float(self.quantile(q)) * scale, digits) for q in quantiles},
                "ci95": ci}


def label(q: float) -> str:
    """A quantile's key: 0.95 -> ``p95``, 0.999 -> ``p99.9``."""
    return f"p{100 * q:.10g}"


class Counts(Counter):
    """Exact counts of small integers (interruptions per job): mean and quantiles with no sketch."""

    @property
    def n(self) -> int:
        return sum(self.values())

    @property
    def mean(self) -> float | None:
        n = self.n
        return sum(k * v for k, v in self.items()) / n if n else None

    def quantile(self, q: float) -> int | None:
        """The smallest value with at least ``q`` of the counts at or below it."""
        n, seen = self.n, 0
        for value in sorted(self):
            seen += self[value]
            if seen >= q * n:
                return value
        return None


class Needed:
    """What each replicate needed of a limit (MaxWait or MaxRuntime) not to be stopped by it, in
    milliseconds. Replicates a limit stopped are counted apart: ``beyond``, stopped by this limit
    (they needed more than it, by how much no one can tell), and ``other``, stopped by the other
    limit (stopped whatever this one is)."""

    __slots__ = ("beyond", "other", "values")

    def __init__(self) -> None:
        self.values = Summary()
        self.beyond = 0
        self.other = 0

    def merge(self, other: Needed) -> None:
        self.values.merge(other.values)
        self.beyond += other.beyond
        self.other += other.other

    def smallest(self, share: float) -> tuple[float, tuple[float, float | None]] | str:
        """The smallest limit (ms) that stops at most ``share`` of the replicates, and its
        distribution-free 95 % interval (order statistics of the binomial; None above: beyond the
        largest need seen); or why there is none: ``"other"`` (the other limit alone stops more),
        ``"beyond"`` (it lies above the limit the sweep ran with).

        The sketch reads a need within 0.1 % of the exact one, either side: the limit is raised by
        that much (never above the largest need, which is exact), so that it never stops more than
        ``share``; it is at most 0.1 % above the exact smallest limit."""
        finite = self.values
        n = finite.n + self.beyond + self.other
        allowed = math.floor(share * n + 1e-9)  # replicates the limit may stop
        if self.other > allowed:
            return "other"
        if self.beyond + self.other > allowed or not finite.n:
            return "beyond"
        # at most ``allowed`` stopped, those stopped already included: at or above the (n - allowed)-th need
        rank = n - allowed

        def at(r: float, widen: float) -> float:
            r = min(max(round(r), 1), finite.n)
            if r == finite.n:
                return finite.high  # exact
            if r == 1:
                return finite.low
            return min(finite.quantile((r - 1) / (finite.n - 1)) * widen, finite.high)

        spread = Z95 * math.sqrt(n * share * (1 - share))
        upper = rank + spread + 1
        return at(rank, 1 / (1 - RELATIVE_ACCURACY)), (
            at(rank - spread, 1 - RELATIVE_ACCURACY), at(upper, 1 / (1 - RELATIVE_ACCURACY)) if upper <= finite.n
            else None)


class VariantStats:
    """Everything a sweep keeps of one variant's replicates."""

    __slots__ = ("billable", "cost", "interruptions", "needed", "never_ended", "outcomes", "savings", "training",
                 "transitions", "wall", "writing")

    def __init__(self, solve: bool = False) -> None:
        self.outcomes: Counter[str] = Counter()  #: "TrainingJobStatus/SecondaryStatus" -> replicates
        self.cost = Summary()  #: in price units (see sweep.COST_UNITS_PER_USD)
        self.billable = Summary()  #: seconds, warm-pool seconds included
        self.training = Summary()  #: seconds
        self.wall = Summary()  #: milliseconds from creation to the end
        self.savings = Moments()  #: the baseline's cost minus this variant's, replicate by replicate
        self.interruptions = Counts()  #: spot interruptions per job -> replicates
        self.writing = 0  #: milliseconds of checkpoint writes, all replicates
        self.needed = Needed() if solve else None  #: what each replicate needed of the limit solved for
        self.transitions = 0
        self.never_ended = 0

    def merge(self, other: VariantStats) -> None:
        self.outcomes.update(other.outcomes)
        for name in ("cost", "billable", "training", "wall", "savings"):
            getattr(self, name).merge(getattr(other, name))
        self.interruptions.update(other.interruptions)
        self.writing += other.writing
        if self.needed is not None and other.needed is not None:
            self.needed.merge(other.needed)
        self.transitions += other.transitions
        self.never_ended += other.never_ended
