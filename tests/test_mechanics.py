"""Training progress with checkpoint writes: the closed form equals a step-by-step account."""

from __future__ import annotations

import math
import random

import simpy

from simulator import compile_plan
from simulator.engine.mechanics import Mechanics
from simulator.engine.streams import Streams

from .factories import scenario

EPS = 1e-9


def stepwise(work, writing, saved, elapsed, interval, cost, needed):
    """The reference: walk the stretch one write or one piece of work at a time."""
    while elapsed > EPS:
        if writing:
            step = min(elapsed, writing)
            writing -= step
            elapsed -= step
            if writing <= EPS:
                writing, saved = 0.0, work
            continue
        boundary = (math.floor(work / interval + EPS) + 1) * interval
        step = min(elapsed, boundary - work)
        work += step
        elapsed -= step
        if work >= boundary - EPS and boundary < needed - EPS:
            work, writing = boundary, cost
    return work, writing, saved


def mechanics(interval, cost, needed):
    plan = compile_plan(scenario(job={"CheckpointConfig": {"S3Uri": "s3://b/c/"}}, timing={"training": needed},
                                 checkpoint_settings={"interval": interval, "write": cost}))
    m = Mechanics(simpy.Environment(), plan, Streams(0), record=False)
    return m


def test_the_closed_form_equals_the_stepwise_account():
    rng = random.Random(5)
    for _ in range(3000):
        interval, cost = rng.choice([60, 300, 600, 1234.5]), rng.choice([1, 20, 45, 300])
        needed = rng.choice([1000, 3600, 14400.5])
        m = mechanics(interval, cost, needed)
        state = (0.0, 0.0, 0.0)
        total = m._work_time_left()
        spent = 0.0
        while spent < total - 1e-6:
            elapsed = min(rng.choice([0.5, 7, 59, 300, 601, 2000, 9000]), total - spent)
            m._progress(elapsed)
            state = stepwise(*state, elapsed, interval, cost, needed)
            assert math.isclose(m.work_done, state[0], abs_tol=1e-6), (interval, cost, needed)
            assert math.isclose(m._writing, state[1], abs_tol=1e-6)
            assert math.isclose(m._saved, state[2], abs_tol=1e-6)
            spent += elapsed
        assert math.isclose(m.work_done, needed, abs_tol=1e-6)
