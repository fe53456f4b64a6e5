"""The Backend: what one endpoint serves, its defaults, and a realtime clock brought up to the present."""

from __future__ import annotations

import copy
import json
import time

import pytest

from simulator.errors import RequestError
from simulator.server.backend import Backend
from simulator.server.clock import ManualClock, RealtimeClock
from simulator.server.control import advance
from simulator.server.sagemaker import create_training_job, describe_training_job
from simulator.server.stories import Stories

from .conftest import ROOT
from .factories import JOB

ORIGIN = 1_735_689_600.0  # 2025-01-01T00:00:00Z


def test_a_backend_starts_now_on_a_manual_clock_in_the_default_region():
    before = time.time()
    b = Backend()
    assert isinstance(b.clock, ManualClock) and before <= b.sim.origin <= time.time() and b.sim.now == 0
    assert (b.region, b.account, b.journal, b.written_by) == ("us-east-1", "123456789012", None, None)
    b.persist("clock", {})  # without a journal, nothing is written, and nothing fails
    b.close()


def test_a_realtime_clock_moves_the_simulation_at_its_speed(monkeypatch):
    import simulator.server.clock as clock_module

    now = [1000.0]
    monkeypatch.setattr(clock_module.time, "time", lambda: now[0])
    b = Backend(stories=Stories(ROOT / "scenarios"), origin=ORIGIN, clock=RealtimeClock(60, wall_origin=1000.0))
    create_training_job(b, {**copy.deepcopy(JOB), "TrainingJobName": "job-1"})
    now[0] += 10  # ten real seconds: ten simulated minutes
    b.sync()
    described = json.loads(describe_training_job(b, {"TrainingJobName": "job-1"}))
    assert b.sim.now == 600 and described["SecondaryStatus"] == "Training"
    with pytest.raises(RequestError, match="the clock is running"):
        advance(b, 5)


def test_a_server_freezes_its_long_lived_objects_out_of_the_collector_every_n_mutations(monkeypatch):
    import gc

    from simulator.cli import serve

    from .server_helpers import backend, request

    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    b = backend()
    for i in range(4):
        create_training_job(b, request(f"job-{i}"))
    assert frozen == []  # in process (tests, the pytest plugin): the collector as it is
    b.freeze_every = 2
    for i in range(4, 9):
        create_training_job(b, request(f"job-{i}"))
    assert len(frozen) == 2  # after the 6th and the 8th mutation
    assert serve.FREEZE_EVERY > 0  # tjsim serve sets it
