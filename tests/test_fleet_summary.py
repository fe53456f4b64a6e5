"""A history summed up: per instance type, with exact Poisson intervals for the rates."""

from __future__ import annotations

import pytest

from simulator.fleet.measures import Measured
from simulator.fleet.summary import History, rate


def test_rates_have_exact_poisson_intervals():
    none = rate(0, 100.0)
    assert none["per_hour"] == 0 and none["ci95"] == [0.0, pytest.approx(0.036889, abs=1e-6)] and none["few"]
    ten = rate(10, 1.0)  # Garwood's interval for 10 events: 4.795 to 18.39
    assert ten["ci95"] == [pytest.approx(4.795389, abs=1e-6), pytest.approx(18.390356, abs=1e-6)] and not ten["few"]
    assert rate(3, 0.0) is None


def job(kind: str, *, spot: bool = False, outcome: str = "Completed", failure: str | None = None,
        interruptions: int = 0, exposure: float = 3600.0) -> Measured:
    return Measured("j", kind, 1, spot, outcome, failure, 0, (("Starting", 60.0, True), ("Training", 3000.0, True)),
                    interruptions, exposure, exposure, 1.0, False)


def test_a_history_sums_up_per_type():
    history = History()
    for m in (job("ml.g5.xlarge", spot=True, interruptions=2), job("ml.g5.xlarge"),
              job("ml.g5.xlarge", outcome="Failed", failure="AlgorithmError"), job("ml.m5.xlarge")):
        history.add(m)
    g5 = history.report()["instance_types"]["ml.g5.xlarge"]
    assert g5["jobs"] == 3 and g5["instance_hours"] == 3.0
    assert g5["spot_share"] == {"jobs": 0.3333, "instance_hours": 0.3333}
    assert g5["outcomes"] == {"Completed": 2, "Failed": 1} and g5["failures"] == {"AlgorithmError": 1}
    assert g5["interruptions_per_spot_instance_hour"]["per_hour"] == 2.0
    assert g5["failures_per_instance_hour"]["per_hour"] == pytest.approx(1 / 3, abs=1e-6)
    assert g5["phases"]["Training"]["p50"] == 3000.0 and g5["phases"]["Starting"]["n"] == 3
    assert history.jobs == 4 and list(history.report()["instance_types"]) == ["ml.g5.xlarge", "ml.m5.xlarge"]
