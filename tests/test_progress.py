"""simulator/engine/progress.py: training progress with checkpoint writes, arithmetic without a clock:
the closed form equals a step-by-step account."""

from __future__ import annotations

import math
import random

from simulator.engine import record
from simulator.engine.history import History, Quiet
from simulator.engine.progress import Progress

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


class Clock:
    """A stand-in for simpy's environment: all a history reads is ``now``."""

    now = 0.0


def test_the_closed_form_equals_the_stepwise_account():
    rng = random.Random(5)
    for _ in range(3000):
        interval, cost = rng.choice([60, 300, 600, 1234.5]), rng.choice([1, 20, 45, 300])
        needed = rng.choice([1000, 3600, 14400.5])
        m = Progress(needed, interval, cost, Quiet())
        state = (0.0, 0.0, 0.0)
        total = m.time_left()
        spent = 0.0
        while spent < total - 1e-6:
            elapsed = min(rng.choice([0.5, 7, 59, 300, 601, 2000, 9000]), total - spent)
            m.advance(elapsed, spent + elapsed)
            state = stepwise(*state, elapsed, interval, cost, needed)
            assert math.isclose(m.done, state[0], abs_tol=1e-6), (interval, cost, needed)
            assert math.isclose(m._writing, state[1], abs_tol=1e-6)
            assert math.isclose(m._saved, state[2], abs_tol=1e-6)
            spent += elapsed
        assert math.isclose(m.done, needed, abs_tol=1e-6)


def test_a_restart_resumes_from_the_last_checkpoint_written_or_from_nothing():
    without = Progress(1000, 0, 0, Quiet())
    without.advance(700, 700)
    without.lose()
    assert without.done == 0
    instant = Progress(1000, 300, 0, Quiet())
    instant.advance(700, 700)
    instant.lose()
    assert instant.done == 600  # a write takes no time: every boundary passed is saved
    writing = Progress(1000, 300, 20, Quiet())
    writing.advance(650, 650)  # 300 of work, a 20 s write, 300 more, the second write, 10 s of work
    assert (writing.done, writing.time_left()) == (610, 390 + 20)  # the write at 900 is still due
    writing.advance(300, 950)  # to 900, and 10 s into its write
    writing.lose()
    assert writing.done == 600  # the write under way when the instances went did not finish


def test_checkpoints_are_recorded_when_written_and_only_by_a_recording_history():
    clock = Clock()
    history = History(clock, created=0.0)
    progress = Progress(1000, 300, 20, history)
    clock.now = 1000.0
    progress.advance(1000, 1000)
    assert record.checkpoints(history.entries) == [(320.0, 300), (640.0, 600), (960.0, 900)]
    quiet = Progress(1000, 300, 20, Quiet())
    quiet.advance(1000, 1000)
    assert quiet.done == progress.done


def test_time_left_counts_the_writes_still_due():
    assert Progress(1000, 300, 20, Quiet()).time_left() == 1000 + 3 * 20
    assert Progress(900, 300, 20, Quiet()).time_left() == 900 + 2 * 20  # none at the very end
    assert Progress(1000, 0, 0, Quiet()).time_left() == 1000
