"""simulator/engine/billing.py: TrainingTimeInSeconds and BillableTimeInSeconds from a job's
accounts, arithmetic without a clock."""

from __future__ import annotations

from simulator.distributions import Uniform
from simulator.engine.billing import Billing
from simulator.engine.streams import Streams


def billed(start: float | None, end: float, running: float, ratio=None) -> Billing:
    billing = Billing()
    billing.training_start, billing.running = start, running
    billing.settle(end, ratio, Streams(0))
    return billing


def test_instances_that_never_came_up_bill_nothing():
    b = billed(None, 500.0, 0.0)
    assert (b.training_seconds, b.billable_seconds) == (None, None)


def test_on_demand_bills_the_training_time_rounded_to_the_second():
    assert (billed(100.0, 1140.4, 1040.4).training_seconds, billed(100.0, 1140.5, 1040.5).billable_seconds) == (
        1040, 1041)
    assert billed(100.0, 100.2, 0.2).billable_seconds == 1  # never below a second


def test_spot_bills_the_instance_time_at_the_price_ratio_never_above_the_training_time():
    b = billed(0.0, 6635.0, 6022.0, 0.3)
    assert (b.training_seconds, b.billable_seconds) == (6635, round(6022 * 0.3))
    assert billed(0.0, 100.0, 100.0, 1.0).billable_seconds == 100
    assert billed(0.0, 100.0, 1.0, 0.3).billable_seconds == 1


def test_a_drawn_ratio_comes_from_its_own_stream_and_stays_within_bounds():
    ratio = Uniform(uniform=[0.2, 0.4])
    first, again = billed(0.0, 1000.0, 1000.0, ratio), billed(0.0, 1000.0, 1000.0, ratio)
    assert first.billable_seconds == again.billable_seconds and 200 <= first.billable_seconds <= 400
