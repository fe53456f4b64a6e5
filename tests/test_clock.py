"""The sweep's clock: reused as new from job to job, and driving a lone job as its process would."""

from __future__ import annotations

from unittest.mock import patch

import pytest
import simpy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator import Job, Streams, compile_plan, simulate
from simulator.engine.clock import Clock, clock
from simulator.engine.outcome import Outcome

from .factories import scenario, scenarios


def _as_a_process(plan, seed, replicate):
    """The job run as a simpy Process on a new environment, drawing everything itself (no remembered
    first draws): what ``simulate`` gave before the clock drove it."""
    env = simpy.Environment()
    with patch("simulator.engine.streams._firsts", lambda key: {}):
        job = Job(env, plan, streams=Streams(seed, replicate), record=False)
        env.run()
    return Outcome.of(job)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(0, 2**20))
def test_a_job_driven_alone_comes_to_what_its_process_comes_to(s, replicate):
    s = s.model_copy(update={"later_jobs": [], "events": []})  # alone: nothing acts on it
    plan = compile_plan(s)
    assert not plan.events
    assert simulate(plan, seed=s.seed, replicate=replicate) == _as_a_process(plan, s.seed, replicate)


def test_a_job_with_scheduled_events_still_runs_as_a_process():
    s = scenario(spot=(86400, 172800), events=[{"at": 400, "type": "stop"}])
    plan = compile_plan(s)
    assert plan.events
    outcome = simulate(plan, seed=3, replicate=1)
    assert outcome == _as_a_process(plan, 3, 1) and outcome.secondary == "Stopped"


def test_a_job_without_a_process_is_one_nothing_acts_on_and_nobody_describes():
    with pytest.raises(ValueError, match="runs as a process"):
        Job(Clock(), compile_plan(scenario()), process=False)  # recorded
    with pytest.raises(ValueError, match="runs as a process"):
        Job(Clock(), compile_plan(scenario(events=[{"at": 400, "type": "stop"}])), record=False, process=False)


def _trace(drive: bool) -> list[tuple[float, str]]:
    """A generator beside a process on one clock, the generator driven or run as a process: who ran
    when, in which order, ties included; a failed event thrown in; what it leaves behind runs after."""
    env, seen = Clock(), []

    def other():
        for delay in (1, 2, 0, 3):
            yield env.timeout(delay)
            seen.append((env.now, f"other {delay}"))

    def lone():
        yield env.timeout(1)  # ties with other's first timeout, scheduled after it
        seen.append((env.now, "lone 1"))
        shared = env.timeout(2, value="v")
        seen.append((env.now, f"lone got {(yield shared)}"))
        seen.append((env.now, f"lone got {(yield shared)} again"))  # already processed: at once
        failed = env.event()
        failed.fail(RuntimeError("boom"))
        try:
            yield failed
        except RuntimeError as err:
            seen.append((env.now, f"lone caught {err}"))
        env.process(left_behind())
        seen.append((env.now, "lone ends"))

    def left_behind():
        yield env.timeout(5)
        seen.append((env.now, "left behind"))

    def parent():  # starts a process at the very instant the generator starts: that one comes after it
        env.process(child())
        yield env.timeout(0)

    def child():
        seen.append((env.now, "child starts"))
        yield env.timeout(1)
        seen.append((env.now, "child 1"))

    env.process(other())
    env.process(parent())
    if drive:
        env.drive(lone())
    else:
        env.process(lone())
        env.run()
    return seen


def test_the_clock_drives_a_generator_as_simpy_runs_its_process():
    driven = _trace(drive=True)
    assert driven == _trace(drive=False)
    assert [who for _, who in driven[:2]] == ["child starts", "other 1"]
    assert [who for _, who in driven if who in ("other 1", "lone 1", "child 1")] == [
        "other 1", "lone 1", "child 1"]  # ties go to what was scheduled first
    assert driven[-1] == (8, "left behind")


def test_a_driven_generator_waiting_for_what_never_comes_is_left_waiting():
    env, state = Clock(), []

    def forever():
        state.append("waiting")
        yield env.event()
        state.append("never")

    env.drive(forever())
    assert state == ["waiting"] and env.now == 0


def test_a_reused_clock_lives_a_job_as_a_new_environment_does():
    """simulate() puts its thread's clock back as new for each job, even after a job that broke off."""
    plans = [compile_plan(scenario(timing={"training": {"uniform": [500, 1500]}})),
             compile_plan(scenario(spot=(86400, 172800), spot_settings={"interruptions_per_instance_hour": 3}))]
    reused = clock()

    def waiting():
        yield reused.timeout(5)

    reused.process(waiting())  # a job left half-lived on it
    reused.run(until=1)
    for replicate in range(6):
        for plan in plans:
            assert simulate(plan, seed=3, replicate=replicate) == _as_a_process(plan, 3, replicate)
    assert clock() is reused and reused.now == 0


def test_a_clock_binds_its_event_makers_once_as_simpy_binds_an_environments():
    made = Clock()
    assert {"timeout", "event", "process"} <= set(vars(made))
    assert made.timeout(3).env is made


def test_others_waiting_on_the_event_a_driven_generator_waits_on_are_resumed_too():
    env, seen = Clock(), []
    shared = env.timeout(4, value="v")

    def watcher():
        value = yield shared
        seen.append((env.now, f"watcher got {value}"))

    def lone():
        value = yield shared
        seen.append((env.now, f"lone got {value}"))

    env.process(watcher())
    env.drive(lone())
    assert sorted(seen) == [(4, "lone got v"), (4, "watcher got v")]
